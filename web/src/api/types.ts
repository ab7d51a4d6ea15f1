// The shapes of the API's answers the console reads: generated from
// docs/openapi.yaml (schema.d.ts, `npm run types`), never written by hand.
import type { Answer } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];
export type Read = Schemas["Read"];
export type Sighting = Schemas["Sighting"];
export type Hit = Schemas["Hit"];
export type Comparison = Schemas["HitComparison"];
export type Camera = Schemas["Camera"];
export type CameraPosition = Schemas["CameraPosition"];
export type Purpose = Schemas["Purpose"];
export type Approval = Schemas["Approval"];
export type Hotlist = Schemas["Hotlist"];
export type HotlistEntry = Schemas["HotlistEntry"];
export type AuditEntry = Schemas["AuditEntry"];
export type Notice = Schemas["Notice"];
export type Flag = Schemas["Flag"];
export type Hold = Schemas["Hold"];
export type Agreement = Schemas["Agreement"];
export type SearchAnswer = Schemas["SearchAnswer"];
export type PlateGroup = Schemas["PlateGroup"];
export type Spot = Schemas["Spot"];
export type Disparity = Schemas["Disparity"];
export type DisparityFigures = Schemas["DisparityFigures"];
export type TransparencyReport = Schemas["TransparencyReport"];
export type ResidentAnswer = Schemas["ResidentAnswer"];
export type Unit = Schemas["Unit"];
export type InterceptPlan = Schemas["InterceptPlan"];
export type Suggestion = Schemas["Suggestion"];
export type Assignment = Schemas["Assignment"];
export type DispatchRules = Schemas["DispatchRules"];
export type ConfirmationRequest = Schemas["ConfirmationRequest"];
export type Bolo = Schemas["Bolo"];
export type Conflict = Schemas["Conflict"];
export type Operation = Schemas["Operation"];
export type Target = Schemas["Target"];
export type Me = Answer<"/api/v1/me", "get">;
