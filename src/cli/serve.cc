// `interdict serve` and `interdict demo`.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "config/config.h"
#include "server/service.h"

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

int RunService(const std::vector<std::string>& argv, std::string_view command,
               const std::string& default_data_dir) {
  Result<Args> args = Args::Parse(argv, kServeFlags);
  if (!args.ok()) {
    std::cerr << "interdict " << command << ": " << args.status().message() << "\n\nflags:\n"
              << FlagHelp(kServeFlags);
    return kExitUsage;
  }
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
      service.Shutdown();
    }
  });

  std::cout << "interdict " << command << ": serving " << service.url() << " (data "
            << cfg->data_dir << ")" << std::endl;
  service.Run();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  return kExitOk;
}

}  // namespace

int Serve(const std::vector<std::string>& args) {
  return RunService(args, "serve", "");
}

int Demo(const std::vector<std::string>& args) {
  // For now the demo is the server on its own data directory; the simulated
  // region arrives with the simulator.
  return RunService(args, "demo", DemoDataDir());
}

}  // namespace interdict::cli
