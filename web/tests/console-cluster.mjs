// The console against the local cluster (issue 21; docs/cluster.md): the
// unchanged console, served through HAProxy by two Interdict servers on one
// PostgreSQL catalog, in Debian's Chromium. The administrator scripts/cluster
// created enrols, signs in through the console and adds a person; then one
// Interdict server is killed (kill -9) and the same signed-in page goes on
// through the survivor: the person is listed and the audit chain verifies.
// Fails on any step that does not happen, on any console error the flow did
// not expect, and on any API answer that differs from docs/openapi.yaml.
//   node tests/console-cluster.mjs BINARY
// Starts the cluster in a new temporary directory and stops it at the end.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { harness, totp } from "./console-harness.mjs";

const [binary] = process.argv.slice(2);
if (!binary) {
  console.error("usage: node tests/console-cluster.mjs BINARY");
  process.exit(2);
}
const CHROMIUM = process.env.INTERDICT_CHROMIUM ?? "/usr/bin/chromium";
const script = new URL("../../scripts/cluster", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "interdict-console-cluster-"));
const cluster = (cmd) =>
  execFileSync(script, [cmd, "--dir", dir, "--binary", binary], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

let failed = 1;
let browser;
try {
  cluster("up");
  const env = Object.fromEntries(
    readFileSync(join(dir, "cluster.env"), "utf8")
      .split("\n")
      .map((l) => /^([A-Z_0-9]+)="?([^"]*)"?$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  const origin = `http://127.0.0.1:${env.FRONT}`;
  const enrolment = /^\s+([A-Z2-7]{32})$/m.exec(readFileSync(join(dir, "admin-enrolment.txt"), "utf8"))?.[1];
  if (!enrolment) throw new Error("scripts/cluster printed no enrolment secret");

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const { page, flow, finish, expected } = harness(browser, origin);
  const password = "cluster console test 1";
  let secret = "";
  let p;

  await flow("the cluster's administrator enrols through the API and signs in through the console", async () => {
    const post = async (path, body) => {
      const r = await fetch(origin + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    secret = (await post("/api/v1/auth/enrol", { username: "admin", enrolment_secret: enrolment, password })).totp_secret;
    await post("/api/v1/auth/enrol/confirm", { username: "admin", enrolment_secret: enrolment, code: totp(secret) });
    // The confirmation spent this step's code: sign in with the next one.
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
    p = await page();
    await p.goto(origin + "/");
    await p.getByLabel("I understand and accept").check();
    await p.getByLabel("Username").fill("admin");
    await p.getByLabel("Password").fill(password);
    await p.getByLabel("Code from your authenticator").fill(totp(secret));
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("navigation", { name: "Screens" }).waitFor();
  });

  await flow("the administrator adds a person through the console", async () => {
    await p.getByRole("link", { name: "Administration" }).click();
    await p.getByRole("heading", { name: "Sharing agreements" }).waitFor();
    const form = p.getByRole("form", { name: "New person" });
    await form.getByLabel("Username", { exact: true }).fill("analyst-one");
    await form.getByLabel("Name", { exact: true }).fill("Analyst One");
    await form.getByLabel("Role").selectOption("analyst");
    await form.getByRole("button", { name: "Create person" }).click();
    await p.getByText(/Created analyst-one/).waitFor();
  });

  await flow("after kill -9 of one Interdict server the signed-in console goes on through the other", async () => {
    const pid = Number(readFileSync(join(dir, "pids", "interdict-1.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    // Requests in flight on the killed server, and its alert stream, may fail
    // once before HAProxy takes it out (docs/cluster.md).
    expected.push("alerts/stream", "Failed to load resource", "Failed to load resource");
    // Every request now reaches the survivor (HAProxy's check takes it out
    // within a second or two); the session is in the catalog, not the server.
    await new Promise((r) => setTimeout(r, 3000));
    await p.getByRole("link", { name: "Audit" }).click();
    await p.getByRole("heading", { name: "Audit trail" }).waitFor();
    await p.getByRole("search", { name: "Audit filters" }).getByLabel("Event").selectOption({ label: "every event" });
    await p.locator("table.audit").getByRole("row").filter({ hasText: "user.create" }).first().waitFor();
    await p.getByRole("button", { name: "Verify the chain" }).click();
    await p.getByText(/Chain intact: \d+ entries/).waitFor();
    await p.getByRole("link", { name: "Administration" }).click();
    await p.getByRole("cell", { name: "analyst-one" }).first().waitFor();
  });

  failed = finish();
  console.log(`console-cluster: ${failed ? "FAILED" : "passed"}`);
} catch (e) {
  console.log(`FAIL the cluster console test could not run: ${e.message}`);
} finally {
  if (browser) await browser.close();
  try {
    cluster("down");
  } catch (e) {
    console.log(`FAIL scripts/cluster down: ${e.message}`);
    failed = 1;
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
