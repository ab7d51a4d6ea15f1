#include "catalog/migrations.h"

#include <fmt/core.h>

namespace interdict::catalog {
namespace {

// Version 1: the whole model of issue 4. Roles, permissions, law profiles and
// purposes are data, seeded here and reviewable (GOVERNANCE: statutes as data).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE agencies (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
  name TEXT NOT NULL,
  ori TEXT NOT NULL UNIQUE CHECK (length(ori) = 9),
  state TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('local', 'county', 'state', 'federal')),
  created_at INTEGER NOT NULL
);
CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL
);
CREATE TABLE role_permissions (
  role TEXT NOT NULL REFERENCES roles(name),
  permission TEXT NOT NULL,
  PRIMARY KEY (role, permission)
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL REFERENCES roles(name) CHECK (role <> 'integration'),
  password_hash TEXT,
  enrolment_hash BLOB,
  enrolment_expires_at INTEGER,
  totp_secret BLOB,
  totp_enrolled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  disabled_at INTEGER,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE cameras (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  lat REAL,
  lon REAL,
  bearings TEXT NOT NULL DEFAULT '[]',
  vendor TEXT NOT NULL DEFAULT '',
  mobile INTEGER NOT NULL DEFAULT 0,
  UNIQUE (agency_id, code)
);
CREATE TABLE integrations (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  name TEXT NOT NULL,
  key_id TEXT NOT NULL UNIQUE,
  secret_hash BLOB NOT NULL,
  permissions TEXT NOT NULL,
  cameras TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE agreements (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES agencies(id),
  partner_id INTEGER NOT NULL REFERENCES agencies(id) CHECK (partner_id <> owner_id),
  data_class TEXT NOT NULL CHECK (data_class IN ('reads', 'hits', 'hotlists')),
  effective_from INTEGER NOT NULL,
  effective_to INTEGER,
  document TEXT NOT NULL,
  proposed_by INTEGER NOT NULL REFERENCES users(id),
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> proposed_by),
  approved_at INTEGER,
  revoked_at INTEGER,
  revoked_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX agreements_by_partner ON agreements(partner_id, data_class);
CREATE TABLE law_profiles (
  state TEXT PRIMARY KEY,
  out_of_state INTEGER NOT NULL,
  federal INTEGER NOT NULL,
  citation TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE retention (
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  data_class TEXT NOT NULL CHECK (data_class IN ('non_hit_reads', 'hits', 'images', 'audit')),
  period_ms INTEGER NOT NULL CHECK (period_ms > 0),
  preset TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  PRIMARY KEY (agency_id, data_class)
);
CREATE TABLE retention_presets (
  preset TEXT NOT NULL,
  data_class TEXT NOT NULL CHECK (data_class IN ('non_hit_reads', 'hits', 'images', 'audit')),
  period_ms INTEGER NOT NULL CHECK (period_ms > 0),
  citation TEXT NOT NULL,
  PRIMARY KEY (preset, data_class)
);
CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  plate TEXT,
  camera TEXT,
  window_from INTEGER,
  window_to INTEGER,
  basis TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  released_at INTEGER
);
CREATE TABLE purposes (
  code TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  prohibited INTEGER NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  number TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  UNIQUE (agency_id, number)
);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  agency_id INTEGER,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  details TEXT NOT NULL,
  prev BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_by_time ON audit(time);
CREATE TABLE audit_touched (
  seq INTEGER NOT NULL REFERENCES audit(seq),
  agency_id INTEGER NOT NULL,
  PRIMARY KEY (agency_id, seq)
) WITHOUT ROWID;
CREATE TABLE audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL
);

INSERT INTO roles VALUES
  ('administrator', 'manages its own agency: users, integrations, cameras, retention, holds'),
  ('supervisor', 'approves wide searches and sharing changes; searches like an analyst'),
  ('analyst', 'investigative searches, including pattern analyses'),
  ('officer', 'hits and plate searches for its own work'),
  ('auditor', 'reads the audit trail of its agency and of searches touching its data'),
  ('integration', 'a machine: cameras, vendor back-ends, CAD');
INSERT INTO role_permissions VALUES
  ('administrator', 'agency.read'), ('administrator', 'users.manage'),
  ('administrator', 'integrations.manage'), ('administrator', 'cameras.manage'),
  ('administrator', 'retention.manage'), ('administrator', 'holds.manage'),
  ('administrator', 'agreements.propose'), ('administrator', 'agreements.approve'),
  ('administrator', 'agreements.read'), ('administrator', 'audit.read'),
  ('supervisor', 'agency.read'), ('supervisor', 'search.reads'), ('supervisor', 'search.patterns'),
  ('supervisor', 'search.approve'), ('supervisor', 'agreements.propose'),
  ('supervisor', 'agreements.approve'), ('supervisor', 'agreements.read'),
  ('supervisor', 'hits.read'), ('supervisor', 'holds.manage'), ('supervisor', 'cases.manage'),
  ('analyst', 'agency.read'), ('analyst', 'search.reads'), ('analyst', 'search.patterns'),
  ('analyst', 'hits.read'), ('analyst', 'cases.manage'), ('analyst', 'agreements.read'),
  ('officer', 'agency.read'), ('officer', 'search.reads'), ('officer', 'hits.read'),
  ('auditor', 'agency.read'), ('auditor', 'audit.read'), ('auditor', 'agreements.read'),
  ('integration', 'reads.ingest'), ('integration', 'cameras.heartbeat'),
  ('administrator', 'account.self'), ('supervisor', 'account.self'), ('analyst', 'account.self'),
  ('officer', 'account.self'), ('auditor', 'account.self');

INSERT INTO law_profiles VALUES
  ('US-CA', 0, 0, 'Cal. Civ. Code 1798.90.55(b); CA AG Bulletin 2023-DLE-06',
   'ALPR data may not be shared with out-of-state or federal agencies'),
  ('US-IL', 0, 0, '625 ILCS 5/2-130',
   'no sharing for immigration or reproductive-care enforcement; out-of-state access refused'),
  ('US-VA', 0, 0, 'Va. Code 2.2-5517',
   'sharing limited to Virginia law enforcement; 21-day retention'),
  ('US-WA', 0, 0, 'Wash. SB 6002 (2025)',
   'no access for out-of-state or federal immigration enforcement');

-- Periods in ms. Non-hit reads and images follow the statute; hits are
-- kept a year and the audit log at least a year (CJIS 5.4.6) unless an agency
-- sets longer. 'default' is the common vendor default.
INSERT INTO retention_presets VALUES
  ('default', 'non_hit_reads', 2592000000, 'common vendor default: 30 days'),
  ('default', 'images', 2592000000, 'common vendor default: 30 days'),
  ('default', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('default', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-NH', 'non_hit_reads', 180000, 'N.H. RSA 261:75-b: 3 minutes unless a hit'),
  ('US-NH', 'images', 180000, 'N.H. RSA 261:75-b: 3 minutes unless a hit'),
  ('US-NH', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-NH', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-ME', 'non_hit_reads', 1814400000, 'Me. 29-A 2117-A: 21 days'),
  ('US-ME', 'images', 1814400000, 'Me. 29-A 2117-A: 21 days'),
  ('US-ME', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-ME', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-VA', 'non_hit_reads', 1814400000, 'Va. Code 2.2-5517: 21 days'),
  ('US-VA', 'images', 1814400000, 'Va. Code 2.2-5517: 21 days'),
  ('US-VA', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-VA', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-MN', 'non_hit_reads', 5184000000, 'Minn. Stat. 13.824: 60 days (check)'),
  ('US-MN', 'images', 5184000000, 'Minn. Stat. 13.824: 60 days (check)'),
  ('US-MN', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-MN', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-MT', 'non_hit_reads', 7776000000, 'Mont. Code 46-5-118: 90 days'),
  ('US-MT', 'images', 7776000000, 'Mont. Code 46-5-118: 90 days'),
  ('US-MT', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-MT', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-UT', 'non_hit_reads', 23328000000, 'Utah Code 41-6a-2004: 9 months'),
  ('US-UT', 'images', 23328000000, 'Utah Code 41-6a-2004: 9 months'),
  ('US-UT', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-UT', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year'),
  ('US-VT', 'non_hit_reads', 46656000000, '23 V.S.A. 1607: 18 months'),
  ('US-VT', 'images', 46656000000, '23 V.S.A. 1607: 18 months'),
  ('US-VT', 'hits', 31536000000, 'hits are evidence: 1 year unless the agency sets otherwise'),
  ('US-VT', 'audit', 31536000000, 'CJIS Security Policy 5.4.6: at least 1 year');
INSERT INTO purposes VALUES
  ('stolen-vehicle', 'Stolen vehicle or plate', 0, 'locating a vehicle or plate reported stolen'),
  ('violent-crime', 'Violent crime investigation', 0, 'homicide, robbery, assault, carjacking'),
  ('property-crime', 'Property crime investigation', 0, 'burglary, theft, fraud'),
  ('missing-person', 'Missing or endangered person', 0, 'AMBER, Silver and missing-person alerts'),
  ('wanted-person', 'Wanted person', 0, 'a person with an active warrant'),
  ('traffic-crime', 'Serious traffic crime', 0, 'hit and run, DUI causing injury'),
  ('narcotics', 'Narcotics trafficking', 0, 'drug trafficking investigations'),
  ('terrorism', 'Terrorism', 0, 'terrorism investigations'),
  ('audit-review', 'Audit or compliance review', 0, 'reviewing the system''s own use'),
  ('civil-immigration', 'Civil immigration enforcement', 1,
   'prohibited: 625 ILCS 5/2-130, WA SB 6002, CO SB25-276'),
  ('reproductive-care', 'Reproductive or gender-affirming care', 1,
   'prohibited: 625 ILCS 5/2-130, WA SB 6002'),
  ('first-amendment', 'First Amendment activity', 1,
   'prohibited: lawful protest, worship, assembly, press'),
  ('protected-class', 'Targeting a protected class', 1,
   'prohibited: race, religion, national origin, sex, gender identity, disability');
)sql";

// Version 2: supervisors' approvals of searches beyond the default limits.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  requested_by INTEGER NOT NULL REFERENCES users(id),
  purpose TEXT NOT NULL REFERENCES purposes(code),
  case_number TEXT NOT NULL,
  offense TEXT NOT NULL,
  justification TEXT NOT NULL,
  max_span_ms INTEGER NOT NULL,
  max_agencies INTEGER NOT NULL,
  pattern_analysis INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> requested_by),
  approved_at INTEGER,
  expires_at INTEGER
);
CREATE INDEX approvals_by_agency ON approvals(agency_id, approved_at);
)sql";

// Version 3: notices to an agency (sharing changes reach the agency's head and
// administrators, GOVERNANCE C.15).
constexpr std::string_view kV3 = R"sql(
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  read_at INTEGER,
  read_by INTEGER REFERENCES users(id)
);
CREATE INDEX notifications_by_agency ON notifications(agency_id, id);
)sql";

// Version 4: ingest, hotlists and hits (issue 5; docs/format/ingest.md).
constexpr std::string_view kV4 = R"sql(
ALTER TABLE cameras ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
  CHECK (status IN ('active', 'pending', 'retired'));
ALTER TABLE cameras ADD COLUMN last_seen_at INTEGER;
ALTER TABLE cameras ADD COLUMN agent_version TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE agency_settings (
  agency_id INTEGER PRIMARY KEY REFERENCES agencies(id),
  auto_register_cameras INTEGER NOT NULL DEFAULT 0,
  changed_at INTEGER NOT NULL,
  changed_by TEXT NOT NULL
);
-- GOVERNANCE D.19: each agency enables NCIC files explicitly; the setting is public.
CREATE TABLE agency_list_kinds (
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  PRIMARY KEY (agency_id, kind)
);
CREATE TABLE hotlists (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),
  one_edit INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0,
  published_at INTEGER,
  loaded_at INTEGER,
  entry_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  UNIQUE (agency_id, name)
);
CREATE TABLE hotlist_audience (
  hotlist_id INTEGER NOT NULL REFERENCES hotlists(id),
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  PRIMARY KEY (hotlist_id, agency_id)
);
CREATE TABLE hotlist_entries (
  id INTEGER PRIMARY KEY,
  hotlist_id INTEGER NOT NULL REFERENCES hotlists(id),
  generation INTEGER NOT NULL,
  kind TEXT NOT NULL,
  plate TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL,
  entered_by TEXT NOT NULL,
  entered_at INTEGER NOT NULL,
  expires_at INTEGER,
  validated_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'removed')),
  approved_by INTEGER REFERENCES users(id),
  approved_at INTEGER
);
CREATE INDEX hotlist_entries_by_list ON hotlist_entries(hotlist_id, generation);
CREATE TABLE hits (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  read_id TEXT NOT NULL,
  camera TEXT NOT NULL,
  read_time INTEGER NOT NULL,
  plate TEXT NOT NULL,
  read TEXT NOT NULL,
  hotlist_id INTEGER NOT NULL REFERENCES hotlists(id),
  entry_id INTEGER NOT NULL,
  entry TEXT NOT NULL,
  list_age_ms INTEGER NOT NULL,
  match_kind TEXT NOT NULL
    CHECK (match_kind IN ('exact', 'plate_only', 'lookalike', 'alternate', 'one_edit')),
  score REAL NOT NULL,
  backfill INTEGER NOT NULL,
  step TEXT NOT NULL DEFAULT 'new'
    CHECK (step IN ('new', 'acknowledged', 'visually_checked', 'confirmed_with_source', 'closed')),
  outcome TEXT CHECK (outcome IN ('misread', 'stale_entry', 'wrong_state', 'vehicle_mismatch',
                                  'stop', 'arrest', 'recovery', 'no_action')),
  created_at INTEGER NOT NULL,
  UNIQUE (agency_id, camera, read_id, entry_id)
);
CREATE INDEX hits_by_agency ON hits(agency_id, id);
CREATE TABLE hit_audience (
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  PRIMARY KEY (agency_id, hit_id)
);
CREATE TABLE hit_events (
  id INTEGER PRIMARY KEY,
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  step TEXT NOT NULL,
  detail TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  at INTEGER NOT NULL
);
CREATE INDEX hit_events_by_hit ON hit_events(hit_id, id);
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  url TEXT NOT NULL,
  secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  disabled_at INTEGER
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER,
  dead_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE delivered_at IS NULL AND dead_at IS NULL;
INSERT INTO role_permissions VALUES
  ('administrator', 'hotlists.manage'), ('supervisor', 'hotlists.manage'),
  ('supervisor', 'hotlists.approve'), ('analyst', 'hotlists.manage'),
  ('administrator', 'hotlists.read'), ('supervisor', 'hotlists.read'),
  ('analyst', 'hotlists.read'), ('officer', 'hotlists.read'),
  ('supervisor', 'hits.work'), ('analyst', 'hits.work'), ('officer', 'hits.work'),
  ('administrator', 'hotlists.load'), ('supervisor', 'hotlists.load'),
  ('analyst', 'hotlists.load'), ('integration', 'hotlists.load'), ('integration', 'hits.read'),
  ('administrator', 'webhooks.manage');
)sql";

// Version 5: hits are purged by the age of their read (hit retention).
constexpr std::string_view kV5 = R"sql(
CREATE INDEX hits_by_read_time ON hits(agency_id, read_time);
)sql";

// Version 6: the images of reads (content-addressed files under DATA/images),
// which agency holds each, and the images hits keep.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE images (
  address TEXT NOT NULL,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  content_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (address, agency_id)
);
CREATE INDEX images_by_age ON images(agency_id, created_at);
CREATE TABLE hit_images (
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  role TEXT NOT NULL CHECK (role IN ('plate', 'overview')),
  address TEXT NOT NULL,
  PRIMARY KEY (hit_id, role)
);
CREATE INDEX hit_images_by_address ON hit_images(address);
)sql";

// Version 7: oversight (docs/oversight.md) — reads counted per agency, camera
// and UTC day as they are accepted, the audit review queue and its cursor, work
// shifts, and the clerk who answers residents' requests.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE read_counts (
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  camera TEXT NOT NULL,
  day INTEGER NOT NULL,
  reads INTEGER NOT NULL,
  PRIMARY KEY (agency_id, day, camera)
) WITHOUT ROWID;
CREATE TABLE review_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
CREATE TABLE review_flags (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL REFERENCES audit(seq),
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  actor TEXT NOT NULL,
  rule TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  resolution TEXT CHECK (resolution IN ('justified', 'training', 'referred', 'violation')),
  note TEXT,
  resolved_by INTEGER REFERENCES users(id),
  resolved_at INTEGER,
  UNIQUE (seq, rule)
);
CREATE INDEX review_flags_by_agency ON review_flags(agency_id, resolved_at, id);
ALTER TABLE users ADD COLUMN shift TEXT NOT NULL DEFAULT '';
INSERT INTO roles VALUES
  ('clerk', 'answers residents'' requests about data held on their plate');
INSERT INTO role_permissions VALUES
  ('supervisor', 'audit.review'), ('auditor', 'audit.review'),
  ('clerk', 'records.respond'), ('clerk', 'account.self'), ('clerk', 'agency.read');
)sql";

// Version 8: protected places before the act (GOVERNANCE B.10, F.29) —
// places registered over the API, bounded in time or not; approvals that name
// the protected places and the radius they allow.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE protected_places (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  radius_m REAL NOT NULL,
  starts_at INTEGER,
  ends_at INTEGER,
  registered_by INTEGER NOT NULL REFERENCES users(id),
  registered_at INTEGER NOT NULL
);
CREATE INDEX protected_places_by_end ON protected_places(ends_at);
ALTER TABLE approvals ADD COLUMN max_radius_m REAL;
ALTER TABLE approvals ADD COLUMN places TEXT NOT NULL DEFAULT '[]';
INSERT INTO role_permissions VALUES
  ('administrator', 'places.manage'), ('supervisor', 'places.manage');
)sql";

// Version 9: the database itself keeps the audit trail append-only
// (GOVERNANCE 33): no entry can be changed, and only entries behind the anchor
// — moved forward by the audit retention purge, onto an entry that exists —
// can be deleted. Someone with the file can drop the triggers; the hash chain
// and its published head still show what they did.
constexpr std::string_view kV9 = R"sql(
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: an entry cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  WHEN OLD.seq > coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0) BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: only entries past the audit retention, behind the anchor, can be deleted');
END;
CREATE TRIGGER audit_touched_no_update BEFORE UPDATE ON audit_touched BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: an entry cannot be changed');
END;
CREATE TRIGGER audit_touched_no_delete BEFORE DELETE ON audit_touched
  WHEN OLD.seq > coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0) BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: only entries past the audit retention, behind the anchor, can be deleted');
END;
CREATE TRIGGER audit_anchor_insert BEFORE INSERT ON audit_anchor
  WHEN NEW.hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.seq) BEGIN
  SELECT RAISE(ABORT, 'the audit anchor must be the hash of an entry of the trail');
END;
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
  WHEN NEW.seq <= OLD.seq OR NEW.hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.seq) BEGIN
  SELECT RAISE(ABORT, 'the audit anchor only moves forward, onto an entry of the trail');
END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor BEGIN
  SELECT RAISE(ABORT, 'the audit anchor cannot be removed');
END;
)sql";

// Version 10: the login banner each person last accepted, and the yearly
// review of each person's access (GOVERNANCE 31).
constexpr std::string_view kV10 = R"sql(
ALTER TABLE users ADD COLUMN banner_version TEXT;
ALTER TABLE users ADD COLUMN banner_accepted_at INTEGER;
ALTER TABLE users ADD COLUMN reviewed_at INTEGER;
ALTER TABLE users ADD COLUMN reviewed_by INTEGER REFERENCES users(id);
)sql";

// Version 11: hotlist controls (GOVERNANCE 17, 19) — turning an NCIC file on
// takes a supervisor and an administrator who are two people (a request and
// its approval); administrators may be the second person on custom entries.
constexpr std::string_view kV11 = R"sql(
CREATE TABLE list_kind_requests (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL,
  proposed_by INTEGER NOT NULL REFERENCES users(id),
  proposed_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> proposed_by),
  approved_at INTEGER,
  withdrawn_at INTEGER
);
CREATE INDEX list_kind_requests_open ON list_kind_requests(agency_id)
  WHERE approved_at IS NULL AND withdrawn_at IS NULL;
INSERT INTO role_permissions VALUES
  ('administrator', 'hotlists.kinds'), ('supervisor', 'hotlists.kinds'),
  ('administrator', 'hotlists.approve');
)sql";

// Version 12: approvals that raise a person's daily results cap (GOVERNANCE
// 6) or cover a search on behalf of another agency (GOVERNANCE 14).
constexpr std::string_view kV12 = R"sql(
ALTER TABLE approvals ADD COLUMN max_daily_results INTEGER;
ALTER TABLE approvals ADD COLUMN on_behalf_of TEXT;
)sql";

// Version 13: each agency's head, by name, whom sharing notices address
// (GOVERNANCE 15).
constexpr std::string_view kV13 = R"sql(
ALTER TABLE agencies ADD COLUMN head_name TEXT;
ALTER TABLE agencies ADD COLUMN head_title TEXT;
ALTER TABLE agencies ADD COLUMN head_contact TEXT;
ALTER TABLE notifications ADD COLUMN addressee TEXT NOT NULL DEFAULT '';
)sql";

// Version 14: address-confidentiality plates (GOVERNANCE 5), as keyed hashes
// only, changed by two people.
constexpr std::string_view kV14 = R"sql(
CREATE TABLE confidential_plates (
  digest BLOB PRIMARY KEY,
  added_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE confidential_changes (
  id INTEGER PRIMARY KEY,
  digest BLOB NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
  proposed_by INTEGER NOT NULL REFERENCES users(id),
  proposed_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> proposed_by),
  approved_at INTEGER
);
INSERT INTO role_permissions VALUES
  ('administrator', 'confidential.manage'), ('clerk', 'confidential.manage');
)sql";

// Version 15: which reads name each image, so that a hold on a read keeps
// its images too (GOVERNANCE 4).
constexpr std::string_view kV15 = R"sql(
CREATE TABLE image_reads (
  address TEXT NOT NULL,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  plate TEXT NOT NULL,
  camera TEXT NOT NULL,
  read_time INTEGER NOT NULL
);
CREATE INDEX image_reads_by_image ON image_reads(address, agency_id);
)sql";

// Version 16: the one exception to dropping an address-confidentiality
// plate's reads (GOVERNANCE 5): matching them against the hotlists, approved
// for that plate by a supervisor and an administrator who are two people.
constexpr std::string_view kV16 = R"sql(
CREATE TABLE confidential_matching (
  id INTEGER PRIMARY KEY,
  digest BLOB NOT NULL,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  proposed_by INTEGER NOT NULL REFERENCES users(id),
  proposed_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> proposed_by),
  approved_at INTEGER,
  ended_at INTEGER
);
)sql";

// Version 17: several servers on one catalog (issue 21). Each kind of state a
// server keeps in memory has a generation, counted up with every change, which
// the other servers watch; webhook deliveries are leased to one server.
constexpr std::string_view kV17 = R"sql(
CREATE TABLE changes (
  topic TEXT PRIMARY KEY,
  generation INTEGER NOT NULL DEFAULT 0,
  changed_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO changes (topic) VALUES ('hotlists'), ('confidential'), ('retention'), ('cameras');
ALTER TABLE webhook_deliveries ADD COLUMN leased_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN leased_until INTEGER;
)sql";

// Version 18: the daily results cap. Every search summed the results of the
// searcher's audit entries of the last 24 hours, reading all of them (of
// everyone, by the time index): a search cost more with every search made
// that day. A running count per person and hour, written with each search's
// audit entry, is read instead; it starts from the audit trail's last 25
// hours. (bench api, one server, eight analysts: the requests per second fell
// from 604 in 5 s to 391 in 20 s before.)
constexpr std::string_view kV18 = R"sql(
CREATE TABLE search_results_hourly (
  actor TEXT NOT NULL,
  hour INTEGER NOT NULL,
  results INTEGER NOT NULL,
  PRIMARY KEY (actor, hour)
) WITHOUT ROWID;
INSERT INTO search_results_hourly (actor, hour, results)
  SELECT actor, time / 3600000, sum(CAST(json_extract(details, '$.results') AS INTEGER))
  FROM audit
  WHERE time > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 90000000
    AND substr(event, 1, 7) = 'search.' AND event NOT IN ('search.export', 'search.refused')
  GROUP BY actor, time / 3600000;
)sql";
constexpr std::string_view kV18Postgres = R"sql(
CREATE TABLE search_results_hourly (
  actor TEXT NOT NULL,
  hour BIGINT NOT NULL,
  results BIGINT NOT NULL,
  PRIMARY KEY (actor, hour)
);
INSERT INTO search_results_hourly (actor, hour, results)
  SELECT actor, time / 3600000, sum(CAST(details::jsonb ->> 'results' AS BIGINT))
  FROM audit
  WHERE time > CAST(extract(epoch FROM now()) AS BIGINT) * 1000 - 90000000
    AND substr(event, 1, 7) = 'search.' AND event NOT IN ('search.export', 'search.refused')
  GROUP BY actor, time / 3600000;
)sql";

// Version 9 on PostgreSQL: the same rules as trigger functions. A refusal is
// an integrity violation (SQLSTATE 23000), as SQLite's RAISE(ABORT) is a
// constraint failure: callers see the same AlreadyExists on both engines.
constexpr std::string_view kV9Postgres = R"sql(
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: an entry cannot be changed'
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE FUNCTION audit_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq > coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0) THEN
    RAISE EXCEPTION 'the audit trail is append-only: only entries past the audit retention, behind the anchor, can be deleted'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE FUNCTION audit_anchor_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'the audit anchor cannot be removed'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.hash IS DISTINCT FROM (SELECT hash FROM audit WHERE seq = NEW.seq) THEN
    RAISE EXCEPTION 'the audit anchor must be the hash of an entry of the trail'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.seq <= OLD.seq OR
      NEW.hash IS DISTINCT FROM (SELECT hash FROM audit WHERE seq = NEW.seq)) THEN
    RAISE EXCEPTION 'the audit anchor only moves forward, onto an entry of the trail'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_delete();
CREATE TRIGGER audit_touched_no_update BEFORE UPDATE ON audit_touched
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_touched_no_delete BEFORE DELETE ON audit_touched
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_delete();
CREATE TRIGGER audit_anchor_rules BEFORE INSERT OR UPDATE OR DELETE ON audit_anchor
  FOR EACH ROW EXECUTE FUNCTION audit_anchor_check();
)sql";

// Each step once released is never edited: a data directory at version N
// runs exactly the steps after N.
// v19: single sign-on through each agency's OpenID Connect provider (issue 23):
// its settings (the client secret stays on the host: sso.client_secrets_dir),
// the pending sign-ins (state, nonce, PKCE verifier; single use), and the
// provider's subject of each person it provisioned.
constexpr std::string_view kV19 = R"sql(
CREATE TABLE sso_providers (
  agency_id INTEGER PRIMARY KEY REFERENCES agencies(id),
  issuer TEXT NOT NULL,
  client_id TEXT NOT NULL,
  groups_claim TEXT NOT NULL,
  role_map TEXT NOT NULL,
  require_mfa INTEGER NOT NULL,
  mfa_amr TEXT NOT NULL,
  mfa_acr TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE sso_logins (
  state_hash BLOB PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  nonce TEXT NOT NULL,
  verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER,
  user_id INTEGER REFERENCES users(id),
  mfa_asserted INTEGER,
  ticket_hash BLOB UNIQUE,
  redeemed_at INTEGER
);
ALTER TABLE users ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX users_by_sso_subject ON users(agency_id, sso_subject);
)sql";

// Version 20: images sealed under their agency's data key (decision 0036):
// which key, so that a key is destroyed only once no image row names it.
// NULL: a plain image in the shared layout.
constexpr std::string_view kV20 = R"sql(
ALTER TABLE images ADD COLUMN key_id TEXT;
CREATE INDEX images_by_key ON images(key_id);
)sql";

// Version 21: hits sealed under their agency's hits key (decision 0036): the
// read and the entry they keep, and the bodies of their webhook deliveries.
// NULL: a plain hit.
constexpr std::string_view kV21 = R"sql(
ALTER TABLE hits ADD COLUMN key_id TEXT;
CREATE INDEX hits_by_key ON hits(key_id);
)sql";

// Version 22: task-force units and where they are (issue 24,
// docs/format/units.md). Retention gains the class of unit locations
// (default 24 hours); its tables are made anew to widen their CHECK, on both
// engines alike, so they keep one order.
constexpr std::string_view kV22 = R"sql(
CREATE TABLE retention_v22 (
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  data_class TEXT NOT NULL
    CHECK (data_class IN ('non_hit_reads', 'hits', 'images', 'audit', 'unit_locations')),
  period_ms INTEGER NOT NULL CHECK (period_ms > 0),
  preset TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  PRIMARY KEY (agency_id, data_class)
);
INSERT INTO retention_v22 SELECT agency_id, data_class, period_ms, preset, changed_at, changed_by
  FROM retention;
DROP TABLE retention;
ALTER TABLE retention_v22 RENAME TO retention;
CREATE TABLE retention_presets_v22 (
  preset TEXT NOT NULL,
  data_class TEXT NOT NULL
    CHECK (data_class IN ('non_hit_reads', 'hits', 'images', 'audit', 'unit_locations')),
  period_ms INTEGER NOT NULL CHECK (period_ms > 0),
  citation TEXT NOT NULL,
  PRIMARY KEY (preset, data_class)
);
INSERT INTO retention_presets_v22 SELECT preset, data_class, period_ms, citation
  FROM retention_presets;
DROP TABLE retention_presets;
ALTER TABLE retention_presets_v22 RENAME TO retention_presets;
INSERT INTO retention_presets (preset, data_class, period_ms, citation)
  SELECT DISTINCT preset, 'unit_locations', 86400000,
    'unit locations (AVL, ADS-B): 24 hours unless the agency sets otherwise'
  FROM retention_presets;
INSERT INTO retention (agency_id, data_class, period_ms, preset, changed_at, changed_by)
  SELECT id, 'unit_locations', 86400000, 'default', 0, 'catalog version 22' FROM agencies;
CREATE TABLE units (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  call_sign TEXT NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('patrol', 'unmarked', 'k9', 'tactical_medic', 'aircraft', 'other')),
  capabilities TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('available', 'assigned', 'busy', 'out_of_service')),
  status_at INTEGER NOT NULL,
  status_by TEXT NOT NULL,
  shift TEXT NOT NULL,
  icao TEXT,
  home_lat REAL,
  home_lon REAL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  retired_at INTEGER,
  UNIQUE (agency_id, call_sign)
);
CREATE UNIQUE INDEX units_by_icao ON units(icao);
CREATE TABLE unit_positions (
  unit_id INTEGER NOT NULL REFERENCES units(id),
  time INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  speed_mps REAL,
  heading INTEGER,
  source TEXT NOT NULL CHECK (source IN ('avl', 'adsb', 'sim')),
  received_at INTEGER NOT NULL
);
CREATE INDEX unit_positions_by_unit ON unit_positions(unit_id, time);
CREATE INDEX unit_positions_by_time ON unit_positions(time);
INSERT INTO role_permissions VALUES
  ('administrator', 'units.manage'), ('supervisor', 'units.manage'),
  ('administrator', 'units.read'), ('supervisor', 'units.read'), ('analyst', 'units.read'),
  ('officer', 'units.read'), ('integration', 'units.report');
)sql";

// Version 23: the NCIC rule inside Interdict (issue 24, docs/format/units.md,
// "Confirmation"): a hit's request to the list's owner, its deadline, its
// escalation and its answer.
constexpr std::string_view kV23 = R"sql(
CREATE TABLE confirmation_requests (
  id INTEGER PRIMARY KEY,
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  owner_agency_id INTEGER NOT NULL REFERENCES agencies(id),
  requester_agency_id INTEGER NOT NULL REFERENCES agencies(id),
  priority TEXT NOT NULL CHECK (priority IN ('urgent', 'routine')),
  requested_at INTEGER NOT NULL,
  requested_by TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  escalated_at INTEGER,
  answer TEXT CHECK (answer IN ('confirmed', 'denied', 'no_record')),
  answered_at INTEGER,
  answered_by TEXT,
  note TEXT
);
CREATE INDEX confirmation_requests_by_hit ON confirmation_requests(hit_id);
CREATE INDEX confirmation_requests_by_owner ON confirmation_requests(owner_agency_id, due_at);
CREATE INDEX confirmation_requests_by_due ON confirmation_requests(due_at);
INSERT INTO role_permissions VALUES
  ('administrator', 'hotlists.confirm'), ('supervisor', 'hotlists.confirm'),
  ('analyst', 'hotlists.confirm');
)sql";

// Version 24: dispatch (issue 24, docs/format/units.md, "A hit's
// operations"): units a dispatcher sent to a hit, and the point each waits at.
constexpr std::string_view kV24 = R"sql(
CREATE TABLE hit_assignments (
  id INTEGER PRIMARY KEY,
  hit_id INTEGER NOT NULL REFERENCES hits(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),
  point_lat REAL NOT NULL,
  point_lon REAL NOT NULL,
  camera TEXT NOT NULL DEFAULT '',
  eta_at INTEGER,
  assigned_at INTEGER NOT NULL,
  assigned_by TEXT NOT NULL,
  released_at INTEGER,
  released_by TEXT
);
CREATE INDEX hit_assignments_by_hit ON hit_assignments(hit_id);
CREATE INDEX hit_assignments_by_unit ON hit_assignments(unit_id, released_at);
INSERT INTO role_permissions VALUES ('supervisor', 'hits.dispatch'), ('analyst', 'hits.dispatch');
)sql";

// Version 25: each agency's dispatch rules (issue 24, docs/format/units.md,
// "Dispatch rules"): the staging policy shown with every suggestion, and the
// entry kinds that call for the aircraft, a K-9 team or a tactical medic.
// An agency without a row has the defaults (docs: K-9 and medic for "W").
constexpr std::string_view kV25 = R"sql(
CREATE TABLE dispatch_rules (
  agency_id INTEGER PRIMARY KEY REFERENCES agencies(id),
  policy TEXT NOT NULL,
  aircraft_kinds TEXT NOT NULL,
  k9_kinds TEXT NOT NULL,
  medic_kinds TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  changed_by TEXT NOT NULL
);
-- An in-car terminal or AVL gateway may read its units' board: where each is
-- sent (docs/format/units.md, "A hit's operations").
INSERT INTO role_permissions VALUES ('integration', 'units.read');
-- A unit's own key (its in-car AVL): it reports those call signs only.
ALTER TABLE integrations ADD COLUMN units TEXT;
)sql";

// Version 26: sharing beyond reads (issue 25, docs/format/intel.md). Three
// new data classes of agreements: deconfliction, bolos, intelligence.
// Deconfliction is in force between every two task-force members by default:
// the catalog seeds those agreements, approved, with no proposing person
// (proposed_by NULL: "the task force's default", which either side may
// revoke). Webhook deliveries may carry an event that is about no hit (a
// deconfliction notice). SQLite widens a CHECK only by making the table
// anew; PostgreSQL alters it in place (kV26Postgres).
constexpr std::string_view kV26 = R"sql(
CREATE TABLE agreements_v26 (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES agencies(id),
  partner_id INTEGER NOT NULL REFERENCES agencies(id) CHECK (partner_id <> owner_id),
  data_class TEXT NOT NULL CHECK (data_class IN ('reads', 'hits', 'hotlists', 'deconfliction',
    'bolos', 'intelligence')),
  effective_from INTEGER NOT NULL,
  effective_to INTEGER,
  document TEXT NOT NULL,
  proposed_by INTEGER REFERENCES users(id),
  approved_by INTEGER REFERENCES users(id) CHECK (approved_by IS NULL OR approved_by <> proposed_by),
  approved_at INTEGER,
  revoked_at INTEGER,
  revoked_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL
);
INSERT INTO agreements_v26 SELECT id, owner_id, partner_id, data_class, effective_from,
  effective_to, document, proposed_by, approved_by, approved_at, revoked_at, revoked_by, created_at
  FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_v26 RENAME TO agreements;
CREATE INDEX agreements_by_partner ON agreements(partner_id, data_class);
CREATE TABLE webhook_deliveries_v26 (
  id INTEGER PRIMARY KEY,
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
  hit_id INTEGER REFERENCES hits(id),
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER,
  dead_at INTEGER,
  leased_by TEXT,
  leased_until INTEGER
);
INSERT INTO webhook_deliveries_v26 SELECT id, webhook_id, hit_id, body, attempts,
  next_attempt_at, last_error, delivered_at, dead_at, leased_by, leased_until
  FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_v26 RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE delivered_at IS NULL AND dead_at IS NULL;
INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document,
    approved_at, created_at)
  SELECT a.id, b.id, 'deconfliction', 0,
    'task-force default: every member deconflicts with every other (revocable)', 0, 0
  FROM agencies a JOIN agencies b ON a.id <> b.id;
)sql";
constexpr std::string_view kV26Postgres = R"sql(
ALTER TABLE agreements DROP CONSTRAINT agreements_data_class_check;
ALTER TABLE agreements ADD CONSTRAINT agreements_data_class_check CHECK (data_class IN
  ('reads', 'hits', 'hotlists', 'deconfliction', 'bolos', 'intelligence'));
ALTER TABLE agreements ALTER COLUMN proposed_by DROP NOT NULL;
ALTER TABLE webhook_deliveries ALTER COLUMN hit_id DROP NOT NULL;
INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document,
    approved_at, created_at)
  SELECT a.id, b.id, 'deconfliction', 0,
    'task-force default: every member deconflicts with every other (revocable)', 0, 0
  FROM agencies a JOIN agencies b ON a.id <> b.id;
)sql";

// Version 27: event and target deconfliction (issue 25, docs/format/intel.md,
// "Operations and deconfliction", "Targets"). A target's match keys are kept
// as their 64-bit hashes in target_keys, so a new target is matched in the
// catalog's index, consistently across servers; the topic 'targets' tells
// servers to reload the plates they check live reads against.
constexpr std::string_view kV27 = R"sql(
CREATE TABLE operations (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL CHECK (kind IN ('raid', 'search_warrant', 'surveillance', 'controlled_buy',
    'undercover_meeting', 'other')),
  case_number TEXT NOT NULL,
  title TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL CHECK (ends_at >= starts_at),
  area TEXT NOT NULL,
  radius_m REAL,
  status TEXT NOT NULL CHECK (status IN ('planned', 'active', 'ended', 'cancelled')),
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE INDEX operations_by_end ON operations(ends_at);
CREATE INDEX operations_by_agency ON operations(agency_id, starts_at);
CREATE TABLE targets (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  operation_id INTEGER REFERENCES operations(id),
  case_number TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('plate', 'person', 'phone', 'address')),
  value TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  removed_at INTEGER,
  removed_by TEXT
);
CREATE INDEX targets_by_agency ON targets(agency_id, created_at);
CREATE INDEX targets_by_expiry ON targets(expires_at);
CREATE TABLE target_keys (
  key_hash INTEGER NOT NULL,
  target_id INTEGER NOT NULL REFERENCES targets(id),
  PRIMARY KEY (key_hash, target_id)
) WITHOUT ROWID;
CREATE INDEX target_keys_by_target ON target_keys(target_id);
CREATE TABLE conflicts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('operation', 'target')),
  a_id INTEGER NOT NULL,
  b_id INTEGER NOT NULL,
  a_agency_id INTEGER NOT NULL REFERENCES agencies(id),
  b_agency_id INTEGER NOT NULL REFERENCES agencies(id),
  found_at INTEGER NOT NULL,
  urgency_at INTEGER NOT NULL,
  a_resolution TEXT CHECK (a_resolution IN ('proceed', 'joint', 'delay', 'cancel')),
  a_resolved_at INTEGER,
  a_resolved_by TEXT,
  a_note TEXT,
  b_resolution TEXT CHECK (b_resolution IN ('proceed', 'joint', 'delay', 'cancel')),
  b_resolved_at INTEGER,
  b_resolved_by TEXT,
  b_note TEXT,
  closed_at INTEGER,
  CHECK (a_id < b_id),
  UNIQUE (kind, a_id, b_id)
);
CREATE INDEX conflicts_by_a ON conflicts(a_agency_id, closed_at);
CREATE INDEX conflicts_by_b ON conflicts(b_agency_id, closed_at);
INSERT INTO changes (topic) VALUES ('targets');
INSERT INTO role_permissions VALUES
  ('supervisor', 'operations.manage'), ('analyst', 'operations.manage'),
  ('officer', 'operations.manage'),
  ('supervisor', 'operations.read'), ('analyst', 'operations.read'),
  ('officer', 'operations.read'),
  ('supervisor', 'conflicts.watch');
)sql";

// Version 28: BOLOs (issue 25, docs/format/intel.md, "BOLOs"): bulletins with
// their audience and expiry; a plate BOLO's alert is an entry of the issuing
// agency's list for that audience (list_id); a BOLO without a plate collects
// the reads whose vehicle matches it (weak matches, at most 500 a BOLO). A
// photo (JPEG or PNG, at most 2 MiB) is kept while the BOLO is active.
constexpr std::string_view kV28 = R"sql(
CREATE TABLE bolos (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL CHECK (kind IN ('stolen_vehicle', 'wanted_person', 'missing_person',
    'officer_safety', 'other')),
  narrative TEXT NOT NULL,
  plate TEXT,
  plate_state TEXT,
  make TEXT NOT NULL,
  model TEXT NOT NULL,
  color TEXT NOT NULL,
  body TEXT NOT NULL,
  marks TEXT NOT NULL,
  person TEXT NOT NULL,
  photo BLOB,
  photo_type TEXT,
  contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  audience TEXT NOT NULL,
  list_id INTEGER REFERENCES hotlists(id),
  issued_at INTEGER NOT NULL,
  issued_by TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'expired')),
  renewed_at INTEGER,
  renewed_by TEXT,
  ended_at INTEGER,
  ended_by TEXT
);
CREATE INDEX bolos_by_status ON bolos(status, expires_at);
CREATE INDEX bolos_by_plate ON bolos(plate);
CREATE TABLE bolo_sightings (
  bolo_id INTEGER NOT NULL REFERENCES bolos(id),
  camera_agency_id INTEGER NOT NULL REFERENCES agencies(id),
  camera TEXT NOT NULL,
  plate TEXT NOT NULL,
  read_time INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (bolo_id, camera_agency_id, camera, read_time, plate)
);
INSERT INTO changes (topic) VALUES ('bolos');
INSERT INTO role_permissions VALUES
  ('supervisor', 'bolos.issue'), ('analyst', 'bolos.issue'),
  ('supervisor', 'bolos.read'), ('analyst', 'bolos.read'), ('officer', 'bolos.read');
)sql";

// Version 29: criminal intelligence records under 28 CFR Part 23 (issue 25,
// docs/format/intel.md and docs/intelligence.md): the record with its
// criminal predicate, source and reliability; who approved it (never who
// submitted it); each dissemination with its recipient, need and right to
// know; each re-validation with its justification.
constexpr std::string_view kV29 = R"sql(
CREATE TABLE intel_records (
  id INTEGER PRIMARY KEY,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('person', 'organization', 'vehicle')),
  subject TEXT NOT NULL,
  activity TEXT NOT NULL,
  predicate TEXT NOT NULL,
  narrative TEXT NOT NULL,
  source TEXT NOT NULL,
  reliability TEXT NOT NULL
    CHECK (reliability IN ('reliable', 'usually_reliable', 'unknown', 'unreliable')),
  first_amendment TEXT,
  approval_statement TEXT,
  state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'refused', 'purged')),
  submitted_at INTEGER NOT NULL,
  submitted_by INTEGER NOT NULL REFERENCES users(id),
  approved_at INTEGER,
  approved_by INTEGER REFERENCES users(id)
    CHECK (approved_by IS NULL OR approved_by <> submitted_by),
  refused_at INTEGER,
  refused_by INTEGER REFERENCES users(id),
  refusal TEXT,
  validated_at INTEGER NOT NULL,
  review_due_at INTEGER NOT NULL,
  review_noted_at INTEGER,
  purged_at INTEGER,
  purged_by TEXT
);
CREATE INDEX intel_records_by_agency ON intel_records(agency_id, state);
CREATE INDEX intel_records_by_review ON intel_records(review_due_at);
CREATE TABLE intel_disseminations (
  id INTEGER PRIMARY KEY,
  record_id INTEGER NOT NULL REFERENCES intel_records(id),
  to_user_id INTEGER REFERENCES users(id),
  to_agency_id INTEGER REFERENCES agencies(id),
  recipient TEXT NOT NULL,
  purpose TEXT NOT NULL,
  agreement_id INTEGER REFERENCES agreements(id),
  imminent_danger INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL,
  by_user TEXT NOT NULL
);
CREATE INDEX intel_disseminations_by_record ON intel_disseminations(record_id, at);
CREATE INDEX intel_disseminations_by_user ON intel_disseminations(to_user_id, record_id);
CREATE TABLE intel_validations (
  record_id INTEGER NOT NULL REFERENCES intel_records(id),
  at INTEGER NOT NULL,
  by_user TEXT NOT NULL,
  justification TEXT NOT NULL
);
CREATE INDEX intel_validations_by_record ON intel_validations(record_id, at);
INSERT INTO role_permissions VALUES
  ('supervisor', 'intel.submit'), ('analyst', 'intel.submit'),
  ('supervisor', 'intel.approve'),
  ('supervisor', 'intel.read'), ('analyst', 'intel.read');
)sql";

// Version 30 (issue 26): outcome evaluation — incident datasets kept as
// monthly counts per category and area (no incident, address or complaint
// number is stored), saved evaluations, and the ones published on the
// transparency page (docs/format/outcomes.md).
constexpr std::string_view kV30 = R"sql(
CREATE TABLE outcome_datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('slmpd', 'csv')),
  area_kind TEXT NOT NULL,
  first_month INTEGER,
  last_month INTEGER,
  files INTEGER NOT NULL DEFAULT 0,
  lines INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  error_sample TEXT NOT NULL DEFAULT '[]',
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE outcome_counts (
  dataset_id INTEGER NOT NULL REFERENCES outcome_datasets(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  area TEXT NOT NULL,
  month INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, category, area, month)
);
CREATE TABLE outcome_evaluations (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER REFERENCES outcome_datasets(id) ON DELETE SET NULL,
  dataset_name TEXT NOT NULL,
  title TEXT NOT NULL,
  claim TEXT NOT NULL,
  result TEXT NOT NULL,
  verdict TEXT NOT NULL,
  agency_id INTEGER NOT NULL REFERENCES agencies(id),
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  published_by INTEGER REFERENCES users(id),
  published_at INTEGER
);
CREATE INDEX outcome_evaluations_published ON outcome_evaluations(published_at);
INSERT INTO role_permissions VALUES
  ('supervisor', 'outcomes.read'), ('auditor', 'outcomes.read'), ('administrator', 'outcomes.read'),
  ('supervisor', 'outcomes.manage'), ('administrator', 'outcomes.manage'),
  ('administrator', 'outcomes.publish');
)sql";

const std::vector<Migration> kMigrations = {{1, kV1, {}},          {2, kV2, {}},
                                            {3, kV3, {}},          {4, kV4, {}},
                                            {5, kV5, {}},          {6, kV6, {}},
                                            {7, kV7, {}},          {8, kV8, {}},
                                            {9, kV9, kV9Postgres}, {10, kV10, {}},
                                            {11, kV11, {}},        {12, kV12, {}},
                                            {13, kV13, {}},        {14, kV14, {}},
                                            {15, kV15, {}},        {16, kV16, {}},
                                            {17, kV17, {}},        {18, kV18, kV18Postgres},
                                            {19, kV19, {}},        {20, kV20, {}},
                                            {21, kV21, {}},        {22, kV22, {}},
                                            {23, kV23, {}},        {24, kV24, {}},
                                            {25, kV25, {}},        {26, kV26, kV26Postgres},
                                            {27, kV27, {}},        {28, kV28, {}},
                                            {29, kV29, {}},        {30, kV30, {}}};

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Replaces every whole-word `from` in `sql` by `to`.
std::string ReplaceWord(std::string sql, std::string_view from, std::string_view to) {
  for (std::size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at)) {
    const bool starts = at == 0 || !IsWordChar(sql[at - 1]);
    const bool ends = at + from.size() == sql.size() || !IsWordChar(sql[at + from.size()]);
    if (starts && ends) {
      sql.replace(at, from.size(), to);
      at += to.size();
    } else {
      at += from.size();
    }
  }
  return sql;
}

}  // namespace

std::string PostgresDdl(std::string_view sqlite_sql) {
  // A table's own id is generated as SQLite's rowid alias is; INTEGER is
  // SQLite's 64-bit integer, REAL its 8-byte float; every table has its key
  // as PostgreSQL's tables always do (WITHOUT ROWID says nothing there).
  std::string s(sqlite_sql);
  s = ReplaceWord(std::move(s), "id INTEGER PRIMARY KEY,",
                  "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,");
  s = ReplaceWord(std::move(s), "INTEGER", "BIGINT");
  s = ReplaceWord(std::move(s), "REAL", "DOUBLE PRECISION");
  s = ReplaceWord(std::move(s), "BLOB", "BYTEA");
  s = ReplaceWord(std::move(s), "WITHOUT ROWID", "");
  return s;
}

std::string StepSql(const Migration& m, Engine engine) {
  if (engine == Engine::kSqlite) return std::string(m.sql);
  return m.postgres_sql.empty() ? PostgresDdl(m.sql) : std::string(m.postgres_sql);
}

const std::vector<Migration>& Migrations() {
  return kMigrations;
}
int SchemaVersion() {
  return kMigrations.back().version;
}

Status Migrate(Database& db) {
  Result<int> current = db.SchemaVersion();
  if (!current.ok()) return current.status();
  if (*current > SchemaVersion()) {
    return Status::FailedPrecondition(
        fmt::format("{} has schema version {}; this interdict knows up to {}: upgrade interdict",
                    db.name(), *current, SchemaVersion()));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    const std::string sql = StepSql(m, db.engine());
    Status st = db.Transaction([&] {
      INTERDICT_RETURN_IF_ERROR(db.Exec(sql));
      return db.SetSchemaVersion(m.version);
    });
    if (!st.ok()) return st.WithContext(fmt::format("migrating to schema version {}: ", m.version));
  }
  return Status::Ok();
}

}  // namespace interdict::catalog
