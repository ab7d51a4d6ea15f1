// Checks API answers against docs/openapi.yaml: the body of every JSON
// answer must match the schema the document gives for its route, method and
// status, and objects are closed (a member the document does not name is a
// difference too). The console's response types are generated from the same
// document (npm run types), so a server change that the document does not
// follow fails here, and a document change the console does not follow fails
// the console's type check.
//   const c = contract("../docs/openapi.yaml");
//   c.check("GET", "/api/v1/hits?x=1", 200, "application/json", text) → problem or null
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { parse } from "yaml";

// OpenAPI 3.0 schemas as JSON Schema for Ajv: objects that list their
// properties and say nothing about others are closed; references into the
// document point at it by its id.
function prepare(node) {
  if (Array.isArray(node)) return node.map(prepare);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `openapi${v}` : prepare(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export function contract(file) {
  const doc = parse(readFileSync(file, "utf8"));
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  ajv.addSchema({ components: prepare(doc.components) }, "openapi");
  const routes = Object.entries(doc.paths).map(([template, ops]) => {
    const params = (template.match(/\{[^}]+\}/g) ?? []).length;
    const pattern = new RegExp(
      "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$",
    );
    return { template, ops, params, pattern };
  });
  // Literal segments win over parameters (/hits/stream before /hits/{id}).
  routes.sort((a, b) => a.params - b.params);
  const compiled = new Map();
  const seen = new Set();
  const validator = (key, schema) => {
    if (!compiled.has(key)) compiled.set(key, ajv.compile(prepare(schema)));
    return compiled.get(key);
  };
  // Every schema of the document compiles, or the check says which does not.
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    try {
      validator(`#${name}`, { $ref: `#/components/schemas/${name}` });
    } catch (e) {
      throw new Error(`docs/openapi.yaml: components.schemas.${name}: ${e.message}`);
    }
  }
  for (const { template, ops } of routes) {
    for (const [m, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const schema = response?.content?.["application/json"]?.schema;
        if (!schema) continue;
        try {
          validator(`${m} ${template} ${status}`, schema);
        } catch (e) {
          throw new Error(`docs/openapi.yaml: ${m} ${template} ${status}: ${e.message}`);
        }
      }
    }
  }

  function check(method, url, status, contentType, text) {
    const path = new URL(url, "http://x").pathname;
    const route = routes.find((r) => r.pattern.test(path));
    const m = method.toLowerCase();
    const name = `${method} ${route ? route.template : path} → ${status}`;
    if (!route || !route.ops[m]) return `${name}: the route is not in docs/openapi.yaml`;
    if (!(contentType ?? "").startsWith("application/json")) return null;
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return `${name}: the body is not JSON (${e.message})`;
    }
    if (status >= 400) {
      const v = validator("error", { $ref: "#/components/schemas/Error" });
      return v(body) ? null : `${name}: ${ajv.errorsText(v.errors)} in ${text.slice(0, 300)}`;
    }
    const response = route.ops[m].responses?.[String(status)];
    const schema = response?.content?.["application/json"]?.schema;
    if (!schema) return `${name}: docs/openapi.yaml gives no JSON schema for this answer`;
    seen.add(`${m} ${route.template}`);
    const v = validator(`${m} ${route.template} ${status}`, schema);
    if (v(body)) return null;
    const where = v.errors?.[0];
    const extra = where?.params?.additionalProperty ? ` '${where.params.additionalProperty}'` : "";
    return `${name}: ${ajv.errorsText(v.errors)}${extra} in ${text.slice(0, 300)}`;
  }

  return { check, seen };
}
