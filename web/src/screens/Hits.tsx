// The live hits board (docs/console.md): the agency's hits newest first, on a
// list and a map, new ones arriving over the alert stream with a sound and a
// flash; the selected hit's card walks the officer through the workflow.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { get, stream } from "../api/client";
import type { CameraPosition, Hit } from "../api/types";
import { sinceIso } from "../format";
import { linkClick, navigate } from "../router";
import { MapView, type Marker } from "../ui/MapView";
import { HitCard } from "./HitCard";

const PRIORITY = ["", "P1", "P2", "P3"];

// A short two-tone chime made on the spot (no audio file to fetch).
function chime(): void {
  try {
    const ctx = new AudioContext();
    const g = ctx.createGain();
    g.gain.value = 0.15;
    g.connect(ctx.destination);
    [880, 660].forEach((f, i) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(g);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.16);
    });
    setTimeout(() => void ctx.close(), 800);
  } catch {
    // no audio device: the visual notice still shows
  }
}

export function matchLabel(h: Hit): string {
  return h.approximate ? `≈ ${h.match.replace("lookalike", "look-alike")}` : h.match;
}

export function HitsBoard(props: { selected: number | null; canWork: boolean; canDispatch: boolean; canSeeUnits: boolean }) {
  const [hits, setHits] = useState<Hit[]>([]);
  const [cameras, setCameras] = useState<CameraPosition[]>([]);
  const [live, setLive] = useState(false);
  const [fresh, setFresh] = useState<Hit | null>(null);
  const [error, setError] = useState("");
  const [sound, setSound] = useState(true);
  const soundRef = useRef(sound);
  soundRef.current = sound;
  const banner = useRef<HTMLDivElement>(null);

  useEffect(() => {
    get("/api/v1/hits").then((r) => setHits(r.hits), (e) => setError(String(e.message)));
    // Shared hits come from partners' cameras: positions of every camera we may see.
    get("/api/v1/camera-positions").then((r) => setCameras(r.cameras), () => setCameras([]));
    const abort = new AbortController();
    stream(
      "/api/v1/alerts/stream",
      (name, data) => {
        if (name !== "hit") return;
        const h = JSON.parse(data) as Hit;
        setHits((old) => (old.some((o) => o.hit === h.hit) ? old : [h, ...old]));
        setFresh(h);
        if (soundRef.current) chime();
      },
      setLive,
      abort.signal,
    );
    return () => abort.abort();
  }, []);

  // A new hit's banner takes the focus, so a screen reader reads it and
  // Enter opens it — unless the officer is working a hit (a card is open)
  // or typing, which a new hit must not interrupt: role="alert" still has it
  // read out. It leaves after 8 s, or, while it has the focus, 8 s after the
  // focus moves on.
  const working = useRef(props.selected !== null);
  working.current = props.selected !== null;
  useEffect(() => {
    if (!fresh) return;
    const active = document.activeElement;
    const typing = active instanceof HTMLElement && !!active.closest("input, select, textarea");
    if (!working.current && !typing) banner.current?.focus();
    const t = setTimeout(() => {
      if (!banner.current?.contains(document.activeElement)) setFresh(null);
    }, 8000);
    return () => clearTimeout(t);
  }, [fresh]);

  const byCode = useMemo(() => new Map(cameras.map((c) => [c.code, c])), [cameras]);
  const markers: Marker[] = useMemo(() => {
    const out: Marker[] = [];
    for (const h of hits.slice(0, 200)) {
      const c = byCode.get(h.camera);
      // A mobile unit's read carries its own position; a fixed camera's is the camera's.
      const pos = h.read.lat !== undefined && h.read.lon !== undefined ? { lat: h.read.lat, lon: h.read.lon } : c ? { lat: c.lat, lon: c.lon } : null;
      if (!pos) continue;
      out.push({
        lat: pos.lat,
        lon: pos.lon,
        label: `${h.plate} · ${h.list.name} · ${c?.name ?? h.camera}`,
        color: h.step === "closed" ? "#7a8694" : h.list.priority === 1 ? "#c62828" : "#ef6c00",
        radius: h.hit === props.selected ? 9 : 6,
        onClick: () => navigate(`/hits/${h.hit}`),
      });
    }
    return out;
  }, [hits, byCode, props.selected]);

  const onWorked = (h: Hit) => setHits((old) => old.map((o) => (o.hit === h.hit ? h : o)));

  return (
    <div class="hits">
      {fresh && (
        <div
          class="flash"
          role="alert"
          tabIndex={-1}
          ref={banner}
          onFocusOut={(e) => {
            const shown = fresh;
            if (!banner.current?.contains(e.relatedTarget as Node | null)) {
              setTimeout(() => setFresh((f) => (f === shown ? null : f)), 8000);
            }
          }}
        >
          New hit: <strong class="plate">{fresh.plate}</strong> — {fresh.list.name} ({matchLabel(fresh)}) at{" "}
          {byCode.get(fresh.camera)?.name ?? fresh.camera}{" "}
          <a href={`/hits/${fresh.hit}`} onClick={linkClick}>
            Open
          </a>
        </div>
      )}
      <section class="hit-list" aria-label="Hits, newest first">
        <header class="row">
          <h2>Live hits</h2>
          <span class={live ? "live on" : "live"} aria-live="polite">
            {live ? "● live" : "○ reconnecting"}
          </span>
          <label class="inline">
            <input type="checkbox" checked={sound} onChange={() => setSound(!sound)} /> Sound
          </label>
        </header>
        {error && <p class="error">{error}</p>}
        {hits.length === 0 && !error && <p class="muted">No hits yet. New ones appear here as they happen.</p>}
        <ul>
          {hits.map((h) => (
            <li key={h.hit} class={`${h.hit === props.selected ? "selected" : ""} ${h.step}`}>
              <a href={`/hits/${h.hit}`} onClick={linkClick}>
                <span class={`prio p${h.list.priority}`}>{PRIORITY[h.list.priority] ?? ""}</span>
                <span class="plate">{h.plate}</span>
                <span class="what">
                  {h.list.name}
                  <small>
                    {h.entry.kind} · {matchLabel(h)} · {byCode.get(h.camera)?.name ?? h.camera} ·{" "}
                    {Math.round(sinceIso(h.time) / 60)} min ago
                  </small>
                </span>
                <span class={`step s-${h.step}`}>{h.step === "closed" ? h.outcome : h.step.replace(/_/g, " ")}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <div class="hit-side">
        {props.selected !== null ? (
          <HitCard id={props.selected} canWork={props.canWork} canDispatch={props.canDispatch} canSeeUnits={props.canSeeUnits} camera={byCode.get(hits.find((h) => h.hit === props.selected)?.camera ?? "")} onWorked={onWorked} />
        ) : (
          <p class="muted">Select a hit to see its card.</p>
        )}
        <MapView markers={markers} context={cameras} label="Map of hits" fitKey={String(props.selected ?? "all")} />
      </div>
    </div>
  );
}
