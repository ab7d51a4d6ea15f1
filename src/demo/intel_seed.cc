#include "demo/intel_seed.h"

#include <fmt/core.h>

#include "base/time_format.h"
#include "identity/accounts.h"
#include "intel/bolos.h"
#include "intel/operations.h"
#include "intel/records.h"
#include "intel/targets.h"
#include "policy/sharing.h"

namespace interdict::demo {
namespace {

constexpr std::int64_t kMinute = 60'000;

Result<identity::Principal> Person(catalog::Database& db, identity::Accounts& accounts,
                                   std::string_view agency, std::string_view role) {
  Result<catalog::Statement> q =
      db.Query("SELECT id FROM users WHERE username = ?1", Username(agency, role));
  if (!q.ok()) return q.status();
  if (!q->has_row())
    return Status::NotFound(fmt::format("the demo has no user {}", Username(agency, role)));
  return accounts.UserPrincipal(q->Int(0));
}

// Two bulletins: GCPD's robbery suspects in a white Toyota SUV (no plate:
// reads of white Toyota SUVs are its weak matches), and the Highway Patrol's
// plate BOLO of a Missouri commuter, approved by a second person, so the car
// is a hit wherever a camera reads it.
Status PlantBolos(catalog::Database& db, identity::Accounts& accounts, const sim::Traffic& traffic,
                  std::int64_t now, Logger& log) {
  Result<identity::Principal> gcpd = Person(db, accounts, "GCPD", "supervisor");
  Result<identity::Principal> mshp = Person(db, accounts, "MSHP", "supervisor");
  Result<identity::Principal> approver = Person(db, accounts, "MSHP", "administrator");
  for (const auto* p : {&gcpd, &mshp, &approver})
    if (!p->ok()) return p->status();
  const alerting::WithDb with = [&](const std::function<Status(catalog::Database&)>& f) {
    return f(db);
  };
  intel::BoloRequest robbery;
  robbery.kind = "wanted_person";
  robbery.narrative =
      "Armed robbery of a gas station on Gravois: two men fled north in a white Toyota SUV. "
      "Do not approach alone.";
  robbery.make = "Toyota";
  robbery.color = "white";
  robbery.body = "SUV";
  robbery.person = "Two men in their twenties, one in a grey hoodie.";
  robbery.contact_name = "Det. A. Okafor";
  robbery.contact_phone = "(314) 444-5610";
  Result<intel::Bolo> first = intel::IssueBolo(with, *gcpd, robbery, now);
  if (!first.ok()) return first.status().WithContext("the demo's vehicle BOLO: ");
  const sim::Vehicle* car = nullptr;
  for (const sim::Vehicle& v : traffic.population().vehicles())
    // Not white: a look-up of the robbery BOLO's white Toyota finds it alone.
    if (v.commuter && v.state.code() == "US-MO" && v.follows < 0 && v.color != "WHI") car = &v;
  if (car == nullptr) return Status::Ok();
  intel::BoloRequest wanted;
  wanted.kind = "stolen_vehicle";
  wanted.narrative = "Taken from a commuter lot in Chesterfield this morning; keys were inside.";
  wanted.plate = car->plate.str();
  wanted.plate_state = "MO";
  wanted.make = std::string(car->make);
  wanted.model = std::string(car->model);
  wanted.color = std::string(car->color);
  wanted.contact_name = "Sgt. L. Brandt";
  wanted.contact_phone = "573-751-3313";
  Result<intel::Bolo> second = intel::IssueBolo(with, *mshp, wanted, now);
  if (!second.ok()) return second.status().WithContext("the demo's plate BOLO: ");
  if (second->list) {
    Result<std::int64_t> approved = alerting::ApprovePending(db, *approver, *second->list, now);
    if (!approved.ok()) return approved.status();
  }
  log.Info("demo BOLOs issued", {{"plate", wanted.plate}});
  return Status::Ok();
}

// Criminal intelligence: GCPD shares it with the county and the Highway
// Patrol (one-to-one agreements, as such sharing is); one GCPD record is
// approved and disseminated to the Highway Patrol with its need to know, and
// one waits for a supervisor's approval.
Status PlantRecords(catalog::Database& db, identity::Accounts& accounts, std::int64_t now) {
  Result<identity::Principal> analyst = Person(db, accounts, "GCPD", "analyst");
  Result<identity::Principal> sup = Person(db, accounts, "GCPD", "supervisor");
  Result<identity::Principal> admin = Person(db, accounts, "GCPD", "administrator");
  for (const auto* p : {&analyst, &sup, &admin})
    if (!p->ok()) return p->status();
  for (std::string_view partner : {"SLCO", "MSHP"}) {
    policy::AgreementRequest req{std::string(partner), policy::DataClass::kIntelligence,
                                 now - 30LL * 86'400'000, std::nullopt,
                                 "Regional criminal intelligence MOU 2026 (demo)"};
    Result<std::int64_t> id = policy::ProposeAgreement(db, *sup, req, now);
    if (!id.ok()) return id.status();
    INTERDICT_RETURN_IF_ERROR(policy::ApproveAgreement(db, *admin, *id, now));
  }
  intel::RecordRequest ring{
      "organization",
      "The 'Hall Street crew': a scrap yard at 4100 N Hall St and three tow-truck drivers",
      "a stolen-vehicle and catalytic-converter ring",
      "Four informants and two controlled buys since March tie the yard to the resale of "
      "converters cut from cars stolen in the county; 31 of the stolen cars recovered stripped "
      "were last read within 2 km of the yard.",
      "Tow trucks leave the yard after midnight and return within the hour.",
      "CI-2291 and CI-2304 (controlled buys)",
      "usually_reliable",
      ""};
  Result<intel::IntelRecord> first = intel::SubmitRecord(db, *analyst, ring, now);
  if (!first.ok()) return first.status().WithContext("the demo's intelligence record: ");
  INTERDICT_RETURN_IF_ERROR(intel::ApproveRecord(db, *sup, first->id, "", now).status());
  INTERDICT_RETURN_IF_ERROR(
      intel::Disseminate(db, *sup, first->id, Username("MSHP", "analyst"),
                         "Troop C's interdiction of tow trucks carrying stripped cars on I-70", now)
          .status());
  intel::RecordRequest pending{
      "person",
      "Marcus T. Reed, born 1990-08-14",
      "receiving stolen property",
      "A controlled buy on 2026-11-20 and the yard's ledger name him as the buyer of 14 "
      "converters; his truck was read at the yard on each of the three nights of the thefts.",
      "Seen at the union hall's parking lot where the converters change hands.",
      "Ledger seized under warrant 26-SW-114",
      "reliable",
      "The union hall's lot is the place of the sales; nothing about his membership or views is "
      "kept."};
  Result<intel::IntelRecord> second = intel::SubmitRecord(db, *analyst, pending, now);
  if (!second.ok()) return second.status().WithContext("the demo's pending record: ");
  return Status::Ok();
}

}  // namespace

Status PlantDeconfliction(const DemoOptions& options, const sim::Traffic& traffic,
                          const DemoSecrets& secrets, bool fresh, std::int64_t now, Logger& log) {
  Result<std::unique_ptr<catalog::Database>> opened = OpenDemoCatalog(options);
  if (!opened.ok()) return opened.status();
  catalog::Database& db = **opened;
  identity::Accounts accounts(db, identity::AccountPolicy{});
  Result<identity::Principal> gcpd = Person(db, accounts, "GCPD", "supervisor");
  Result<identity::Principal> slco = Person(db, accounts, "SLCO", "supervisor");
  Result<identity::Principal> mshp = Person(db, accounts, "MSHP", "analyst");
  for (const auto* p : {&gcpd, &slco, &mshp})
    if (!p->ok()) return p->status();

  if (fresh) {
    // GCPD works a theft ring: the stolen car the feeder sends past a city
    // camera first is its target too, so that read is also a target notice.
    std::string plate = secrets.stolen_plates.empty() ? "" : secrets.stolen_plates.front();
    for (const sim::Vehicle& v : traffic.population().vehicles()) {
      if (!plate.empty()) break;
      if (v.commuter && v.state.code() == "US-MO") plate = v.plate.str();
    }
    const std::vector<std::pair<const identity::Principal*, intel::TargetRequest>> targets = {
        {&*gcpd, {"plate", plate, "", "GC-26-0988", {}, "Det. A. Okafor", "(314) 444-5610", {}}},
        {&*slco,
         {"person",
          "William J. Smith",
          "1984-07-19",
          "SL-26-2231",
          {},
          "Det. R. Vance",
          "314-615-5000",
          {}}},
        {&*mshp,
         {"person",
          "Smyth, Bill",
          "1984-07-19",
          "MSHP-C-771",
          {},
          "Sgt. L. Brandt",
          "573-751-3313",
          {}}},
        {&*mshp,
         {"phone", "(314) 622-3810", "", "MSHP-C-771", {}, "Sgt. L. Brandt", "573-751-3313", {}}}};
    for (const auto& [who, r] : targets) {
      Result<intel::TargetResult> made = intel::EnterTarget(db, *who, r, now);
      if (!made.ok()) log.Warn("a demo target was refused", {{"error", made.status().message()}});
    }
    INTERDICT_RETURN_IF_ERROR(PlantBolos(db, accounts, traffic, now, log));
    INTERDICT_RETURN_IF_ERROR(PlantRecords(db, accounts, now));
  }

  // Every start: GCPD's warrant and SLCO's surveillance a block apart, both
  // within the next hours — the alarm the console opens with.
  const sim::Camera* at = nullptr;
  for (const sim::Camera& c : traffic.region().cameras)
    if (c.agency == "GCPD") {
      at = &c;
      break;
    }
  if (at == nullptr) return Status::Ok();
  const double lat = at->at.lat(), lon = at->at.lon();
  const std::string day = FormatRfc3339(now).substr(0, 10);
  intel::OperationRequest warrant{"search_warrant",
                                  fmt::format("GC-{}-W1", day),
                                  "Search warrant, stolen-parts garage",
                                  "Lt. M. Reyes",
                                  "(314) 444-5600",
                                  now + 40 * kMinute,
                                  now + 220 * kMinute,
                                  fmt::format("POINT({:.6f} {:.6f})", lon, lat),
                                  120.0};
  intel::OperationRequest watch{"surveillance",
                                fmt::format("SL-{}-S4", day),
                                "Watch on the garage's buyer",
                                "Det. R. Vance",
                                "314-615-5000",
                                now + 20 * kMinute,
                                now + 260 * kMinute,
                                fmt::format("POINT({:.6f} {:.6f})", lon, lat + 0.0011),
                                80.0};
  Result<intel::OperationResult> first = intel::EnterOperation(db, *gcpd, warrant, now);
  if (!first.ok()) return first.status();
  Result<intel::OperationResult> second = intel::EnterOperation(db, *slco, watch, now);
  if (!second.ok()) return second.status();
  log.Info("demo operations entered", {{"conflicts", std::to_string(second->notices.size() / 2)}});
  return Status::Ok();
}

}  // namespace interdict::demo
