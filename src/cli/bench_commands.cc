// `interdict bench …`: benchmarks that print JSON. They measure; they assert nothing.
#include <cstdlib>
#include <iostream>

#include "bench/api_bench.h"
#include "bench/cluster_bench.h"
#include "bench/deconflict_bench.h"
#include "bench/ingest_bench.h"
#include "bench/intercept_bench.h"
#include "bench/match_bench.h"
#include "bench/peers_bench.h"
#include "bench/search_bench.h"
#include "bench/soak_bench.h"
#include "bench/store_bench.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kStoreBenchFlags = {
    {"reads", true, "reads to generate and load (default 1000000)"},
    {"days", true, "days the reads span (default 30; a billion reads is a few years: 1095)"},
    {"queries", true, "queries per type (default 100)"},
    {"sqlite-max", true, "run SQLite only up to this many reads (default 20000000)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"no-sync", false, "do not sync batches (both sides), to show what durability costs"},
    {"encrypt", false,
     "also run the store with encryption at rest on the same reads, and report its cost"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int StoreBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kStoreBenchFlags);
  if (!args.ok()) return UsageError("bench store", args.status().message(), kStoreBenchFlags);
  bench::StoreBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 10'000'000'000);
  Result<std::uint64_t> queries = args->GetCount("queries", 100, 100'000);
  Result<std::uint64_t> days = args->GetCount("days", 30, 3650);
  Result<std::uint64_t> sqlite_max =
      args->GetCount("sqlite-max", o.sqlite_max_reads, 10'000'000'000);
  for (const Result<std::uint64_t>* r : {&reads, &queries, &days, &sqlite_max}) {
    if (!r->ok()) {
      std::cerr << "interdict bench store: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.reads = *reads;
  o.queries = static_cast<int>(*queries);
  o.days = static_cast<int>(std::max<std::uint64_t>(1, *days));
  o.sqlite_max_reads = *sqlite_max;
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  o.sync = !args->Has("no-sync");
  o.encrypt = args->Has("encrypt");
  return bench::RunStoreBench(o);
}

const std::vector<FlagSpec> kMatchBenchFlags = {
    {"entries", true, "hotlist entries to index (default 1000000)"},
    {"reads", true, "reads to match (default 2000000)"},
    {"one-edit-percent", true, "percent of entries on lists with one-edit matching (default 1)"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int MatchBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kMatchBenchFlags);
  if (!args.ok()) return UsageError("bench match", args.status().message(), kMatchBenchFlags);
  bench::MatchBenchOptions o;
  Result<std::uint64_t> entries = args->GetCount("entries", o.entries, 100'000'000);
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 1'000'000'000);
  for (const Result<std::uint64_t>* r : {&entries, &reads}) {
    if (!r->ok()) {
      std::cerr << "interdict bench match: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.entries = *entries;
  o.reads = *reads;
  if (const auto pct = args->Get("one-edit-percent")) {
    char* end = nullptr;
    const double v = std::strtod(pct->c_str(), &end);
    if (pct->empty() || *end != '\0' || !(v >= 0 && v <= 100)) {
      std::cerr << "interdict bench match: --one-edit-percent must be a number from 0 to 100\n";
      return kExitUsage;
    }
    o.one_edit_share = v / 100.0;
  }
  return bench::RunMatchBench(o);
}

const std::vector<FlagSpec> kIngestBenchFlags = {
    {"reads", true, "reads to send (default 1000000)"},
    {"batch", true, "reads per request (default 1000)"},
    {"entries", true, "hotlist entries loaded first (default 100000)"},
    {"clients", true, "concurrent HTTP clients (default 1)"},
    {"reload", true, "reload the hotlist with N entries through the API during the run"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int IngestBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kIngestBenchFlags);
  if (!args.ok()) return UsageError("bench ingest", args.status().message(), kIngestBenchFlags);
  bench::IngestBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 1'000'000'000);
  Result<std::uint64_t> batch = args->GetCount("batch", o.batch, 10'000);
  Result<std::uint64_t> entries = args->GetCount("entries", o.entries, 10'000'000);
  Result<std::uint64_t> clients = args->GetCount("clients", 1, 64);
  Result<std::uint64_t> reload = args->GetCount("reload", 0, 50'000'000);
  for (const Result<std::uint64_t>* r : {&reads, &batch, &entries, &clients, &reload}) {
    if (!r->ok()) {
      std::cerr << "interdict bench ingest: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.reads = *reads;
  o.batch = *batch;
  o.entries = *entries;
  o.clients = static_cast<int>(*clients);
  o.reload = *reload;
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunIngestBench(o);
}

const std::vector<FlagSpec> kSearchBenchFlags = {
    {"reads", true, "simulated reads to load (default 1000000)"},
    {"days", true, "days the reads span, ending now (default 365)"},
    {"queries", true, "queries per search type (default 50)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"catalog", true,
     "the catalog's engine: sqlite (default) or postgresql (a server of the benchmark's own)"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int SearchBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kSearchBenchFlags);
  if (!args.ok()) return UsageError("bench search", args.status().message(), kSearchBenchFlags);
  bench::SearchBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 10'000'000'000);
  Result<std::uint64_t> days = args->GetCount("days", 365, 3650);
  Result<std::uint64_t> queries = args->GetCount("queries", 50, 100'000);
  for (const Result<std::uint64_t>* r : {&reads, &days, &queries}) {
    if (!r->ok()) {
      std::cerr << "interdict bench search: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  if (*days < 31) {
    std::cerr << "interdict bench search: --days must be at least 31 (the searches look back 30 "
                 "days)\n";
    return kExitUsage;
  }
  o.reads = *reads;
  o.days = static_cast<int>(*days);
  o.queries = static_cast<int>(std::max<std::uint64_t>(1, *queries));
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  o.catalog = args->Get("catalog").value_or("sqlite");
  if (o.catalog != "sqlite" && o.catalog != "postgresql") {
    std::cerr << "interdict bench search: --catalog: sqlite or postgresql\n";
    return kExitUsage;
  }
  return bench::RunSearchBench(o);
}

const std::vector<FlagSpec> kPeersBenchFlags = {
    {"reads", true, "simulated reads to load into each store (default 1000000)"},
    {"days", true, "days the reads span, ending now (default 365)"},
    {"queries", true, "questions per search type (default 20)"},
    {"cameras", true, "fixed cameras in the simulated region (default 1000)"},
    {"peers", true,
     "comma-separated: postgresql, clickhouse (default both); none: Interdict alone"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory (the servers' directories are always removed)"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int PeersBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kPeersBenchFlags);
  if (!args.ok()) return UsageError("bench peers", args.status().message(), kPeersBenchFlags);
  bench::PeersBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 10'000'000'000);
  Result<std::uint64_t> days = args->GetCount("days", 365, 3650);
  Result<std::uint64_t> queries = args->GetCount("queries", 20, 100'000);
  // The generator keeps each vehicle's favourite cameras as 16-bit indexes.
  Result<std::uint64_t> cameras = args->GetCount("cameras", 1000, 65'535);
  for (const Result<std::uint64_t>* r : {&reads, &days, &queries, &cameras}) {
    if (!r->ok()) {
      std::cerr << "interdict bench peers: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  if (*days < 31) {
    std::cerr << "interdict bench peers: --days must be at least 31 (the searches look back 30 "
                 "days)\n";
    return kExitUsage;
  }
  o.reads = *reads;
  o.days = static_cast<int>(*days);
  o.queries = static_cast<int>(std::max<std::uint64_t>(1, *queries));
  o.cameras = static_cast<int>(*cameras);
  if (std::optional<std::string> peers = args->Get("peers")) {
    o.peers.clear();
    std::size_t at = *peers == "none" ? peers->size() + 1 : 0;
    while (at <= peers->size()) {
      const std::size_t comma = std::min(peers->find(',', at), peers->size());
      const std::string name = peers->substr(at, comma - at);
      if (name != "postgresql" && name != "clickhouse") {
        std::cerr << "interdict bench peers: --peers: unknown peer '" << name
                  << "' (postgresql, clickhouse)\n";
        return kExitUsage;
      }
      o.peers.push_back(name);
      at = comma + 1;
    }
  }
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunPeersBench(o);
}

const std::vector<FlagSpec> kClusterBenchFlags = {
    {"cluster", true,
     "the running local cluster's directory (scripts/cluster up --dir; default "
     "/tmp/interdict-cluster). Its read tables are emptied first"},
    {"reads", true, "simulated reads for the search comparison (default 1000000)"},
    {"days", true, "days the reads span, ending now (default 31)"},
    {"queries", true, "questions per search type (default 20)"},
    {"cameras", true, "fixed cameras in the simulated region (default 1000)"},
    {"ingest-seconds", true, "how long camera clients send through the API (default 20)"},
    {"clients", true, "camera clients sending at once (default 2)"},
    {"batch", true, "reads per request (default 1000)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int ClusterBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kClusterBenchFlags);
  if (!args.ok()) return UsageError("bench cluster", args.status().message(), kClusterBenchFlags);
  bench::ClusterBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 10'000'000'000);
  Result<std::uint64_t> days = args->GetCount("days", 31, 3650);
  Result<std::uint64_t> queries = args->GetCount("queries", 20, 100'000);
  Result<std::uint64_t> cameras = args->GetCount("cameras", 1000, 65'535);
  Result<std::uint64_t> seconds = args->GetCount("ingest-seconds", 20, 3600);
  Result<std::uint64_t> clients = args->GetCount("clients", 2, 64);
  Result<std::uint64_t> batch = args->GetCount("batch", 1000, 10'000);
  for (const Result<std::uint64_t>* r :
       {&reads, &days, &queries, &cameras, &seconds, &clients, &batch}) {
    if (!r->ok()) {
      std::cerr << "interdict bench cluster: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  if (*days < 31) {
    std::cerr << "interdict bench cluster: --days must be at least 31 (the searches look back 30 "
                 "days)\n";
    return kExitUsage;
  }
  o.cluster = args->Get("cluster").value_or(o.cluster);
  o.reads = *reads;
  o.days = static_cast<int>(*days);
  o.queries = static_cast<int>(std::max<std::uint64_t>(1, *queries));
  o.cameras = static_cast<int>(*cameras);
  o.ingest_seconds = static_cast<int>(std::max<std::uint64_t>(1, *seconds));
  o.clients = static_cast<int>(std::max<std::uint64_t>(1, *clients));
  o.batch = static_cast<int>(std::max<std::uint64_t>(1, *batch));
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunClusterBench(o);
}

const std::vector<FlagSpec> kApiBenchFlags = {
    {"catalog", true,
     "the catalog's engine: sqlite (default) or postgresql (a server of the benchmark's own)"},
    {"servers", true, "Interdict servers sharing the catalog (default 1; more need postgresql)"},
    {"connections", true, "each server's connections to PostgreSQL (default 4)"},
    {"clients", true, "concurrent analysts, each signed in (default 8)"},
    {"seconds", true, "seconds measured, after a 2-second warm-up (default 20)"},
    {"reads", true, "simulated reads in each server's store (default 200000)"},
    {"alerts-per-s", true, "the camera's batches with a listed plate per second (default 20)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int ApiBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kApiBenchFlags);
  if (!args.ok()) return UsageError("bench api", args.status().message(), kApiBenchFlags);
  bench::ApiBenchOptions o;
  Result<std::uint64_t> servers = args->GetCount("servers", 1, 8);
  Result<std::uint64_t> connections = args->GetCount("connections", 4, 64);
  Result<std::uint64_t> clients = args->GetCount("clients", 8, 256);
  Result<std::uint64_t> seconds = args->GetCount("seconds", 20, 3600);
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 1'000'000'000);
  Result<std::uint64_t> alerts = args->GetCount("alerts-per-s", 20, 1000);
  for (const Result<std::uint64_t>* r :
       {&servers, &connections, &clients, &seconds, &reads, &alerts}) {
    if (!r->ok()) {
      std::cerr << "interdict bench api: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.catalog = args->Get("catalog").value_or("sqlite");
  if (o.catalog != "sqlite" && o.catalog != "postgresql") {
    std::cerr << "interdict bench api: --catalog: sqlite or postgresql\n";
    return kExitUsage;
  }
  o.servers = static_cast<int>(std::max<std::uint64_t>(1, *servers));
  o.connections = static_cast<int>(*connections);
  o.clients = static_cast<int>(std::max<std::uint64_t>(1, *clients));
  o.seconds = static_cast<int>(std::max<std::uint64_t>(1, *seconds));
  o.reads = *reads;
  o.alerts_per_s = static_cast<int>(std::max<std::uint64_t>(1, *alerts));
  if (o.servers > 1 && o.catalog != "postgresql") {
    std::cerr << "interdict bench api: several servers share one PostgreSQL catalog: add "
                 "--catalog postgresql\n";
    return kExitUsage;
  }
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunApiBench(o);
}

const std::vector<FlagSpec> kInterceptBenchFlags = {
    {"days", true,
     "simulated days: all but the last teach the model, the last is played (default 4)"},
    {"vehicles", true, "the simulated population (default 200000)"},
    {"seed", true, "the simulation's seed (default 1)"},
    {"dispatch-delay", true, "seconds from the read to a unit on its way (default 30)"},
    {"contact-m", true, "metres within which a unit sees the car (default 400)"},
    {"patrols", true,
     "patrol cars on shift besides the region's named units, placed by population (default 100)"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int InterceptBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kInterceptBenchFlags);
  if (!args.ok())
    return UsageError("bench intercept", args.status().message(), kInterceptBenchFlags);
  bench::InterceptBenchOptions o;
  Result<std::uint64_t> days = args->GetCount("days", 4, 60);
  Result<std::uint64_t> vehicles = args->GetCount("vehicles", o.vehicles, 20'000'000);
  Result<std::uint64_t> seed = args->GetCount("seed", 1, ~0ull >> 1);
  Result<std::uint64_t> delay = args->GetCount("dispatch-delay", 30, 3600);
  Result<std::uint64_t> contact = args->GetCount("contact-m", 400, 10'000);
  Result<std::uint64_t> patrols =
      args->GetCount("patrols", static_cast<std::uint64_t>(o.patrols), 10'000);
  for (const Result<std::uint64_t>* r : {&days, &vehicles, &seed, &delay, &contact, &patrols}) {
    if (!r->ok()) {
      std::cerr << "interdict bench intercept: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  if (*days < 2 || *vehicles < 1000 || *contact < 10) {
    std::cerr << "interdict bench intercept: --days must be at least 2, --vehicles at least 1000 "
                 "and --contact-m at least 10\n";
    return kExitUsage;
  }
  o.days = static_cast<int>(*days);
  o.vehicles = *vehicles;
  o.seed = *seed;
  o.dispatch_delay_s = static_cast<double>(*delay);
  o.contact_m = static_cast<double>(*contact);
  o.patrols = static_cast<int>(*patrols);
  return bench::RunInterceptBench(o);
}

const std::vector<FlagSpec> kDeconflictBenchFlags = {
    {"targets", true, "existing targets in the catalog (default 1000000)"},
    {"queries", true, "new targets entered and timed (default 2000)"},
    {"seed", true, "the generator's seed (default 1)"},
    {"dir", true, "work directory (kept)"},
    {"keep", false, "keep the work directory"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int DeconflictBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kDeconflictBenchFlags);
  if (!args.ok())
    return UsageError("bench deconflict", args.status().message(), kDeconflictBenchFlags);
  bench::DeconflictBenchOptions o;
  Result<std::uint64_t> targets = args->GetCount("targets", o.targets, 100'000'000);
  Result<std::uint64_t> queries = args->GetCount("queries", o.queries, 1'000'000);
  Result<std::uint64_t> seed = args->GetCount("seed", 1, ~0ull >> 1);
  for (const Result<std::uint64_t>* r : {&targets, &queries, &seed}) {
    if (!r->ok()) {
      std::cerr << "interdict bench deconflict: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  if (*queries < 1) {
    std::cerr << "interdict bench deconflict: --queries must be at least 1\n";
    return kExitUsage;
  }
  o.targets = *targets;
  o.queries = *queries;
  o.seed = *seed;
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunDeconflictBench(o);
}

const std::vector<FlagSpec> kSoakBenchFlags = {
    {"minutes", true, "how long the traffic runs (default 60)"},
    {"rate", true, "reads a second, all agencies together (default 50000)"},
    {"analysts", true, "signed-in analysts, each searching every 3 s (default 20)"},
    {"subscribers", true, "alert streams, spread over the agencies (default 50)"},
    {"reload-every-min", true, "minutes between full reloads of every agency's list (default 10)"},
    {"retention-min", true, "the last agency's read retention, so purging runs (default 15)"},
    {"batch", true, "reads per request (default 500)"},
    {"senders", true, "HTTP connections sending the batches (default 8)"},
    {"vehicles", true, "vehicles in the simulated region (default 2000000)"},
    {"cameras", true, "fixed cameras in the simulated region (default 10000)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int SoakBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kSoakBenchFlags);
  if (!args.ok()) return UsageError("bench soak", args.status().message(), kSoakBenchFlags);
  bench::SoakBenchOptions o;
  Result<std::uint64_t> minutes = args->GetCount("minutes", 60, 7 * 24 * 60);
  Result<std::uint64_t> rate = args->GetCount("rate", o.rate, 10'000'000);
  Result<std::uint64_t> analysts = args->GetCount("analysts", 20, 1000);
  Result<std::uint64_t> subscribers = args->GetCount("subscribers", 50, 1000);
  Result<std::uint64_t> reload = args->GetCount("reload-every-min", 10, 24 * 60);
  Result<std::uint64_t> retention = args->GetCount("retention-min", 15, 24 * 60);
  Result<std::uint64_t> batch = args->GetCount("batch", o.batch, 10'000);
  Result<std::uint64_t> senders = args->GetCount("senders", 8, 256);
  Result<std::uint64_t> vehicles = args->GetCount("vehicles", o.vehicles, 100'000'000);
  Result<std::uint64_t> cameras = args->GetCount("cameras", 10'000, 65'535);
  for (const Result<std::uint64_t>* r : {&minutes, &rate, &analysts, &subscribers, &reload,
                                         &retention, &batch, &senders, &vehicles, &cameras}) {
    if (!r->ok()) {
      std::cerr << "interdict bench soak: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.minutes = static_cast<int>(*minutes);
  o.rate = *rate;
  o.analysts = static_cast<int>(*analysts);
  o.subscribers = static_cast<int>(*subscribers);
  o.reload_every_min = static_cast<int>(*reload);
  o.retention_min = static_cast<int>(*retention);
  o.batch = *batch;
  o.senders = static_cast<int>(*senders);
  o.vehicles = *vehicles;
  o.cameras = static_cast<int>(*cameras);
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  return bench::RunSoakBench(o);
}

}  // namespace

int BenchCommand(const std::vector<std::string>& argv) {
  const char* usage =
      "usage: interdict bench store [--reads N] [--queries N] [--sqlite-max N] [--dir DIR] "
      "[--keep] [--json]\n"
      "       interdict bench match [--entries N] [--reads N] [--one-edit-percent P] [--json]\n"
      "       interdict bench ingest [--reads N] [--batch N] [--entries N] [--clients N] "
      "[--json]\n"
      "       interdict bench search [--reads N] [--days N] [--queries N] [--dir DIR] [--keep] "
      "[--json]\n"
      "       interdict bench peers [--reads N] [--days N] [--queries N] [--cameras N] "
      "[--peers postgresql,clickhouse] [--dir DIR] [--keep] [--json]\n"
      "       interdict bench api [--catalog sqlite|postgresql] [--servers N] [--connections N] "
      "[--clients N] "
      "[--seconds N] [--reads N] [--alerts-per-s N] [--dir DIR] [--keep] [--json]\n"
      "       interdict bench cluster [--cluster DIR] [--reads N] [--days N] [--queries N] "
      "[--cameras N] [--ingest-seconds N] [--clients N] [--batch N] [--dir DIR] [--keep] "
      "[--json]\n"
      "       interdict bench intercept [--days N] [--vehicles N] [--seed S] "
      "[--dispatch-delay S] [--contact-m M] [--patrols N] [--json]\n"
      "       interdict bench deconflict [--targets N] [--queries N] [--seed S] [--dir DIR] "
      "[--keep] [--json]\n"
      "       interdict bench soak [--minutes N] [--rate N] [--analysts N] [--subscribers N] "
      "[--reload-every-min N] [--retention-min N] [--batch N] [--senders N] [--vehicles N] "
      "[--cameras N] "
      "[--dir DIR] [--keep] [--json]\n"
      "       interdict bench evaluate --incidents FILE|DIR [--format slmpd|csv] [--category C] "
      "[--areas A] [--start YYYY-MM] [--repeat N] [--json]\n";
  if (argv.empty()) return SubcommandUsage("bench", usage, argv);
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (argv[0] == "store") return StoreBench(rest);
  if (argv[0] == "match") return MatchBench(rest);
  if (argv[0] == "ingest") return IngestBench(rest);
  if (argv[0] == "search") return SearchBench(rest);
  if (argv[0] == "peers") return PeersBench(rest);
  if (argv[0] == "api") return ApiBench(rest);
  if (argv[0] == "cluster") return ClusterBench(rest);
  if (argv[0] == "intercept") return InterceptBench(rest);
  if (argv[0] == "deconflict") return DeconflictBench(rest);
  if (argv[0] == "evaluate") return EvaluateBench(rest);
  if (argv[0] == "soak") return SoakBench(rest);
  return SubcommandUsage("bench", usage, argv);
}

}  // namespace interdict::cli
