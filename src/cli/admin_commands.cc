// `interdict admin init` (the first agency and administrator of a data
// directory) and `interdict audit verify` (check the audit chain).
#include <iostream>

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/time_format.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "cli/args.h"
#include "cli/catalog_flag.h"
#include "cli/commands.h"
#include "identity/admin.h"
#include "identity/sso.h"
#include "policy/purpose.h"
#include "server/data_dir.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kInitFlags = {
    {"data", true, "data directory (required; its catalog must have no agency yet)"},
    {"agency", true, "agency code, e.g. STLPD (required)"},
    {"agency-name", true, "agency name, e.g. \"St. Louis Metropolitan Police\" (required)"},
    {"ori", true, "the agency's 9-character NCIC ORI (required)"},
    {"state", true, "the agency's state, e.g. MO (required)"},
    {"kind", true, "local, county, state or federal (required)"},
    {"user", true, "the administrator's username (required)"},
    {"name", true, "the administrator's full name (required)"},
    kCatalogFlag,
};
const std::vector<FlagSpec> kDataFlag = {{"data", true, "data directory (required)"}, kCatalogFlag};
const std::vector<FlagSpec> kPurposeFlags = {
    {"data", true, "data directory (required)"},
    {"code", true, "purpose code, e.g. hit-and-run (required)"},
    {"label", true, "short label (required)"},
    {"description", true, "what it covers, or the law that prohibits it (required)"},
    {"prohibited", false, "the purpose exists only to be refused"},
    kCatalogFlag,
};

const std::vector<FlagSpec> kSsoFlags = {
    {"data", true, "data directory (required)"},
    {"agency", true, "the agency's code (required)"},
    {"issuer", true, "the provider's issuer URL, exactly as its tokens name it (required)"},
    {"client-id", true, "Interdict's client id at the provider (required)"},
    {"map", true, "provider groups to roles: GROUP=role[,GROUP=role…] (required)"},
    {"groups-claim", true, "the ID token claim holding the groups (default groups)"},
    {"mfa-amr", true, "amr values that count as multi-factor (default mfa,otp,hwk,swk,sc,fido)"},
    {"mfa-acr", true, "acr values that count as multi-factor (default none)"},
    {"no-mfa-required", false,
     "do not ask for Interdict's TOTP when the provider asserts no second factor (not advised)"},
    {"disable", false, "turn single sign-on off for the agency (people keep their accounts)"},
    kCatalogFlag,
};

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    const std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// `admin init` (first: the catalog must have no agency) or `admin add-agency`.
int CreateAgency(const std::vector<std::string>& argv, bool first) {
  const std::string cmd = first ? "admin init" : "admin add-agency";
  Result<Args> args = Args::Parse(argv, kInitFlags);
  if (!args.ok()) return UsageError(cmd, args.status().message(), kInitFlags);
  for (const FlagSpec& f : kInitFlags) {
    if (f.name != kCatalogFlag.name && !args->Get(f.name))
      return UsageError(cmd, fmt::format("--{} is required", f.name), kInitFlags);
  }
  const std::string data = *args->Get("data");
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict " << cmd << ": " << dir.status().message() << "\n";
    return kExitFailure;
  }
  Result<std::unique_ptr<catalog::Database>> db = OpenCatalog(*args, data);
  if (!db.ok()) {
    std::cerr << "interdict " << cmd << ": " << db.status().message() << "\n";
    return kExitFailure;
  }
  if (Status st = catalog::Migrate(**db); !st.ok()) {
    std::cerr << "interdict " << cmd << ": " << st.message() << "\n";
    return kExitFailure;
  }
  identity::InitRequest req;
  req.agency_code = *args->Get("agency");
  req.agency_name = *args->Get("agency-name");
  req.ori = *args->Get("ori");
  req.state = *args->Get("state");
  req.kind = *args->Get("kind");
  req.admin_username = *args->Get("user");
  req.admin_name = *args->Get("name");
  const std::int64_t now = Clock::System().NowMillis();
  Result<identity::InitResult> r =
      first ? identity::InitCatalog(**db, req, now) : identity::AddAgency(**db, req, now);
  if (!r.ok()) {
    std::cerr << "interdict " << cmd << ": " << r.status().message() << "\n";
    return r.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << fmt::format(
      "agency {} created (retention preset {})\n"
      "administrator {} created; one-time enrolment secret, valid until {}:\n\n  {}\n\n"
      "Give it to {} in person. With it they set a password and enrol an authenticator app;\n"
      "it is not shown again and is stored only as a digest.\n",
      req.agency_code, r->retention_preset, req.admin_username,
      FormatRfc3339(r->enrolment_expires_at), r->enrolment_secret, req.admin_name);
  return kExitOk;
}

// `admin purpose`: add or relabel a purpose of the vocabulary.
int SetPurpose(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kPurposeFlags);
  if (!args.ok()) return UsageError("admin purpose", args.status().message(), kPurposeFlags);
  for (const char* f : {"data", "code", "label", "description"}) {
    if (!args->Get(f))
      return UsageError("admin purpose", fmt::format("--{} is required", f), kPurposeFlags);
  }
  const std::string data = *args->Get("data");
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict admin purpose: " << dir.status().message() << "\n";
    return kExitFailure;
  }
  Result<std::unique_ptr<catalog::Database>> db = OpenCatalog(*args, data);
  Status st = db.ok() ? catalog::Migrate(**db) : db.status();
  if (st.ok()) {
    st = policy::SetPurpose(**db,
                            {*args->Get("code"), *args->Get("label"), *args->Get("description"),
                             args->Has("prohibited")},
                            Clock::System().NowMillis());
  }
  if (!st.ok()) {
    std::cerr << "interdict admin purpose: " << st.message() << "\n";
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << "purpose " << *args->Get("code") << " set\n";
  return kExitOk;
}

// `admin sso`: an agency's OpenID Connect provider (decision 0038).
int SetSso(const std::vector<std::string>& argv) {
  constexpr std::string_view cmd = "admin sso";
  Result<Args> args = Args::Parse(argv, kSsoFlags);
  if (!args.ok()) return UsageError(cmd, args.status().message(), kSsoFlags);
  for (const char* f : {"data", "agency", "issuer", "client-id", "map"}) {
    if (!args->Get(f)) return UsageError(cmd, fmt::format("--{} is required", f), kSsoFlags);
  }
  identity::SsoSettings s;
  s.agency_code = *args->Get("agency");
  s.issuer = *args->Get("issuer");
  s.client_id = *args->Get("client-id");
  s.groups_claim = args->Get("groups-claim").value_or("groups");
  for (const std::string& pair : SplitList(*args->Get("map"))) {
    const std::size_t eq = pair.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      return UsageError(cmd, fmt::format("--map: '{}' is not GROUP=role", pair), kSsoFlags);
    s.role_map[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  if (const auto amr = args->Get("mfa-amr")) s.mfa_amr = SplitList(*amr);
  if (const auto acr = args->Get("mfa-acr")) s.mfa_acr = SplitList(*acr);
  s.require_mfa = !args->Has("no-mfa-required");
  s.enabled = !args->Has("disable");
  const std::string data = *args->Get("data");
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict admin sso: " << dir.status().message() << "\n";
    return kExitFailure;
  }
  Result<std::unique_ptr<catalog::Database>> db = OpenCatalog(*args, data);
  Status st = db.ok() ? catalog::Migrate(**db) : db.status();
  if (st.ok()) st = identity::ConfigureSso(**db, s, "host:admin", Clock::System().NowMillis());
  if (!st.ok()) {
    std::cerr << "interdict admin sso: " << st.message() << "\n";
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << fmt::format("single sign-on for {} {}: {}\n", s.agency_code,
                           s.enabled ? "on" : "off", s.issuer);
  return kExitOk;
}

int Verify(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kDataFlag);
  if (!args.ok()) return UsageError("audit verify", args.status().message(), kDataFlag);
  if (!args->Get("data")) return UsageError("audit verify", "--data is required", kDataFlag);
  // Read-only, and without the data directory's lock: a running server keeps
  // writing while the chain is checked up to the entry read last.
  Result<std::unique_ptr<catalog::Database>> db =
      OpenCatalog(*args, *args->Get("data"), /*read_only=*/true);
  if (!db.ok()) {
    std::cerr << "interdict audit verify: " << db.status().message() << "\n";
    return kExitFailure;
  }
  Result<audit::VerifyResult> r = audit::Verify(**db);
  if (!r.ok()) {
    std::cerr << "interdict audit verify: " << r.status().message() << "\n";
    return kExitFailure;
  }
  if (r->first_bad) {
    std::cerr << fmt::format(
        "interdict audit verify: entry {}: {} ({} entries before it are intact)\n", *r->first_bad,
        r->problem, r->entries);
    return kExitFailure;
  }
  std::cout << fmt::format("audit verify: ok: {} entries, head {}\n", r->entries, r->head);
  return kExitOk;
}

}  // namespace

int AdminCommand(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "purpose") return SetPurpose({argv.begin() + 1, argv.end()});
  if (!argv.empty() && argv[0] == "sso") return SetSso({argv.begin() + 1, argv.end()});
  if (argv.empty() || (argv[0] != "init" && argv[0] != "add-agency")) {
    return SubcommandUsage(
        "admin",
        "usage: interdict admin init|add-agency --data DIR --agency CODE --agency-name "
        "NAME --ori ORI --state ST --kind KIND --user NAME --name \"FULL NAME\"\n"
        "       interdict admin purpose --data DIR --code CODE --label LABEL "
        "--description TEXT [--prohibited]\n"
        "       interdict admin sso --data DIR --agency CODE --issuer URL --client-id ID "
        "--map GROUP=role,…\n"
        "  init: the first agency of an empty data directory\n"
        "  add-agency: a further member agency, with its first administrator\n"
        "  purpose: add or relabel a search purpose (prohibited ones stay prohibited)\n"
        "  sso: the agency's OpenID Connect provider for single sign-on\n",
        argv);
  }
  return CreateAgency({argv.begin() + 1, argv.end()}, argv[0] == "init");
}

int AuditCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "verify")
    return SubcommandUsage("audit", "usage: interdict audit verify --data DIR\n", argv);
  return Verify({argv.begin() + 1, argv.end()});
}

}  // namespace interdict::cli
