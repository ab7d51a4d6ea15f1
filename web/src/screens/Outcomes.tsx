// Outcomes (docs/console.md, "Outcomes"; docs/outcomes.md): did a program
// work? For supervisors, auditors and administrators: a claim ("motor
// vehicle theft down 44 % in these areas since June") checked against an
// incident dataset — the naive before/after figure such claims come from,
// each method's estimate with its interval, the warnings and a verdict in
// plain words, with the charts — saved, printed for a council, and published
// by an administrator on the transparency page. Datasets are made from a
// city's incident files, kept as monthly counts.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post, resolve, sendText } from "../api/client";
import type { OutcomeAnswer, OutcomeDataset, OutcomeEvaluation } from "../api/types";
import { when } from "../format";

const failed = (e: unknown) => (e instanceof ApiError ? e.message : "The server did not answer.");
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${v > 0 ? "+" : v < 0 ? "−" : ""}${Math.abs(v).toFixed(1)} %`;
const VERDICTS: Record<string, string> = {
  consistent: "consistent with the claim",
  smaller: "smaller than claimed",
  none: "no detectable effect",
  cannot_tell: "cannot tell",
};

// The report is served behind the session's token: fetched, then opened.
async function openReport(id: number) {
  const res = await fetch(resolve("/api/v1/outcomes/evaluations/{id}/report", { path: { id } }), {
    headers: { Authorization: `Bearer ${sessionStorage.getItem("interdict.token") ?? ""}` },
  });
  if (!res.ok) throw new ApiError(res.status, "error", "The report could not be had.");
  const url = URL.createObjectURL(new Blob([await res.text()], { type: "text/html" }));
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function OutcomesScreen(props: { canManage: boolean; canPublish: boolean }) {
  const [datasets, setDatasets] = useState<OutcomeDataset[] | null>(null);
  const [saved, setSaved] = useState<OutcomeEvaluation[]>([]);
  const [answer, setAnswer] = useState<OutcomeAnswer | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [dataset, setDataset] = useState<number | null>(null);
  const load = () =>
    Promise.all([get("/api/v1/outcomes/datasets"), get("/api/v1/outcomes/evaluations")]).then(
      ([d, e]) => {
        setDatasets(d.datasets);
        setSaved(e.evaluations);
        if (dataset === null && d.datasets.length) setDataset(d.datasets[0].id);
      },
      (e) => setError(failed(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  const current = datasets?.find((d) => d.id === dataset);

  function claimOf(form: HTMLFormElement) {
    const f = new FormData(form);
    const claimed = String(f.get("claimed") ?? "").trim();
    return {
      dataset: Number(f.get("dataset")),
      category: String(f.get("category")),
      areas: String(f.get("areas") ?? "")
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
      start: String(f.get("start")),
      ...(claimed ? { claimed_pct: Number(claimed) } : {}),
    };
  }
  async function evaluate(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const save = (e as SubmitEvent).submitter?.getAttribute("value") === "save";
    const title = String(new FormData(form).get("title") ?? "").trim();
    setError("");
    setBusy(true);
    try {
      if (save) {
        const s = await post("/api/v1/outcomes/evaluations", { body: { ...claimOf(form), title } });
        setAnswer(s.result ?? null);
        await load();
      } else {
        setAnswer(await post("/api/v1/outcomes/evaluate", { body: claimOf(form) }));
      }
    } catch (x) {
      setError(failed(x));
    } finally {
      setBusy(false);
    }
  }
  async function act(ev: OutcomeEvaluation, what: "publish" | "unpublish" | "report") {
    setError("");
    try {
      if (what === "report") await openReport(ev.id);
      else if (what === "publish") await post("/api/v1/outcomes/evaluations/{id}/publish", { path: { id: ev.id } });
      else await post("/api/v1/outcomes/evaluations/{id}/unpublish", { path: { id: ev.id } });
      await load();
    } catch (x) {
      setError(failed(x));
    }
  }
  async function show(ev: OutcomeEvaluation) {
    setError("");
    try {
      const full = await get("/api/v1/outcomes/evaluations/{id}", { path: { id: ev.id } });
      setAnswer(full.result ?? null);
    } catch (x) {
      setError(failed(x));
    }
  }

  return (
    <section aria-labelledby="outcomes-title">
      <h2 id="outcomes-title">Outcomes</h2>
      <p class="muted">
        Did the program work? A claim is checked against the crime counts of the areas it names and of areas like them that did
        not have the program: trend, seasons and the fall that follows every spike are taken out before anything is credited.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {datasets === null ? (
        <p class="muted">Loading datasets…</p>
      ) : datasets.length === 0 ? (
        <p class="muted">No incident dataset yet{props.canManage ? ": make one below." : "."}</p>
      ) : (
        <form class="stack" aria-label="Check a claim" onSubmit={evaluate}>
          <div class="row wrap">
            <label>
              Dataset
              <select name="dataset" value={dataset ?? undefined} onChange={(e) => setDataset(Number((e.target as HTMLSelectElement).value))}>
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Offense
              <select name="category">
                {(current?.categories ?? []).map((c) => (
                  <option key={c.category} value={c.category}>
                    {c.category}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Program's areas <input name="areas" required placeholder="Downtown, Downtown West" size={30} />
            </label>
            <label>
              First month <input name="start" type="month" required min={current?.first_month ?? undefined} max={current?.last_month ?? undefined} />
            </label>
            <label>
              Claimed change (%) <input name="claimed" type="number" step="0.1" min="-99.9" max="10000" placeholder="-44" />
            </label>
          </div>
          <div class="row wrap">
            <button value="evaluate" disabled={busy}>
              Evaluate
            </button>
            <label>
              Title <input name="title" maxLength={200} placeholder="Downtown cameras, auto theft" />
            </label>
            <button value="save" disabled={busy}>
              Evaluate and save
            </button>
            {busy && <span class="muted">Working it out…</span>}
          </div>
        </form>
      )}
      {answer && <Answer a={answer} />}
      <h3>Saved evaluations</h3>
      {saved.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table aria-label="Saved evaluations">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Dataset</th>
              <th scope="col">Verdict</th>
              <th scope="col">By</th>
              <th scope="col">Published</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {saved.map((ev) => (
              <tr key={ev.id}>
                <th scope="row">{ev.title}</th>
                <td>{ev.dataset_name}</td>
                <td>{VERDICTS[ev.verdict]}</td>
                <td>
                  {ev.created_by} ({ev.agency}), {when(ev.created_at)}
                </td>
                <td>{ev.published_at ? when(ev.published_at) : "no"}</td>
                <td class="row wrap">
                  <button type="button" onClick={() => void show(ev)} aria-label={`Show ${ev.title}`}>
                    Show
                  </button>
                  <button type="button" onClick={() => void act(ev, "report")} aria-label={`Report of ${ev.title}`}>
                    Report
                  </button>
                  {props.canPublish &&
                    (ev.published_at ? (
                      <button type="button" onClick={() => void act(ev, "unpublish")} aria-label={`Unpublish ${ev.title}`}>
                        Unpublish
                      </button>
                    ) : (
                      <button type="button" onClick={() => void act(ev, "publish")} aria-label={`Publish ${ev.title}`}>
                        Publish
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.canManage && <Datasets datasets={datasets ?? []} onChange={() => void load()} />}
    </section>
  );
}

function Answer(props: { a: OutcomeAnswer }) {
  const { a } = props;
  const outputs = (a.outputs ?? []).reduce(
    (t, o) => ({ reads: t.reads + o.reads, hits: t.hits + o.hits, recoveries: t.recoveries + o.recoveries, arrests: t.arrests + o.arrests }),
    { reads: 0, hits: 0, recoveries: 0, arrests: 0 },
  );
  return (
    <article class="stack" aria-labelledby="answer-title">
      <h3 id="answer-title">
        {a.category} {pct(a.claimed_pct)} in {a.areas.map((x) => x.name).join(", ")} from {a.start}
      </h3>
      <p class="verdict" role="status">
        <strong>Verdict: {VERDICTS[a.verdict]}.</strong> {a.verdict_text}
      </p>
      <table aria-label="Estimates">
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">Effect</th>
            <th scope="col">95 % interval</th>
            <th scope="col">p</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">naive before/after ({a.naive_months} months each side)</th>
            <td>{pct(a.naive_change_pct)}</td>
            <td />
            <td />
          </tr>
          {a.estimates.map((e) => (
            <tr key={e.method}>
              <th scope="row">{e.label}</th>
              <td>{pct(e.effect_pct)}</td>
              <td>{e.low_pct === null || e.high_pct === null ? "—" : `${pct(e.low_pct)} to ${pct(e.high_pct)}`}</td>
              <td>{e.p_value === null ? "—" : e.p_value.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {a.warnings.length > 0 && (
        <ul aria-label="Warnings" class="stack">
          {a.warnings.map((w) => (
            <li key={w.code} class="warn">
              {w.text}
            </li>
          ))}
        </ul>
      )}
      <SeriesChart a={a} />
      <EventStudyChart a={a} />
      <PlaceboChart a={a} />
      <p class="muted">
        Interdict in these areas over the same months (beside the outcomes, never one of them): {outputs.reads.toLocaleString()} reads,{" "}
        {outputs.hits} hits, {outputs.recoveries} recoveries, {outputs.arrests} arrests.
      </p>
    </article>
  );
}

// The months with the program's start, the counted series, the trend's
// counterfactual with its band, and the synthetic control.
function SeriesChart(props: { a: OutcomeAnswer }) {
  const c = props.a.charts as {
    months?: string[];
    actual?: number[];
    counterfactual?: number[];
    counterfactual_low?: number[];
    counterfactual_high?: number[];
    synthetic?: number[];
  };
  const months = c.months ?? [];
  const actual = c.actual ?? [];
  if (actual.length < 2) return null;
  const W = 720,
    H = 220,
    L = 40,
    B = 24;
  const top = Math.max(1, ...actual, ...(c.counterfactual_high ?? []), ...(c.synthetic ?? [])) * 1.08;
  const x = (i: number) => L + (i / (actual.length - 1)) * (W - L - 8);
  const y = (v: number) => H - B - (v / top) * (H - B - 8);
  const line = (v: number[]) => v.map((p, i) => `${x(i).toFixed(1)},${y(p).toFixed(1)}`).join(" ");
  const start = months.indexOf(props.a.start);
  const band =
    c.counterfactual_low && c.counterfactual_high
      ? line(c.counterfactual_high) + " " + [...c.counterfactual_low].map((p, i) => [i, p] as const).reverse().map(([i, p]) => `${x(i).toFixed(1)},${y(p).toFixed(1)}`).join(" ")
      : "";
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`Monthly counts from ${months[0]} to ${months[months.length - 1]}, the program starting ${props.a.start}`}>
        {band && <polygon points={band} fill="#f4c27a" fill-opacity="0.35" />}
        {c.counterfactual && <polyline points={line(c.counterfactual)} fill="none" stroke="#c77800" stroke-dasharray="6 4" />}
        {c.synthetic && <polyline points={line(c.synthetic)} fill="none" stroke="#2a62c9" stroke-dasharray="3 3" />}
        <polyline points={line(actual)} fill="none" stroke="currentColor" stroke-width="2" />
        {start >= 0 && <line x1={x(start)} x2={x(start)} y1={8} y2={H - B} stroke="#b00020" stroke-width="1.5" />}
        {months.map((m, i) =>
          m.endsWith("-01") ? (
            <text key={m} x={x(i)} y={H - 6} font-size="11" text-anchor="middle" fill="currentColor">
              {m.slice(0, 4)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption class="muted">
        Counted (solid), without the program by trend and season (dashed, with its 95 % band), synthetic control (dotted); the red line
        is the start.
      </figcaption>
    </figure>
  );
}

// Treated against comparison areas year by year from the start (the year
// before it the reference): before the start the bars should hold 0.
function EventStudyChart(props: { a: OutcomeAnswer }) {
  const bins = ((props.a.charts as { event_study?: { year: number; effect_pct: number; low_pct: number | null; high_pct: number | null; reference?: boolean }[] })
    .event_study ?? []);
  if (bins.length === 0) return null;
  const W = 720,
    H = 180,
    L = 48,
    B = 22;
  const values = bins.flatMap((b) => [b.effect_pct, b.low_pct ?? 0, b.high_pct ?? 0]);
  const lo = Math.max(-100, Math.min(-10, ...values)) * 1.1,
    hi = Math.max(10, ...values) * 1.1;
  const x = (i: number) => L + ((i + 0.5) / bins.length) * (W - L - 8);
  const y = (v: number) => 8 + ((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * (H - B - 8);
  const reference = bins.findIndex((b) => b.reference);
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Event study: the difference between the program's areas and the comparison areas, year by year">
        <line x1={L} x2={W - 8} y1={y(0)} y2={y(0)} stroke="currentColor" stroke-opacity="0.5" />
        {reference >= 0 && <line x1={(x(reference) + x(reference + 1)) / 2} x2={(x(reference) + x(reference + 1)) / 2} y1={8} y2={H - B} stroke="#b00020" stroke-dasharray="4 3" />}
        {bins.map((b, i) => (
          <g key={b.year}>
            {!b.reference && b.low_pct !== null && b.high_pct !== null && <line x1={x(i)} x2={x(i)} y1={y(b.low_pct)} y2={y(b.high_pct)} stroke="#2a62c9" stroke-width="2" />}
            <circle cx={x(i)} cy={y(b.effect_pct)} r="4" fill={b.reference ? "none" : "#2a62c9"} stroke="#2a62c9" />
            <text x={x(i)} y={H - 6} font-size="11" text-anchor="middle" fill="currentColor">
              {b.year < 0 ? `${b.year} yr` : `+${b.year} yr`}
            </text>
          </g>
        ))}
      </svg>
      <figcaption class="muted">
        Event study: the difference year by year (○ the reference year before the start, bars the 95 % intervals); bars far from 0 before the
        start mean the comparison areas are no fair comparison.
      </figcaption>
    </figure>
  );
}

// The effects the synthetic control finds for placebo programs in the
// comparison areas, and the program's own.
function PlaceboChart(props: { a: OutcomeAnswer }) {
  const placebos = (props.a.charts as { placebo_effects_pct?: number[] }).placebo_effects_pct ?? [];
  const own = props.a.estimates.find((e) => e.method === "synthetic")?.effect_pct;
  if (placebos.length === 0 || own === undefined) return null;
  const W = 720,
    H = 140,
    L = 16,
    B = 22;
  const lo = Math.min(own, ...placebos),
    hi = Math.max(own, ...placebos);
  const x = (v: number) => L + ((v - lo) / Math.max(hi - lo, 1)) * (W - 2 * L);
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`Placebo effects of ${placebos.length} comparison groups, and the program's ${pct(own)}`}>
        {placebos.map((p, i) => (
          <circle key={i} cx={x(p)} cy={30 + (i % 8) * 10} r="3.5" fill="#9bb5e6" />
        ))}
        <line x1={x(own)} x2={x(own)} y1={8} y2={H - B} stroke="#b00020" stroke-width="2.5" />
        <text x={Math.min(x(own) + 4, W - 140)} y={H - 6} font-size="11" fill="#b00020">
          the program: {pct(own)}
        </text>
      </svg>
      <figcaption class="muted">
        Synthetic control's effect for each placebo group of comparison areas (dots) and for the program (red): convincing when it stands apart.
      </figcaption>
    </figure>
  );
}

function Datasets(props: { datasets: OutcomeDataset[]; onChange: () => void }) {
  const [progress, setProgress] = useState("");
  const [error, setError] = useState("");
  const [target, setTarget] = useState<number | null>(null);
  async function create(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setError("");
    try {
      const d = await post("/api/v1/outcomes/datasets", {
        body: { name: String(f.get("name")), source: String(f.get("source")), format: String(f.get("format")), area_kind: String(f.get("area_kind")) },
      });
      setTarget(d.id);
      props.onChange();
    } catch (x) {
      setError(failed(x));
    }
  }
  async function upload(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const id = Number(new FormData(form).get("dataset"));
    const files = Array.from((form.elements.namedItem("files") as HTMLInputElement).files ?? []);
    setError("");
    let errors = 0;
    for (const [i, file] of files.entries()) {
      setProgress(`Reading ${file.name} (${i + 1} of ${files.length})…`);
      try {
        const r = await sendText("post", "/api/v1/outcomes/datasets/{id}/files", await file.text(), {
          path: { id },
          query: new URLSearchParams({ name: file.name }),
        });
        errors += r.errors;
      } catch (x) {
        setError(`${file.name}: ${failed(x)}`);
        break;
      }
    }
    setProgress(`${files.length} file(s) read; ${errors} line(s) could not be read (the dataset lists the first).`);
    props.onChange();
  }
  return (
    <div class="stack">
      <h3>Datasets</h3>
      {props.datasets.length > 0 && (
        <table aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Months</th>
              <th scope="col">Files, lines</th>
              <th scope="col">Not read</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {props.datasets.map((d) => (
              <tr key={d.id}>
                <th scope="row">{d.name}</th>
                <td>
                  {d.first_month ?? "—"} to {d.last_month ?? "—"}
                </td>
                <td>
                  {d.files}, {d.lines.toLocaleString()}
                </td>
                <td>{d.errors}</td>
                <td>{d.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form class="row wrap" aria-label="New dataset" onSubmit={create}>
        <label>
          Name <input name="name" required maxLength={100} />
        </label>
        <label>
          Source <input name="source" required maxLength={500} size={40} placeholder="where the data came from" />
        </label>
        <label>
          Format
          <select name="format">
            <option value="slmpd">SLMPD monthly files</option>
            <option value="csv">CSV: date, offense, area</option>
          </select>
        </label>
        <label>
          Areas
          <select name="area_kind">
            <option value="neighborhoods">St. Louis neighbourhoods</option>
            <option value="counties">counties</option>
            <option value="zcta">ZIP code areas</option>
            <option value="">other codes</option>
          </select>
        </label>
        <button>Make the dataset</button>
      </form>
      {props.datasets.length > 0 && (
        <form class="row wrap" aria-label="Add incident files" onSubmit={upload}>
          <label>
            Dataset
            <select name="dataset" value={target ?? undefined}>
              {props.datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Files <input name="files" type="file" accept=".csv,text/csv" multiple required />
          </label>
          <button>Add the files</button>
          {progress && <span role="status">{progress}</span>}
        </form>
      )}
    </div>
  );
}
