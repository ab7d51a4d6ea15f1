#include "demo/seed.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "alerting/cameras.h"
#include "alerting/hotlists.h"
#include "audit/audit.h"
#include "base/delimited.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "cluster/clickhouse_reads.h"
#include "crypto/crypto.h"
#include "crypto/password.h"
#include "identity/accounts.h"
#include "identity/admin.h"
#include "identity/keys.h"
#include "ops/movement.h"
#include "ops/units.h"
#include "oversight/read_counts.h"
#include "policy/retention.h"
#include "policy/sharing.h"
#include "server/catalog_handle.h"
#include "server/data_dir.h"
#include "sim/units.h"
#include "store/store.h"

namespace interdict::demo {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr const char* kRoles[] = {"administrator", "supervisor", "analyst", "officer"};

std::string SecretsPath(const std::string& data_dir) {
  return server::DataPaths(data_dir).demo() + "/secrets.json";
}

Status WriteSecrets(const std::string& data_dir, const DemoSecrets& s) {
  ::mkdir(server::DataPaths(data_dir).demo().c_str(), 0700);
  const std::string text = json::Write([&](json::Writer& w) {
                             w.StartObject();
                             json::Members(w, "password", s.password, "totp_secret", s.totp_secret);
                             json::Key(w, "keys");
                             w.StartObject();
                             for (const auto& [agency, key] : s.keys) json::Members(w, agency, key);
                             w.EndObject();
                             json::Members(w, "stolen_plates", s.stolen_plates);
                             w.EndObject();
                           }) +
                           "\n";
  const std::string path = SecretsPath(data_dir);
  {
    std::ofstream out(path + ".tmp", std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return Status::IOError(fmt::format("{}: cannot write", path));
  }
  ::chmod((path + ".tmp").c_str(), 0600);
  if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0)
    return Status::IOError(fmt::format("{}: cannot write", path));
  return Status::Ok();
}

Result<DemoSecrets> ReadSecretsAt(const std::string& path, bool need_logins) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: missing", path));
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  rapidjson::Document doc;
  if (!json::Parse(text, &doc).ok() || !doc.IsObject() || !doc.HasMember("keys") ||
      !doc["keys"].IsObject())
    return Status::InvalidArgument(
        fmt::format("{}: not a secrets file (needs {{\"keys\": {{\"AGENCY\": \"key\"}}}})", path));
  const bool logins = doc.HasMember("password") && doc["password"].IsString() &&
                      doc.HasMember("totp_secret") && doc["totp_secret"].IsString();
  if (need_logins && !logins)
    return Status::Corruption(fmt::format("{}: not the demo's secrets file", path));
  DemoSecrets s;
  if (logins) {
    s.password = doc["password"].GetString();
    s.totp_secret = doc["totp_secret"].GetString();
  }
  for (auto it = doc["keys"].MemberBegin(); it != doc["keys"].MemberEnd(); ++it) {
    if (it->value.IsString()) s.keys[it->name.GetString()] = it->value.GetString();
  }
  if (doc.HasMember("stolen_plates") && doc["stolen_plates"].IsArray()) {
    for (const auto& p : doc["stolen_plates"].GetArray())
      if (p.IsString()) s.stolen_plates.emplace_back(p.GetString());
  }
  return s;
}

// A person who can sign in at once: password set, TOTP enrolled. Only the
// demo creates people this way; real ones enrol themselves.
Status AddPerson(catalog::Database& db, std::int64_t agency_id, const std::string& username,
                 const std::string& display, const std::string& role,
                 const std::string& password_hash, const std::string& totp_secret,
                 std::int64_t now) {
  Result<catalog::Statement> st = db.Prepare(
      "INSERT INTO users (agency_id, username, display_name, role, password_hash, totp_secret, "
      "totp_enrolled, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, 'demo')");
  if (!st.ok()) return st.status();
  st->Bind(1, agency_id).Bind(2, username).Bind(3, display).Bind(4, role);
  st->Bind(5, password_hash).BindBlob(6, totp_secret).Bind(7, now);
  INTERDICT_RETURN_IF_ERROR(st->Run());
  audit::Entry e;
  e.time = now;
  e.actor = "operator";
  e.agency = agency_id;
  e.event = "user.create";
  e.details = json::Object("username", username, "role", role, "by", "demo seed");
  return audit::Append(db, e);
}

std::string Ori(std::size_t i, std::string_view state) {
  return fmt::format("{}{:03}0000", state.substr(3, 2), i + 1);
}

Result<DemoSecrets> ReadSecrets(const std::string& data_dir) {
  return ReadSecretsAt(SecretsPath(data_dir), true);
}

}  // namespace

Result<DemoSecrets> ReadSecretsFile(const std::string& path) {
  return ReadSecretsAt(path, false);
}

std::string Username(std::string_view agency, std::string_view role) {
  return AsciiLower(agency) + "-" + std::string(role == "administrator" ? "admin" : role);
}

std::string UnitCallSign(const sim::Unit& unit) {
  std::string out;
  for (char c : unit.name) out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

std::string NcicExtract(const sim::Population& population, std::int64_t now) {
  std::string out = fmt::format("NCIC LPR EXTRACT MO {} INTERDICT DEMO (SIMULATED)\n",
                                FormatRfc3339(now).substr(0, 10));
  auto line = [&](char file, std::size_t n, const plate::Plate& p, std::string_view state,
                  const sim::Vehicle& v, std::int64_t entered) {
    const std::string date = FormatRfc3339(entered).substr(0, 10);
    const std::string ymd = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    std::string model(v.model.substr(0, 3));
    return fmt::format("{}{:09}MO0950000{}{:<10}{:<2}2027PC2018{:<4}{:<3}{:<2}{}\n", file,
                       200'000'000 + n, ymd, p.str(), state.substr(3, 2), v.make, model, v.body,
                       v.color);
  };
  const auto& vehicles = population.vehicles();
  std::size_t n = 0;
  for (std::size_t i : population.stolen()) {
    const sim::Vehicle& v = vehicles[i];
    // Entered over the last months: the older ones stand for cars recovered
    // but never taken off the list, whose hits are closed as stale.
    const std::int64_t entered = now - static_cast<std::int64_t>(n % 120) * kDay;
    out += line('V', n, v.plate, v.state.code(), v, entered);
    ++n;
  }
  // A plate a local car carries, listed for another state: no hit (the states differ).
  if (vehicles.size() > 60) {
    const sim::Vehicle& local = vehicles[57];
    out += line('V', n++, local.plate, local.state.code() == "US-KS" ? "US-NE" : "US-KS", local,
                now - 3 * kDay);
  }
  return out;
}

Result<std::unique_ptr<catalog::Database>> OpenDemoCatalog(const DemoOptions& options) {
  Result<catalog::Location> where = options.config != nullptr
                                        ? server::CatalogLocation(*options.config)
                                        : Result<catalog::Location>(catalog::Location::Sqlite(
                                              server::DataPaths(options.data_dir).catalog()));
  if (!where.ok()) return where.status();
  return catalog::Database::Open(*where);
}

Result<SeedReport> SeedIfEmpty(const DemoOptions& options, const sim::Traffic& traffic,
                               std::int64_t now, Logger& log) {
  const sim::Region& region = traffic.region();
  const sim::Population& population = traffic.population();
  Result<server::DataDir> dir = server::DataDir::Open(options.data_dir);
  if (!dir.ok()) return dir.status();
  Result<std::unique_ptr<catalog::Database>> opened = OpenDemoCatalog(options);
  if (!opened.ok()) return opened.status();
  catalog::Database& db = **opened;
  INTERDICT_RETURN_IF_ERROR(catalog::Migrate(db));
  SeedReport report;
  {
    Result<catalog::Statement> q = db.Query("SELECT count(*) FROM agencies");
    if (!q.ok()) return q.status();
    if (q->Int(0) > 0) {
      Result<DemoSecrets> s = ReadSecrets(options.data_dir);
      if (!s.ok()) {
        return Status::FailedPrecondition(fmt::format(
            "{} holds agencies but is not a complete demo data directory ({}); use another "
            "--data, or remove it if a first start stopped part-way",
            options.data_dir, s.status().message()));
      }
      report.secrets = std::move(s).value();
      return report;
    }
  }
  report.fresh = true;
  log.Info("seeding the demo region", {{"data", options.data_dir}});
  DemoSecrets& secrets = report.secrets;
  secrets.password = "interdict-demo";
  const std::string totp_raw = crypto::RandomBytes(20);
  secrets.totp_secret = crypto::Base32Encode(totp_raw);
  Result<std::string> hash = crypto::HashPassword(secrets.password, crypto::PasswordCost{});
  if (!hash.ok()) return hash.status();

  // Agencies and their people.
  identity::Accounts accounts(db, identity::AccountPolicy{});
  std::map<std::string, std::int64_t> agency_ids;
  std::map<std::string, identity::Principal> people;  // "GCPD/analyst"
  for (std::size_t i = 0; i < region.agencies.size(); ++i) {
    const sim::Agency& a = region.agencies[i];
    identity::InitRequest req{a.code,
                              a.name,
                              Ori(i, a.state),
                              a.state,
                              a.kind,
                              Username(a.code, "setup"),
                              "Demo setup account"};
    Result<identity::InitResult> made =
        i == 0 ? identity::InitCatalog(db, req, now) : identity::AddAgency(db, req, now);
    if (!made.ok()) return made.status().WithContext(a.code + ": ");
    agency_ids[a.code] = made->agency_id;
    INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
      for (const char* role : kRoles) {
        INTERDICT_RETURN_IF_ERROR(AddPerson(db, made->agency_id, Username(a.code, role),
                                            fmt::format("{} {} (demo)", a.code, role), role, *hash,
                                            totp_raw, now));
      }
      return Status::Ok();
    }));
    for (const char* role : kRoles) {
      Result<catalog::Statement> q =
          db.Query("SELECT id FROM users WHERE username = ?1", Username(a.code, role));
      if (!q.ok()) return q.status();
      Result<identity::Principal> p = accounts.UserPrincipal(q->Int(0));
      if (!p.ok()) return p.status();
      people[a.code + "/" + role] = *p;
    }
  }
  auto person = [&](const std::string& agency, const char* role) -> const identity::Principal& {
    return people.at(agency + "/" + role);
  };

  // Retention presets (capped by state law; the Illinois sheriffs keep 30 days).
  for (const sim::Agency& a : region.agencies) {
    Status st = policy::SetRetention(db, person(a.code, "administrator"), "non_hit_reads",
                                     a.retention_days * kDay, now);
    if (!st.ok())
      log.Warn("retention preset refused", {{"agency", a.code}, {"error", st.message()}});
  }

  // Cameras, approved; each feed's key.
  for (const sim::Camera& c : region.cameras) {
    alerting::CameraSpec spec{c.code,
                              c.name,
                              c.at.lat(),
                              c.at.lon(),
                              std::string(sim::VendorName(region.FindAgency(c.agency)->vendor)),
                              false};
    Result<std::int64_t> id =
        alerting::CreateCamera(db, person(c.agency, "administrator"), spec, now);
    if (!id.ok()) return id.status().WithContext(c.code + ": ");
  }
  for (const sim::MobileCamera& m : region.mobile_cameras) {
    alerting::CameraSpec spec{m.code, m.name, std::nullopt, std::nullopt, "openalpr", true};
    Result<std::int64_t> id =
        alerting::CreateCamera(db, person(m.agency, "administrator"), spec, now);
    if (!id.ok()) return id.status().WithContext(m.code + ": ");
  }
  // The region's units, registered by each agency's supervisor; the feeder
  // reports where they are (the aircraft by ADS-B, the others by AVL).
  for (const sim::Unit& u : region.units) {
    ops::UnitSpec spec;
    spec.call_sign = UnitCallSign(u);
    spec.kind = std::string(sim::RegistryKind(u.kind));
    if (spec.kind == "aircraft") spec.icao = std::string(kDemoAircraftIcao);
    spec.home_lat = u.home.lat();
    spec.home_lon = u.home.lon();
    Result<std::int64_t> id = ops::CreateUnit(db, person(u.agency, "supervisor"), spec, now);
    if (!id.ok()) return id.status().WithContext(u.name + ": ");
  }
  for (const sim::Agency& a : region.agencies) {
    if (a.vendor == sim::Vendor::kNone) continue;
    Result<identity::NewKey> key =
        identity::CreateKey(db, person(a.code, "administrator"),
                            {fmt::format("{} camera feed ({})", a.code, sim::VendorName(a.vendor)),
                             {"reads.ingest", "cameras.heartbeat", "units.report", "units.read"},
                             std::nullopt},
                            now);
    if (!key.ok()) return key.status().WithContext(a.code + " feed key: ");
    secrets.keys[a.code] = key->key;
  }

  // Sharing: Missouri agencies share reads, hits, hotlists and BOLOs with each other,
  // except Franklin County, which shares only with the Highway Patrol; the
  // Illinois sheriffs share with each other (their law refuses out-of-state
  // access whatever is agreed); the federal task force has one-to-one
  // agreements with the city, the county and the Highway Patrol.
  auto share = [&](const sim::Agency& owner, const sim::Agency& partner,
                   policy::DataClass cls) -> Status {
    policy::AgreementRequest req{partner.code, cls, now - 30 * kDay, std::nullopt,
                                 "Regional LPR MOU 2026 (demo)"};
    Result<std::int64_t> id =
        policy::ProposeAgreement(db, person(owner.code, "supervisor"), req, now);
    if (!id.ok()) return id.status();
    return policy::ApproveAgreement(db, person(owner.code, "administrator"), *id, now);
  };
  for (const sim::Agency& owner : region.agencies) {
    for (const sim::Agency& partner : region.agencies) {
      if (owner.code == partner.code) continue;
      const bool federal = partner.kind == "federal" || owner.kind == "federal";
      bool agreed = owner.state == partner.state && !federal;
      if (owner.code == "FCSO" || partner.code == "FCSO")
        agreed = owner.code == "MSHP" || partner.code == "MSHP";
      if (federal)
        agreed = partner.kind == "federal" &&
                 (owner.code == "GCPD" || owner.code == "SLCO" || owner.code == "MSHP");
      if (!agreed) continue;
      for (policy::DataClass cls : {policy::DataClass::kReads, policy::DataClass::kHits,
                                    policy::DataClass::kHotlists, policy::DataClass::kBolos}) {
        Status st = share(owner, partner, cls);
        if (!st.ok()) return st.WithContext(owner.code + " → " + partner.code + ": ");
      }
    }
  }

  // Hotlists: the Highway Patrol loads the NCIC extract for every Missouri
  // agency; each agency turns on the stolen-vehicle and wanted files.
  std::vector<std::string> missouri;
  for (const sim::Agency& a : region.agencies)
    if (a.state == "US-MO" && a.code != "MSHP") missouri.push_back(a.code);
  // Two people turn each file on: the administrator asks, the supervisor approves.
  for (const sim::Agency& a : region.agencies) {
    Result<std::vector<std::int64_t>> asked = alerting::SetListKinds(
        db, person(a.code, "administrator"), {{"V", true}, {"W", true}, {"A", true}}, now);
    if (!asked.ok()) return asked.status();
    for (std::int64_t request : *asked) {
      INTERDICT_RETURN_IF_ERROR(
          alerting::ApproveListKind(db, person(a.code, "supervisor"), request, now));
    }
  }
  alerting::ListSpec ncic{"NCIC extract (Missouri, daily)", "ncic", 1, missouri, std::nullopt};
  Result<std::int64_t> list = alerting::CreateList(db, person("MSHP", "supervisor"), ncic, now);
  if (!list.ok()) return list.status();
  const alerting::WithDb with = [&](const std::function<Status(catalog::Database&)>& f) {
    return f(db);
  };
  alerting::LoadRequest load{*list, hotlist::Format::kNcic, NcicExtract(population, now), now};
  Result<alerting::LoadReport> loaded =
      alerting::LoadList(with, person("MSHP", "supervisor"), load, now);
  if (!loaded.ok()) return loaded.status();
  // An AMBER alert (the city's, for every Missouri agency) on a car that
  // commutes through the region, and a county list of burglary-series
  // suspects, entered by an analyst and approved by a supervisor.
  const std::vector<sim::Vehicle>& vehicles = population.vehicles();
  auto entry = [&](const sim::Vehicle& v, std::string_view reason, std::string_view case_number,
                   std::int64_t expires) {
    return json::Object("plate", v.plate.str(), "state", v.state.code().substr(3), "reason", reason,
                        "case_number", case_number, "expires_at", FormatRfc3339(expires), "make",
                        v.make, "model", v.model, "color", v.color);
  };
  const sim::Vehicle* amber_car = nullptr;
  for (std::size_t i = 200; i < vehicles.size() && amber_car == nullptr; ++i)
    if (vehicles[i].commuter && vehicles[i].state.code() == "US-MO") amber_car = &vehicles[i];
  if (amber_car != nullptr) {
    alerting::ListSpec amber{"AMBER alert 26-A-0419 (demo)", "A", 1, missouri, std::nullopt};
    Result<std::int64_t> id = alerting::CreateList(db, person("GCPD", "supervisor"), amber, now);
    if (!id.ok()) return id.status();
    alerting::LoadRequest req{
        *id, hotlist::Format::kJson,
        R"({"entries":[)" +
            entry(*amber_car, "AMBER alert: a child taken by a non-custodial parent", "26-A-0419",
                  now + 3 * kDay) +
            "]}",
        now};
    Result<alerting::LoadReport> r =
        alerting::LoadList(with, person("GCPD", "supervisor"), req, now);
    if (!r.ok()) return r.status();
    // A custom entry takes a second person, a supervisor's own too.
    Result<std::int64_t> approved =
        alerting::ApprovePending(db, person("GCPD", "administrator"), *id, now);
    if (!approved.ok()) return approved.status();
  }
  if (vehicles.size() > 320) {
    alerting::ListSpec custom{"Burglary series suspects (demo)", "custom", 2, {}, std::nullopt};
    Result<std::int64_t> id = alerting::CreateList(db, person("SLCO", "analyst"), custom, now);
    if (!id.ok()) return id.status();
    alerting::LoadRequest req{*id, hotlist::Format::kJson,
                              R"({"entries":[)" +
                                  entry(vehicles[301], "seen leaving two burglaries in Creve Coeur",
                                        "26-B-1187", now + 20 * kDay) +
                                  "," +
                                  entry(vehicles[317], "associate of the burglary series suspect",
                                        "26-B-1187", now + 20 * kDay) +
                                  "]}",
                              now};
    Result<alerting::LoadReport> r = alerting::LoadList(with, person("SLCO", "analyst"), req, now);
    if (!r.ok()) return r.status();
    Result<std::int64_t> approved =
        alerting::ApprovePending(db, person("SLCO", "supervisor"), *id, now);
    if (!approved.ok()) return approved.status();
  }

  // The stolen cars registered in Missouri: the feeder plants one of them on
  // a city camera (its state read right) for the first hit.
  for (std::size_t i : population.stolen()) {
    const sim::Vehicle& v = population.vehicles()[i];
    if (v.state.code() == "US-MO") secrets.stolen_plates.push_back(v.plate.str());
  }
  log.Info("demo hotlist loaded", {{"entries", std::to_string(loaded->active)}});

  // History: the last days of traffic, straight into the store (history is
  // not matched against today's lists, as imports are not).
  std::unique_ptr<store::Store> embedded;
  std::unique_ptr<cluster::ClickHouseReads> in_cluster;
  store::ReadStore* history = nullptr;
  if (options.config != nullptr && options.config->store.backend == "cluster") {
    Result<cluster::ClickHouseReadsOptions> co = server::ClusterTables(*options.config);
    if (!co.ok()) return co.status();
    Result<std::unique_ptr<cluster::ClickHouseReads>> tables =
        cluster::ClickHouseReads::Open(std::move(co).value(), Clock::System(), log);
    if (!tables.ok()) return tables.status();
    in_cluster = std::move(tables).value();
    history = in_cluster.get();
  } else {
    store::StoreOptions so;
    so.dir = server::DataPaths(options.data_dir).store();
    so.background = false;
    Result<std::unique_ptr<store::Store>> opened_store =
        store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
    if (!opened_store.ok()) return opened_store.status();
    embedded = std::move(opened_store).value();
    history = embedded.get();
  }
  const std::int64_t today = traffic.LocalMidnight(now);
  // Where vehicles go next, learned from the history as the server would
  // have learned it live; saved where the server loads it.
  ops::MovementModel movement(ops::MovementOptions{},
                              TimeZone::Parse("America/Chicago").value_or(TimeZone::Utc()));
  std::map<std::string, geo::Point, std::less<>> places;
  for (const sim::Camera& c : region.cameras) places[c.agency + "/" + c.code] = c.at;
  for (int d = options.history_days; d >= 1; --d) {
    std::vector<read::Read> reads;
    sim::TrafficStats stats;
    traffic.Day(traffic.LocalMidnight(today - d * kDay + kDay / 2), &reads, &stats);
    report.history_reads += reads.size();
    {
      std::vector<std::string> names;
      names.reserve(reads.size());
      std::vector<ops::MovementModel::Sighting> seen;
      seen.reserve(reads.size());
      for (const read::Read& r : reads) {
        names.push_back(r.agency + "/" + r.camera);
        const auto at = places.find(names.back());
        seen.push_back({r.plate.Pack(), names.back(),
                        r.position           ? r.position
                        : at != places.end() ? std::optional<geo::Point>(at->second)
                                             : std::nullopt,
                        r.time, r.plate_confidence.known() ? r.plate_confidence.percent() : 90});
      }
      movement.Observe(seen);
    }
    for (std::size_t at = 0; at < reads.size(); at += 50'000) {
      std::vector<read::Read> batch(
          reads.begin() + static_cast<std::ptrdiff_t>(at),
          reads.begin() + static_cast<std::ptrdiff_t>(std::min(reads.size(), at + 50'000)));
      const oversight::DayKeys keys = oversight::KeysOf(batch);
      Result<store::AppendResult> r = history->Append(std::move(batch));
      if (!r.ok()) return r.status();
      oversight::DayCounts counts;
      oversight::Count(keys, r->kept, counts);
      INTERDICT_RETURN_IF_ERROR(oversight::AddReadCounts(db, counts));
    }
    log.Info("demo history day written", {{"reads", std::to_string(reads.size())}});
  }
  if (embedded) INTERDICT_RETURN_IF_ERROR(embedded->Flush());
  INTERDICT_RETURN_IF_ERROR(movement.Save(server::DataPaths(options.data_dir).movement()));
  log.Info("demo movement model saved",
           {{"transitions", std::to_string(movement.stats().transitions)}});
  INTERDICT_RETURN_IF_ERROR(WriteSecrets(options.data_dir, secrets));
  return report;
}

}  // namespace interdict::demo
