// Small formatting helpers shared by the screens.
export function ago(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "never";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function sinceIso(iso: string): number {
  return (Date.now() - new Date(iso).getTime()) / 1000;
}

export function vehicle(v: { make?: unknown; model?: unknown; color?: unknown; body?: unknown } | undefined): string {
  if (!v) return "—";
  return [v.color, v.make, v.model, v.body].filter((x) => x !== undefined && x !== null && x !== "").join(" ") || "—";
}

export const has = (permissions: string[], p: string) => permissions.includes(p);

// "YYYY-MM-DD" (UTC) of a date, for the API's day parameters and date inputs.
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
