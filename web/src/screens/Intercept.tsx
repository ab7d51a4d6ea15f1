// Where to stage ahead of a hit's vehicle (docs/format/units.md, "A hit's
// operations"): the cameras it is likely to pass next, the agency's units
// that can get to a point of those paths first, and, for a dispatcher,
// sending them. The agency's policy text comes with every suggestion:
// Interdict suggests staging ahead, never a pursuit. The units' positions
// move on the map as they report.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post } from "../api/client";
import type { Assignment, InterceptPlan, Suggestion, Unit } from "../api/types";
import { MapView, type Marker } from "../ui/MapView";

const REFRESH_MS = 5000;

export function Intercept(props: { hit: number; canDispatch: boolean; canSeeUnits: boolean }) {
  const [plan, setPlan] = useState<InterceptPlan | null>(null);
  const [assigned, setAssigned] = useState<Assignment[]>([]);
  const [units, setUnits] = useState<Unit[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      const [p, a] = await Promise.all([
        get("/api/v1/hits/{id}/intercept", { path: { id: props.hit } }),
        get("/api/v1/hits/{id}/assignments", { path: { id: props.hit } }),
      ]);
      setPlan(p);
      setAssigned(a.assignments);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }
  useEffect(() => {
    setPlan(null);
    setAssigned([]);
    setError("");
    void load();
  }, [props.hit]);
  // The units' positions, live.
  useEffect(() => {
    if (!props.canSeeUnits) return;
    let live = true;
    const tick = () =>
      get("/api/v1/units").then(
        (u) => live && setUnits(u.units),
        () => undefined,
      );
    void tick();
    const t = setInterval(tick, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [props.canSeeUnits]);

  async function send(s: Suggestion) {
    setBusy(true);
    setError("");
    try {
      await post("/api/v1/hits/{id}/assign", {
        path: { id: props.hit },
        body: { unit: s.unit, lat: s.to.lat, lon: s.to.lon, camera: s.to.camera, eta_s: Math.max(0, Math.round(s.unit_eta_s)) },
      });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }
  async function release(unit: number) {
    setBusy(true);
    setError("");
    try {
      await post("/api/v1/hits/{id}/assignments/{unit}/release", { path: { id: props.hit, unit } });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }

  if (error && !plan) return <p class="error" role="alert">{error}</p>;
  if (!plan) return <p class="muted">Working out where the vehicle goes next…</p>;
  const out = assigned.filter((a) => !a.released_at);
  const markers: Marker[] = [
    ...plan.next.map((n) => ({ lat: n.lat, lon: n.lon, label: `${n.camera}: ${Math.round(n.p * 100)} % of vehicles`, color: "#b45309", radius: 5 })),
    ...out.map((a) => ({ lat: a.lat, lon: a.lon, label: `${a.call_sign} waits here`, color: "#047857", radius: 7 })),
    ...units
      .filter((u) => u.position)
      .map((u) => ({ lat: u.position!.lat, lon: u.position!.lon, label: `${u.call_sign} (${u.status.replace(/_/g, " ")})`, color: "#1d4ed8", radius: 6 })),
  ];
  const extra = (name: string, e: InterceptPlan["aircraft"]) =>
    e.suggested && (
      <li key={name}>
        <strong>{name}</strong>: {e.reason}
        {e.unit ? ` — ${e.unit.call_sign}: ${e.unit.reason}` : " — none of the agency's is available"}
      </li>
    );
  return (
    <section aria-labelledby="stage-title" class="intercept">
      <h3 id="stage-title">Where to stage</h3>
      <p class="note" role="note">
        {plan.policy}
      </p>
      {plan.next.length === 0 ? (
        <p class="muted">No prediction: no vehicle has yet been seen to leave this camera.</p>
      ) : (
        <p>
          Likely next:{" "}
          {plan.next.slice(0, 5).map((n, i) => (
            <span key={n.camera}>
              {i > 0 && ", "}
              {n.camera} ({Math.round(n.p * 100)} %, {Math.max(0, n.eta.p10_s)}–{Math.max(0, n.eta.p90_s)} s)
            </span>
          ))}
        </p>
      )}
      {plan.suggestions.length > 0 && (
        <ol class="suggestions" aria-label="Suggested units">
          {plan.suggestions.map((s) => (
            <li key={s.unit}>
              <strong>{s.call_sign}</strong> ({s.kind.replace(/_/g, " ")}), {Math.round(s.unit_eta_s)} s away: {s.reason}
              {props.canDispatch && (
                <>
                  {" "}
                  <button disabled={busy} onClick={() => send(s)}>
                    Send {s.call_sign}
                  </button>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {plan.next.length > 0 && plan.suggestions.length === 0 && <p class="muted">No available unit of the agency can get ahead of the vehicle.</p>}
      <ul class="extras">
        {extra("Aircraft", plan.aircraft)}
        {extra("K-9", plan.k9)}
        {extra("Tactical medic", plan.medic)}
      </ul>
      {out.length > 0 && (
        <ul aria-label="Units sent">
          {out.map((a) => (
            <li key={a.unit}>
              <span role="status">
                {a.call_sign} sent{a.camera ? ` toward ${a.camera}` : ""} by {a.assigned_by}
              </span>
              {props.canDispatch && (
                <>
                  {" "}
                  <button disabled={busy} onClick={() => release(a.unit)}>
                    Release {a.call_sign}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <MapView markers={markers} label="Map of where to stage" fitKey={`stage-${props.hit}`} class="map small" />
    </section>
  );
}
