// The shapes of the API's answers the console reads. docs/openapi.yaml
// describes most responses in prose; these follow it and the server's code.
export interface Me {
  username: string;
  agency: string;
  role: string;
  permissions: string[];
}

export interface Comparison {
  field: string;
  read: string;
  listed: string;
  same: boolean;
}

export interface Read {
  id: string;
  agency: string;
  camera: string;
  time: string;
  plate: string;
  state?: string;
  state_confidence?: number;
  plate_confidence?: number;
  alternates?: { plate: string; confidence: number }[];
  vehicle?: { make?: string; model?: string; color?: string; body?: string };
  images?: { plate?: string; overview?: string };
  position?: { lat: number; lon: number };
  hold?: string;
}

export interface Hit {
  hit: number;
  agency: string;
  camera: string;
  time: string;
  plate: string;
  match: string;
  approximate: boolean;
  score: number;
  list: { id: number; name: string; kind: string; owner: string; priority: number; age_s: number | null; stale: boolean };
  entry: {
    id: number;
    plate: string;
    state: string | null;
    kind: string;
    detail: Record<string, string | number | null>;
    comparison: Comparison[];
    matched: string;
    expires_at: string | null;
  };
  read: Read;
  backfill: boolean;
  step: string;
  outcome: string | null;
  created_at: string;
}

export interface Camera {
  id: number;
  code: string;
  name: string;
  vendor: string;
  status: string;
  mobile: boolean;
  lat: number | null;
  lon: number | null;
  last_seen_at: string | null;
  agent_version: string;
}

export interface CameraPosition {
  code: string;
  name: string;
  agency: string;
  lat: number;
  lon: number;
  mobile: boolean;
}

export interface Purpose {
  code: string;
  label: string;
  description: string;
  prohibited: boolean;
}

export interface Hotlist {
  id: number;
  agency: string;
  name: string;
  kind: string;
  priority: number;
  one_edit: boolean;
  generation: number;
  published_at: string | null;
  age_s: number | null;
  stale: boolean;
  entries: number;
  pending: number;
  audience: string[];
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  actor_name?: string;
  agency: string | null;
  event: string;
  outcome: string;
  touched: string[];
  details: Record<string, unknown>;
}

export interface Notice {
  id: number;
  time: string;
  kind: string;
  message: string;
  read: boolean;
}
