// The public transparency page (GOVERNANCE F), reachable without signing in:
// who takes part, their cameras, retention, sharing partners, the list kinds
// they use, the purposes allowed and prohibited, and the audit chain's head.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api/client";
import { when } from "../format";
import { THead } from "../ui/THead";

interface Report {
  generated_at: string;
  region: { agencies: number; cameras: number };
  agencies: {
    code: string;
    name: string;
    kind: string;
    state: string;
    cameras: number;
    retention: Record<string, { days: number; preset: string }>;
    shares_with: Record<string, string[]>;
    list_kinds: string[];
  }[];
  purposes: { code: string; label: string }[];
  prohibited: { code: string; label: string; why: string }[];
  audit: { entries: number; head: string };
}

export function TransparencyScreen() {
  const [r, setR] = useState<Report | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    get<Report>("/api/v1/transparency").then(setR, (e) => setError(e.message));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!r) return <p class="muted">Loading the report…</p>;
  const days = (a: Report["agencies"][number], c: string) => (a.retention[c] ? `${a.retention[c].days}` : "—");
  return (
    <div class="page transparency">
      <h2>Transparency report</h2>
      <p>
        {r.region.agencies} agencies share {r.region.cameras} plate reader cameras through Interdict. Every search needs a lawful purpose and a case
        number, and every access is recorded in a tamper-evident audit trail. Generated {when(r.generated_at)}.
      </p>
      <h3>Prohibited uses</h3>
      <ul>
        {r.prohibited.map((p) => (
          <li key={p.code}>
            <strong>{p.label}</strong> — {p.why}
          </li>
        ))}
      </ul>
      <h3>Allowed purposes</h3>
      <p>{r.purposes.map((p) => p.label).join(" · ")}</p>
      <h3>Agencies</h3>
      <div class="scroll">
        <table class="data">
          <THead cols={["Agency", "Cameras", "Reads kept (days)", "Hits kept (days)", "Images kept (days)", "NCIC files used", "Shares reads with"]} />
          <tbody>
            {r.agencies.map((a) => (
              <tr key={a.code}>
                <th scope="row">
                  {a.name} <small>({a.code}, {a.state})</small>
                </th>
                <td>{a.cameras}</td>
                <td>{days(a, "non_hit_reads")}</td>
                <td>{days(a, "hits")}</td>
                <td>{days(a, "images")}</td>
                <td>{a.list_kinds.join(", ") || "none"}</td>
                <td>{(a.shares_with.reads ?? []).length ? (a.shares_with.reads ?? []).join(", ") : "no one"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Audit trail</h3>
      <p>
        {r.audit.entries} entries; the chain's head is <code>{r.audit.head}</code>. Anyone holding an earlier head can ask an auditor to show that
        the trail still extends it.
      </p>
    </div>
  );
}
