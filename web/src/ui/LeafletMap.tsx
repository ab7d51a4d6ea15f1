// A Leaflet map of the shipped region: county outlines (data/region) and the
// offline base map (data/basemap: major roads and place names), both compiled
// into the bundle, then the screen's markers and lines on top. Tiles only
// when the server was configured with console.tile_url (docs/console.md):
// nothing is fetched from the internet by default.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "preact/hooks";
import { counties } from "../../../data/region/region.json";
import basemap from "../../../data/basemap/basemap.json";
import type { MapProps } from "./MapView";

const tileUrl = document.querySelector<HTMLMetaElement>('meta[name="interdict-tile-url"]')?.content ?? "";

// Road styles by TIGER class; names show from the zoom where they fit.
const roadStyle: Record<string, { color: string; weight: number; labelZoom: number }> = {
  interstate: { color: "#c98a2b", weight: 3, labelZoom: 11 },
  highway: { color: "#d4a55a", weight: 2, labelZoom: 13 },
  street: { color: "#b9c0c8", weight: 1.5, labelZoom: 14 },
};
const placeZoom: Record<string, [number, number]> = { county: [0, 11.5], neighborhood: [12.5, 99] };

type Feature = (typeof basemap.features)[number];

// A label's anchor on a road: the middle vertex of its longest part.
function roadAnchor(f: Feature): [number, number] {
  const parts = f.geometry.coordinates as number[][][];
  const longest = parts.reduce((a, b) => (b.length > a.length ? b : a), parts[0]);
  const [lon, lat] = longest[Math.floor(longest.length / 2)];
  return [lat, lon];
}

function label(text: string, kind: string, at: [number, number], minZoom: number, maxZoom: number) {
  const icon = L.divIcon({ className: `basemap-label ${kind}`, html: "", iconSize: [0, 0] });
  const mk = L.marker(at, { icon, interactive: false, keyboard: false });
  mk.on("add", () => {
    const el = mk.getElement();
    if (!el) return;
    const span = document.createElement("span");
    span.textContent = text; // text, never HTML
    el.replaceChildren(span);
    el.setAttribute("aria-hidden", "true");
    el.dataset.minZoom = String(minZoom);
    el.dataset.maxZoom = String(maxZoom);
  });
  return mk;
}

// A canvas renderer that skips a redraw once its canvas is gone: Leaflet 1.9
// can run a redraw it scheduled after the map removed the renderer (seen in
// the browser test as "clearRect of undefined" when a screen is left
// mid-draw), and such a redraw has nothing to draw.
const SafeCanvas = L.Canvas.extend({
  _redraw(this: L.Canvas & { _ctx?: CanvasRenderingContext2D; _redrawRequest: number | null }) {
    if (!this._ctx) {
      this._redrawRequest = null;
      return;
    }
    (L.Canvas.prototype as unknown as { _redraw: () => void })._redraw.call(this);
  },
});
const canvas = (options?: L.RendererOptions) =>
  new (SafeCanvas as unknown as new (o?: L.RendererOptions) => L.Canvas)(options);

// Roads as canvas lines, names as labels that show only at zooms they fit.
function drawBasemap(m: L.Map) {
  // Roads above a screen's filled areas (a choropleth) and below its markers.
  m.createPane("basemap").style.zIndex = "450";
  const renderer = canvas({ pane: "basemap" });
  const roads = L.layerGroup().addTo(m);
  const labels = L.layerGroup().addTo(m);
  for (const f of basemap.features) {
    const { kind, name } = f.properties;
    if (f.geometry.type === "MultiLineString") {
      const style = roadStyle[kind];
      const parts = (f.geometry.coordinates as number[][][]).map((p) => p.map(([lon, lat]) => [lat, lon] as [number, number]));
      L.polyline(parts, { renderer, color: style.color, weight: style.weight, opacity: 0.8, interactive: false }).addTo(roads);
      label(name, kind, roadAnchor(f), style.labelZoom, 99).addTo(labels);
    } else {
      const [lon, lat] = f.geometry.coordinates as number[];
      const [lo, hi] = placeZoom[kind];
      label(name, kind, [lat, lon], lo, hi).addTo(labels);
    }
  }
  const show = () => {
    const z = m.getZoom();
    m.getContainer().dataset.zoom = String(z);
    labels.eachLayer((l) => {
      const el = (l as L.Marker).getElement();
      if (el) el.hidden = !(z >= Number(el.dataset.minZoom) && z < Number(el.dataset.maxZoom));
    });
  };
  m.on("zoomend", show);
  m.whenReady(show);
}

export function LeafletMap(props: MapProps) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const context = useRef<L.LayerGroup | null>(null);
  const fitted = useRef<string | undefined>(undefined);

  useEffect(() => {
    const m = L.map(el.current!, { preferCanvas: true, renderer: canvas(), zoomSnap: 0.5, attributionControl: true });
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, attribution: "map tiles: configured server" }).addTo(m);
    }
    const outlines = L.layerGroup().addTo(m);
    for (const c of counties) {
      L.polygon(
        (c.ring as number[][]).map(([lon, lat]) => [lat, lon] as [number, number]),
        { color: "#7a8694", weight: 1, fillOpacity: 0.04, interactive: false },
      ).addTo(outlines);
    }
    drawBasemap(m);
    m.attributionControl.addAttribution(
      "roads and outlines: US Census TIGER; places: slu-openGIS (CC BY 4.0); cameras: OpenStreetMap (ODbL)",
    );
    m.fitBounds(L.latLngBounds([38.2, -91.2], [39.1, -89.7]), { animate: false });
    // The container may have been laid out after the map measured it; the
    // frame is cancelled if the map goes first (a screen left at once).
    const frame = requestAnimationFrame(() => m.invalidateSize({ animate: false }));
    map.current = m;
    context.current = L.layerGroup().addTo(m);
    layer.current = L.layerGroup().addTo(m);
    return () => {
      cancelAnimationFrame(frame);
      m.remove();
    };
  }, []);

  useEffect(() => {
    const g = context.current!;
    g.clearLayers();
    for (const p of props.context ?? []) {
      L.circleMarker([p.lat, p.lon], { radius: 2, color: "#7a8694", weight: 1, fillOpacity: 0.5, interactive: false }).addTo(g);
    }
  }, [props.context]);

  useEffect(() => {
    const m = map.current!, g = layer.current!;
    g.clearLayers();
    const bounds: [number, number][] = [];
    for (const shape of props.shapes ?? []) {
      const poly = L.polygon(
        shape.rings.map((r) => r.map(([lon, lat]) => [lat, lon] as [number, number])),
        { color: "#555", weight: 1, fillColor: shape.color, fillOpacity: 0.65 },
      ).bindTooltip(shape.label);
      poly.addTo(g);
      for (const r of shape.rings) for (const [lon, lat] of r) bounds.push([lat, lon]);
    }
    for (const line of props.lines ?? []) {
      const pl = L.polyline(line.points, { color: line.color ?? "#0b5cad", weight: 3, dashArray: line.dashed ? "6 6" : undefined });
      if (line.label) pl.bindTooltip(line.label);
      pl.addTo(g);
      bounds.push(...line.points);
    }
    for (const mk of props.markers) {
      const c = L.circleMarker([mk.lat, mk.lon], {
        radius: mk.radius ?? 5,
        color: mk.color ?? "#0b5cad",
        weight: 2,
        fillOpacity: 0.7,
      }).bindTooltip(mk.label);
      if (mk.onClick) c.on("click", mk.onClick);
      c.addTo(g);
      bounds.push([mk.lat, mk.lon]);
    }
    if (bounds.length && fitted.current !== props.fitKey) {
      fitted.current = props.fitKey;
      m.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 13, animate: false });
    }
  }, [props.markers, props.lines, props.shapes, props.fitKey]);

  return <div ref={el} class={props.class ?? "map"} role="region" aria-label={props.label} />;
}
