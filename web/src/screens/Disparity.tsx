// Disparity monitoring (docs/oversight.md, section 3): hits, stops, searches
// and reads by area — counties, city neighbourhoods or ZIP areas — as rates
// per 1,000 reads and per resident, as a table and a choropleth map.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, get } from "../api/client";
import type { Disparity, DisparityFigures } from "../api/types";
import { MapView, type Shape } from "../ui/MapView";
import { PeriodFields, usePeriod } from "../ui/Period";
import { THead } from "../ui/THead";

type Answer = Disparity;
type AreaRow = DisparityFigures;
type Rates = AreaRow["rates"];

const METRICS: [keyof Rates, string][] = [
  ["hits_per_1000_reads", "Hits per 1,000 reads"],
  ["stops_per_1000_reads", "Stops per 1,000 reads"],
  ["hits_per_100k_residents", "Hits per 100,000 residents"],
  ["stops_per_100k_residents", "Stops per 100,000 residents"],
  ["searches_per_100k_residents", "Area searches per 100,000 residents"],
  ["reads_per_resident", "Reads per resident"],
];

// Five classes from light to dark by quantile; grey for no value.
function colours(values: (number | null)[]): (v: number | null) => string {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const steps = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  return (v) => {
    if (v === null || known.length === 0) return "#bbbbbb";
    const rank = known.findIndex((k) => k >= v);
    return steps[Math.min(4, Math.floor((rank / known.length) * 5))];
  };
}

export function DisparityScreen() {
  const [kind, setKind] = useState("counties");
  const [metric, setMetric] = useState<keyof Rates>("hits_per_1000_reads");
  const period = usePeriod();
  const { from, to } = period;
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    get("/api/v1/disparity", { query: new URLSearchParams({ areas: kind, from, to, geometry: "1" }) }).then(
      (a) => {
        setAnswer(a);
        setError("");
      },
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  }, [kind, from, to]);
  const shapes: Shape[] = useMemo(() => {
    if (!answer) return [];
    const colour = colours(answer.areas.map((a) => a.rates[metric]));
    return answer.areas.map((a) => ({
      rings: a.rings ?? [],
      color: colour(a.rates[metric]),
      label: `${a.name}: ${a.rates[metric] ?? "no value"}`,
    }));
  }, [answer, metric]);
  const rows = answer ? [...answer.areas].sort((a, b) => (b.rates[metric] ?? -1) - (a.rates[metric] ?? -1)) : [];
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toLocaleString(undefined, { maximumFractionDigits: 3 }));
  return (
    <div class="page">
      <h2>Disparity by area</h2>
      <div class="row wrap">
        <label>
          Areas
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="counties">Counties</option>
            <option value="neighborhoods">St. Louis city neighbourhoods</option>
            <option value="zcta">ZIP code areas</option>
          </select>
        </label>
        <label>
          Measure
          <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as keyof Rates)}>
            {METRICS.map(([k, l]) => (
              <option key={k} value={k}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <PeriodFields period={period} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {answer && (
        <>
          <MapView markers={[]} shapes={shapes} label={`Map of ${METRICS.find(([k]) => k === metric)?.[1]}`} fitKey={kind} class="map tall" />
          <p class="muted">
            {answer.label}: {answer.source}. Outside every area: {answer.outside.cameras} cameras, {answer.outside.hits} hits.
          </p>
          <table class="data">
            <THead cols={["Area", "Residents", "Cameras", "Reads", "Hits", "Stops", "Area searches", METRICS.find(([k]) => k === metric)?.[1] ?? metric]} />
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{a.name}</th>
                  <td>{fmt(a.population)}</td>
                  <td>{a.cameras}</td>
                  <td>{fmt(a.reads)}</td>
                  <td>{a.hits}</td>
                  <td>{a.stops}</td>
                  <td>{a.searches}</td>
                  <td>{fmt(a.rates[metric])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
