// `interdict serve` and `interdict demo`.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "base/build_info.h"
#include "base/clock.h"
#include "base/delimited.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/systemd.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "demo/feeder.h"
#include "demo/intel_seed.h"
#include "demo/outcomes_seed.h"
#include "demo/seed.h"
#include "server/catalog_handle.h"
#include "server/data_dir.h"
#include "server/service.h"
#include "sim/population.h"
#include "sim/region.h"
#include "sim/traffic.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kServeFlags = {
    {"config", true, "TOML configuration file (see docs/configuration.md)"},
    {"listen", true, "HOST:PORT to listen on (overrides server.listen)"},
    {"data", true, "data directory (overrides data.dir)"},
    {"log-level", true, "debug, info, warn or error (overrides log.level)"},
    {"insecure-allow-plaintext", false,
     "allow plain HTTP on a non-loopback address (overrides server.insecure_allow_plaintext)"},
};

std::string DemoDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/interdict/demo";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.local/share/interdict/demo";
  }
  return "/tmp/interdict-demo";
}

// Builds the configuration: file (if any), then flags. Exits 2 on any error.
Result<config::Config> LoadConfig(const Args& args, const std::string& default_data_dir) {
  config::Config cfg;
  if (auto path = args.Get("config")) {
    Result<config::Config> loaded = config::LoadFile(*path);
    if (!loaded.ok()) return loaded.status();
    cfg = std::move(loaded).value();
  } else if (!default_data_dir.empty()) {
    cfg.data_dir = default_data_dir;
  }
  const std::pair<const char*, const char*> overrides[] = {
      {"listen", "server.listen"}, {"data", "data.dir"}, {"log-level", "log.level"}};
  for (const auto& [flag, key] : overrides) {
    if (auto v = args.Get(flag)) {
      Status s = config::SetFromString(cfg, key, *v);
      if (!s.ok()) return s.WithContext(fmt::format("--{}: ", flag));
    }
  }
  if (args.Has("insecure-allow-plaintext")) cfg.server.insecure_allow_plaintext = true;
  INTERDICT_RETURN_IF_ERROR(cfg.Validate());
  return cfg;
}

// What `demo` adds around the server: work before it opens the data
// directory, and after it listens (returning what stops that work).
struct Hooks {
  std::function<Status(const config::Config&, const Args&, Logger&)> before_start;
  std::function<std::function<void()>(const server::Service&, Logger&)> after_start;
};

int RunService(const std::vector<std::string>& argv, std::string_view command,
               const std::string& default_data_dir, const std::vector<FlagSpec>& flags,
               const Hooks& hooks = {}) {
  Result<Args> args = Args::Parse(argv, flags);
  if (!args.ok()) return UsageError(command, args.status().message(), flags);
  if (!args->positional().empty()) {
    std::cerr << "interdict " << command << ": unexpected argument '" << args->positional()[0]
              << "'\n";
    return kExitUsage;
  }
  Result<config::Config> cfg = LoadConfig(*args, default_data_dir);
  if (!cfg.ok()) {
    std::cerr << "interdict " << command << ": config error: " << cfg.status().message() << "\n";
    return kExitUsage;
  }

  // Signals are taken by one thread with sigwait, so no code runs in a signal
  // handler. Block them before any other thread starts so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // internal: tells the signal thread to exit
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Logger log(StderrSink(), Clock::System(), cfg->log_level, cfg->log_format);
  if (cfg->log_format == LogFormat::kJournal) log.UseJournal(cfg->log_journal_socket);
  if (hooks.before_start) {
    if (Status s = hooks.before_start(*cfg, *args, log); !s.ok()) {
      std::cerr << "interdict " << command << ": " << s.message() << "\n";
      return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
  }
  server::Service service(*cfg, log, Clock::System());
  if (Status s = service.Start(); !s.ok()) {
    log.Error("cannot start", {{"error", s.message()}});
    std::cerr << "interdict " << command << ": " << s.message() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }

  std::thread signal_thread([&] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0) {
      if (sig == SIGUSR1) return;
      log.Info("signal received; draining", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      (void)NotifySystemd("STOPPING=1\nSTATUS=draining");
      service.Shutdown();
    }
  });

  std::cout << "interdict " << command << ": serving " << service.url() << " (data "
            << cfg->data_dir << ")" << std::endl;
  std::function<void()> stop_extra;
  if (hooks.after_start) stop_extra = hooks.after_start(service, log);
  // Type=notify: systemd starts what is ordered after the service only now.
  if (Status s = NotifySystemd(fmt::format("READY=1\nSTATUS=serving {}", service.url())); !s.ok())
    log.Warn("cannot tell systemd the service is ready", {{"error", s.message()}});
  service.Run();
  if (stop_extra) stop_extra();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  return kExitOk;
}

}  // namespace

// `interdict upgrade`: what a package's postinst runs before it starts the
// service (docs/packaging.md): the data directory's lock (so never beside a
// running server), its format checked (a newer release's is refused, naming
// both) and stamped with this release, the catalog's migrations run, one
// transaction each. The store needs nothing: it reads every earlier segment
// version, and merges rewrite them.
int Upgrade(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {
      {"config", true, "the server's configuration file (see docs/configuration.md)"},
      {"data", true, "data directory (overrides data.dir)"}};
  Result<Args> args = Args::Parse(argv, flags);
  if (!args.ok()) return UsageError("upgrade", args.status().message(), flags);
  if (!args->positional().empty())
    return UsageError("upgrade", fmt::format("unexpected argument '{}'", args->positional()[0]),
                      flags);
  Result<config::Config> cfg = LoadConfig(*args, "");
  if (!cfg.ok()) {
    std::cerr << "interdict upgrade: config error: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  const server::DataPaths paths(cfg->data_dir);
  Result<server::DataFormat> before = server::ReadDataFormat(paths);
  auto fail = [](const Status& s) {
    std::cerr << "interdict upgrade: " << s.message() << "\n";
    return kExitFailure;
  };
  if (!before.ok()) return fail(before.status());
  Result<server::DataDir> dir = server::DataDir::Open(cfg->data_dir);
  if (!dir.ok()) return fail(dir.status());
  Result<catalog::Location> at = server::CatalogLocation(*cfg);
  if (!at.ok()) return fail(at.status());
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(*at);
  if (!db.ok()) return fail(db.status());
  Result<int> schema_before = (*db)->SchemaVersion();
  if (!schema_before.ok()) return fail(schema_before.status());
  if (Status s = catalog::Migrate(**db); !s.ok()) return fail(s);
  Result<int> schema_after = (*db)->SchemaVersion();
  if (!schema_after.ok()) return fail(schema_after.status());
  std::cout << json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "interdict", std::string(build_info::kVersion), "data", cfg->data_dir);
    json::Key(w, "data_format");
    w.StartObject();
    json::Members(w, "before", before->format, "after", server::kDataFormat, "written_by_before",
                  before->written_by);
    w.EndObject();
    json::Key(w, "catalog_schema");
    w.StartObject();
    json::Members(w, "before", *schema_before, "after", *schema_after);
    w.EndObject();
    w.EndObject();
  }) << "\n";
  return kExitOk;
}

int Serve(const std::vector<std::string>& args) {
  return RunService(args, "serve", "", kServeFlags);
}

int Demo(const std::vector<std::string>& args) {
  std::vector<FlagSpec> flags = kServeFlags;
  flags.push_back(
      {"speed", true, "simulated seconds per real second of live traffic (default 20)"});
  flags.push_back({"vehicles", true, "vehicles in the simulated region (default 200000)"});
  flags.push_back({"seed", true, "the simulation's seed (default 1)"});
  flags.push_back({"history-days", true, "days of history written on the first start (default 3)"});
  flags.push_back(
      {"first-hit-after-s", true, "seconds until a stolen car passes a city camera (default 15)"});
  flags.push_back({"hit-every-s", true,
                   "then another stolen car passes a city camera this often (default: never)"});
  // The region, its traffic and the feeder live as long as the command.
  std::unique_ptr<sim::Population> population;
  std::unique_ptr<sim::Traffic> traffic;
  std::unique_ptr<demo::Feeder> feeder;
  demo::DemoSecrets secrets;
  double speed = 20;
  std::int64_t first_hit_ms = 15'000, hit_every_ms = 0;
  Hooks hooks;
  hooks.before_start = [&](const config::Config& cfg, const Args& a, Logger& log) -> Status {
    Result<std::uint64_t> vehicles = a.GetCount("vehicles", 200'000, 5'000'000);
    Result<std::uint64_t> seed = a.GetCount("seed", 1, ~0ull >> 1);
    Result<std::uint64_t> history = a.GetCount("history-days", 3, 30);
    Result<std::uint64_t> speed_flag = a.GetCount("speed", 20, 3600);
    Result<std::uint64_t> first_hit = a.GetCount("first-hit-after-s", 15, 3600);
    Result<std::uint64_t> hit_every = a.GetCount("hit-every-s", 0, 86'400);
    for (const Result<std::uint64_t>* r :
         {&vehicles, &seed, &history, &speed_flag, &first_hit, &hit_every}) {
      if (!r->ok()) return r->status();
    }
    if (*vehicles < 1000) return Status::InvalidArgument("--vehicles must be at least 1000");
    if (*speed_flag < 1) return Status::InvalidArgument("--speed must be at least 1");
    speed = static_cast<double>(*speed_flag);
    first_hit_ms = static_cast<std::int64_t>(*first_hit) * 1000;
    hit_every_ms = static_cast<std::int64_t>(*hit_every) * 1000;
    const sim::Region& region = sim::Region::Embedded();
    population = std::make_unique<sim::Population>(sim::Population::Make(region, *vehicles, *seed));
    sim::TrafficOptions topts;
    topts.seed = *seed;
    traffic = std::make_unique<sim::Traffic>(region, *population, topts);
    demo::DemoOptions options{cfg.data_dir, static_cast<int>(*history), &cfg};
    Result<demo::SeedReport> seeded =
        demo::SeedIfEmpty(options, *traffic, Clock::System().NowMillis(), log);
    if (!seeded.ok()) return seeded.status();
    secrets = seeded->secrets;
    INTERDICT_RETURN_IF_ERROR(demo::PlantDeconfliction(options, *traffic, secrets, seeded->fresh,
                                                       Clock::System().NowMillis(), log));
    INTERDICT_RETURN_IF_ERROR(
        demo::PlantOutcomes(options, seeded->fresh, Clock::System().NowMillis(), log));
    std::cout << fmt::format(
        "interdict demo: {} — {} agencies, {} cameras, {} vehicles{}\n\n"
        "Sign in as any of <agency>-admin, <agency>-supervisor, <agency>-analyst or "
        "<agency>-officer (agencies: ",
        region.name, region.agencies.size(), region.cameras.size() + region.mobile_cameras.size(),
        *vehicles,
        seeded->fresh ? fmt::format("; seeded with {} reads of history", seeded->history_reads)
                      : "");
    for (std::size_t i = 0; i < region.agencies.size(); ++i)
      std::cout << (i ? ", " : "") << AsciiLower(region.agencies[i].code);
    std::cout << fmt::format(
        "), e.g. gcpd-analyst.\n  password:    {}\n  TOTP secret: {}  (all demo users)\n"
        "  a code now: interdict totp {}   (or oathtool --totp -b …), or add\n"
        "              {} to an authenticator app\n\n",
        secrets.password, secrets.totp_secret, secrets.totp_secret,
        crypto::TotpUri(*crypto::Base32Decode(secrets.totp_secret), "gcpd-analyst"));
    return Status::Ok();
  };
  hooks.after_start = [&](const server::Service& service, Logger& log) -> std::function<void()> {
    demo::FeederOptions fo;
    const std::string url = service.url();  // http://HOST:PORT
    const std::size_t colon = url.rfind(':');
    fo.host = url.substr(7, colon - 7);
    fo.port = static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
    fo.speed = speed;
    fo.first_hit_after_ms = first_hit_ms;
    fo.hit_every_ms = hit_every_ms;
    feeder = std::make_unique<demo::Feeder>(*traffic, secrets, fo, Clock::System(), log);
    feeder->Start();
    std::cout << fmt::format(
                     "interdict demo: live traffic at {}× speed; a stolen car passes a city "
                     "camera in about {} seconds (hits: GET /api/v1/hits, "
                     "GET /api/v1/alerts/stream)\n",
                     speed, first_hit_ms / 1000)
              << std::flush;
    return [&] { feeder->Stop(); };
  };
  return RunService(args, "demo", DemoDataDir(), flags, hooks);
}

}  // namespace interdict::cli
