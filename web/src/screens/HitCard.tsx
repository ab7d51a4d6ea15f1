// A hit's card: the read's plate crop beside the list entry's description,
// mismatches highlighted, the list's age, and the workflow of GOVERNANCE D.21:
// acknowledge → visual check → confirm with the source → outcome. A stop,
// arrest or recovery is offered only after the source confirmed the entry.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, imageUrl, post } from "../api/client";
import type { CameraPosition, Hit } from "../api/types";
import { ago, vehicle, when } from "../format";
import { matchLabel } from "./Hits";
import { THead } from "../ui/THead";
import { Intercept } from "./Intercept";

const ACTIONS = ["stop", "arrest", "recovery"];
const OUTCOMES: [string, string][] = [
  ["misread", "Misread: the plate is not the one listed"],
  ["wrong_state", "Wrong state"],
  ["vehicle_mismatch", "Vehicle does not match the entry"],
  ["stale_entry", "Entry is no longer valid (recovered, cleared)"],
  ["no_action", "No action taken"],
  ["stop", "Vehicle stopped"],
  ["arrest", "Arrest"],
  ["recovery", "Vehicle recovered"],
];
const STEPS = ["new", "acknowledged", "visually_checked", "confirmed_with_source", "closed"];
const STEP_NAMES = ["New", "Acknowledged", "Visually checked", "Confirmed with source", "Closed"];

// The workflow's routes, POST /api/v1/hits/{id}/<step>.
type StepRoute = "acknowledge" | "visual-check" | "confirm" | "close";

export function HitCard(props: {
  id: number;
  canWork: boolean;
  canDispatch: boolean;
  canSeeUnits: boolean;
  camera?: CameraPosition;
  onWorked: (h: Hit) => void;
}) {
  const [hit, setHit] = useState<Hit | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [overview, setOverview] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setHit(null);
    setImage(null);
    setOverview(null);
    setError("");
    const urls: string[] = [];
    get("/api/v1/hits/{id}", { path: { id: props.id } }).then(
      (h) => {
        setHit(h);
        // Each image view is audited by the server (hit.image).
        if (h.read.images?.plate) {
          imageUrl("/api/v1/hits/{id}/plate-image", { path: { id: props.id } }).then(
            (u) => {
              urls.push(u);
              setImage(u);
            },
            () => setImage(null),
          );
        }
        if (h.read.images?.overview) {
          imageUrl("/api/v1/hits/{id}/overview-image", { path: { id: props.id } }).then(
            (u) => {
              urls.push(u);
              setOverview(u);
            },
            () => setOverview(null),
          );
        }
      },
      (e) => setError(e.message),
    );
    return () => urls.forEach((u) => URL.revokeObjectURL(u));
  }, [props.id]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!hit) return <p class="muted">Loading hit {props.id}…</p>;

  async function step(path: StepRoute, body?: unknown) {
    setBusy(true);
    setError("");
    try {
      const h = await post(`/api/v1/hits/{id}/${path}` as const, { path: { id: props.id }, body });
      setHit(h);
      props.onWorked(h);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }

  const d = hit.entry.detail;
  const stateMismatch = !!hit.read.state && !!hit.entry.state && hit.read.state !== hit.entry.state;
  const plateDiffers = hit.read.plate !== hit.entry.plate;
  const at = STEPS.indexOf(hit.step);

  return (
    <article class="card" aria-labelledby="hit-title">
      <header>
        <h2 id="hit-title">
          <span class={`prio p${hit.list.priority}`}>P{hit.list.priority}</span> {hit.list.name}
        </h2>
        <p>
          {d.kind ? `NCIC ${hit.entry.kind}` : hit.entry.kind} · match <strong class={hit.approximate ? "warn" : ""}>{matchLabel(hit)}</strong>{" "}
          (score {hit.score.toFixed(2)}) · {props.camera?.name ?? hit.camera} ({hit.camera},{" "}
          <span data-field="agency">{hit.agency}</span>) · {when(hit.time)}
        </p>
        {hit.approximate && (
          <p class="warn" role="note">
            Approximate match: the camera read <strong>{hit.read.plate}</strong>, the list has <strong>{hit.entry.plate}</strong>. Check the plate
            with your own eyes.
          </p>
        )}
        <p class={hit.list.stale ? "warn" : "muted"}>
          List published {ago(hit.list.age_s)} ago{hit.list.stale ? " — stale: confirm the entry with the source before acting" : ""} · owner {hit.list.owner}
        </p>
      </header>
      <div class="compare">
        <figure>
          {image ? <img src={image} alt={`Plate crop read as ${hit.read.plate}`} /> : <div class="noimg">no plate image</div>}
          <figcaption>
            Read: <strong class="plate">{hit.read.plate}</strong> {hit.read.state ?? "state unread"}
            {hit.read.plate_confidence !== undefined && ` · ${Math.round(hit.read.plate_confidence * 100)} %`}
          </figcaption>
          {overview && <img class="overview" src={overview} alt="The vehicle as the camera saw it" />}
        </figure>
        <table class="fields">
          <caption>Read against the list entry</caption>
          <THead cols={["Field", "Read", "Listed"]} />
          <tbody>
            <tr class={plateDiffers ? "mismatch" : ""}>
              <th scope="row">Plate</th>
              <td>{hit.read.plate}</td>
              <td>{hit.entry.plate}</td>
            </tr>
            <tr class={stateMismatch ? "mismatch" : ""}>
              <th scope="row">State</th>
              <td>{hit.read.state ?? "—"}</td>
              <td>{hit.entry.state ?? "any"}</td>
            </tr>
            {hit.entry.comparison.map((c) => (
              <tr key={c.field} class={c.same ? "" : "mismatch"}>
                <th scope="row">{c.field[0].toUpperCase() + c.field.slice(1)}</th>
                <td>{c.read}</td>
                <td>
                  {c.listed}
                  {!c.same && <span class="sr"> (mismatch)</span>}
                </td>
              </tr>
            ))}
            {hit.entry.comparison.length === 0 && (
              <tr>
                <th scope="row">Vehicle</th>
                <td>{vehicle(hit.read.vehicle)}</td>
                <td>{vehicle(d)}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <p class="muted">
        Entry {String(d.record_id ?? hit.entry.id)}
        {d.incident_date ? ` · reported ${d.incident_date}` : ""}
        {d.vehicle_year ? ` · ${d.vehicle_year}` : ""}
        {hit.entry.expires_at ? ` · expires ${when(hit.entry.expires_at)}` : ""}
      </p>
      <ol class="steps" aria-label="Workflow">
        {STEP_NAMES.map((n, i) => (
          <li key={n} class={i < at ? "done" : i === at ? "now" : ""} aria-current={i === at ? "step" : undefined}>
            {n}
          </li>
        ))}
      </ol>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {hit.step !== "closed" && <Confirmation hit={hit} canWork={props.canWork} onAsked={setHit} />}
      {props.canWork && <Workflow hit={hit} busy={busy} step={step} />}
      {hit.step !== "closed" && <Intercept hit={hit.hit} canDispatch={props.canDispatch} canSeeUnits={props.canSeeUnits} />}
      {hit.step === "closed" && (
        <p>
          Closed: <strong>{hit.outcome?.replace(/_/g, " ")}</strong>
        </p>
      )}
    </article>
  );
}

// The NCIC rule inside Interdict: ask the list's owner to confirm the entry,
// and count down to its deadline (10 minutes urgent, 1 hour routine).
function Confirmation(props: { hit: Hit; canWork: boolean; onAsked: (h: Hit) => void }) {
  const { hit } = props;
  const c = hit.confirmation;
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState("");
  useEffect(() => {
    if (!c || c.answer) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [c?.request, c?.answer]);
  async function ask() {
    setError("");
    try {
      await post("/api/v1/hits/{id}/confirmation", { path: { id: hit.hit } });
      props.onAsked(await get("/api/v1/hits/{id}", { path: { id: hit.hit } }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }
  if (!c) {
    if (!props.canWork) return null;
    return (
      <p>
        <button onClick={ask}>Ask {hit.list.owner} to confirm the entry</button>
        {error && (
          <span class="error" role="alert">
            {" "}
            {error}
          </span>
        )}
      </p>
    );
  }
  if (c.answer) {
    return (
      <p class={c.answer === "confirmed" ? "" : "warn"} role="status">
        {c.owner} answered: <strong>{c.answer.replace(/_/g, " ")}</strong>
        {c.answered_at ? ` at ${when(c.answered_at)}` : ""}
      </p>
    );
  }
  const left = Math.round((new Date(c.due_at).getTime() - now) / 1000);
  const clock = `${Math.floor(Math.abs(left) / 60)}:${String(Math.abs(left) % 60).padStart(2, "0")}`;
  return (
    <p class={left < 0 ? "warn" : ""}>
      Asked {c.owner} to confirm ({c.priority}):{" "}
      <span role="timer">{left >= 0 ? `answer due in ${clock}` : `overdue by ${clock}`}</span>
      {c.escalated ? " — their supervisors have been told" : ""}
    </p>
  );
}

function Workflow(props: { hit: Hit; busy: boolean; step: (path: StepRoute, body?: unknown) => void }) {
  const { hit, busy, step } = props;
  const submit = (path: StepRoute, build: (f: FormData) => unknown) => (e: Event) => {
    e.preventDefault();
    step(path, build(new FormData(e.currentTarget as HTMLFormElement)));
  };
  if (hit.step === "new") {
    return (
      <button class="primary" disabled={busy} onClick={() => step("acknowledge")}>
        Acknowledge
      </button>
    );
  }
  const close = (
    <form class="stack" onSubmit={submit("close", (f) => ({ outcome: f.get("outcome"), note: f.get("note") || undefined }))}>
      <label>
        Outcome
        <select name="outcome" required>
          {OUTCOMES.filter(([o]) => hit.step === "confirmed_with_source" || !ACTIONS.includes(o)).map(([o, label]) => (
            <option key={o} value={o}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Note <input name="note" maxLength={500} />
      </label>
      <button disabled={busy}>Close with this outcome</button>
    </form>
  );
  const closeWithoutStop = (
    <details>
      <summary>Close without a stop</summary>
      {close}
    </details>
  );
  // Each step's forms are keyed by the step: Preact would otherwise reuse the
  // last step's inputs, and a box ticked at the visual check would show as
  // ticked at "the source confirms the entry is current".
  if (hit.step === "acknowledged") {
    return (
      <div class="work" key="acknowledged">
        <form
          class="stack"
          aria-label="Visual check"
          onSubmit={submit("visual-check", (f) => ({
            plate_matches: f.get("plate") === "on",
            state_matches: f.get("state") === "on",
            vehicle_matches: f.get("vehicle") === "on",
            note: f.get("note") || undefined,
          }))}
        >
          <p>Compare the image and the vehicle with the entry, then record what you saw.</p>
          <label class="inline">
            <input type="checkbox" name="plate" /> The plate in the image is the listed plate
          </label>
          <label class="inline">
            <input type="checkbox" name="state" /> The state matches
          </label>
          <label class="inline">
            <input type="checkbox" name="vehicle" /> The vehicle matches the description
          </label>
          <label>
            Note <input name="note" maxLength={500} />
          </label>
          <button class="primary" disabled={busy}>
            Record visual check
          </button>
        </form>
        {closeWithoutStop}
      </div>
    );
  }
  if (hit.step === "visually_checked") {
    return (
      <div class="work" key="visually_checked">
        <form
          class="stack"
          aria-label="Confirmation with the source"
          onSubmit={submit("confirm", (f) => ({ source_confirmed: f.get("confirmed") === "on", note: f.get("note") || undefined }))}
        >
          <p>
            Confirm the entry with its source (NCIC, dispatch, the listing agency) before any stop. If the source says it is no
            longer valid, close the hit as a stale entry.
          </p>
          <label class="inline">
            <input type="checkbox" name="confirmed" required /> The source confirms the entry is current
          </label>
          <label>
            Who confirmed, reference <input name="note" maxLength={500} />
          </label>
          <button class="primary" disabled={busy}>
            Record confirmation
          </button>
        </form>
        {closeWithoutStop}
        <details>
          <summary>Proceed without the source's confirmation</summary>
          <form
            class="stack"
            aria-label="Proceed without confirmation"
            onSubmit={submit("close", (f) => ({ outcome: f.get("outcome"), proceed_reason: f.get("reason"), note: f.get("note") || undefined }))}
          >
            <p class="warn">Only when waiting would put someone at risk. Your reason is recorded and audited.</p>
            <label>
              Action taken
              <select name="outcome" required>
                {OUTCOMES.filter(([o]) => ACTIONS.includes(o)).map(([o, label]) => (
                  <option key={o} value={o}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Why you proceeded <textarea name="reason" rows={2} minLength={20} maxLength={1000} required />
            </label>
            <button disabled={busy}>Close with this outcome</button>
          </form>
        </details>
      </div>
    );
  }
  if (hit.step === "confirmed_with_source") return close;
  return null;
}
