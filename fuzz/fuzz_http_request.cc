// The whole front door: any bytes are parsed as an HTTP/1.1 request with the
// server's parser and limits (http::ParseWireRequest, the code a connection
// uses) and answered in-process by a real Interdict service on a scratch data
// directory — routing, the access gate, every public route and, through two
// placeholders the dictionary knows, the guarded ones: "$KEY" becomes a real
// integration key and "$SESSION" an analyst's session token. Any 4xx is a fine
// answer (and 501 for an unknown transfer coding); any other 5xx, a crash, a
// hang or a leak is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/log.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "crypto/password.h"
#include "crypto/totp.h"
#include "http/event_stream.h"
#include "http/wire.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "server/service.h"

namespace {

using namespace interdict;

constexpr char kPassword[] = "correct horse battery";
constexpr char kTotpSecret[] = "12345678901234567890";

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Door {
  std::string dir;
  FakeClock clock{kNow};
  Logger log{[](std::string_view) {}, clock};
  std::unique_ptr<server::Service> service;
  std::string key, session;
};

void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_http_request setup: %s\n", what.c_str());
  std::abort();
}

// An agency with an analyst (cheap password hash) and an integration key.
std::string Seed(const std::string& catalog_path) {
  auto db = catalog::Database::Open(catalog_path);
  if (!db.ok() || !catalog::Migrate(**db).ok()) Fail("catalog");
  if (!(*db)
           ->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
                  "('STLPD', 'St. Louis PD', 'MO0950000', 'US-MO', 'local', 0)")
           .ok())
    Fail("agency");
  const std::string hash = *crypto::HashPassword(kPassword, {1, 64, 1});
  for (const char* role : {"analyst", "administrator"}) {
    auto s = (*db)->Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, password_hash, totp_secret, "
        "totp_enrolled, created_at, created_by) VALUES (1, ?1, ?1, ?1, ?2, ?3, 1, ?4, 'fuzz')");
    // Created just before the fuzzer's clock: the yearly access review is not due.
    s->Bind(1, std::string(role)).Bind(2, hash).BindBlob(3, std::string(kTotpSecret));
    s->Bind(4, kNow - 86'400'000);
    if (!s->Run().ok()) Fail("user");
  }
  identity::Accounts accounts(**db, {});
  auto key = identity::CreateKey(**db, *accounts.UserPrincipal(2),
                                 {"camera feed", {"reads.ingest"}, std::nullopt}, 0);
  if (!key.ok()) Fail("key: " + key.status().message());
  return key->key;
}

Door& Open() {
  static Door* door = [] {
    auto* d = new Door;  // kept for the process: inputs share one service
    // scripts/fuzz points TMPDIR at a folder of its own and removes it after.
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/interdict-fuzz-http-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Fail("mkdtemp " + tmpl);
    d->dir = tmpl;
    std::atexit([] { std::filesystem::remove_all(Open().dir); });
    d->key = Seed(d->dir + "/catalog.db");
    config::Config c;
    c.server.listen.port = 0;
    c.data_dir = d->dir;
    // The clock stands still here: a throttle would answer 429 to every input
    // after the first burst and hide the routes behind it.
    c.rate_limit.address_per_minute = 0;
    c.rate_limit.person_per_minute = 0;
    c.rate_limit.integration_per_minute = 0;
    d->service = std::make_unique<server::Service>(c, d->log, d->clock);
    if (!d->service->Start().ok()) Fail("start");
    http::Request login;
    login.method = "POST";
    login.path = login.target = "/api/v1/auth/login";
    login.body = std::string(R"({"username":"analyst","password":")") + kPassword +
                 R"(","code":")" +
                 crypto::TotpCode(kTotpSecret, crypto::TotpStep(d->clock.NowMillis())) +
                 R"(","banner":")" + identity::BannerVersion(c.auth.login_banner) + R"("})";
    http::Response r = d->service->Handle(login);
    const std::size_t at = r.body.find("\"token\":\"");
    if (r.status != 200 || at == std::string::npos) Fail("sign-in: " + r.body);
    d->session = r.body.substr(at + 9, 64);
    return d;
  }();
  return *door;
}

void ReplaceAll(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Door& door = Open();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  ReplaceAll(bytes, "$KEY", door.key);
  ReplaceAll(bytes, "$SESSION", door.session);
  http::ServerOptions limits;  // the server's defaults
  Result<http::Request> req = http::ParseWireRequest(bytes, limits);
  if (!req.ok()) {
    if (req.status().message().empty()) std::abort();
    return 0;
  }
  // Signing out would end the session every later input relies on.
  if (req->path.find("logout") != std::string::npos) return 0;
  http::Response res = door.service->Handle(*req);
  if (res.stream) res.stream->Close();  // no one reads an event stream here
  // 501 is the one deliberate 5xx: a transfer coding the server does not know.
  const bool unknown_coding = res.status == 501 && req->Header("Transfer-Encoding").size() > 0;
  if ((res.status >= 500 && !unknown_coding) || res.status < 100) {
    std::fprintf(stderr, "%s %s -> %d %s\n", req->method.c_str(), req->target.c_str(), res.status,
                 res.body.c_str());
    std::abort();
  }
  return 0;
}
