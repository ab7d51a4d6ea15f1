// The dispatcher's board (docs/console.md, "Dispatch"): the agency's units
// with their status and where they last reported, on a map that follows
// them, and the requests of other agencies to confirm this agency's list
// entries (the NCIC rule), answered here before their deadline.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post, put } from "../api/client";
import type { ConfirmationRequest, DispatchRules, Unit } from "../api/types";
import { ago, when } from "../format";
import { MapView, type Marker } from "../ui/MapView";
import { THead } from "../ui/THead";

const REFRESH_MS = 5000;
const STATUSES = ["available", "busy", "out_of_service"] as const;

export function DispatchScreen(props: { canManage: boolean; canConfirm: boolean }) {
  const [units, setUnits] = useState<Unit[] | null>(null);
  const [error, setError] = useState("");
  const [now, setNow] = useState(Date.now());
  const load = () =>
    get("/api/v1/units").then(
      (u) => {
        setUnits(u.units);
        setNow(Date.now());
      },
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  useEffect(() => {
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  async function setStatus(u: Unit, status: string) {
    setError("");
    try {
      await post("/api/v1/units/{id}/status", { path: { id: u.id }, body: { status } });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  async function retire(u: Unit) {
    setError("");
    try {
      await post("/api/v1/units/{id}/retire", { path: { id: u.id } });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  const markers: Marker[] = (units ?? [])
    .filter((u) => u.position)
    .map((u) => ({
      lat: u.position!.lat,
      lon: u.position!.lon,
      label: `${u.call_sign}: ${u.status.replace(/_/g, " ")}`,
      color: u.status === "available" ? "#047857" : u.status === "assigned" ? "#b45309" : "#6b7280",
      radius: 6,
    }));
  return (
    <section aria-labelledby="dispatch-title">
      <h2 id="dispatch-title">Dispatch</h2>
      {props.canConfirm && <Confirmations />}
      <h3>Units</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {units === null ? (
        <p class="muted">Loading units…</p>
      ) : units.length === 0 ? (
        <p class="muted">The agency has no units registered.</p>
      ) : (
        <table aria-label="Units">
          <THead cols={["Call sign", "Kind", "Status", "Last report", props.canManage ? "Set status" : ""]} />
          <tbody>
            {units.map((u) => (
              <tr key={u.id} data-unit={u.call_sign}>
                <th scope="row">{u.call_sign}</th>
                <td>{u.kind.replace(/_/g, " ")}</td>
                <td data-field="status">{u.status.replace(/_/g, " ")}</td>
                <td>
                  {u.position
                    ? `${ago(Math.max(0, Math.round((now - new Date(u.position.time).getTime()) / 1000)))} ago (${u.position.source})`
                    : "never"}
                </td>
                <td>
                  {props.canManage &&
                    STATUSES.filter((s) => s !== u.status).map((s) => (
                      <button key={s} onClick={() => setStatus(u, s)}>
                        {s.replace(/_/g, " ")}
                      </button>
                    ))}
                  {props.canManage && (
                    <button onClick={() => retire(u)} aria-label={`Retire ${u.call_sign}`}>
                      retire
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MapView markers={markers} label="Map of units" fitKey="units" />
      {props.canManage && <Register onDone={load} say={setError} />}
      <Rules canManage={props.canManage} />
    </section>
  );
}

// The agency's dispatch rules: the policy shown with every suggestion, and
// which entry kinds call for the aircraft, a K-9 team or a tactical medic.
function Rules(props: { canManage: boolean }) {
  const [rules, setRules] = useState<DispatchRules | null>(null);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    get("/api/v1/dispatch-rules").then(setRules, (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."));
  }, []);
  const kinds = (v: FormDataEntryValue | null) =>
    String(v ?? "")
      .split(/[\s,]+/)
      .map((k) => k.trim().toUpperCase())
      .filter((k) => k);
  async function save(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setError("");
    setSaved(false);
    try {
      setRules(
        await put("/api/v1/dispatch-rules", {
          body: {
            policy: String(f.get("policy") ?? ""),
            aircraft_kinds: kinds(f.get("aircraft")),
            k9_kinds: kinds(f.get("k9")),
            medic_kinds: kinds(f.get("medic")),
          },
        }),
      );
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }
  if (!rules) return error ? <p class="error" role="alert">{error}</p> : null;
  const list = (k: string[]) => (k.length ? k.join(", ") : "none");
  return (
    <section aria-labelledby="rules-title">
      <h3 id="rules-title">Dispatch rules</h3>
      {!props.canManage ? (
        <>
          <p class="note">{rules.policy}</p>
          <p>
            Aircraft for: {list(rules.aircraft_kinds)} · K-9 for: {list(rules.k9_kinds)} · tactical medic for: {list(rules.medic_kinds)}
            {rules.defaults ? " (the defaults)" : ""}
          </p>
        </>
      ) : (
        <form class="work" onSubmit={save}>
          <label>
            Policy shown with every suggestion
            <textarea name="policy" rows={3} minLength={20} maxLength={2000} required>
              {rules.policy}
            </textarea>
          </label>
          <label>
            Entry kinds that call for the aircraft <input name="aircraft" value={rules.aircraft_kinds.join(", ")} />
          </label>
          <label>
            … for a K-9 team <input name="k9" value={rules.k9_kinds.join(", ")} />
          </label>
          <label>
            … for a tactical medic <input name="medic" value={rules.medic_kinds.join(", ")} />
          </label>
          <p>
            <button class="primary">Save rules</button> {saved && <span role="status">Saved.</span>}
            {rules.defaults && !saved && <span class="muted"> The defaults apply until you save.</span>}
          </p>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

// Requests to confirm this agency's entries: open ones first, with their
// deadline; confirm, deny or "no record", once.
function Confirmations() {
  const [list, setList] = useState<ConfirmationRequest[] | null>(null);
  const [error, setError] = useState("");
  const [now, setNow] = useState(Date.now());
  const load = () =>
    get("/api/v1/confirmations").then(
      (c) => setList(c.confirmations),
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  useEffect(() => {
    void load();
    const poll = setInterval(load, REFRESH_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(poll);
      clearInterval(tick);
    };
  }, []);
  async function answer(c: ConfirmationRequest, a: "confirmed" | "denied" | "no_record") {
    setError("");
    try {
      await post("/api/v1/confirmations/{id}/answer", { path: { id: c.id }, body: { answer: a } });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }
  const open = (list ?? []).filter((c) => !c.answer);
  return (
    <section aria-labelledby="confirm-title">
      <h3 id="confirm-title">Entries to confirm</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : open.length === 0 ? (
        <p class="muted">No open request to confirm an entry.</p>
      ) : (
        <ul aria-label="Open confirmation requests">
          {open.map((c) => {
            const left = Math.round((new Date(c.due_at).getTime() - now) / 1000);
            const clock = `${Math.floor(Math.abs(left) / 60)}:${String(Math.abs(left) % 60).padStart(2, "0")}`;
            return (
              <li key={c.id} class={left < 0 ? "warn" : ""}>
                {c.requester} asks: is entry {c.entry} (<strong class="plate">{c.plate}</strong>) still valid? ({c.priority},{" "}
                <span role="timer">{left >= 0 ? `due in ${clock}` : `overdue by ${clock}`}</span>, asked {when(c.requested_at)}){" "}
                <button class="primary" onClick={() => answer(c, "confirmed")}>
                  Confirmed
                </button>{" "}
                <button onClick={() => answer(c, "denied")}>Denied</button> <button onClick={() => answer(c, "no_record")}>No record</button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

// Registering a unit: call sign, kind, and for an aircraft its ADS-B address.
function Register(props: { onDone: () => void; say: (m: string) => void }) {
  const [done, setDone] = useState("");
  async function register(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const icao = String(f.get("icao") ?? "").trim();
    setDone("");
    props.say("");
    try {
      await post("/api/v1/units", {
        body: { call_sign: String(f.get("call_sign") ?? "").trim().toUpperCase(), kind: String(f.get("kind")), ...(icao ? { icao: icao.toLowerCase() } : {}) },
      });
      setDone(`Registered ${String(f.get("call_sign")).toUpperCase()}.`);
      form.reset();
      props.onDone();
    } catch (err) {
      props.say(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }
  return (
    <form class="row wrap" aria-label="Register a unit" onSubmit={register}>
      <label>
        Call sign <input name="call_sign" required maxLength={32} />
      </label>
      <label>
        Kind
        <select name="kind">
          {["patrol", "unmarked", "k9", "tactical_medic", "aircraft", "other"].map((k) => (
            <option key={k} value={k}>
              {k.replace(/_/g, " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        ADS-B address (aircraft) <input name="icao" maxLength={6} />
      </label>
      <button>Register unit</button>
      {done && <span role="status">{done}</span>}
    </form>
  );
}
