// A map of the region with markers and lines. Leaflet and the county
// outlines load with the first map shown (their own chunk), so the sign-in
// page and map-less screens stay small (docs/console.md, "Quality bars").
import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";

export interface Marker {
  lat: number;
  lon: number;
  label: string;
  color?: string;
  radius?: number;
  onClick?: () => void;
}

export interface Line {
  points: [number, number][];
  color?: string;
  dashed?: boolean;
  label?: string;
}

// A filled area (a choropleth's cell): outer rings of [lon, lat] points.
export interface Shape {
  rings: number[][][];
  color: string;
  label: string;
}

export interface MapProps {
  markers: Marker[];
  shapes?: Shape[];
  // Faint dots for orientation (the cameras one may see); no tiles by default.
  context?: { lat: number; lon: number }[];
  lines?: Line[];
  label: string;
  fitKey?: string;
  class?: string;
}

let loaded: FunctionComponent<MapProps> | null = null;

export function MapView(props: MapProps) {
  const [Map, setMap] = useState<FunctionComponent<MapProps> | null>(() => loaded);
  useEffect(() => {
    if (Map) return;
    void import("./LeafletMap").then((m) => {
      loaded = m.LeafletMap;
      setMap(() => m.LeafletMap);
    });
  }, []);
  if (!Map) return <div class={props.class ?? "map"} role="region" aria-label={props.label} aria-busy="true" />;
  return <Map {...props} />;
}
