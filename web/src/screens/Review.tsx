// The audit review queue (docs/oversight.md, section 2), for supervisors and
// auditors: flags the rules raised on searches by the agency's people, each
// with the search's terms; resolved with an outcome and a note (never one's
// own); and the package for an independent auditor.
import { useEffect, useState } from "preact/hooks";
import { ApiError, download, get, post } from "../api/client";
import type { Flag } from "../api/types";
import { isoDay, when } from "../format";
import { THead } from "../ui/THead";

const RULES: Record<string, string> = {
  prohibited_attempt: "Prohibited purpose attempted",
  no_case: "No real case number",
  thin_justification: "Thin justification",
  repeated_plate: "Same plate searched repeatedly",
  off_shift: "Outside the person's shift",
  protected_place: "Aimed at a protected place",
  wide: "Wide search",
  self_approved: "Approved by the searcher",
  imminent_danger: "Intelligence disclosed for imminent danger",
  first_amendment: "Intelligence approved with first-amendment information",
  intel_review_due: "Intelligence record due for its five-year review",
  no_predicate: "Intelligence record without a predicate",
};

function Resolve(props: { flag: Flag; done: (msg: string) => void }) {
  const [error, setError] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    try {
      await post("/api/v1/review/{id}/resolve", { path: { id: props.flag.id }, body: { resolution: f.get("resolution"), note: f.get("note") } });
      props.done(`Flag ${props.flag.id} resolved.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }
  return (
    <form class="row wrap" onSubmit={submit} aria-label={`Resolve flag ${props.flag.id}`}>
      <label>
        Outcome
        <select name="resolution">
          <option value="justified">justified</option>
          <option value="training">training given</option>
          <option value="referred">referred</option>
          <option value="violation">violation</option>
        </select>
      </label>
      <label>
        Note <input name="note" required minLength={10} maxLength={2000} />
      </label>
      <button>Resolve</button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

const REVIEW_PAGE = 200;

export function ReviewScreen() {
  const [state, setState] = useState("open");
  const [flags, setFlags] = useState<Flag[]>([]);
  const [msg, setMsg] = useState("");
  const [error, setError] = useState("");
  const [tick, setTick] = useState(0);
  // 200 flags a page, newest first; `before` is the last flag of the page before.
  const [before, setBefore] = useState<number | null>(null);
  useEffect(() => setBefore(null), [state]);
  useEffect(() => {
    const q = new URLSearchParams({ state, limit: String(REVIEW_PAGE) });
    if (before) q.set("before", String(before));
    get("/api/v1/review", { query: q }).then(
      (r) => setFlags(r.flags),
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  }, [state, tick, before]);
  const today = new Date();
  return (
    <div class="page">
      <h2>Review queue</h2>
      <div class="row wrap">
        <label>
          Show
          <select value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="open">open flags</option>
            <option value="resolved">resolved</option>
            <option value="all">all</option>
          </select>
        </label>
        <button
          onClick={() => {
            const query = new URLSearchParams({
              from: isoDay(new Date(today.getTime() - 30 * 864e5)),
              to: isoDay(new Date(today.getTime() + 864e5)),
            });
            download("GET", "/api/v1/review/export", { query }).then(
              (name) => setMsg(`Package saved as ${name} (with its SHA-256); the export is in the audit trail.`),
              (err) => setError(err instanceof ApiError ? err.message : "The export failed."),
            );
          }}
        >
          Export the last 30 days for an auditor
        </button>
      </div>
      {msg && (
        <p class="notice" role="status">
          {msg}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {flags.length === 0 && !error && <p class="muted">No {state === "all" ? "" : state} flags.</p>}
      <table class="data">
        <THead cols={["Flag", "Search", "By", "Why it was flagged", "Purpose, case, justification", state === "open" ? "Resolve" : "Outcome"]} />
        <tbody>
          {flags.map((f) => (
            <tr key={f.id}>
              <td>
                <strong>{RULES[f.rule] ?? f.rule}</strong>
              </td>
              <td>
                {f.event} no. {f.search}
                <br />
                <small>{when(f.time)}</small>
              </td>
              <td>{f.actor_name}</td>
              <td>{f.detail}</td>
              <td>
                {String(f.terms.purpose ?? "")} · {String(f.terms.case ?? "")}
                <br />
                <small>{String(f.terms.justification ?? "")}</small>
              </td>
              <td>
                {f.resolution ? (
                  <>
                    {f.resolution} by {f.resolved_by}: {f.note}
                  </>
                ) : (
                  <Resolve
                    flag={f}
                    done={(m) => {
                      setMsg(m);
                      setTick(tick + 1);
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        {before && <button onClick={() => setBefore(null)}>Newest</button>}
        {flags.length === REVIEW_PAGE && <button onClick={() => setBefore(flags[flags.length - 1].id)}>Older flags</button>}
      </div>
    </div>
  );
}
