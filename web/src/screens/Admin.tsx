// Agency administration (docs/console.md): people and roles, single sign-on,
// API keys, cameras with their health on the map, sharing agreements (a
// second person approves), retention and evidence holds. Each section shows only when the
// signed-in person's permissions allow it; the API decides either way.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Answer, ApiError, get, post, put } from "../api/client";
import type { Camera } from "../api/types";
import { has, sinceIso, when } from "../format";
import { THead } from "../ui/THead";
import { MapView } from "../ui/MapView";

type Say = (msg: string) => void;

// Runs an API action and reports its outcome or the server's refusal.
async function act(say: Say, f: () => Promise<unknown>, done: string, after?: () => void) {
  try {
    await f();
    say(done);
    after?.();
  } catch (e) {
    say(e instanceof ApiError ? `Refused: ${e.message}` : "The server did not answer.");
  }
}

// A list the API answers as {key: [...]}, typed from docs/openapi.yaml.
type ListPath = "/api/v1/users" | "/api/v1/integrations" | "/api/v1/cameras" | "/api/v1/agreements" | "/api/v1/retention" | "/api/v1/holds";
type ListOf<P extends ListPath, K extends keyof Answer<P, "get">> = Answer<P, "get">[K];
function useList<P extends ListPath, K extends keyof Answer<P, "get">>(path: P, key: K): [ListOf<P, K>, () => void] {
  const [items, setItems] = useState<ListOf<P, K>>([] as ListOf<P, K>);
  const load = () => {
    // None of these paths has parameters; TypeScript cannot see that through P.
    const fetchList = get as (path: P) => Promise<Answer<P, "get">>;
    fetchList(path).then((r) => setItems(r[key]), () => setItems([] as ListOf<P, K>));
  };
  useEffect(load, []);
  return [items, load];
}

function Section(props: { title: string; children: ComponentChildren }) {
  return (
    <section class="admin-section" aria-label={props.title}>
      <h3>{props.title}</h3>
      {props.children}
    </section>
  );
}

const form = (e: Event) => {
  e.preventDefault();
  return new FormData(e.currentTarget as HTMLFormElement);
};

export function AdminScreen(props: { permissions: string[]; agency: string }) {
  const [msg, setMsg] = useState("");
  const can = (p: string) => has(props.permissions, p);
  return (
    <div class="page">
      <h2>Administration — {props.agency}</h2>
      {msg && (
        <p class="notice" role="status">
          {msg}
        </p>
      )}
      {can("users.manage") && <Users say={setMsg} />}
      {can("users.manage") && <SingleSignOn say={setMsg} />}
      {can("integrations.manage") && <Keys say={setMsg} />}
      {can("agency.read") && <Cameras say={setMsg} manage={can("cameras.manage")} />}
      {can("agreements.read") && <Agreements say={setMsg} agency={props.agency} can={can} />}
      {can("agency.read") && <Retention say={setMsg} manage={can("retention.manage")} />}
      {can("holds.manage") && <Holds say={setMsg} />}
    </div>
  );
}

function Users(props: { say: Say }) {
  const [users, reload] = useList("/api/v1/users", "users");
  const [secret, setSecret] = useState("");
  return (
    <Section title="People and roles">
      <table class="data">
        <THead cols={["Username", "Name", "Role", "State", "Shift (local; searches outside it are flagged)", "Access review (yearly)", ""]} />
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>{u.display_name}</td>
              <td>{u.role}</td>
              <td>{u.state}</td>
              <td>
                <form
                  class="row"
                  onSubmit={(e) => {
                    const f = form(e);
                    void act(props.say, () => post("/api/v1/users/{id}/shift", { path: { id: u.id }, body: { shift: String(f.get("shift") ?? "") } }), `Shift of ${u.username} saved.`, reload);
                  }}
                >
                  <input name="shift" defaultValue={u.shift} placeholder="07:00-19:00" size={11} pattern="([0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2})?" aria-label={`Shift of ${u.username}`} />
                  <button>Save</button>
                </form>
              </td>
              <td>
                {u.state !== "disabled" && (
                  <>
                    <span class={u.state === "suspended" || new Date(u.review_due_at).getTime() < Date.now() ? "bad" : ""}>due {u.review_due_at.slice(0, 10)}</span>{" "}
                    <button onClick={() => act(props.say, () => post("/api/v1/users/{id}/review", { path: { id: u.id } }), `Access of ${u.username} reviewed for another year.`, reload)}>
                      Reviewed
                    </button>
                  </>
                )}
              </td>
              <td>
                {u.state !== "disabled" && (
                  <button onClick={() => act(props.say, () => post("/api/v1/users/{id}/disable", { path: { id: u.id } }), `Disabled ${u.username}; their sessions ended.`, reload)}>
                    Disable
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="row wrap"
        aria-label="New person"
        onSubmit={(e) => {
          const f = form(e);
          void act(
            props.say,
            async () => {
              const r = await post("/api/v1/users", {
                body: { username: f.get("username"), display_name: f.get("display_name"), role: f.get("role") },
              });
              setSecret(JSON.stringify(r));
            },
            `Created ${String(f.get("username"))}. Give them the enrolment secret below, once.`,
            reload,
          );
        }}
      >
        <label>
          Username <input name="username" required pattern="[a-z0-9._\-]{2,64}" />
        </label>
        <label>
          Name <input name="display_name" required />
        </label>
        <label>
          Role
          <select name="role">
            {["officer", "analyst", "supervisor", "auditor", "administrator"].map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button>Create person</button>
      </form>
      {secret && <pre class="secret">{secret}</pre>}
    </Section>
  );
}

const ROLES = ["officer", "analyst", "supervisor", "auditor", "clerk", "administrator"];

// The agency's OpenID Connect provider: who it is, which client Interdict is
// there, and which of its groups become which role. The client secret is not
// here: it stays on the server's host (sso.client_secrets_dir).
function SingleSignOn(props: { say: Say }) {
  type Settings = Answer<"/api/v1/sso", "get">;
  const [s, setS] = useState<Settings | null>(null);
  const load = () => {
    get("/api/v1/sso").then(setS, () => setS(null));
  };
  useEffect(load, []);
  if (!s) return null;
  const map = Object.entries(s.role_map ?? {})
    .map(([group, role]) => `${group}=${role}`)
    .join("\n");
  return (
    <Section title="Single sign-on">
      {!s.available ? (
        <p>This server does not offer single sign-on: its operator sets sso.public_url (docs/configuration.md).</p>
      ) : (
        <>
          <p>
            Register this address at your identity provider: <code>{s.redirect_uri}</code>. Put the client secret in the server's secrets
            directory, in a file named after the agency code.
          </p>
          <form
            class="stack"
            aria-label="Identity provider"
            onSubmit={(e) => {
              const f = form(e);
              const role_map: Record<string, string> = {};
              for (const line of String(f.get("role_map")).split("\n")) {
                const [group, role] = line.split("=").map((x) => x.trim());
                if (group && role) role_map[group] = role;
              }
              const list = (name: string) =>
                String(f.get(name))
                  .split(",")
                  .map((x) => x.trim())
                  .filter(Boolean);
              void act(
                props.say,
                () =>
                  put("/api/v1/sso", {
                    body: {
                      issuer: String(f.get("issuer")).trim(),
                      client_id: String(f.get("client_id")).trim(),
                      groups_claim: String(f.get("groups_claim")).trim() || "groups",
                      role_map,
                      require_mfa: f.get("require_mfa") === "on",
                      // Left empty: the server's defaults (docs/security.md).
                      mfa_amr: list("mfa_amr").length ? list("mfa_amr") : undefined,
                      mfa_acr: list("mfa_acr"),
                      enabled: f.get("enabled") === "on",
                    },
                  }),
                "Single sign-on settings saved.",
                load,
              );
            }}
          >
            <label>
              Issuer <input name="issuer" type="url" required defaultValue={s.issuer ?? ""} placeholder="https://login.example.gov/realms/pd" size={50} />
            </label>
            <label>
              Client ID <input name="client_id" required defaultValue={s.client_id ?? ""} />
            </label>
            <label>
              Claim with the groups <input name="groups_claim" defaultValue={s.groups_claim ?? "groups"} />
            </label>
            <label>
              Groups to roles, one <code>group=role</code> a line ({ROLES.join(", ")})
              <textarea name="role_map" rows={3} required defaultValue={map} />
            </label>
            <label>
              <input type="checkbox" name="require_mfa" defaultChecked={s.require_mfa ?? true} /> The provider must assert a second factor, or
              the person adds Interdict's code
            </label>
            <label>
              Methods that count (amr, comma-separated) <input name="mfa_amr" defaultValue={(s.mfa_amr ?? []).join(", ")} placeholder="mfa, otp, hwk" />
            </label>
            <label>
              Levels that count (acr, comma-separated) <input name="mfa_acr" defaultValue={(s.mfa_acr ?? []).join(", ")} />
            </label>
            <label>
              <input type="checkbox" name="enabled" defaultChecked={s.enabled ?? true} /> On
            </label>
            <button>Save single sign-on</button>
          </form>
        </>
      )}
    </Section>
  );
}

// What a new key may do, by what it is for: a camera feed ingests reads; an
// AVL gateway reports every unit and reads their board; a unit's own key
// reports that unit alone.
function keyRequest(f: FormData) {
  const name = String(f.get("name") ?? "");
  switch (f.get("for")) {
    case "avl":
      return { name, permissions: ["units.report", "units.read"] };
    case "unit":
      return { name, permissions: ["units.report"], units: [String(f.get("unit") ?? "").trim().toUpperCase()] };
    default:
      return { name, permissions: ["reads.ingest", "cameras.heartbeat"] };
  }
}

function Keys(props: { say: Say }) {
  const [keys, reload] = useList("/api/v1/integrations", "integrations");
  const [shown, setShown] = useState("");
  const keep = (r: unknown) => setShown(JSON.stringify(r));
  return (
    <Section title="API keys (camera feeds, vendor back-ends, units' terminals)">
      <table class="data">
        <THead cols={["Name", "Key id", "Permissions", "State", ""]} />
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>
                <code>{k.key_id}</code>
              </td>
              <td>
                {k.permissions.join(", ")}
                {k.units ? ` (${k.units.join(", ")} only)` : ""}
              </td>
              <td>{k.state}</td>
              <td>
                {k.state === "active" && (
                  <>
                    <button onClick={() => act(props.say, async () => keep(await post("/api/v1/integrations/{id}/rotate", { path: { id: k.id } })), "New key below; the old one stopped working.", reload)}>
                      Rotate
                    </button>
                    <button onClick={() => act(props.say, () => post("/api/v1/integrations/{id}/revoke", { path: { id: k.id } }), `Revoked ${k.name}.`, reload)}>Revoke</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="row wrap"
        aria-label="New API key"
        onSubmit={(e) => {
          const f = form(e);
          void act(
            props.say,
            async () => keep(await post("/api/v1/integrations", { body: keyRequest(f) })),
            "Created; the key below is shown once.",
            reload,
          );
        }}
      >
        <label>
          Name <input name="name" required />
        </label>
        <label>
          For
          <select name="for">
            <option value="feed">camera feed</option>
            <option value="avl">AVL gateway (all units' positions, their board)</option>
            <option value="unit">one unit's own terminal</option>
          </select>
        </label>
        <label>
          Call sign (one unit's key) <input name="unit" maxLength={32} />
        </label>
        <button>Create key</button>
      </form>
      {shown && <pre class="secret">{shown}</pre>}
    </Section>
  );
}

function health(c: Camera): [string, string] {
  if (c.status !== "active") return [c.status, "#7a8694"];
  if (!c.last_seen_at) return ["no heartbeat yet", "#ef6c00"];
  const s = sinceIso(c.last_seen_at);
  if (s < 900) return ["healthy", "#2e7d32"];
  if (s < 86400) return ["late", "#ef6c00"];
  return ["silent", "#c62828"];
}

function Cameras(props: { say: Say; manage: boolean }) {
  const [cams, reload] = useList("/api/v1/cameras", "cameras");
  const markers = cams
    .filter((c) => c.lat !== null && c.lon !== null)
    .map((c) => ({ lat: c.lat!, lon: c.lon!, label: `${c.code} ${c.name}: ${health(c)[0]}`, color: health(c)[1] }));
  const pending = cams.filter((c) => c.status === "pending");
  const counts = new Map<string, number>();
  cams.forEach((c) => counts.set(health(c)[0], (counts.get(health(c)[0]) ?? 0) + 1));
  return (
    <Section title="Cameras">
      <p>
        {cams.length} cameras: {[...counts].map(([k, n]) => `${n} ${k}`).join(", ")}.
      </p>
      <MapView markers={markers} label="Map of the agency's cameras" fitKey={String(cams.length)} />
      {pending.length > 0 && (
        <ul>
          {pending.map((c) => (
            <li key={c.id}>
              {c.code} registered itself{" "}
              {props.manage && <button onClick={() => act(props.say, () => post("/api/v1/cameras/{id}/approve", { path: { id: c.id } }), `${c.code} is active.`, reload)}>Approve</button>}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>All cameras</summary>
        <table class="data">
          <THead cols={["Code", "Name", "Vendor", "Health", "Last heartbeat"]} />
          <tbody>
            {cams.map((c) => (
              <tr key={c.id}>
                <td>{c.code}</td>
                <td>{c.name}</td>
                <td>{c.vendor}</td>
                <td>{health(c)[0]}</td>
                <td>{when(c.last_seen_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </Section>
  );
}

function Agreements(props: { say: Say; agency: string; can: (p: string) => boolean }) {
  const [list, reload] = useList("/api/v1/agreements", "agreements");
  const [filter, setFilter] = useState("open");
  const shown = list.filter((a) => filter === "all" || (filter === "open" ? a.state === "proposed" : a.state === filter));
  return (
    <Section title="Sharing agreements">
      <p class="muted">
        Sharing starts only when a second person approves the proposal (a supervisor and an administrator between them). {list.filter((a) => a.state === "proposed").length}{" "}
        waiting.
      </p>
      <label>
        Show
        <select value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}>
          <option value="open">waiting for approval</option>
          <option value="approved">in force</option>
          <option value="revoked">revoked</option>
          <option value="all">all</option>
        </select>
      </label>
      <table class="data">
        <THead cols={["No.", "Owner shares", "With", "From", "Document", "State"]} />
        <tbody>
          {shown.slice(0, 100).map((a) => (
            <tr key={a.id}>
              <td>{a.id}</td>
              <td>
                {a.owner}: {a.data_class}
              </td>
              <td>{a.partner}</td>
              <td>{when(a.effective_from)}</td>
              <td>{a.document}</td>
              <td>
                {a.state}{" "}
                {a.state === "proposed" && a.owner === props.agency && props.can("agreements.approve") && (
                  <button onClick={() => act(props.say, () => post("/api/v1/agreements/{id}/approve", { path: { id: a.id } }), `Agreement ${a.id} approved.`, reload)}>Approve</button>
                )}
                {a.state === "approved" && a.owner === props.agency && props.can("agreements.propose") && (
                  <button onClick={() => act(props.say, () => post("/api/v1/agreements/{id}/revoke", { path: { id: a.id } }), `Agreement ${a.id} revoked.`, reload)}>Revoke</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.can("agreements.propose") && (
        <form
          class="row wrap"
          aria-label="Propose sharing"
          onSubmit={(e) => {
            const f = form(e);
            void act(
              props.say,
              () =>
                post("/api/v1/agreements", {
                  body: {
                    partner: String(f.get("partner")).toUpperCase(),
                    data_class: f.get("data_class"),
                    effective_from: new Date().toISOString(),
                    document: f.get("document"),
                  },
                }),
              "Proposed; a second person must approve it.",
              reload,
            );
          }}
        >
          <label>
            Partner <input name="partner" required size={8} />
          </label>
          <label>
            Data
            <select name="data_class">
              <option>reads</option>
              <option>hits</option>
              <option>hotlists</option>
            </select>
          </label>
          <label>
            Signed document <input name="document" required />
          </label>
          <button>Propose</button>
        </form>
      )}
    </Section>
  );
}

function Retention(props: { say: Say; manage: boolean }) {
  const [rows, reload] = useList("/api/v1/retention", "retention");
  const days = (ms: number) => Math.round(ms / 864e5);
  return (
    <Section title="Retention">
      <table class="data">
        <THead cols={["Data", "Kept (days)", "Source", "State law's limit"]} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.data_class}>
              <td>{r.data_class.replace(/_/g, " ")}</td>
              <td>
                {props.manage ? (
                  <form
                    class="row"
                    onSubmit={(e) => {
                      const f = form(e);
                      void act(props.say, () => post("/api/v1/retention", { body: { data_class: r.data_class, period_ms: Number(f.get("days")) * 864e5 } }), `Retention of ${r.data_class} set.`, reload);
                    }}
                  >
                    <input name="days" type="number" min={1} defaultValue={String(days(r.period_ms))} aria-label={`Days to keep ${r.data_class}`} size={5} />
                    <button>Set</button>
                  </form>
                ) : (
                  days(r.period_ms)
                )}
              </td>
              <td>{r.preset}</td>
              <td>{r.statutory_max_ms ? `${days(r.statutory_max_ms)} days` : "none"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Holds(props: { say: Say }) {
  const [holds, reload] = useList("/api/v1/holds", "holds");
  return (
    <Section title="Evidence holds">
      <table class="data">
        <THead cols={["No.", "Plate / camera", "Basis", "Asked by", "Expires", "State"]} />
        <tbody>
          {holds.map((h) => (
            <tr key={h.id}>
              <td>{h.id}</td>
              <td>{h.plate ?? h.camera ?? "window"}</td>
              <td>{h.basis}</td>
              <td>{h.requested_by}</td>
              <td>{when(h.expires_at)}</td>
              <td>
                {h.state}{" "}
                {h.state === "active" && <button onClick={() => act(props.say, () => post("/api/v1/holds/{id}/release", { path: { id: h.id } }), `Hold ${h.id} released.`, reload)}>Release</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="row wrap"
        aria-label="New hold"
        onSubmit={(e) => {
          const f = form(e);
          void act(
            props.say,
            () =>
              post("/api/v1/holds", {
                body: {
                  plate: f.get("plate") || undefined,
                  basis: f.get("basis"),
                  requested_by: f.get("requested_by"),
                  expires_at: new Date(String(f.get("expires"))).toISOString(),
                },
              }),
            "Hold placed; matching reads are kept until it expires.",
            reload,
          );
        }}
      >
        <label>
          Plate <input name="plate" size={8} required />
        </label>
        <label>
          Legal basis <input name="basis" required placeholder="subpoena 26-SC-0113" />
        </label>
        <label>
          Asked by <input name="requested_by" required />
        </label>
        <label>
          Until <input name="expires" type="date" required />
        </label>
        <button>Place hold</button>
      </form>
    </Section>
  );
}
