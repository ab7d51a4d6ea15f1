// Deconfliction (docs/console.md, "Deconfliction"; docs/format/intel.md): the
// agency's open conflicts — whom to call, and since when the overlap runs —
// with each side's answer; its operations and targets, and the forms that
// enter them. A supervisor's list is the watch view (the soonest overlap
// first, audited). Conflicts are fetched again every 10 s, so a conflict
// another agency's entry reveals shows up without reloading.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post } from "../api/client";
import type { Conflict, Operation, Target } from "../api/types";
import { when } from "../format";
import { MapView, type Marker } from "../ui/MapView";
import { THead } from "../ui/THead";

const REFRESH_MS = 10_000;
const KINDS = ["raid", "search_warrant", "surveillance", "controlled_buy", "undercover_meeting", "other"] as const;
const RESOLUTIONS = ["proceed", "joint", "delay", "cancel"] as const;
const words = (s: string) => s.replace(/_/g, " ");
const failed = (e: unknown) => (e instanceof ApiError ? e.message : "The server did not answer.");

export function DeconflictionScreen(props: { canManage: boolean; canWatch: boolean }) {
  const [conflicts, setConflicts] = useState<Conflict[] | null>(null);
  const [operations, setOperations] = useState<Operation[]>([]);
  const [targets, setTargets] = useState<Target[]>([]);
  const [error, setError] = useState("");
  const loadConflicts = () =>
    (props.canWatch ? get("/api/v1/conflicts/watch") : get("/api/v1/conflicts", { query: "open=true" })).then(
      (c) => setConflicts(c.conflicts),
      (e) => setError(failed(e)),
    );
  const loadOwn = () => {
    void get("/api/v1/operations").then((o) => setOperations(o.operations), (e) => setError(failed(e)));
    void get("/api/v1/targets").then((t) => setTargets(t.targets), (e) => setError(failed(e)));
  };
  useEffect(() => {
    void loadConflicts();
    loadOwn();
    const t = setInterval(loadConflicts, REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  async function resolve(c: Conflict, resolution: string) {
    setError("");
    try {
      await post("/api/v1/conflicts/{id}/resolve", { path: { id: c.id }, body: { resolution } });
      await loadConflicts();
    } catch (e) {
      setError(failed(e));
    }
  }

  const markers: Marker[] = operations
    .map((o) => ({ o, m: /^POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)$/i.exec(o.area.trim()) }))
    .filter(({ m }) => m)
    .map(({ o, m }) => ({
      lat: Number(m![2]),
      lon: Number(m![1]),
      label: `${words(o.kind)} ${o.case_number}: ${when(o.starts_at)}`,
      color: "#1d4ed8",
      radius: 7,
    }));
  return (
    <section aria-labelledby="deconfliction-title">
      <h2 id="deconfliction-title">Deconfliction</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>{props.canWatch ? "Open conflicts, soonest first" : "Open conflicts"}</h3>
      {conflicts === null ? (
        <p class="muted">Loading conflicts…</p>
      ) : conflicts.length === 0 ? (
        <p class="muted">No open conflicts.</p>
      ) : (
        <table aria-label="Open conflicts">
          <THead cols={["Conflict", "Yours", "Other agency", "Call", "Their", "From", "Answers", props.canManage ? "Your answer" : ""]} />
          <tbody>
            {conflicts.map((c) => (
              <tr key={c.id} data-conflict={c.id} class="alarm">
                <th scope="row">
                  {c.id} ({c.kind})
                </th>
                <td>
                  {c.kind} {c.own}
                </td>
                <td>{c.other.agency_name}</td>
                <td>
                  {c.other.contact_name}, <a href={`tel:${c.other.contact_phone}`}>{c.other.contact_phone}</a>
                </td>
                <td>{words(c.other.kind)}</td>
                <td>{when(c.urgency_at)}</td>
                <td>
                  yours: {c.own_resolution ?? "none yet"} · theirs: {c.other_resolution ?? "none yet"}
                </td>
                <td>
                  {props.canManage &&
                    !c.own_resolution &&
                    RESOLUTIONS.map((r) => (
                      <button key={r} onClick={() => resolve(c, r)} aria-label={`${r} on conflict ${c.id}`}>
                        {r}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Operations</h3>
      {operations.length === 0 ? (
        <p class="muted">No operations planned.</p>
      ) : (
        <table aria-label="Operations">
          <THead cols={["Case", "Kind", "Title", "Contact", "From", "To", "Status"]} />
          <tbody>
            {operations.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.case_number}</th>
                <td>{words(o.kind)}</td>
                <td>{o.title}</td>
                <td>
                  {o.contact_name}, {o.contact_phone}
                </td>
                <td>{when(o.starts_at)}</td>
                <td>{when(o.ends_at)}</td>
                <td>{o.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MapView markers={markers} label="Map of operations" fitKey="operations" />
      {props.canManage && <EnterOperation onDone={() => { loadOwn(); void loadConflicts(); }} />}
      <h3>Targets</h3>
      {targets.length === 0 ? (
        <p class="muted">No targets in force.</p>
      ) : (
        <table aria-label="Targets">
          <THead cols={["Target", "Kind", "Case", "Contact", "Expires"]} />
          <tbody>
            {targets.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.value}</th>
                <td>{t.kind}</td>
                <td>{t.case_number}</td>
                <td>
                  {t.contact_name}, {t.contact_phone}
                </td>
                <td>{when(t.expires_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.canManage && <EnterTarget onDone={() => { loadOwn(); void loadConflicts(); }} />}
    </section>
  );
}

// A local date and time from a datetime-local field, as RFC 3339.
const iso = (v: FormDataEntryValue | null) => new Date(String(v ?? "")).toISOString();

function EnterOperation(props: { onDone: () => void }) {
  const [error, setError] = useState("");
  const [said, setSaid] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    setError("");
    setSaid("");
    try {
      const polygon = String(f.get("polygon") ?? "").trim();
      const made = await post("/api/v1/operations", {
        body: {
          kind: String(f.get("kind")),
          case_number: String(f.get("case")),
          title: String(f.get("title")),
          contact_name: String(f.get("contact")),
          contact_phone: String(f.get("phone")),
          starts_at: iso(f.get("starts")),
          ends_at: iso(f.get("ends")),
          area: polygon || `POINT(${Number(f.get("lon"))} ${Number(f.get("lat"))})`,
          ...(polygon ? {} : { radius_m: Number(f.get("radius")) }),
        },
      });
      setSaid(
        made.conflicts.length
          ? `Entered. Conflict: call ${made.conflicts.map((c) => `${c.other.contact_name} (${c.other.agency_name}) at ${c.other.contact_phone}`).join("; ")} before you go.`
          : "Entered. No conflict found.",
      );
      form.reset();
      props.onDone();
    } catch (err) {
      setError(failed(err));
    }
  }
  return (
    <form class="work" onSubmit={submit} aria-labelledby="enter-operation">
      <h4 id="enter-operation">Enter an operation</h4>
      <label>
        Kind{" "}
        <select name="kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {words(k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Case number <input name="case" required maxLength={64} />
      </label>
      <label>
        Title (stays with your agency) <input name="title" required maxLength={200} />
      </label>
      <label>
        Contact on duty <input name="contact" required maxLength={100} />
      </label>
      <label>
        Contact phone <input name="phone" type="tel" required />
      </label>
      <label>
        Starts <input name="starts" type="datetime-local" required />
      </label>
      <label>
        Ends <input name="ends" type="datetime-local" required />
      </label>
      <label>
        Latitude <input name="lat" type="number" step="any" />
      </label>
      <label>
        Longitude <input name="lon" type="number" step="any" />
      </label>
      <label>
        Radius (m) <input name="radius" type="number" min={50} max={5000} value={150} />
      </label>
      <label>
        Or a polygon (WKT) <input name="polygon" placeholder="POLYGON((lon lat, …))" />
      </label>
      <p>
        <button class="primary">Enter and check</button>
      </p>
      {said && <p role="status">{said}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function EnterTarget(props: { onDone: () => void }) {
  const [error, setError] = useState("");
  const [said, setSaid] = useState("");
  const [kind, setKind] = useState("plate");
  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    setError("");
    setSaid("");
    try {
      const made = await post("/api/v1/targets", {
        body: {
          kind,
          value: String(f.get("value")),
          ...(kind === "person" ? { dob: String(f.get("dob")) } : {}),
          case_number: String(f.get("case")),
          contact_name: String(f.get("contact")),
          contact_phone: String(f.get("phone")),
        },
      });
      setSaid(
        made.matches.length
          ? `Entered. Another agency works this ${kind}: call ${made.matches.map((c) => `${c.other.contact_name} (${c.other.agency_name}) at ${c.other.contact_phone}`).join("; ")}.`
          : "Entered. No other agency's target matches.",
      );
      form.reset();
      props.onDone();
    } catch (err) {
      setError(failed(err));
    }
  }
  return (
    <form class="work" onSubmit={submit} aria-labelledby="enter-target">
      <h4 id="enter-target">Enter a target</h4>
      <label>
        Kind{" "}
        <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="plate">plate</option>
          <option value="person">person</option>
          <option value="phone">phone</option>
          <option value="address">address</option>
        </select>
      </label>
      <label>
        {kind === "person" ? "Name" : kind === "plate" ? "Plate" : kind === "phone" ? "Phone number" : "Address"}{" "}
        <input name="value" required maxLength={200} />
      </label>
      {kind === "person" && (
        <label>
          Date of birth <input name="dob" type="date" required />
        </label>
      )}
      <label>
        Case number <input name="case" required maxLength={64} />
      </label>
      <label>
        Contact <input name="contact" required maxLength={100} />
      </label>
      <label>
        Contact phone <input name="phone" type="tel" required />
      </label>
      <p>
        <button class="primary">Enter and match</button>
      </p>
      {said && <p role="status">{said}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
