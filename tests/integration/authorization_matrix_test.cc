// The authorization matrix: every non-public route × every role (and an
// integration's API key), over real HTTP, against the table below. A route added
// without a row here fails this test; so does a role that gains or loses access
// unnoticed.
//
// Relations between agencies (same agency, partner with and without an
// agreement, revoked, not yet in force, out-of-state, federal) decide whose
// data a principal sees: the last test checks each relation, for every role,
// through /api/v1/visible-agencies, the scope every data route will use.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "http/client.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

const std::vector<std::string> kRoles = {"administrator", "supervisor", "analyst",    "officer",
                                         "auditor",       "clerk",      "integration"};

struct Row {
  std::string method, path, body;
  std::set<std::string> allowed;  // roles that get past the permission check
  http::HeaderList headers = {};  // besides Authorization
};

// Requests are sent in this order for each role; logout comes last.
const std::vector<Row> kMatrix = {
    {"GET",
     "/api/v1/me",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"GET", "/api/v1/agreements", "", {"administrator", "supervisor", "analyst", "auditor"}},
    {"POST",
     "/api/v1/agreements",
     R"({"partner":"SLCPD","data_class":"reads","effective_from":"2027-01-01T00:00:00Z","document":"MOU 1"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/agreements/1/approve", "", {"administrator", "supervisor"}},
    {"POST", "/api/v1/agreements/1/revoke", "", {"administrator", "supervisor"}},
    {"GET", "/api/v1/audit", "", {"administrator", "auditor"}},
    {"GET", "/api/v1/audit/verify", "", {"administrator", "auditor"}},
    {"GET", "/api/v1/review", "", {"supervisor", "auditor"}},
    {"GET", "/api/v1/disparity?areas=counties", "", {"supervisor", "auditor"}},
    {"POST",
     "/api/v1/resident-requests",
     R"({"plate":"ABC123","requester":"a resident","reference":"PRR-1"})",
     {"clerk"}},
    {"POST",
     "/api/v1/review/1/resolve",
     R"({"resolution":"justified","note":"checked with the case file"})",
     {"supervisor", "auditor"}},
    {"GET", "/api/v1/review/export", "", {"supervisor", "auditor"}},
    {"GET", "/api/v1/integrations", "", {"administrator"}},
    {"GET", "/api/v1/sso", "", {"administrator"}},
    {"PUT",
     "/api/v1/sso",
     R"({"issuer":"https://idp.example","client_id":"x","role_map":{"g":"officer"}})",
     {"administrator"}},
    {"POST",
     "/api/v1/integrations",
     R"({"name":"CAD","permissions":["cameras.heartbeat"]})",
     {"administrator"}},
    {"POST", "/api/v1/integrations/2/rotate", "", {"administrator"}},
    {"POST", "/api/v1/integrations/2/revoke", "", {"administrator"}},
    {"GET", "/api/v1/users", "", {"administrator"}},
    {"POST",
     "/api/v1/users",
     R"({"username":"newbie","display_name":"New Person","role":"officer"})",
     {"administrator"}},
    {"POST", "/api/v1/users/7/disable", "", {"administrator"}},  // 7: "newbie", just created
    {"POST", "/api/v1/users/7/shift", R"({"shift":"07:00-19:00"})", {"administrator"}},
    {"POST", "/api/v1/users/2/review", "", {"administrator"}},
    {"GET",
     "/api/v1/retention",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"POST",
     "/api/v1/retention",
     R"({"data_class":"hits","period_ms":31536000000})",
     {"administrator"}},
    {"GET", "/api/v1/holds", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/holds",
     R"({"plate":"7XK3J2","basis":"court order 26-CR-1","requested_by":"ADA Smith","expires_at":"2027-06-01T00:00:00Z"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/holds/1/release", "", {"administrator", "supervisor"}},
    {"GET",
     "/api/v1/purposes",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"POST",
     "/api/v1/approvals",
     R"({"purpose":"stolen-vehicle","case_number":"26-1","offense":"auto theft","justification":"a car stolen from a driveway overnight","max_days":90,"max_agencies":3})",
     {"supervisor", "analyst", "officer"}},
    {"POST", "/api/v1/approvals/1/approve", "", {"supervisor"}},
    {"GET", "/api/v1/approvals", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/protected-places", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/protected-places",
     R"({"name":"Rally","kind":"lawful assembly","lat":38.62,"lon":-90.19})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/protected-places/1/end", "", {"administrator", "supervisor"}},
    {"GET", "/api/v1/confidential-plates/changes", "", {"administrator", "clerk"}},
    {"POST",
     "/api/v1/confidential-plates/changes",
     R"({"plate":"SAFE123","action":"add"})",
     {"administrator", "clerk"}},
    {"POST", "/api/v1/confidential-plates/changes/1/approve", "", {"administrator", "clerk"}},
    {"POST",
     "/api/v1/confidential-plates/matching",
     R"({"plate":"SAFE123"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/confidential-plates/matching/1/approve", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/agency/head",
     R"({"name":"Chief J. Doe","title":"Chief of Police","contact":"chief@example.org"})",
     {"administrator"}},
    {"GET",
     "/api/v1/notices",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"POST",
     "/api/v1/notices/1/read",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"GET",
     "/api/v1/visible-agencies?class=reads",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"GET",
     "/api/v1/cameras",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"GET",
     "/api/v1/camera-positions",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
    {"POST", "/api/v1/cameras", R"({"code":"cam1","name":"Market St"})", {"administrator"}},
    {"POST", "/api/v1/camera-settings", R"({"auto_register":false})", {"administrator"}},
    {"POST", "/api/v1/cameras/1/approve", "", {"administrator"}},
    {"GET", "/api/v1/hotlists", "", {"administrator", "supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hotlists",
     R"({"name":"Burglary suspects","kind":"custom"})",
     {"administrator", "supervisor", "analyst"}},
    {"PUT",
     "/api/v1/hotlists/1/entries?format=json",
     R"({"entries":[{"plate":"ABC123","state":"MO","reason":"burglary"}]})",
     {"administrator", "supervisor", "analyst"}},
    {"GET",
     "/api/v1/hotlists/1/entries",
     "",
     {"administrator", "supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hotlists/1/check?format=json",
     R"({"entries":[{"plate":"ABC123","state":"MO","reason":"burglary"}]})",
     {"administrator", "supervisor", "analyst"}},
    {"POST", "/api/v1/hotlists/1/approve", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/hotlists/1/entries/1/revalidate",
     R"({"reason":"seen again at a burglary on Delmar"})",
     {"administrator", "supervisor", "analyst"}},
    {"GET", "/api/v1/hotlist-kinds", "", {"administrator", "supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hotlist-kinds",
     R"({"enable":["V","P"]})",
     {"administrator", "supervisor", "analyst"}},
    {"POST", "/api/v1/hotlist-kinds/requests/1/approve", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/reads",
     R"([{"id":"r1","agency":"STLPD","camera":"cam1","time":1800000000000,"plate":"ABC123"}])",
     {"integration"}},
    {"POST",
     "/api/v1/ingest/openalpr",
     R"({"data_type":"heartbeat","agent_uid":"agentA","agent_version":"4.1"})",
     {"integration"}},
    {"POST",
     "/api/v1/images",
     std::string("\xFF\xD8\xFF\xE0 a JPEG's first bytes", 24),
     {"integration"}},
    {"GET", "/api/v1/units", "", {"administrator", "supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/units",
     R"({"call_sign":"GC 1","kind":"patrol"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/units/1/status", R"({"status":"busy"})", {"administrator", "supervisor"}},
    {"POST", "/api/v1/units/1/retire", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/units/positions",
     R"([{"unit":"GC 1","time":1800000000000,"lat":38.6,"lon":-90.2}])",
     {"integration"}},
    {"POST", "/api/v1/units/adsb", R"({"now":1800000000,"aircraft":[]})", {"integration"}},
    {"POST",
     "/api/v1/search",
     R"({"type":"plate","params":{"plate":"ABC123"},"purpose":{"code":"stolen-vehicle","case":"26-1","offense":"auto theft","justification":"a car stolen from a driveway overnight"}})",
     {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/hits", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/hits/1", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/hits/1/plate-image", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/hits/1/overview-image", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/hits/1/intercept", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/dispatch-rules", "", {"administrator", "supervisor", "analyst", "officer"}},
    {"PUT",
     "/api/v1/dispatch-rules",
     R"({"policy":"Stage ahead of the vehicle; never pursue.","aircraft_kinds":["V"],"k9_kinds":[],"medic_kinds":[]})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/hits/1/confirmation", "", {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hits/1/assign",
     R"({"unit":1,"lat":38.6,"lon":-90.2})",
     {"supervisor", "analyst"}},
    {"GET", "/api/v1/hits/1/assignments", "", {"supervisor", "analyst", "officer"}},
    {"POST", "/api/v1/hits/1/assignments/1/release", "", {"supervisor", "analyst"}},
    {"GET", "/api/v1/confirmations", "", {"administrator", "supervisor", "analyst"}},
    {"POST",
     "/api/v1/confirmations/1/answer",
     R"({"answer":"confirmed"})",
     {"administrator", "supervisor", "analyst"}},
    {"POST",
     "/api/v1/operations",
     R"j({"kind":"raid","case_number":"26-1","title":"a warrant","contact_name":"Sgt. Ortiz","contact_phone":"314-622-4000","starts_at":"2027-01-15T10:00:00Z","ends_at":"2027-01-15T12:00:00Z","area":"POINT(-90.2 38.6)","radius_m":100})j",
     {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/operations", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/operations/1", "", {"supervisor", "analyst", "officer"}},
    {"PUT",
     "/api/v1/operations/1",
     R"j({"kind":"raid","case_number":"26-1","title":"a warrant","contact_name":"Sgt. Ortiz","contact_phone":"314-622-4000","starts_at":"2027-01-15T10:00:00Z","ends_at":"2027-01-15T12:00:00Z","area":"POINT(-90.2 38.6)","radius_m":100})j",
     {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/operations/1/status",
     R"({"status":"active"})",
     {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/targets",
     R"({"kind":"plate","value":"KZ9Q81","case_number":"26-1","contact_name":"Sgt. Ortiz","contact_phone":"314-622-4000"})",
     {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/targets", "", {"supervisor", "analyst", "officer"}},
    {"POST", "/api/v1/targets/1/remove", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/conflicts", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/conflicts/watch", "", {"supervisor"}},
    {"POST",
     "/api/v1/conflicts/1/resolve",
     R"({"resolution":"proceed"})",
     {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/bolos",
     R"({"kind":"stolen_vehicle","narrative":"a blue Civic taken on Delmar","make":"Honda","contact_name":"Det. Ruiz","contact_phone":"314-622-4100"})",
     {"supervisor", "analyst"}},
    {"GET", "/api/v1/bolos", "", {"supervisor", "analyst", "officer"}},
    {"GET", "/api/v1/bolos/1", "", {"supervisor", "analyst", "officer"}},
    {"PUT", "/api/v1/bolos/1/photo", "not an image", {"supervisor", "analyst"}},
    {"GET", "/api/v1/bolos/1/photo", "", {"supervisor", "analyst", "officer"}},
    {"POST", "/api/v1/bolos/1/renew", "", {"supervisor", "analyst"}},
    {"POST", "/api/v1/bolos/1/cancel", "", {"supervisor", "analyst"}},
    {"GET", "/api/v1/outcomes/datasets", "", {"administrator", "supervisor", "auditor"}},
    {"POST",
     "/api/v1/outcomes/datasets",
     R"({"name":"SLMPD","source":"SLMPD monthly files"})",
     {"administrator", "supervisor"}},
    {"GET", "/api/v1/outcomes/datasets/1", "", {"administrator", "supervisor", "auditor"}},
    {"POST",
     "/api/v1/outcomes/datasets/1/files?name=a.csv",
     "not a header",
     {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/outcomes/evaluate",
     R"({"dataset":1,"category":"robbery","areas":["38"],"start":"2016-06"})",
     {"administrator", "supervisor", "auditor"}},
    {"GET", "/api/v1/outcomes/evaluations", "", {"administrator", "supervisor", "auditor"}},
    {"POST",
     "/api/v1/outcomes/evaluations",
     R"({"title":"t","dataset":1,"category":"robbery","areas":["38"],"start":"2016-06"})",
     {"administrator", "supervisor", "auditor"}},
    {"GET", "/api/v1/outcomes/evaluations/1", "", {"administrator", "supervisor", "auditor"}},
    {"GET",
     "/api/v1/outcomes/evaluations/1/report",
     "",
     {"administrator", "supervisor", "auditor"}},
    {"POST", "/api/v1/outcomes/evaluations/1/publish", "", {"administrator"}},
    {"POST", "/api/v1/outcomes/evaluations/1/unpublish", "", {"administrator"}},
    {"DELETE", "/api/v1/outcomes/evaluations/1", "", {"administrator", "supervisor"}},
    {"DELETE", "/api/v1/outcomes/datasets/1", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/intel/records",
     R"({"subject_kind":"person","subject":"J. Doe","activity":"fencing","predicate":"short","source":"CI-1","reliability":"unknown"})",
     {"supervisor", "analyst"}},
    {"GET", "/api/v1/intel/records", "", {"supervisor", "analyst"}},
    {"GET", "/api/v1/intel/records/1", "", {"supervisor", "analyst"}},
    {"POST", "/api/v1/intel/records/1/approve", "", {"supervisor"}},
    {"POST", "/api/v1/intel/records/1/revalidate", R"({"justification":"x"})", {"supervisor"}},
    {"POST",
     "/api/v1/intel/records/1/subject",
     R"({"subject":"J. Doe"})",
     {"supervisor", "analyst"}},
    {"POST", "/api/v1/intel/records/1/refuse", R"({"reason":"no predicate"})", {"supervisor"}},
    {"POST", "/api/v1/intel/records/1/purge", R"({"reason":"no predicate"})", {"supervisor"}},
    {"POST",
     "/api/v1/intel/records/1/disseminate",
     R"({"to":"someone","purpose":"a need"})",
     {"supervisor", "analyst"}},
    {"POST",
     "/api/v1/intel/records/1/disclose",
     R"({"recipient":"someone","reason":"a threat"})",
     {"supervisor", "analyst"}},
    {"GET", "/api/v1/intel/records/1/disseminations", "", {"supervisor", "analyst"}},
    {"POST", "/api/v1/hits/1/acknowledge", "", {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hits/1/visual-check",
     R"({"plate_matches":true,"state_matches":true,"vehicle_matches":true})",
     {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hits/1/confirm",
     R"({"source_confirmed":true})",
     {"supervisor", "analyst", "officer"}},
    {"POST",
     "/api/v1/hits/1/close",
     R"({"outcome":"no_action"})",
     {"supervisor", "analyst", "officer"}},
    // A malformed Last-Event-ID ends the request with a 400 after the
    // permission check, instead of opening a stream that never ends.
    {"GET",
     "/api/v1/alerts/stream",
     "",
     {"supervisor", "analyst", "officer"},
     {{"Last-Event-ID", "not-a-number"}}},
    {"GET", "/api/v1/webhooks", "", {"administrator"}},
    {"POST", "/api/v1/webhooks", R"({"url":"http://127.0.0.1:9/cad"})", {"administrator"}},
    {"POST", "/api/v1/webhooks/1/disable", "", {"administrator"}},
    {"POST",
     "/api/v1/auth/logout",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor", "clerk"}},
};

// The route pattern a concrete path in the table stands for: numeric
// segments are {id}, or {entry} after "entries", or {unit} after "assignments".
std::string PatternOf(const Row& r) {
  const std::string path = r.path.substr(0, r.path.find('?'));
  std::string out, previous;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string seg = path.substr(start, end - start);
    const bool number = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
    out += "/";
    out += !number                     ? seg
           : previous == "entries"     ? "{entry}"
           : previous == "assignments" ? "{unit}"
                                       : "{id}";
    previous = seg;
    start = end + 1;
  }
  return r.method + " " + out;
}

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
                         "('STLPD', 'St. Louis PD', 'MO0950000', 'US-MO', 'local', 0), "
                         "('SLCPD', 'St. Louis County PD', 'MO0960000', 'US-MO', 'county', 0)")
                    .ok());
    for (const std::string& role : kRoles) {
      if (role == "integration") continue;  // machines have keys, not accounts
      test::AddUser(*db, 1, role, role);
    }
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key =
        identity::CreateKey(*db, *accounts.UserPrincipal(1),
                            {"camera feed", {"reads.ingest", "units.report"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    integration_key_ = key->key;
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }
  std::string SignIn(const std::string& user) {
    if (user == "integration") return integration_key_;
    return test::SignIn(running_->client(), clock_, user);
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
  std::string integration_key_;
};

TEST_F(AuthorizationMatrixTest, EveryRoleReachesExactlyTheRoutesItsRowAllows) {
  // The table covers every non-public route.
  std::set<std::string> in_table, guarded;
  for (const Row& r : kMatrix) in_table.insert(PatternOf(r));
  for (const http::Route& r : running_->service().router().routes()) {
    if (!r.access.is_public()) guarded.insert(r.method + " " + r.pattern);
  }
  EXPECT_EQ(in_table, guarded) << "every guarded route needs a row in kMatrix";

  for (const std::string& role : kRoles) {
    const std::string token = SignIn(role);
    clock_.Advance(std::chrono::seconds(30));  // next sign-in gets a fresh TOTP step
    for (const Row& row : kMatrix) {
      http::HeaderList headers = row.headers;
      headers.emplace_back("Authorization", "Bearer " + token);
      Result<http::ClientResponse> r =
          running_->client().Send(row.method, row.path, row.body, headers);
      ASSERT_TRUE(r.ok());
      const bool refused_by_permission =
          r->status == 403 && r->body.find("lacks the") != std::string::npos;
      EXPECT_EQ(!refused_by_permission, row.allowed.count(role) > 0)
          << role << " " << row.method << " " << row.path << " -> " << r->status << " " << r->body;
      EXPECT_NE(r->status, 401) << role << " " << row.path << ": " << r->body;
      EXPECT_LT(r->status, 500) << role << " " << row.path << ": " << r->body;
    }
  }
}

TEST_F(AuthorizationMatrixTest, WithoutASessionEveryGuardedRouteAnswers401) {
  for (const Row& row : kMatrix) {
    Result<http::ClientResponse> r =
        running_->client().Send(row.method, row.path, row.body, row.headers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << row.method << " " << row.path;
  }
}

// Issue 18: a body of a million '[' overflowed the parser's stack and took the
// whole server down. Every route that takes a body, public or guarded, sent
// such a body by a caller allowed to use it, answers 400 naming the nesting
// limit (or, for a route whose body is not JSON, some other 4xx), and the
// server answers /healthz after each.
TEST_F(AuthorizationMatrixTest, AMillionDeepDocumentToAnyRouteIsA400AndTheServerStaysUp) {
  const std::string deep(1'000'000, '[');
  auto healthy = [&] {
    Result<http::ClientResponse> h = running_->client().Send("GET", "/healthz", "", {});
    return h.ok() && h->status == 200;
  };
  auto expect_refused = [&](const std::string& what, const Result<http::ClientResponse>& r,
                            bool json_route) {
    ASSERT_TRUE(r.ok()) << what << ": " << r.status().message();
    if (json_route) {
      EXPECT_EQ(r->status, 400) << what << ": " << r->body;
      EXPECT_NE(r->body.find("limit of 64 levels"), std::string::npos) << what << ": " << r->body;
    } else {
      EXPECT_GE(r->status, 400) << what << ": " << r->body;
      EXPECT_LT(r->status, 500) << what << ": " << r->body;
    }
    EXPECT_TRUE(healthy()) << "the server stopped answering after " << what;
  };
  // The public routes that read a body.
  for (const std::string path :
       {"/api/v1/auth/login", "/api/v1/auth/enrol", "/api/v1/auth/enrol/confirm"}) {
    expect_refused("POST " + path, running_->client().Send("POST", path, deep, {}), true);
  }
  // Every guarded route with a body, by the first role allowed to call it;
  // the hotlist routes look their list up before they read the body.
  std::map<std::string, std::string> tokens = {{"administrator", SignIn("administrator")}};
  clock_.Advance(std::chrono::seconds(30));
  Result<http::ClientResponse> list = running_->client().Send(
      "POST", "/api/v1/hotlists", R"({"name":"Burglary suspects","kind":"custom"})",
      {{"Authorization", "Bearer " + tokens["administrator"]}});
  ASSERT_TRUE(list.ok() && list->status == 201) << (list.ok() ? list->body : "");
  for (const Row& row : kMatrix) {
    if (row.body.empty() || row.allowed.empty()) continue;
    const std::string& role = *row.allowed.begin();
    if (!tokens.count(role)) {
      tokens[role] = SignIn(role);
      clock_.Advance(std::chrono::seconds(30));
    }
    const bool json_route = row.path != "/api/v1/images" && row.path != "/api/v1/bolos/1/photo" &&
                            row.path != "/api/v1/outcomes/datasets/1/files?name=a.csv";
    http::HeaderList headers = row.headers;
    headers.emplace_back("Authorization", "Bearer " + tokens[role]);
    expect_refused(row.method + " " + row.path,
                   running_->client().Send(row.method, row.path, deep, headers), json_route);
  }
  // Reads as NDJSON: the deep line is refused on its own, by index, and the
  // batch's other reads are still taken.
  http::HeaderList ndjson = {{"Authorization", "Bearer " + SignIn("integration")},
                             {"Content-Type", "application/x-ndjson"}};
  Result<http::ClientResponse> r = running_->client().Send(
      "POST", "/api/v1/reads",
      deep + "\n" +
          R"({"id":"r9","agency":"STLPD","camera":"cam1","time":1800000000000,"plate":"ABC123"})",
      ndjson);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("limit of 64 levels"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("index":0)"), std::string::npos) << r->body;
  EXPECT_TRUE(healthy());
  // Each refusal is counted by reason on /metrics.
  const std::string metrics = running_->client().Get("/metrics")->body;
  const std::string series = R"(interdict_json_refused_total{reason="depth"} )";
  const std::size_t at = metrics.find(series);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoull(metrics.substr(at + series.size())), 20u);
}

// The relation dimension: for each relation between the requester's agency
// and a data owner, whether the owner's reads are visible, for every role.
// Visibility is what every data route (search, hits) is scoped by.
TEST_F(AuthorizationMatrixTest, RelationsBetweenAgenciesDecideWhoseDataEachRoleSees) {
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    // Owners, one per relation to STLPD (Missouri, local), and to FBI (federal).
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
                           "('PARTNER', 'p', 'MO0970000', 'US-MO', 'county', 0), "
                           "('NOAGREE', 'n', 'MO0980000', 'US-MO', 'local', 0), "
                           "('REVOKED', 'r', 'MO0990000', 'US-MO', 'local', 0), "
                           "('FUTURE', 'f', 'MO1000000', 'US-MO', 'local', 0), "
                           "('CAPD', 'c', 'CA0010000', 'US-CA', 'local', 0), "
                           "('ILSP', 'i', 'IL0000000', 'US-IL', 'state', 0), "
                           "('FBI', 'b', 'DCFBIWA00', 'US-DC', 'federal', 0);"
                           "INSERT INTO users (agency_id, username, display_name, role, "
                           "created_at, created_by) "
                           "VALUES (3, 'p-sup', 'x', 'supervisor', 0, 't'), (3, 'p-adm', 'x', "
                           "'administrator', 0, 't');")
                    .ok());
    // Agreements to STLPD (id 1) and FBI (id 9), approved unless noted.
    const std::int64_t now = clock_.NowMillis();
    auto share = [&](int owner, int partner, std::int64_t from, bool revoked) {
      auto st = (*db)->Prepare(
          "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document, "
          "proposed_by, approved_by, approved_at, revoked_at, created_at) "
          "VALUES (?1, ?2, 'reads', ?3, 'MOU', 6, 7, 0, ?4, 0)");
      st->Bind(1, std::int64_t{owner}).Bind(2, std::int64_t{partner}).Bind(3, from);
      st->Bind(4, revoked ? std::optional<std::int64_t>(now) : std::nullopt);
      ASSERT_TRUE(st->Run().ok());
    };
    share(3, 1, 0, false);                 // PARTNER -> STLPD, in force
    share(5, 1, 0, true);                  // REVOKED -> STLPD, revoked
    share(6, 1, now + 86'400'000, false);  // FUTURE -> STLPD, not yet in force
    share(7, 1, 0, false);                 // CAPD -> STLPD: California law forbids it
    share(3, 9, 0, false);                 // PARTNER -> FBI, one-to-one
    share(8, 9, 0, false);                 // ILSP -> FBI: Illinois law forbids federal access
  }
  const std::map<std::string, bool> stlpd_sees = {
      {"STLPD", true},   {"PARTNER", true}, {"NOAGREE", false}, {"REVOKED", false},
      {"FUTURE", false}, {"CAPD", false},   {"ILSP", false},    {"FBI", false}};
  for (const std::string& role : kRoles) {
    const std::string token = SignIn(role);
    clock_.Advance(std::chrono::seconds(30));
    Result<http::ClientResponse> r = running_->client().Send(
        "GET", "/api/v1/visible-agencies?class=reads", "", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(r.ok());
    if (role == "integration") {
      EXPECT_EQ(r->status, 403) << "machines see no one's data through this route";
      continue;
    }
    ASSERT_EQ(r->status, 200) << r->body;
    for (const auto& [code, visible] : stlpd_sees) {
      EXPECT_EQ(r->body.find("\"code\":\"" + code + "\"") != std::string::npos, visible)
          << role << " of STLPD, owner " << code << ": " << r->body;
    }
    // Hits are another class: the reads agreement does not cover them.
    Result<http::ClientResponse> hits = running_->client().Send(
        "GET", "/api/v1/visible-agencies?class=hits", "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(hits->body.find("PARTNER"), std::string::npos) << hits->body;
  }
  // A federal requester: only its one-to-one agreements, and not where state law forbids.
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 9, "fed", "analyst");
  }
  const std::string fed = SignIn("fed");
  Result<http::ClientResponse> r = running_->client().Send("GET", "/api/v1/visible-agencies", "",
                                                           {{"Authorization", "Bearer " + fed}});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("\"code\":\"PARTNER\",\"via\":\"agreement 5\""), std::string::npos)
      << r->body;
  EXPECT_EQ(r->body.find("ILSP"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("STLPD"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace interdict::server
