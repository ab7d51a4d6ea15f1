// Investigative search (docs/search.md): every type of POST /api/v1/search,
// with purpose, case, offense and justification inline and required. The
// server decides; the console shows its refusals (a prohibited purpose, a
// scope that needs a supervisor's approval) and offers to ask for approval.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, download, get, post } from "../api/client";
import type { Approval, Bolo, CameraPosition as Position, PlateGroup, Purpose, SearchAnswer, Sighting, Spot } from "../api/types";
import { vehicle, when } from "../format";
import { THead } from "../ui/THead";
import { MapView, type Line, type Marker } from "../ui/MapView";

const TYPES: [string, string, boolean][] = [
  ["plate", "Plate history", false],
  ["partial", "Partial plate", false],
  ["lookalike", "Look-alike plates", false],
  ["area", "Area and time", false],
  ["scenes", "Common to several scenes", true],
  ["convoy", "Travelling together", true],
  ["locate", "Where a plate is usually seen", true],
  ["route", "Route and impossible speeds", true],
];


type Answer = SearchAnswer;
// SearchAnswer.results is the union of these; the type of search says which.
const sightings = (a: Answer) => a.results as Sighting[]; // plate, partial, lookalike, route
const groups = (a: Answer) => a.results as PlateGroup[]; // area, scenes, convoy
const spots = (a: Answer) => a.results as Spot[]; // locate

const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const num = (v: FormDataEntryValue | null) => (v === null || v === "" ? undefined : Number(v));
const str = (v: FormDataEntryValue | null) => (v === null || v === "" ? undefined : String(v));

function params(type: string, f: FormData): Record<string, unknown> {
  const center = () => ({ lat: num(f.get("lat")), lon: num(f.get("lon")) });
  switch (type) {
    case "plate":
      return { plate: str(f.get("plate")), state: str(f.get("pstate")) };
    case "partial":
      return { pattern: str(f.get("pattern")) };
    case "lookalike":
      return { plate: str(f.get("plate")) };
    case "area":
      return { center: center(), radius_m: num(f.get("radius_m")) };
    case "scenes": {
      const scenes = [];
      for (let i = 0; i < 3; i++) {
        if (!f.get(`s${i}lat`)) continue;
        scenes.push({
          center: { lat: num(f.get(`s${i}lat`)), lon: num(f.get(`s${i}lon`)) },
          radius_m: num(f.get(`s${i}r`)),
          from: iso(String(f.get(`s${i}from`))),
          to: iso(String(f.get(`s${i}to`))),
        });
      }
      return { scenes, k: num(f.get("k")) };
    }
    case "convoy":
      return { plate: str(f.get("plate")), window_s: num(f.get("window_s")), min_together: num(f.get("min_together")) };
    case "locate":
      return { plate: str(f.get("plate")), time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
    case "route":
      return { plate: str(f.get("plate")), max_kmh: num(f.get("max_kmh")) };
  }
  return {};
}

export function SearchScreen(props: { canPatterns: boolean; canApprove: boolean; agency: string; canBolos?: boolean }) {
  const [type, setType] = useState("plate");
  const [purposes, setPurposes] = useState<Purpose[]>([]);
  const [positions, setPositions] = useState<Position[]>([]);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [request, setRequest] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [view, setView] = useState<"table" | "map" | "timeline">("table");
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [notice, setNotice] = useState("");
  // BOLOs on the plate looked up (its look-alikes too), shown beside the answer.
  const [bolos, setBolos] = useState<Bolo[]>([]);
  const now = new Date();

  const loadApprovals = () => get("/api/v1/approvals").then((r) => setApprovals(r.approvals), () => {});
  useEffect(() => {
    get("/api/v1/purposes").then((r) => setPurposes(r.purposes));
    get("/api/v1/camera-positions").then((r) => setPositions(r.cameras), () => {});
    void loadApprovals();
  }, []);

  async function run(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    setNotice("");
    try {
      const a = await post("/api/v1/search", { body });
      setAnswer(a);
      setRequest(body);
      const plate = (body.params as { plate?: string } | undefined)?.plate;
      setBolos([]);
      if (props.canBolos && plate && !/[?*]/.test(plate))
        get("/api/v1/bolos", { query: new URLSearchParams({ plate }) }).then((b) => setBolos(b.bolos), () => {});
    } catch (e) {
      setAnswer(null);
      setRequest(body);
      setError(e instanceof ApiError ? e : new ApiError(0, "network", "The server did not answer."));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const agencies = str(f.get("agencies"))
      ?.split(/[ ,]+/)
      .filter(Boolean)
      .map((a) => a.toUpperCase());
    void run({
      type,
      params: params(type, f),
      filters: {
        from: iso(String(f.get("from") ?? "")),
        to: iso(String(f.get("to") ?? "")),
        agencies,
        state: str(f.get("state")),
        make: str(f.get("make")),
        color: str(f.get("color")),
      },
      purpose: {
        code: f.get("purpose"),
        case: f.get("case"),
        offense: f.get("offense"),
        justification: f.get("justification"),
        approval: num(f.get("approval")),
      },
      page: { limit: 200 },
    });
  }

  async function askApproval() {
    if (!request) return;
    const p = request.purpose as Record<string, unknown>;
    const filters = request.filters as { from?: string; to?: string; agencies?: string[] };
    const days = Math.max(1, Math.ceil((new Date(filters.to ?? Date.now()).getTime() - new Date(filters.from ?? Date.now() - 30 * 864e5).getTime()) / 864e5));
    try {
      const r = await post("/api/v1/approvals", { body: {
        purpose: p.code,
        case_number: p.case,
        offense: p.offense,
        justification: p.justification,
        max_days: days,
        max_agencies: filters.agencies?.length ?? 100,
        pattern_analysis: TYPES.find((t) => t[0] === request.type)?.[2] ?? false,
        // What the refusal said the areas touch: the approval must name them.
        max_radius_m: Number(error?.detail.radius_m ?? 0),
        places: Array.isArray(error?.detail.places) ? (error.detail.places as string[]) : [],
      } });
      setNotice(`Approval request ${r.id} sent to your supervisors. Once approved, enter ${r.id} as the approval and search again.`);
      void loadApprovals();
    } catch (e) {
      setNotice(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  async function exportAs(format: "csv" | "geojson") {
    if (!request) return;
    try {
      const name = await download("POST", "/api/v1/search", { body: { ...request, format, page: { limit: 10000 } } });
      setNotice(`Exported ${name}. The export is in the audit trail.`);
    } catch (e) {
      setNotice(e instanceof ApiError ? e.message : "The export failed.");
    }
  }

  const allowed = purposes.filter((p) => !p.prohibited);
  const prohibited = purposes.filter((p) => p.prohibited);
  const needsApproval = error?.code === "approval_required" || error?.code === "approval_insufficient";

  return (
    <div class="search">
      <form class="search-form" onSubmit={submit} aria-label="Search">
        <fieldset>
          <legend>What to look for</legend>
          <label>
            Search type
            <select name="type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {TYPES.filter(([, , pattern]) => props.canPatterns || !pattern).map(([t, label, pattern]) => (
                <option key={t} value={t}>
                  {label}
                  {pattern ? " (pattern analysis)" : ""}
                </option>
              ))}
            </select>
          </label>
          <TypeFields type={type} now={now} />
        </fieldset>
        <fieldset>
          <legend>Window and filters</legend>
          <div class="grid2">
            <label>
              From <input type="datetime-local" name="from" defaultValue={localInput(new Date(now.getTime() - 7 * 864e5))} />
            </label>
            <label>
              To <input type="datetime-local" name="to" defaultValue={localInput(new Date(now.getTime() + 60000))} />
            </label>
          </div>
          <label>
            Agencies (codes; empty: all you may see — needs approval) <input name="agencies" defaultValue={props.agency} placeholder="GCPD, SLCO" />
          </label>
          <div class="grid3">
            <label>
              State <input name="state" placeholder="US-MO" size={6} />
            </label>
            <label>
              Make <input name="make" placeholder="HOND" size={6} />
            </label>
            <label>
              Colour <input name="color" placeholder="BLK" size={6} />
            </label>
          </div>
        </fieldset>
        <fieldset>
          <legend>Why (required, audited)</legend>
          <label>
            Purpose
            <select name="purpose" required>
              <option value="">Choose the lawful purpose…</option>
              <optgroup label="Allowed purposes">
                {allowed.map((p) => (
                  <option key={p.code} value={p.code} title={p.description}>
                    {p.label}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Prohibited — always refused and recorded">
                {prohibited.map((p) => (
                  <option key={p.code} value={p.code} title={p.description}>
                    {p.label} (prohibited)
                  </option>
                ))}
              </optgroup>
            </select>
          </label>
          <div class="grid2">
            <label>
              Case number <input name="case" required maxLength={64} />
            </label>
            <label>
              Offense <input name="offense" required maxLength={100} />
            </label>
          </div>
          <label>
            Justification (at least 20 characters)
            <textarea name="justification" required minLength={20} maxLength={2000} rows={2} />
          </label>
          <label>
            Approval number (for pattern analyses, &gt; 30 days, &gt; 1 agency)
            <input name="approval" inputMode="numeric" pattern="[0-9]*" />
          </label>
        </fieldset>
        <button class="primary" disabled={busy}>
          {busy ? "Searching…" : "Search"}
        </button>
      </form>
      <section class="results" aria-label="Results" aria-live="polite">
        {error && (
          <div class="refusal" role="alert">
            <strong>{error.status === 403 ? "Refused" : error.status === 400 ? "Check the request" : "Failed"}:</strong> {error.message}
            {needsApproval && (
              <p>
                <button onClick={askApproval}>Ask a supervisor to approve this search</button>
              </p>
            )}
          </div>
        )}
        {notice && <p class="notice">{notice}</p>}
        {answer && (
          <>
            <header class="row">
              <h2>
                {answer.type === "route" || answer.type === "locate" ? answer.results.length : answer.total ?? answer.count} result
                {(answer.total ?? answer.count) === 1 ? "" : "s"}
              </h2>
              <span class="muted">
                audit entry {answer.search} · over {answer.agencies.join(", ")}
                {answer.truncated ? " · more on the next page" : ""}
              </span>
              <div role="tablist" aria-label="Result view" class="tabs">
                {(["table", "map", "timeline"] as const).map((v) => (
                  <button key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>
                    {v[0].toUpperCase() + v.slice(1)}
                  </button>
                ))}
              </div>
              <button onClick={() => exportAs("csv")}>Export CSV</button>
              <button onClick={() => exportAs("geojson")}>Export GeoJSON</button>
            </header>
            {bolos.length > 0 && (
              <ul class="stack bulletins" aria-label="BOLOs on this plate">
                {bolos.map((b) => (
                  <li key={b.id} class="notice">
                    BOLO {b.id} ({b.kind.replace(/_/g, " ")}, {b.agency}) on {b.plate}: {b.narrative} — call {b.contact_name} at{" "}
                    <a href={`tel:${b.contact_phone}`}>{b.contact_phone}</a>
                  </li>
                ))}
              </ul>
            )}
            {answer.lookalikes && answer.lookalikes.length > 0 && (
              <p class="warn">
                Look-alike plates seen in the window (approximate, not this plate):{" "}
                {answer.lookalikes.map((l) => `${l.plate} (${l.match}, ${l.reads})`).join(", ")}
              </p>
            )}
            {view === "table" && <ResultTable answer={answer} />}
            {view === "map" && <ResultMap answer={answer} positions={positions} />}
            {view === "timeline" && <Timeline answer={answer} />}
          </>
        )}
        <Approvals list={approvals} canApprove={props.canApprove} reload={loadApprovals} />
      </section>
    </div>
  );
}

function TypeFields(props: { type: string; now: Date }) {
  const plate = (
    <label>
      Plate <input name="plate" required maxLength={10} autocapitalize="characters" />
    </label>
  );
  switch (props.type) {
    case "plate":
      return (
        <div class="grid2">
          {plate}
          <label>
            Plate state <input name="pstate" placeholder="MO" size={4} />
          </label>
        </div>
      );
    case "partial":
      return (
        <label>
          Pattern (? one character, * any run) <input name="pattern" required maxLength={12} placeholder="7?K3*" autocapitalize="characters" />
        </label>
      );
    case "lookalike":
      return plate;
    case "area":
      return (
        <div class="grid3">
          <label>
            Latitude <input name="lat" required inputMode="decimal" defaultValue="38.6270" />
          </label>
          <label>
            Longitude <input name="lon" required inputMode="decimal" defaultValue="-90.1994" />
          </label>
          <label>
            Radius (m) <input name="radius_m" required inputMode="numeric" defaultValue="1000" />
          </label>
        </div>
      );
    case "scenes":
      return (
        <>
          {[0, 1, 2].map((i) => (
            <fieldset key={i} class="scene">
              <legend>Scene {i + 1}</legend>
              <div class="grid3">
                <label>
                  Latitude <input name={`s${i}lat`} inputMode="decimal" required={i < 2} />
                </label>
                <label>
                  Longitude <input name={`s${i}lon`} inputMode="decimal" required={i < 2} />
                </label>
                <label>
                  Radius (m) <input name={`s${i}r`} inputMode="numeric" defaultValue="500" />
                </label>
              </div>
              <div class="grid2">
                <label>
                  From <input type="datetime-local" name={`s${i}from`} />
                </label>
                <label>
                  To <input type="datetime-local" name={`s${i}to`} />
                </label>
              </div>
            </fieldset>
          ))}
          <label>
            Seen at how many scenes at least <input name="k" inputMode="numeric" defaultValue="2" />
          </label>
        </>
      );
    case "convoy":
      return (
        <div class="grid3">
          {plate}
          <label>
            Within (s) <input name="window_s" inputMode="numeric" defaultValue="120" />
          </label>
          <label>
            Times together <input name="min_together" inputMode="numeric" defaultValue="2" />
          </label>
        </div>
      );
    case "locate":
      return plate;
    case "route":
      return (
        <div class="grid2">
          {plate}
          <label>
            Impossible above (km/h) <input name="max_kmh" inputMode="numeric" defaultValue="200" />
          </label>
        </div>
      );
  }
  return null;
}

function isReadList(type: string) {
  return type === "plate" || type === "partial" || type === "lookalike";
}

function ResultTable(props: { answer: Answer }) {
  const a = props.answer;
  if (a.results.length === 0) return <p class="muted">Nothing matched in the agencies and window searched.</p>;
  if (isReadList(a.type)) {
    const rows = sightings(a);
    return (
      <table class="data">
        <THead cols={["Time", "Plate", "State", "Vehicle", "Camera", "Agency", "Kept"]} />
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.agency}/${r.camera}/${r.id}`}>
              <td>{when(r.time)}</td>
              <td class="plate">{r.plate}</td>
              <td>{r.state ?? "—"}</td>
              <td>{vehicle(r.vehicle)}</td>
              <td>{r.camera}</td>
              <td>{r.agency}</td>
              <td>{r.hold ? `held (${r.hold})` : "retention"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (a.type === "route") {
    return (
      <table class="data">
        <THead cols={["Time", "Camera", "Distance", "Time taken", "Speed"]} />
        <tbody>
          {sightings(a).map((l, i) => (
            <tr key={i} class={l.impossible ? "mismatch" : ""}>
              <td>{when(l.time)}</td>
              <td>
                {l.camera} ({l.agency})
              </td>
              <td>{l.distance_m === undefined ? "start" : `${(l.distance_m / 1000).toFixed(1)} km`}</td>
              <td>{l.seconds === undefined ? "" : `${Math.round(l.seconds / 60)} min`}</td>
              <td>
                {l.kmh === undefined ? "" : `${l.kmh.toFixed(0)} km/h`}
                {l.impossible ? <strong> — impossible: a cloned plate or a misread?</strong> : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (a.type === "locate") {
    return (
      <table class="data">
        <THead cols={["Camera", "Reads", "Share", "Busiest hours (local)"]} />
        <tbody>
          {spots(a).map((s, i) => (
            <tr key={i}>
              <td>
                {s.camera} ({s.agency})
              </td>
              <td>{s.reads}</td>
              <td>{Math.round(s.share * 100)} %</td>
              <td>
                {s.hours
                  .slice(0, 3)
                  .map((h) => `${h.day} ${h.hour}:00 (${h.reads})`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table class="data">
      <THead cols={["Plate", "Reads", "First seen", "Last seen", a.type === "convoy" ? "Together (expected)" : a.type === "scenes" ? "Scenes" : "Cameras"]} />
      <tbody>
        {groups(a).map((g, i) => (
          <tr key={i}>
            <td class="plate">
              {g.plate}
              {g.approximate ? ` (≈ ${g.match})` : ""}
            </td>
            <td>{g.reads}</td>
            <td>{when(g.first_seen)}</td>
            <td>{when(g.last_seen)}</td>
            <td>
              {a.type === "convoy"
                ? `${g.together} (${(g.expected ?? 0).toFixed(2)})`
                : a.type === "scenes"
                  ? (g.scenes ?? []).map((s) => s + 1).join(", ")
                  : g.cameras.length}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Where each result was seen: its own position (mobile cameras, route legs,
// locate spots) or its camera's.
function ResultMap(props: { answer: Answer; positions: Position[] }) {
  const a = props.answer;
  const at = useMemo(() => new Map(props.positions.map((p) => [p.code, p])), [props.positions]);
  const { markers, lines } = useMemo(() => {
    const markers: Marker[] = [];
    const lines: Line[] = [];
    const place = (r: { lat?: number | null; lon?: number | null; camera: string }) => {
      const pos = typeof r.lat === "number" && typeof r.lon === "number" ? { lat: r.lat, lon: r.lon } : at.get(r.camera);
      return pos ? ([pos.lat, pos.lon] as [number, number]) : null;
    };
    if (a.type === "route") {
      let prev: [number, number] | null = null;
      for (const l of sightings(a)) {
        const p = place(l);
        if (!p) continue;
        markers.push({ lat: p[0], lon: p[1], label: `${when(l.time)} ${l.camera}` });
        const speed = `${(l.kmh ?? 0).toFixed(0)} km/h`;
        if (prev) lines.push({ points: [prev, p], color: l.impossible ? "#c62828" : "#0b5cad", dashed: !!l.impossible, label: l.impossible ? `impossible: ${speed}` : speed });
        prev = p;
      }
    } else {
      if (a.type === "locate") {
        for (const s of spots(a)) {
          const p = place(s);
          if (p) markers.push({ lat: p[0], lon: p[1], label: `${s.camera} · ${s.reads} reads` });
        }
      } else {
        const rows = isReadList(a.type) ? sightings(a) : groups(a).flatMap((g) => g.sightings);
        for (const r of rows.slice(0, 2000)) {
          const p = place(r);
          if (p) markers.push({ lat: p[0], lon: p[1], label: `${r.plate} · ${when(r.time)}` });
        }
      }
    }
    return { markers, lines };
  }, [a, at]);
  return <MapView markers={markers} lines={lines} context={props.positions} label="Map of results" fitKey={String(a.search)} class="map tall" />;
}

function Timeline(props: { answer: Answer }) {
  const a = props.answer;
  const rows: Sighting[] = a.type === "locate" ? [] : isReadList(a.type) || a.type === "route" ? sightings(a) : groups(a).flatMap((g) => g.sightings);
  const times = rows.map((r) => new Date(r.time).getTime()).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return <p class="muted">No times to show for this type; see the table.</p>;
  const lo = Math.min(...times), hi = Math.max(...times), span = Math.max(1, hi - lo);
  return (
    <figure class="timeline">
      <svg viewBox="0 0 1000 60" role="img" aria-label={`${times.length} sightings from ${when(new Date(lo).toISOString())} to ${when(new Date(hi).toISOString())}`}>
        <line x1="10" y1="40" x2="990" y2="40" class="axis" />
        {rows.map((r, i) => {
          const t = new Date(r.time).getTime();
          return (
            <circle key={i} cx={10 + ((t - lo) / span) * 980} cy={r.impossible ? 20 : 40} r={5} class={r.impossible ? "bad" : "dot"}>
              <title>{`${r.plate} ${when(r.time)} ${r.camera}`}</title>
            </circle>
          );
        })}
      </svg>
      <figcaption>
        {when(new Date(lo).toISOString())} — {when(new Date(hi).toISOString())}
      </figcaption>
    </figure>
  );
}

function Approvals(props: { list: Approval[]; canApprove: boolean; reload: () => void }) {
  const [msg, setMsg] = useState("");
  if (props.list.length === 0) return null;
  async function approve(id: number) {
    try {
      await post("/api/v1/approvals/{id}/approve", { path: { id } });
      setMsg(`Approved request ${id}.`);
      props.reload();
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }
  return (
    <section aria-label="Approval requests" class="approvals">
      <h3>Approval requests</h3>
      {msg && <p class="notice">{msg}</p>}
      <table class="data">
        <THead cols={["No.", "By", "Case, purpose, why", "Scope", "State"]} />
        <tbody>
          {props.list.map((a) => (
            <tr key={a.id}>
              <td>{a.id}</td>
              <td>{a.requested_by}</td>
              <td>
                {a.case_number} · {a.purpose} · {a.offense}
                <br />
                <small>{a.justification}</small>
              </td>
              <td>
                {a.max_days} days, {a.max_agencies} agencies{a.pattern_analysis ? ", pattern analysis" : ""}
                {a.max_radius_m > 5000 && `, areas up to ${(a.max_radius_m / 1000).toFixed(1)} km`}
                {a.places.length > 0 && (
                  <>
                    <br />
                    <strong>Protected places:</strong> {a.places.join("; ")}
                  </>
                )}
              </td>
              <td>
                {a.state === "requested" && props.canApprove ? <button onClick={() => approve(a.id)}>Approve</button> : a.state}
                {a.approved_by && ` by ${a.approved_by}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
