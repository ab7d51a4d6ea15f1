// The public transparency page (GOVERNANCE F, docs/oversight.md), reachable
// without signing in: for a chosen period, what each agency and the region
// collected, alerted on and searched for, with small counts suppressed; who
// shares with whom; the cameras on a map; the purposes allowed and
// prohibited; and the audit chain's head.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, get } from "../api/client";
import type { OutcomeEvaluation, TransparencyReport } from "../api/types";
import { when } from "../format";
import { MapView } from "../ui/MapView";
import { PeriodFields, usePeriod } from "../ui/Period";
import { THead } from "../ui/THead";

type Count = number | null;
type Report = TransparencyReport;
type Agency = Report["agencies"][number];

// A suppressed count is shown as "< min"; the footnote says why.
const show = (n: Count | undefined, min: number) => (n === null ? `< ${min}` : n === undefined ? "0" : n.toLocaleString());

export function TransparencyScreen() {
  const period = usePeriod();
  const { from, to } = period;
  const [r, setR] = useState<Report | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    get("/api/v1/transparency", { query: new URLSearchParams({ from, to }) }).then(
      (x) => {
        setR(x);
        setError("");
      },
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  }, [from, to]);
  const [evaluations, setEvaluations] = useState<OutcomeEvaluation[]>([]);
  useEffect(() => {
    get("/api/v1/transparency/evaluations").then(
      (x) => setEvaluations(x.evaluations),
      () => setEvaluations([]),
    );
  }, []);
  const markers = useMemo(() => (r?.cameras ?? []).map((c) => ({ lat: c.lat, lon: c.lon, label: `${c.code} (${c.agency})`, radius: 3 })), [r]);
  if (!r) return error ? <p class="error">{error}</p> : <p class="muted">Loading the report…</p>;
  const m = r.min_count;
  const days = (a: Agency, c: string) => (a.retention[c] ? `${a.retention[c].days}` : "—");
  const outcomes = ["confirmed", "stop", "arrest", "recovery", "misread", "stale_entry", "wrong_state", "vehicle_mismatch", "no_action", "open"];
  return (
    <div class="page transparency">
      <h2>Transparency report</h2>
      <div class="row wrap" role="group" aria-label="Period">
        <PeriodFields period={period} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p>
        From {r.period.from} to {r.period.to}, {r.region.agencies} agencies with {r.region.cameras} plate reader cameras collected{" "}
        <strong>{show(r.region.reads, m)}</strong> reads, raised <strong>{show(r.region.hits, m)}</strong> hits that led to{" "}
        <strong>{show(r.region.stops, m)}</strong> stops, <strong>{show(r.region.arrests, m)}</strong> arrests and{" "}
        <strong>{show(r.region.recoveries, m)}</strong> recovered vehicles, and ran <strong>{show(r.region.searches, m)}</strong> searches, each
        with a lawful purpose and a case number; <strong>{show(r.region.refused_searches, m)}</strong> searches were refused. Generated{" "}
        {when(r.generated_at)}.
      </p>
      <h3>Hits by outcome</h3>
      <table class="data">
        <THead cols={["Outcome", "Hits"]} />
        <tbody>
          {outcomes.map((o) => (
            <tr key={o}>
              <th scope="row">{o.replace(/_/g, " ")}</th>
              <td>{show(r.region.hits_by_outcome[o], m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Searches by purpose</h3>
      <table class="data">
        <THead cols={["Purpose", "Searches"]} />
        <tbody>
          {r.purposes.map((p) => (
            <tr key={p.code}>
              <th scope="row">{p.label}</th>
              <td>{show(r.region.searches_by_purpose[p.code], m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>The rules</h3>
      <ul>
        {r.policy.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <h3>Prohibited uses</h3>
      <ul>
        {r.prohibited.map((p) => (
          <li key={p.code}>
            <strong>{p.label}</strong> — {p.why}
          </li>
        ))}
      </ul>
      <h3>Agencies</h3>
      <div class="scroll">
        <table class="data">
          <THead cols={["Agency", "Cameras", "Reads", "Hits", "Stops", "Searches", "Reads kept (days)", "NCIC files used", "Shares reads with"]} />
          <tbody>
            {r.agencies.map((a) => (
              <tr key={a.code}>
                <th scope="row">
                  {a.name} <small>({a.code}, {a.state})</small>
                </th>
                <td>{a.cameras}</td>
                <td>{show(a.reads, m)}</td>
                <td>{show(a.hits, m)}</td>
                <td>{show(a.stops, m)}</td>
                <td>{show(a.searches, m)}</td>
                <td>{days(a, "non_hit_reads")}</td>
                <td>{a.list_kinds.join(", ") || "none"}</td>
                <td>{(a.shares_with.reads ?? []).length ? (a.shares_with.reads ?? []).join(", ") : "no one"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">
        "&lt; {m}": between 1 and {m - 1}, withheld so that a rare event in a small agency cannot be tied to a person. No plate, name or case number
        appears in this report.
      </p>
      <h3>Did it work?</h3>
      {evaluations.length === 0 ? (
        <p class="muted">No evaluation of the program's outcomes has been published yet.</p>
      ) : (
        <ul class="stack" aria-label="Evaluations of outcomes">
          {evaluations.map((e) => (
            <li key={e.id}>
              <strong>{e.title}</strong> ({e.dataset_name}; published {when(e.published_at)}): {e.result?.verdict_text}{" "}
              <a href={`/api/v1/transparency/evaluations/${e.id}/report`} target="_blank" rel="noopener">
                The report of {e.title}
              </a>
            </li>
          ))}
        </ul>
      )}
      <h3>Where the cameras are</h3>
      <MapView markers={markers} label="Map of the cameras" fitKey="cameras" />
      <h3>Audit trail</h3>
      <p>
        {r.audit.entries} entries; the chain's head is <code>{r.audit.head}</code>. Anyone holding an earlier head can ask an auditor to show that
        the trail still extends it.
      </p>
    </div>
  );
}
