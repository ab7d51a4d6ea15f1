#include "bench/soak_bench.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/json_escape.h"
#include "base/log.h"
#include "base/time_format.h"
#include "bench/child_process.h"
#include "bench/harness.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "bench/stolen_list.h"
#include "bench/stream_timer.h"
#include "catalog/database.h"
#include "http/client.h"
#include "identity/keys.h"
#include "metrics/process.h"
#include "policy/retention.h"
#include "read/native_format.h"
#include "server/data_dir.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr int kPlanted = 1000;     // listed plates per agency that planted hits use
constexpr int kRotating = 1000;    // listed plates per agency that each reload replaces
constexpr int kSampleEvery = 100;  // one read of every 100th batch is looked for at the end
constexpr double kMiB = 1024.0 * 1024.0;

// Listed plates carry a Q, which no simulated plate has.
std::string PlantedPlate(int agency, int i) {
  return fmt::format("QQ{:02}{:03}", agency, i);
}
std::string RotatingPlate(int agency, int reload, int i) {
  return fmt::format("QR{:02}{:04}", agency, (reload * kRotating + i) % 10'000);
}

// The first sample of `name` in a Prometheus text exposition; nullopt when absent.
std::optional<double> MetricValue(const std::string& text, std::string_view name) {
  const std::string key = "\n" + std::string(name) + " ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + key.size(), nullptr);
}

// A read that must be found again: by a plate search around its time.
struct Sample {
  std::string plate, id;
  std::int64_t time = 0;
};

// A batch ready to send: one agency's reads as NDJSON.
struct Batch {
  int agency = 0;
  std::uint64_t reads = 0;
  std::string body;
  Sample first;
};

// What one minute gathers while it runs.
struct Window {
  std::uint64_t acked = 0, ingest_errors = 0, search_errors = 0;
  std::vector<double> ingest_ms, search_ms;
  std::map<std::string, std::vector<double>> search_ms_by_type;
  std::optional<Sample> sample;  // a read acknowledged in this minute
};

// One line of the table.
struct Minute {
  int minute = 0;
  std::uint64_t acked = 0;
  double acked_per_s = 0;
  bool searchable = false;
  double alert_p99_ms = 0, alert_max_ms = 0;
  std::uint64_t alerts_expected = 0, alerts_missing = 0;
  double search_p50_ms = 0, search_p99_ms = 0;
  std::uint64_t searches = 0, search_errors = 0;
  double ingest_p99_ms = 0;
  std::uint64_t ingest_errors = 0;
  double rss_mib = 0, heap_mib = 0, open_files = 0;
  double store_reads = 0, disk_bytes_per_read = 0, purged_reads = 0;
  double server_cpu = 0, bench_cpu = 0;  // cores used over the minute
  double reload_s = 0;                   // the hotlist reloads that ended in the minute
};

// Least-squares slope of ys against xs (per unit of x); 0 with fewer than two points.
double Slope(const std::vector<double>& xs, const std::vector<double>& ys) {
  const auto n = static_cast<double>(xs.size());
  if (xs.size() < 2) return 0;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) mx += xs[i], my += ys[i];
  mx /= n;
  my /= n;
  double num = 0, den = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) * (xs[i] - mx);
  }
  return den == 0 ? 0 : num / den;
}

double StdDev(const std::vector<double>& ys) {
  if (ys.size() < 2) return 0;
  double m = 0;
  for (double y : ys) m += y;
  m /= static_cast<double>(ys.size());
  double v = 0;
  for (double y : ys) v += (y - m) * (y - m);
  return std::sqrt(v / static_cast<double>(ys.size() - 1));
}

// Batches made ahead of the senders (a bounded queue: at most a second's).
class BatchQueue {
 public:
  explicit BatchQueue(std::size_t capacity) : capacity_(capacity) {}
  bool Push(Batch b) {
    std::unique_lock l(mu_);
    not_full_.wait(l, [&] { return closed_ || q_.size() < capacity_; });
    if (closed_) return false;
    q_.push_back(std::move(b));
    not_empty_.notify_one();
    return true;
  }
  std::optional<Batch> Pop() {
    std::unique_lock l(mu_);
    not_empty_.wait(l, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return std::nullopt;
    Batch b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }
  void Close() {
    std::lock_guard l(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Batch> q_;
  bool closed_ = false;
};

std::string FoundId(const std::string& id) {
  return fmt::format(R"("id":"{}")", id);
}

}  // namespace

int RunSoakBench(const SoakBenchOptions& o) {
  CatchStopSignals();
  auto fail = [](std::string_view what) {
    std::cerr << "bench soak: " << what << "\n";
    return 1;
  };
  if (o.minutes < 1 || o.rate < 1 || o.analysts < 1 || o.subscribers < 1 || o.batch < 1 ||
      o.senders < 1 || o.reload_every_min < 1 || o.retention_min < 1 || o.cameras < 12)
    return fail("every count must be at least 1, and --cameras at least 12 (one an agency)");
  Result<WorkDir> work = WorkDir::Make(o.dir, "soak", o.keep);
  if (!work.ok()) return fail(work.status().message());
  const std::string data = work->path() + "/data";
  std::filesystem::create_directories(data);
  const server::DataPaths paths(data);
  Clock& clock = Clock::System();
  const std::int64_t start_ms = clock.NowMillis();

  // The region: agencies, cameras, people, sharing with AG00, the analysts'
  // approvals; a key and a stolen list per agency; the last agency's short
  // retention; the analysts signed in.
  GeneratorOptions g;
  g.reads = std::numeric_limits<std::uint64_t>::max();
  g.days = 1;
  g.start_ms = start_ms;
  g.vehicles = o.vehicles;
  g.cameras = o.cameras;
  auto gen = std::make_unique<ReadGenerator>(g);
  const std::vector<std::string> agencies = gen->agency_codes();
  const int n_agencies = static_cast<int>(agencies.size());
  const int short_lived = n_agencies - 1;  // the agency whose reads expire during the run
  std::vector<std::string> keys(agencies.size());
  std::vector<std::int64_t> lists(agencies.size());
  std::vector<std::string> hit_camera(agencies.size());
  std::vector<std::string> tokens;
  std::vector<std::int64_t> approvals;
  std::cerr << fmt::format("bench soak: {} min at {} reads/s, {} analysts, {} subscribers, in {}\n",
                           o.minutes, o.rate, o.analysts, o.subscribers, work->path());
  {
    Result<Region> region =
        MakeRegion(catalog::Location::Sqlite(paths.catalog()), *gen, start_ms, o.analysts);
    if (!region.ok()) return fail("setting up the catalog: " + region.status().message());
    for (int a = 0; a < n_agencies; ++a) {
      const std::string& code = agencies[static_cast<std::size_t>(a)];
      const identity::Principal& admin = region->people.at(code + "-administrator");
      Result<identity::NewKey> k = identity::CreateKey(
          *region->db, admin,
          {"soak cameras", {"reads.ingest", "hits.read", "hotlists.load"}, std::nullopt}, start_ms);
      if (!k.ok()) return fail("a key for " + code + ": " + k.status().message());
      keys[static_cast<std::size_t>(a)] = k->key;
      std::vector<std::string> plates;
      for (int i = 0; i < kPlanted; ++i) plates.push_back(PlantedPlate(a, i));
      for (int i = 0; i < kRotating; ++i) plates.push_back(RotatingPlate(a, 0, i));
      Result<std::int64_t> list =
          LoadStolenList(*region->db, admin, region->people.at(code + "-supervisor"),
                         fmt::format("MO{:03}0000", a), plates, start_ms);
      if (!list.ok()) return fail("the list of " + code + ": " + list.status().message());
      lists[static_cast<std::size_t>(a)] = *list;
      for (const Camera& c : gen->cameras()) {
        if (c.agency == code) {
          hit_camera[static_cast<std::size_t>(a)] = c.name;
          break;
        }
      }
      if (a == short_lived) {
        if (Status st = policy::SetRetention(*region->db, admin, "non_hit_reads",
                                             o.retention_min * kMinuteMs, start_ms);
            !st.ok())
          return fail("the retention of " + code + ": " + st.message());
      }
    }
    Result<SignedIn> signed_in = SignInAnalysts(*region, clock);
    if (!signed_in.ok()) return fail(signed_in.status().message());
    tokens = std::move(signed_in->tokens);
    approvals = std::move(signed_in->approvals);
  }

  // The server: this binary's `serve`, as the package runs it but for the
  // port and the directory, and no throttles (one address sends everything).
  Result<int> port_or = FreeLoopbackPort();
  if (!port_or.ok()) return fail(port_or.status().message());
  const auto port = static_cast<std::uint16_t>(*port_or);
  const std::string config_path = work->path() + "/interdict.toml";
  {
    std::ofstream cfg(config_path);
    cfg << fmt::format(
        "[server]\nlisten = \"127.0.0.1:{}\"\nmax_inflight_body_bytes_per_address = "
        "1073741824\n[data]\ndir = \"{}\"\n[store]\nsync = \"always\"\n[rate_limit]\n"
        "person_per_minute = 0\nintegration_per_minute = 0\n[log]\nlevel = \"warn\"\n"
        "format = \"json\"\n",
        port, data);
  }
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return fail("cannot find this program's path: " + ec.message());
  Result<pid_t> server =
      Spawn({self, "serve", "--config", config_path}, work->path() + "/server.log");
  if (!server.ok()) return fail("starting the server: " + server.status().message());
  const pid_t pid = *server;
  const std::string proc = fmt::format("/proc/{}", pid);
  struct Reaper {
    pid_t pid;
    bool done = false;
    ~Reaper() {
      if (!done) Stop(pid, SIGTERM, std::chrono::seconds(30));
    }
  } reaper{pid};
  http::Client admin_http(http::ClientOptions::To("127.0.0.1", port));
  bool up = false;
  for (int i = 0; i < 600 && !up && !StopRequested(); ++i) {
    if (WaitExit(pid, std::chrono::milliseconds(0))) break;
    Result<http::ClientResponse> h = admin_http.Get("/healthz");
    up = h.ok() && h->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) return fail("the server did not start; see " + work->path() + "/server.log");

  // Subscribers, spread over the agencies.
  std::vector<std::unique_ptr<StreamTimer>> streams;
  std::vector<int> stream_agency;
  for (int i = 0; i < o.subscribers; ++i) {
    const int a = i % n_agencies;
    streams.push_back(std::make_unique<StreamTimer>(port, keys[static_cast<std::size_t>(a)]));
    stream_agency.push_back(a);
    if (!streams.back()->connected()) return fail("an alert stream did not open");
  }

  std::atomic<bool> done{false};
  std::mutex window_mu;
  Window window;
  std::vector<Sample> end_samples;  // under window_mu
  std::atomic<std::uint64_t> acked_total{0}, hits_sent{0}, hits_unraised{0};
  std::string first_error;  // under window_mu
  auto note_error = [&](const std::string& what) {
    std::lock_guard l(window_mu);
    if (first_error.empty()) first_error = what;
  };

  // The cameras: one thread makes the batches (the simulator's reads, each
  // agency's own, stamped now), the senders send them on a schedule of
  // batch / rate seconds each, counted from the start.
  BatchQueue queue(static_cast<std::size_t>(std::max<std::uint64_t>(8, o.rate / o.batch)));
  std::thread producer([&] {
    std::vector<Batch> open(agencies.size());
    for (int a = 0; a < n_agencies; ++a) open[static_cast<std::size_t>(a)].agency = a;
    std::vector<read::Read> reads;
    std::uint64_t seq = 0;
    while (!done && !StopRequested()) {
      gen->Next(1024, &reads);
      const std::int64_t now = clock.NowMillis();
      for (read::Read& r : reads) {
        const auto a = static_cast<std::size_t>(std::stoi(r.agency.substr(2)));
        r.id = fmt::format("s{}", seq++);
        r.time = now;
        Batch& b = open[a];
        if (b.reads == 0) b.first = {std::string(r.plate.text()), r.id, r.time};
        b.body += read::FormatNativeRead(r);
        b.body += '\n';
        if (++b.reads == o.batch) {
          if (!queue.Push(std::move(b))) return;
          b = Batch{};
          b.agency = static_cast<int>(a);
        }
      }
    }
  });
  const auto t0 = Steady::now();
  const std::chrono::duration<double> per_batch(static_cast<double>(o.batch) /
                                                static_cast<double>(o.rate));
  std::atomic<std::uint64_t> next_batch{0};
  auto sender = [&] {
    http::Client http(http::ClientOptions::To("127.0.0.1", port));
    while (!done && !StopRequested()) {
      std::optional<Batch> b = queue.Pop();
      if (!b) return;
      const std::uint64_t k = next_batch++;
      std::this_thread::sleep_until(
          t0 + std::chrono::duration_cast<Steady::duration>(per_batch * static_cast<double>(k)));
      if (done || StopRequested()) return;
      const auto sent = Steady::now();
      Result<http::ClientResponse> r =
          http.Send("POST", "/api/v1/reads", b->body,
                    {{"Authorization", "Bearer " + keys[static_cast<std::size_t>(b->agency)]},
                     {"Content-Type", "application/x-ndjson"}});
      const double ms = Ms(sent, Steady::now());
      std::uint64_t accepted = 0;
      if (r.ok() && r->status == 200) {
        const std::size_t at = r->body.find(R"("accepted":)");
        if (at != std::string::npos)
          accepted = std::strtoull(r->body.c_str() + at + 11, nullptr, 10);
      }
      if (accepted != b->reads) {
        note_error(r.ok() ? fmt::format("a batch: {} {}", r->status, r->body.substr(0, 300))
                          : "a batch: " + r.status().message());
      }
      acked_total += accepted;
      std::lock_guard l(window_mu);
      window.acked += accepted;
      if (accepted == b->reads) {
        window.ingest_ms.push_back(ms);
      } else {
        ++window.ingest_errors;
      }
      if (accepted == b->reads && b->agency != short_lived) {
        if (!window.sample) window.sample = b->first;
        if (k % kSampleEvery == 0) end_samples.push_back(b->first);
      }
    }
  };

  // Planted hits: one a second, each agency in turn, a listed plate at one
  // of its cameras; its alert is awaited on every subscriber of the agency.
  struct PlantedHit {
    int agency;
    Steady::time_point sent;
    int minute;
  };
  std::map<std::string, PlantedHit> planted;  // by read id; under window_mu
  std::thread planter([&] {
    http::Client http(http::ClientOptions::To("127.0.0.1", port));
    for (std::uint64_t s = 0; !done && !StopRequested(); ++s) {
      std::this_thread::sleep_until(t0 + std::chrono::seconds(static_cast<std::int64_t>(s)) +
                                    std::chrono::milliseconds(500));
      if (done || StopRequested()) return;
      const int a = static_cast<int>(s % static_cast<std::uint64_t>(n_agencies));
      read::Read r;
      r.id = fmt::format("hit-{}", s);
      r.agency = agencies[static_cast<std::size_t>(a)];
      r.camera = hit_camera[static_cast<std::size_t>(a)];
      r.time = clock.NowMillis();
      r.plate = *plate::Plate::FromNormalized(PlantedPlate(a, static_cast<int>(s % kPlanted)));
      r.state = *plate::Jurisdiction::Parse("MO");
      r.plate_confidence = read::Confidence::FromPercent(95);
      const auto sent = Steady::now();
      Result<http::ClientResponse> res =
          http.Send("POST", "/api/v1/reads", read::FormatNativeRead(r) + "\n",
                    {{"Authorization", "Bearer " + keys[static_cast<std::size_t>(a)]},
                     {"Content-Type", "application/x-ndjson"}});
      const bool stored =
          res.ok() && res->status == 200 && res->body.find(R"("accepted":1,)") != std::string::npos;
      const bool raised = stored && res->body.find(R"("hits":1,)") != std::string::npos;
      if (!raised) {
        note_error(res.ok()
                       ? fmt::format("a planted hit: {} {}", res->status, res->body.substr(0, 300))
                       : "a planted hit: " + res.status().message());
        ++hits_unraised;
      }
      if (!stored) continue;
      ++acked_total;
      std::lock_guard l(window_mu);
      ++window.acked;
      if (!raised) continue;
      ++hits_sent;
      planted.emplace(r.id, PlantedHit{a, sent, static_cast<int>(Ms(t0, sent) / 60'000)});
    }
  });

  // Analysts: a search every 3 s each, the eight kinds in turn, with their
  // purpose and case. The windows hold as many reads all run long once the
  // first ten minutes are past, so that a latency that creeps up is the
  // server's doing, not the question's: the last 10 minutes for a plate's
  // questions, the last minute for an area and each scene (at this rate a
  // camera's minute holds what a real camera sees in an hour). Plates are
  // any vehicle's, uniformly: the generator's most popular plates are read
  // many times a second at this rate, which no real vehicle is.
  auto analyst = [&](int i) {
    http::Client http(http::ClientOptions::To("127.0.0.1", port));
    const std::string auth = "Bearer " + tokens[static_cast<std::size_t>(i)];
    const std::string purpose = PurposeJson(approvals[static_cast<std::size_t>(i)]);
    std::mt19937_64 rng(static_cast<std::uint64_t>(i) * 7919 + 17);
    const auto& plates = gen->plates();
    const auto& cameras = gen->cameras();
    std::uniform_int_distribution<std::size_t> plate_pick(0, plates.size() - 1);
    std::uniform_int_distribution<std::size_t> camera_pick(0, cameras.size() - 1);
    auto circle = [](const Camera& c) {
      return fmt::format(R"("center":{{"lat":{:.6f},"lon":{:.6f}}},"radius_m":1000)",
                         c.position.lat(), c.position.lon());
    };
    auto span = [&](std::int64_t from, std::int64_t to) {
      return fmt::format(R"("from":"{}","to":"{}")", FormatRfc3339(std::max(start_ms, from)),
                         FormatRfc3339(to));
    };
    for (std::uint64_t j = 0; !done && !StopRequested(); ++j) {
      std::this_thread::sleep_until(
          t0 + std::chrono::milliseconds(static_cast<std::int64_t>(3000 * j) + 150 * i));
      if (done || StopRequested()) return;
      const std::int64_t now = clock.NowMillis();
      const std::string p = plates[plate_pick(rng)];
      const std::string last_10 = R"("filters":{)" + span(now - 10 * kMinuteMs, now) + "}";
      std::string terms;
      static constexpr const char* kTypes[] = {"plate",  "partial", "lookalike", "area",
                                               "scenes", "convoy",  "locate",    "route"};
      const char* type = kTypes[(j + static_cast<std::uint64_t>(i)) % 8];
      switch ((j + static_cast<std::uint64_t>(i)) % 8) {
        case 0: terms = fmt::format(R"("type":"plate","params":{{"plate":"{}"}})", p); break;
        case 1:
          terms = fmt::format(R"("type":"partial","params":{{"pattern":"{}*"}})", p.substr(0, 3));
          break;
        case 2: terms = fmt::format(R"("type":"lookalike","params":{{"plate":"{}"}})", p); break;
        case 3:
          terms = fmt::format(R"("type":"area","params":{{{}}},"filters":{{{}}})",
                              circle(cameras[camera_pick(rng)]), span(now - kMinuteMs, now));
          break;
        case 4: {
          std::string scenes;
          for (int s = 0; s < 3; ++s) {
            scenes += fmt::format(R"({}{{{},{}}})", s ? "," : "", circle(cameras[camera_pick(rng)]),
                                  span(now - kMinuteMs, now));
          }
          terms = fmt::format(R"("type":"scenes","params":{{"k":2,"scenes":[{}]}})", scenes);
          break;
        }
        case 5:
          terms = fmt::format(R"("type":"convoy","params":{{"plate":"{}","window_s":120}})", p);
          break;
        case 6: terms = fmt::format(R"("type":"locate","params":{{"plate":"{}"}})", p); break;
        default: terms = fmt::format(R"("type":"route","params":{{"plate":"{}"}})", p); break;
      }
      const bool own_window = (j + static_cast<std::uint64_t>(i)) % 8 == 3 ||
                              (j + static_cast<std::uint64_t>(i)) % 8 == 4;
      const std::string body =
          "{" + terms + (own_window ? "" : "," + last_10) + "," + purpose + "}";
      const auto sent = Steady::now();
      Result<http::ClientResponse> r =
          http.Send("POST", "/api/v1/search", body,
                    {{"Authorization", auth}, {"Content-Type", "application/json"}});
      const double ms = Ms(sent, Steady::now());
      const bool ok = r.ok() && r->status == 200;
      if (!ok)
        note_error(r.ok() ? fmt::format("a search: {} {}", r->status, r->body.substr(0, 300))
                          : "a search: " + r.status().message());
      std::lock_guard l(window_mu);
      if (ok) {
        window.search_ms.push_back(ms);
        window.search_ms_by_type[type].push_back(ms);
      } else {
        ++window.search_errors;
      }
    }
  };

  // Hotlist reloads: every agency's list replaced in full, the planted
  // plates kept and the rest new.
  std::atomic<std::int64_t> reload_ms_total{0};  // of reloads ended since the last minute
  std::thread reloader([&] {
    http::ClientOptions ro = http::ClientOptions::To("127.0.0.1", port);
    ro.timeout = std::chrono::minutes(5);
    http::Client http(ro);
    for (int r = 1; !done && !StopRequested(); ++r) {
      const auto due = t0 + std::chrono::minutes(o.reload_every_min * r);
      while (Steady::now() < due && !done && !StopRequested())
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (done || StopRequested()) return;
      const auto began = Steady::now();
      for (int a = 0; a < n_agencies; ++a) {
        std::vector<std::string> plates;
        for (int i = 0; i < kPlanted; ++i) plates.push_back(PlantedPlate(a, i));
        for (int i = 0; i < kRotating; ++i) plates.push_back(RotatingPlate(a, r, i));
        Result<http::ClientResponse> res =
            http.Send("PUT",
                      fmt::format("/api/v1/hotlists/{}/entries?format=ncic",
                                  lists[static_cast<std::size_t>(a)]),
                      NcicExtract(fmt::format("MO{:03}0000", a), plates),
                      {{"Authorization", "Bearer " + keys[static_cast<std::size_t>(a)]},
                       {"Content-Type", "text/plain"}});
        if (!res.ok() || res->status != 200)
          note_error(res.ok()
                         ? fmt::format("a reload: {} {}", res->status, res->body.substr(0, 300))
                         : "a reload: " + res.status().message());
      }
      reload_ms_total += static_cast<std::int64_t>(Ms(began, Steady::now()));
    }
  });

  std::vector<std::thread> threads;
  for (int i = 0; i < o.senders; ++i) threads.emplace_back(sender);
  for (int i = 0; i < o.analysts; ++i) threads.emplace_back(analyst, i);

  // Once a minute: the window's figures, the server's from /metrics, and
  // whether the minute's sampled read is found by a search.
  std::vector<Minute> minutes;
  std::map<std::string, std::vector<double>> search_ms_by_type;  // the whole run
  http::Client probe(http::ClientOptions::To("127.0.0.1", port));
  const std::string probe_auth = "Bearer " + tokens.front();
  const std::string probe_purpose = PurposeJson(approvals.front());
  auto found_by_search = [&](const Sample& s) {
    const std::string body = fmt::format(
        R"({{"type":"plate","params":{{"plate":"{}"}},"filters":{{"from":"{}","to":"{}"}},{}}})",
        s.plate, FormatRfc3339(s.time - 1000), FormatRfc3339(s.time + 1000), probe_purpose);
    Result<http::ClientResponse> r =
        probe.Send("POST", "/api/v1/search", body,
                   {{"Authorization", probe_auth}, {"Content-Type", "application/json"}});
    return r.ok() && r->status == 200 && r->body.find(FoundId(s.id)) != std::string::npos;
  };
  double server_cpu_before = metrics::ReadProcessStats(proc).cpu_seconds;
  double bench_cpu_before = metrics::ReadProcessStats().cpu_seconds;
  bool server_died = false;
  for (int m = 1; m <= o.minutes && !StopRequested(); ++m) {
    const auto end = t0 + std::chrono::minutes(m);
    while (Steady::now() < end && !StopRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (StopRequested()) break;
    if (WaitExit(pid, std::chrono::milliseconds(0))) {
      server_died = true;
      reaper.done = true;
      break;
    }
    Window w;
    {
      std::lock_guard l(window_mu);
      std::swap(w, window);
    }
    for (auto& [type, ms] : w.search_ms_by_type) {
      auto& all = search_ms_by_type[type];
      all.insert(all.end(), ms.begin(), ms.end());
    }
    Minute row;
    row.minute = m;
    row.acked = w.acked;
    row.acked_per_s = static_cast<double>(w.acked) / 60.0;
    row.searchable = w.sample && found_by_search(*w.sample);
    row.search_p50_ms = Percentile(w.search_ms, 0.5);
    row.search_p99_ms = Percentile(w.search_ms, 0.99);
    row.searches = w.search_ms.size();
    row.search_errors = w.search_errors;
    row.ingest_p99_ms = Percentile(w.ingest_ms, 0.99);
    row.ingest_errors = w.ingest_errors;
    Result<http::ClientResponse> scraped = probe.Get("/metrics");
    const std::string text = scraped.ok() ? scraped->body : "";
    row.rss_mib = MetricValue(text, "process_resident_memory_bytes").value_or(0) / kMiB;
    row.heap_mib = MetricValue(text, "interdict_heap_bytes").value_or(0) / kMiB;
    row.open_files = MetricValue(text, "process_open_fds").value_or(0);
    row.store_reads = MetricValue(text, "interdict_store_reads").value_or(0);
    row.purged_reads = MetricValue(text, "interdict_store_reads_purged_total").value_or(0);
    row.disk_bytes_per_read =
        row.store_reads > 0 ? static_cast<double>(DirBytes(paths.store())) / row.store_reads : 0;
    const double server_cpu = metrics::ReadProcessStats(proc).cpu_seconds;
    const double bench_cpu = metrics::ReadProcessStats().cpu_seconds;
    row.server_cpu = (server_cpu - server_cpu_before) / 60.0;
    row.bench_cpu = (bench_cpu - bench_cpu_before) / 60.0;
    server_cpu_before = server_cpu;
    bench_cpu_before = bench_cpu;
    row.reload_s = static_cast<double>(reload_ms_total.exchange(0)) / 1000.0;
    minutes.push_back(row);
    std::cerr << fmt::format(
        "bench soak: minute {}/{}: {:.0f} reads/s, search p99 {:.1f} ms, ingest p99 {:.1f} ms, "
        "rss {:.0f} MiB, heap {:.0f} MiB, {} files, {:.0f} reads stored, {:.1f} B/read, "
        "server {:.2f} cores, bench {:.2f}{}\n",
        m, o.minutes, row.acked_per_s, row.search_p99_ms, row.ingest_p99_ms, row.rss_mib,
        row.heap_mib, row.open_files, row.store_reads, row.disk_bytes_per_read, row.server_cpu,
        row.bench_cpu, row.searchable ? "" : ", the minute's sample NOT found");
  }

  // Stop the traffic, let the last alerts arrive (at most 10 s).
  done = true;
  queue.Close();
  for (auto& t : threads) t.join();
  producer.join();
  planter.join();
  reloader.join();
  const bool interrupted = StopRequested();
  std::map<std::string, PlantedHit> hits;
  {
    std::lock_guard l(window_mu);
    hits = planted;
  }
  std::vector<std::map<std::string, StreamTimer::Clock::time_point>> arrivals(streams.size());
  for (int tries = 0; tries < 100 && !server_died; ++tries) {
    bool all = true;
    for (std::size_t i = 0; i < streams.size(); ++i) {
      arrivals[i] = streams[i]->arrivals();
      for (const auto& [id, h] : hits) {
        if (h.agency == stream_agency[i] && !arrivals[i].contains(id)) all = false;
      }
    }
    if (all || StopRequested()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Alerts by the minute their hit was sent: every subscriber of its agency.
  std::map<int, std::vector<double>> alert_ms;
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> alert_counts;  // expected, missing
  std::uint64_t alerts_missing = 0;
  for (const auto& [id, h] : hits) {
    for (std::size_t i = 0; i < streams.size(); ++i) {
      if (stream_agency[i] != h.agency) continue;
      auto& [expected, missing] = alert_counts[h.minute];
      ++expected;
      auto it = arrivals[i].find(id);
      if (it == arrivals[i].end()) {
        ++missing;
        ++alerts_missing;
      } else {
        alert_ms[h.minute].push_back(Ms(h.sent, it->second));
      }
    }
  }
  for (Minute& row : minutes) {
    const std::vector<double>& ms = alert_ms[row.minute - 1];
    row.alert_p99_ms = Percentile(ms, 0.99);
    row.alert_max_ms = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
    row.alerts_expected = alert_counts[row.minute - 1].first;
    row.alerts_missing = alert_counts[row.minute - 1].second;
  }
  streams.clear();

  // Nothing lost: one read of every 100th batch found by a search (the
  // short-lived agency's are left out: they may have expired).
  std::uint64_t sampled = 0, sampled_missing = 0;
  std::vector<Sample> samples;
  {
    std::lock_guard l(window_mu);
    samples = end_samples;
  }
  if (!interrupted && !server_died) {
    std::cerr << fmt::format("bench soak: looking for {} sampled reads\n", samples.size());
    for (const Sample& s : samples) {
      if (StopRequested()) break;
      ++sampled;
      if (!found_by_search(s)) {
        if (sampled_missing++ == 0) note_error("a sampled read was not found: " + s.id);
      }
    }
  }
  // The server stops on SIGTERM, draining; it must exit 0.
  std::optional<int> exit_code;
  if (!server_died) {
    ::kill(pid, SIGTERM);
    exit_code = WaitExit(pid, std::chrono::seconds(120));
    if (!exit_code) Stop(pid, SIGKILL, std::chrono::seconds(5));
  } else {
    exit_code = WaitExit(pid, std::chrono::seconds(1));
  }
  reaper.done = true;
  // The store, opened after the server: its reads against the acknowledged
  // ones less those its purges report destroyed.
  std::uint64_t purged = 0;
  {
    std::ifstream purges(paths.store() + "/purge.log");
    for (std::string line; std::getline(purges, line);) {
      const std::size_t at = line.find(R"("reads_destroyed":)");
      if (at != std::string::npos) purged += std::strtoull(line.c_str() + at + 18, nullptr, 10);
    }
  }
  std::optional<std::uint64_t> stored;
  {
    Logger quiet(StderrSink(), clock, LogLevel::kError);
    store::StoreOptions so;
    so.dir = paths.store();
    so.background = false;
    Result<std::unique_ptr<store::Store>> st =
        store::Store::Open(so, store::Env::Posix(), clock, quiet);
    if (st.ok())
      stored = (*st)->Count();
    else
      note_error("opening the store after the run: " + st.status().message());
  }
  const std::uint64_t acked = acked_total.load();

  // The verdict, each reason stated.
  std::vector<std::string> failures;
  if (server_died) failures.push_back("the server exited during the run; see server.log");
  if (!server_died && exit_code != 0)
    failures.push_back(
        fmt::format("the server's exit on SIGTERM: {}", exit_code ? *exit_code : -1));
  if (!stored || *stored + purged != acked)
    failures.push_back(fmt::format("stored {} + purged {} != acknowledged {}",
                                   stored ? std::to_string(*stored) : "?", purged, acked));
  if (sampled_missing > 0)
    failures.push_back(fmt::format("{} of {} sampled reads not found", sampled_missing, sampled));
  if (alerts_missing > 0)
    failures.push_back(fmt::format("{} planted-hit alerts never arrived", alerts_missing));
  if (hits_unraised > 0)
    failures.push_back(fmt::format("{} planted reads raised no hit", hits_unraised.load()));
  for (const Minute& row : minutes) {
    if (!row.searchable)
      failures.push_back(fmt::format("minute {}: its sampled read was not found", row.minute));
    if (row.minute > 1 && row.acked_per_s < 0.98 * static_cast<double>(o.rate))
      failures.push_back(fmt::format("minute {}: {:.0f} reads/s, under 98 % of the rate",
                                     row.minute, row.acked_per_s));
    if (row.ingest_errors + row.search_errors > 0)
      failures.push_back(fmt::format("minute {}: {} batches and {} searches failed", row.minute,
                                     row.ingest_errors, row.search_errors));
  }
  // Flat after warm-up: slopes over minutes 11 to the end (or the second
  // half of a shorter run).
  const int from = o.minutes >= 20 ? 11 : o.minutes / 2 + 1;
  std::vector<double> xs;
  std::map<std::string, std::vector<double>> series;
  for (const Minute& row : minutes) {
    if (row.minute < from) continue;
    xs.push_back(row.minute);
    series["rss_mib"].push_back(row.rss_mib);
    series["heap_mib"].push_back(row.heap_mib);
    series["heap_bytes_per_read"].push_back(
        row.store_reads > 0 ? row.heap_mib * kMiB / row.store_reads : 0);
    series["open_files"].push_back(row.open_files);
    series["alert_p99_ms"].push_back(row.alert_p99_ms);
    series["search_p99_ms"].push_back(row.search_p99_ms);
  }
  std::string slopes_json;
  for (const auto& [name, ys] : series) {
    const double per_min = Slope(xs, ys);
    const double first = ys.empty() ? 0 : ys.front();
    const double spread = StdDev(ys);
    const double span = xs.empty() ? 0 : xs.back() - xs.front();
    // The store keeps most agencies' reads all run long, so the resident
    // set (its mapped segments) and the heap grow with what it holds: they
    // are stated, and the heap a stored read costs is judged. Memory: under
    // 1 % of its first value per 10 minutes. Latency: the change the slope
    // makes over the span within the minutes' spread.
    const bool judged = name != "rss_mib" && name != "heap_mib";
    const bool memory = name == "heap_bytes_per_read" || name == "open_files";
    const bool flat = memory ? per_min * 10 < 0.01 * first : std::abs(per_min * span) <= spread;
    if (judged && !flat)
      failures.push_back(fmt::format("{} not flat: {:+.3f} a minute from minute {} ({:.1f})", name,
                                     per_min, from, first));
    slopes_json += fmt::format(
        R"({}"{}":{{"per_minute":{:.4f},"per_10_min_pct":{:.3f},"spread":{:.3f},"flat":{},"judged":{}}})",
        slopes_json.empty() ? "" : ",", name, per_min, first > 0 ? per_min * 10 / first * 100 : 0.0,
        spread, flat ? "true" : "false", judged ? "true" : "false");
  }
  std::string rows_json;
  for (const Minute& r : minutes) {
    rows_json += fmt::format(
        R"({}{{"minute":{},"acked_reads":{},"acked_per_s":{:.0f},"searchable":{},)"
        R"("alert_p99_ms":{:.2f},"alert_max_ms":{:.2f},"alerts":{},"alerts_missing":{},)"
        R"("search_p50_ms":{:.2f},"search_p99_ms":{:.2f},"searches":{},"search_errors":{},)"
        R"("ingest_p99_ms":{:.2f},"ingest_errors":{},"rss_mib":{:.1f},"heap_mib":{:.1f},)"
        R"("open_files":{:.0f},"store_reads":{:.0f},"disk_bytes_per_read":{:.2f},)"
        R"("purged_reads":{:.0f},"server_cpu_cores":{:.2f},"bench_cpu_cores":{:.2f},"reload_s":{:.2f}}})",
        rows_json.empty() ? "" : ",\n  ", r.minute, r.acked, r.acked_per_s,
        r.searchable ? "true" : "false", r.alert_p99_ms, r.alert_max_ms, r.alerts_expected,
        r.alerts_missing, r.search_p50_ms, r.search_p99_ms, r.searches, r.search_errors,
        r.ingest_p99_ms, r.ingest_errors, r.rss_mib, r.heap_mib, r.open_files, r.store_reads,
        r.disk_bytes_per_read, r.purged_reads, r.server_cpu, r.bench_cpu, r.reload_s);
  }
  std::string by_type_json;
  for (const auto& [type, ms] : search_ms_by_type) {
    by_type_json += fmt::format(R"({}"{}":{{"n":{},"p50_ms":{:.2f},"p99_ms":{:.2f}}})",
                                by_type_json.empty() ? "" : ",", type, ms.size(),
                                Percentile(ms, 0.5), Percentile(ms, 0.99));
  }
  std::string failures_json;
  for (const std::string& f : failures)
    failures_json += (failures_json.empty() ? "" : ",") + JsonQuote(f);
  std::string first_error_seen;
  {
    std::lock_guard l(window_mu);
    first_error_seen = first_error;
  }
  std::cout
      << fmt::format(
             R"({{"minutes":{},"rate":{},"batch":{},"senders":{},"analysts":{},"subscribers":{},)"
             R"("reload_every_min":{},"retention_min":{},"vehicles":{},"cameras":{},"started":"{}",)"
             R"("acked_reads":{},"hits_planted":{},"hits_unraised":{},"stored_after":{},"purged":{},)"
             R"("sampled_reads":{},"sampled_missing":{},"alerts_missing":{},"exit_code":{},)"
             R"("interrupted":{},"pass":{},"failures":[{}],"first_error":{},)"
             R"("slopes_from_minute":{},"slopes":{{{}}},"searches_by_type":{{{}}},)"
             "\n \"table\":[\n  {}]}}",
             o.minutes, o.rate, o.batch, o.senders, o.analysts, o.subscribers, o.reload_every_min,
             o.retention_min, o.vehicles, o.cameras, FormatRfc3339(start_ms), acked,
             hits_sent.load(), hits_unraised.load(), stored ? std::to_string(*stored) : "null",
             purged, sampled, sampled_missing, alerts_missing,
             exit_code ? std::to_string(*exit_code) : "null", interrupted ? "true" : "false",
             failures.empty() && !interrupted ? "true" : "false", failures_json,
             JsonQuote(first_error_seen), from, slopes_json, by_type_json, rows_json)
      << std::endl;
  for (const std::string& f : failures) std::cerr << "bench soak: FAILED: " << f << "\n";
  if (interrupted) {
    std::cerr << "bench soak: interrupted\n";
    return 130;
  }
  return failures.empty() ? 0 : 1;
}

}  // namespace interdict::bench
