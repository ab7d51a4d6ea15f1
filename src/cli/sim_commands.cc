// `interdict sim`: the simulated region's traffic (docs/simulator.md).
//   sim --out FILE [--days D] [--seed S] [--vehicles N] [--format native|csv] [--start DATE]
// writes the reads in time order (deterministic in the seed), with progress
// on stderr and the run's statistics as JSON on stdout;
//   sim --live --server URL --keys FILE [--speed X] [--seed S] [--vehicles N]
// streams them to a running server as each agency's vendor would, until
// interrupted.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/time_format.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "demo/feeder.h"
#include "demo/seed.h"
#include "http/client.h"
#include "read/delimited_format.h"
#include "read/native_format.h"
#include "sim/population.h"
#include "sim/region.h"
#include "sim/traffic.h"

namespace interdict::cli {
namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}

constexpr std::int64_t kDay = 86'400'000;

const std::vector<FlagSpec> kSimFlags = {
    {"out", true, "write the reads to this file ('-' for stdout)"},
    {"live", false, "stream reads to --server instead, as each agency's vendor would"},
    {"server", true, "with --live: the server's URL, e.g. http://127.0.0.1:8480"},
    {"keys", true,
     "with --live: JSON {\"keys\": {\"AGENCY\": \"API key\"}} (the demo's "
     "DATA/demo/secrets.json is one)"},
    {"speed", true, "with --live: simulated seconds per real second (default 1)"},
    {"days", true, "days of traffic (default 1)"},
    {"seed", true, "random seed: the same seed gives the same bytes (default 1)"},
    {"vehicles", true, "vehicles in the region (default 200000)"},
    {"format", true, "native (NDJSON, default) or csv"},
    {"start", true, "first day, YYYY-MM-DD (default: the days just before today)"},
    {"json", false, "print the statistics as JSON (the only output format; for scripts)"},
};

int Usage(std::string_view msg) {
  return UsageError("sim", msg, kSimFlags,
                    "interdict sim --out FILE [--days D] [--seed S] [--vehicles N] "
                    "[--format native|csv] [--start YYYY-MM-DD]\n"
                    "       interdict sim --live --server URL --keys FILE [--speed X] [--seed S] "
                    "[--vehicles N]");
}

int Live(const Args& args) {
  const std::optional<std::string> server = args.Get("server");
  const std::optional<std::string> keys = args.Get("keys");
  if (!server || !keys) return Usage("--live needs --server URL and --keys FILE");
  Result<http::Url> url = http::ParseUrl(*server);
  if (!url.ok()) return Usage("--server: " + url.status().message());
  Result<demo::DemoSecrets> secrets = demo::ReadSecretsFile(*keys);
  if (!secrets.ok()) return Usage("--keys: " + secrets.status().message());
  Result<std::uint64_t> seed = args.GetCount("seed", 1, ~0ull >> 1);
  Result<std::uint64_t> vehicles = args.GetCount("vehicles", 200'000, 20'000'000);
  Result<std::uint64_t> speed = args.GetCount("speed", 1, 3600);
  for (const Result<std::uint64_t>* r : {&seed, &vehicles, &speed}) {
    if (!r->ok()) return Usage(r->status().message());
  }
  if (*speed < 1) return Usage("--speed must be at least 1");
  const sim::Region& region = sim::Region::Embedded();
  const sim::Population population = sim::Population::Make(region, *vehicles, *seed);
  sim::TrafficOptions topts;
  topts.seed = *seed;
  const sim::Traffic traffic(region, population, topts);
  Logger log(StderrSink(), Clock::System(), LogLevel::kInfo);
  demo::FeederOptions fo;
  fo.host = url->host;
  fo.port = url->port;
  fo.tls = url->tls;
  fo.speed = static_cast<double>(*speed);
  demo::Feeder feeder(traffic, std::move(secrets).value(), fo, Clock::System(), log);
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  std::cerr << fmt::format("interdict sim: streaming to {} at {}x; Ctrl-C stops\n", *server,
                           *speed);
  feeder.Start();
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  feeder.Stop();
  const demo::FeederStats& st = feeder.stats();
  std::cout << fmt::format(R"({{"sent":{},"accepted":{},"failed_requests":{}}})", st.sent.load(),
                           st.accepted.load(), st.failed_requests.load())
            << std::endl;
  return st.failed_requests.load() > 0 && st.accepted.load() == 0 ? kExitFailure : kExitOk;
}

}  // namespace

int SimCommand(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kSimFlags);
  if (!args.ok()) return Usage(args.status().message());
  if (args->Has("live")) return Live(*args);
  const std::optional<std::string> out_path = args->Get("out");
  if (!out_path) return Usage("--out is required (or --live)");
  Result<std::uint64_t> days = args->GetCount("days", 1, 3650);
  Result<std::uint64_t> seed = args->GetCount("seed", 1, ~0ull >> 1);
  Result<std::uint64_t> vehicles = args->GetCount("vehicles", 200'000, 20'000'000);
  for (const Result<std::uint64_t>* r : {&days, &seed, &vehicles}) {
    if (!r->ok()) return Usage(r->status().message());
  }
  if (*days == 0) return Usage("--days must be at least 1");
  if (*vehicles < 100) return Usage("--vehicles must be at least 100");
  const std::string format = args->Get("format").value_or("native");
  if (format != "native" && format != "csv") return Usage("--format must be native or csv");

  const sim::Region& region = sim::Region::Embedded();
  const sim::Population population = sim::Population::Make(region, *vehicles, *seed);
  sim::TrafficOptions topts;
  topts.seed = *seed;
  const sim::Traffic traffic(region, population, topts);
  std::int64_t first_day = 0;
  if (const auto start = args->Get("start")) {
    Result<UnixMillis> d = ParseDate(*start);
    if (!d.ok()) return Usage("--start: " + d.status().message());
    first_day = traffic.LocalMidnight(*d + 12 * 3'600'000);
  } else {
    first_day = traffic.LocalMidnight(Clock::System().NowMillis() -
                                      static_cast<std::int64_t>(*days) * kDay);
  }

  FILE* out = *out_path == "-" ? stdout : std::fopen(out_path->c_str(), "wb");
  if (out == nullptr) {
    std::cerr << "interdict sim: cannot write " << *out_path << "\n";
    return kExitFailure;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  const auto started = std::chrono::steady_clock::now();
  sim::TrafficStats stats;
  std::uint64_t bytes = 0;
  if (format == "csv") {
    const std::string header = std::string(read::kCsvReadHeader) + "\n";
    std::fwrite(header.data(), 1, header.size(), out);
    bytes += header.size();
  }
  // Each day is made on both cores (sim::Traffic::DayCompact), then written
  // as two halves formatted side by side.
  auto format_range = [&](const std::vector<sim::SimRead>& reads, std::size_t from, std::size_t to,
                          std::string* text) {
    text->clear();
    text->reserve((to - from) * 340);
    for (std::size_t i = from; i < to; ++i) {
      if (format == "csv") {
        *text += read::FormatCsvRead(traffic.ToRead(reads[i]));
      } else {
        traffic.AppendNative(reads[i], text);
      }
      text->push_back('\n');
    }
  };
  std::vector<sim::SimRead> day;
  // Two sets of buffers: day d is written by its own thread while day d+1 is made.
  std::string halves[2][2];
  std::thread writer;
  std::uint64_t written_days = 0;
  for (std::uint64_t d = 0; d < *days && !g_stop; ++d) {
    sim::TrafficStats s;
    const std::int64_t midnight =
        traffic.LocalMidnight(first_day + static_cast<std::int64_t>(d) * kDay + 12 * 3'600'000);
    traffic.DayCompact(midnight, &day, &s);
    stats.Add(s);
    std::string* text = halves[d % 2];
    const std::size_t half = day.size() / 2;
    std::thread other([&] { format_range(day, half, day.size(), &text[1]); });
    format_range(day, 0, half, &text[0]);
    other.join();
    if (writer.joinable()) writer.join();
    bytes += text[0].size() + text[1].size();
    writer = std::thread([out, text] {
      std::fwrite(text[0].data(), 1, text[0].size(), out);
      std::fwrite(text[1].data(), 1, text[1].size(), out);
    });
    ++written_days;
    std::cerr << fmt::format("interdict sim: day {} of {}: {} reads\n", d + 1, *days, day.size());
  }
  if (writer.joinable()) writer.join();
  const bool write_failed = std::ferror(out) != 0;
  if (out != stdout) std::fclose(out);
  if (write_failed) {
    std::cerr << "interdict sim: writing " << *out_path << " failed\n";
    return kExitFailure;
  }
  if (g_stop) {
    std::cerr << fmt::format("interdict sim: interrupted after {} whole days\n", written_days);
    return 130;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::vector<std::uint64_t> per_camera = stats.by_camera;
  per_camera.resize(region.cameras.size() + region.mobile_cameras.size(), 0);
  std::sort(per_camera.begin(), per_camera.end());
  const double camera_days = static_cast<double>(written_days);
  auto per_day = [&](std::uint64_t n) { return static_cast<double>(n) / camera_days; };
  const double reads = static_cast<double>(std::max<std::uint64_t>(1, stats.reads));
  // With --out - the reads are on stdout: the statistics go to stderr.
  std::ostream& report = *out_path == "-" ? std::cerr : std::cout;
  report
      << fmt::format(
             R"({{"vehicles":{},"days":{},"seed":{},"format":"{}","first_day":"{}","reads":{},"bytes":{},"seconds":{:.2f},"reads_per_s":{:.0f},"cameras":{},"reads_per_camera_per_day":{{"median":{:.0f},"mean":{:.0f},"max":{:.0f},"silent_cameras":{}}},"missed_share":{:.4f},"error_share":{:.4f},"one_character_share_of_errors":{:.3f},"stolen_vehicle_reads":{},"stolen_reads_per_1000":{:.3f}}})",
             *vehicles, written_days, *seed, format, FormatRfc3339(first_day), stats.reads, bytes,
             seconds, static_cast<double>(stats.reads) / seconds, per_camera.size(),
             per_day(per_camera[per_camera.size() / 2]),
             per_day(stats.reads) / static_cast<double>(per_camera.size()),
             per_day(per_camera.back()), std::count(per_camera.begin(), per_camera.end(), 0),
             1.0 - static_cast<double>(stats.reads) /
                       static_cast<double>(std::max<std::uint64_t>(1, stats.passes)),
             static_cast<double>(stats.wrong) / reads,
             static_cast<double>(stats.one_character) /
                 static_cast<double>(std::max<std::uint64_t>(1, stats.wrong)),
             stats.stolen_reads, 1000.0 * static_cast<double>(stats.stolen_reads) / reads)
      << std::endl;
  return kExitOk;
}

}  // namespace interdict::cli
