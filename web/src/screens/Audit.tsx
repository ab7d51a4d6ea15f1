// The audit trail (docs/console.md): everything the agency's people did and
// every entry by anyone that touched the agency's data — filtered, newest
// first — and the hash chain's verification. Reading it is itself audited.
import { useEffect, useState } from "preact/hooks";
import { type Answer, ApiError, get } from "../api/client";
import type { AuditEntry } from "../api/types";
import { when } from "../format";
import { THead } from "../ui/THead";

const EVENTS: [string, string][] = [
  ["", "every event"],
  ["search.", "searches"],
  ["search.refused", "refused searches"],
  ["search.export", "exports"],
  ["hit.", "hit workflow"],
  ["login", "sign-ins"],
  ["agreement.", "sharing agreements"],
  ["hotlist.", "hotlists"],
  ["approval.", "search approvals"],
  ["audit.", "audit reads"],
];

type Verified = Answer<"/api/v1/audit/verify", "get">;

// The terms worth a glance in a row; the whole entry is one click away.
function summary(e: AuditEntry): string {
  const d = e.details as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of ["purpose", "case", "offense", "results", "plate", "outcome", "reason", "partner", "approval"]) {
    if (d[k] !== undefined && d[k] !== null && typeof d[k] !== "object") parts.push(`${k}: ${String(d[k])}`);
  }
  const terms = d.terms as Record<string, unknown> | undefined;
  if (terms?.params) parts.unshift(JSON.stringify(terms.params));
  else if (d.params) parts.unshift(JSON.stringify(d.params));
  return parts.join(" · ");
}

export function AuditScreen() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [event, setEvent] = useState("search.");
  const [scope, setScope] = useState("all");
  const [actor, setActor] = useState("");
  const [before, setBefore] = useState<number | null>(null);
  const [error, setError] = useState("");
  const [verified, setVerified] = useState<Verified | null>(null);

  useEffect(() => {
    const q = new URLSearchParams({ order: "desc", limit: "100", scope });
    if (event) q.set("event", event);
    if (actor) q.set("actor", actor);
    if (before) q.set("before", String(before));
    get("/api/v1/audit", { query: q }).then(
      (r) => {
        setEntries(r.entries);
        setError("");
      },
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  }, [event, scope, actor, before]);

  async function verify() {
    setVerified(null);
    try {
      setVerified(await get("/api/v1/audit/verify"));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  return (
    <div class="page">
      <h2>Audit trail</h2>
      <div class="row wrap filters" role="search" aria-label="Audit filters">
        <label>
          Event
          <select value={event} onChange={(e) => (setBefore(null), setEvent((e.target as HTMLSelectElement).value))}>
            {EVENTS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Whose
          <select value={scope} onChange={(e) => (setBefore(null), setScope((e.target as HTMLSelectElement).value))}>
            <option value="all">ours, and others' on our data</option>
            <option value="others">other agencies on our data</option>
          </select>
        </label>
        <label>
          Actor <input value={actor} placeholder="user:17" onChange={(e) => (setBefore(null), setActor((e.target as HTMLInputElement).value.trim()))} />
        </label>
        <button onClick={verify}>Verify the chain</button>
      </div>
      {verified && (
        <p class={verified.intact ? "notice" : "error"} role="status">
          {verified.intact
            ? `Chain intact: ${verified.entries} entries, head ${verified.head.slice(0, 16)}…`
            : `Chain broken at entry ${verified.first_bad}: ${verified.problem}`}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="data audit">
        <THead cols={["No.", "Time", "Who", "Event", "Outcome", "Data of", "Terms"]} />
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq} class={e.outcome !== "ok" ? "mismatch" : ""}>
              <td>{e.seq}</td>
              <td>{when(e.time)}</td>
              <td title={e.actor}>
                {e.actor_name ?? e.actor}
                {e.agency ? ` (${e.agency})` : ""}
              </td>
              <td>{e.event}</td>
              <td>{e.outcome}</td>
              <td>{e.touched.join(", ")}</td>
              <td>
                <details>
                  <summary>{summary(e) || "details"}</summary>
                  <pre>{JSON.stringify(e.details, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && !error && <p class="muted">No entries match.</p>}
      <div class="row">
        {before && <button onClick={() => setBefore(null)}>Newest</button>}
        {entries.length === 100 && <button onClick={() => setBefore(entries[entries.length - 1].seq)}>Older entries</button>}
      </div>
    </div>
  );
}
