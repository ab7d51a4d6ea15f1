// `interdict import reads`: back-fill from files, with progress, resumable
// (a checkpoint beside the input records the byte offset of the last durable
// batch) and idempotent (read ids: a re-run stores nothing twice).
//
// Imported reads are not matched against today's hotlists: a hit on a read of
// last year against this morning's list would be evidence of nothing
// (docs/format/ingest.md).
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <fmt/core.h>

#include "alerting/cameras.h"
#include "audit/audit.h"
#include "base/clock.h"
#include "base/json_writer.h"
#include "base/line_reader.h"
#include "base/log.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "cli/args.h"
#include "cli/catalog_flag.h"
#include "cli/commands.h"
#include "identity/directory.h"
#include "oversight/read_counts.h"
#include "policy/confidential.h"
#include "policy/retention.h"
#include "read/delimited_format.h"
#include "read/native_format.h"
#include "read/openalpr_format.h"
#include "server/data_dir.h"
#include "store/store.h"

namespace interdict::cli {
namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}

const std::vector<FlagSpec> kImportFlags = {
    {"data", true, "data directory (required; the service must not be running on it)"},
    {"format", true, "native, openalpr, csv or seattle (required)"},
    {"agency", true, "the agency the reads belong to (required for openalpr and seattle)"},
    {"register-cameras", false, "register unknown cameras as pending instead of refusing reads"},
    {"batch", true, "reads per durable batch (default 10000)"},
    kCatalogFlag,
};

int Usage(std::string_view msg) {
  return UsageError("import reads", msg, kImportFlags,
                    "interdict import reads --data DIR --format native|openalpr|csv|seattle "
                    "[--agency CODE] [--register-cameras] FILE");
}

// The checkpoint: "<size of the input> <byte offset of the next line>".
struct Checkpoint {
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;

  bool Load() {
    std::ifstream in(path);
    std::uint64_t s = 0, o = 0;
    if (!(in >> s >> o) || s != size || o > size) return false;
    offset = o;
    return true;
  }
  bool Save(std::uint64_t at) {
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << size << " " << at << "\n";
      if (!out.flush()) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
  }
};

int ImportReads(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kImportFlags);
  if (!args.ok()) return Usage(args.status().message());
  if (!args->Get("data")) return Usage("--data is required");
  if (!args->Get("format")) return Usage("--format is required");
  if (args->positional().size() != 1) return Usage("name exactly one FILE");
  const std::string format = *args->Get("format");
  if (format != "native" && format != "openalpr" && format != "csv" && format != "seattle") {
    return Usage("--format: native, openalpr, csv or seattle");
  }
  const std::string agency_flag = args->Get("agency").value_or("");
  if ((format == "openalpr" || format == "seattle") && agency_flag.empty()) {
    return Usage(fmt::format("--agency is required for {} files (they name no agency)", format));
  }
  Result<std::uint64_t> batch_size = args->GetCount("batch", 10'000, 1'000'000);
  if (!batch_size.ok()) return Usage(batch_size.status().message());
  const bool register_cameras = args->Has("register-cameras");
  const std::string data = *args->Get("data");
  const std::string file = args->positional()[0];
  auto fail = [](std::string_view msg) {
    std::cerr << "interdict import reads: " << msg << "\n";
    return kExitFailure;
  };

  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(fmt::format("cannot read '{}' (a regular file is needed to resume)", file));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(fmt::format("cannot open '{}'", file));
  Checkpoint cp{file + ".import-checkpoint", static_cast<std::uint64_t>(st.st_size), 0};
  const bool resuming = cp.Load();

  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) return fail(dir.status().message());
  Result<std::unique_ptr<catalog::Database>> db = OpenCatalog(*args, data);
  if (!db.ok()) return fail(db.status().message());
  if (Status m = catalog::Migrate(**db); !m.ok()) return fail(m.message());
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  store::StoreOptions so;
  so.dir = server::DataPaths(data).store();
  Result<std::unique_ptr<store::Store>> store =
      store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
  if (!store.ok()) return fail(store.status().message());
  // Retention applies to back-fill too: reads already past their agency's
  // period are refused (counted as expired), never written.
  {
    Result<std::map<std::string, store::RetentionRule>> rules = policy::StoreRetention(**db);
    Result<std::vector<store::Hold>> holds = policy::StoreHolds(**db, Clock::System().NowMillis());
    if (!rules.ok()) return fail(rules.status().message());
    if (!holds.ok()) return fail(holds.status().message());
    (*store)->SetRetention(std::move(rules).value());
    (*store)->SetHolds(std::move(holds).value());
  }
  // Address-confidentiality plates are dropped here as at the server's ingest.
  Result<std::string> plate_key = server::LoadOrCreateConfidentialKey(server::DataPaths(data));
  if (!plate_key.ok()) return fail(plate_key.status().message());
  policy::ConfidentialPlates confidential(*plate_key);
  {
    Result<std::set<std::string>> digests = policy::LoadConfidentialDigests(**db);
    if (!digests.ok()) return fail(digests.status().message());
    confidential.Replace(std::move(digests).value());
  }
  const bool screen = !confidential.Empty();
  std::uint64_t dropped = 0;

  // Agency codes to ids, looked up once each.
  std::map<std::string, std::optional<std::int64_t>> agencies;
  auto agency_id = [&](const std::string& code) -> std::optional<std::int64_t> {
    auto it = agencies.find(code);
    if (it != agencies.end()) return it->second;
    std::optional<std::int64_t> id;
    Result<std::optional<identity::AgencyRef>> found = identity::FindAgency(**db, code);
    if (found.ok() && *found) id = (*found)->id;
    return agencies[code] = id;
  };
  if (!agency_flag.empty() && !agency_id(agency_flag)) {
    return fail(fmt::format("--agency: no agency '{}' in this data directory", agency_flag));
  }
  alerting::CameraDirectory cameras;
  std::uint64_t cameras_registered = 0;

  std::optional<read::DelimitedReadParser> delimited;
  std::uint64_t offset = 0, line_no = 0;
  std::string line;
  // A line is at most what the server takes as one request body; a longer one
  // is skipped without being held and rejected by its place.
  LineReader lines_in(in, read::kMaxImportLineBytes);
  if (format == "csv" || format == "seattle") {
    const LineReader::Got header = lines_in.Next(&line);
    if (header == LineReader::Got::kEnd) return fail(fmt::format("{}: empty file", file));
    if (header == LineReader::Got::kTooLong) {
      return fail(fmt::format("{}:1: header: {}", file, lines_in.TooLongMessage()));
    }
    offset = line.size() + 1;
    line_no = 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Result<read::DelimitedReadParser> p = read::DelimitedReadParser::FromHeader(
        format == "csv" ? read::DelimitedFormat::kCsv : read::DelimitedFormat::kSeattle, line,
        agency_flag);
    if (!p.ok()) return fail(fmt::format("{}:{}", file, p.status().message()));
    delimited.emplace(std::move(p).value());
  }
  if (resuming && cp.offset > offset) {
    in.seekg(static_cast<std::streamoff>(cp.offset));
    std::cerr << fmt::format("import: resuming {} at byte {} (checkpoint {})\n", file, cp.offset,
                             cp.path);
    offset = cp.offset;
    line_no = 0;  // unknown after a seek: errors then name byte offsets
  }

  g_stop = 0;
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  std::uint64_t accepted = 0, duplicates = 0, expired = 0, rejected = 0, lines = 0;
  std::vector<read::Read> batch;
  const std::int64_t now = Clock::System().NowMillis();

  auto where = [&](std::uint64_t line_offset) {
    return line_no > 0 ? fmt::format("{}:{}", file, line_no)
                       : fmt::format("{}@{}", file, line_offset);
  };
  auto reject = [&](std::uint64_t line_offset, const read::ReadRejection& why) {
    ++rejected;
    std::cerr << fmt::format("{}: {}{}{}\n", where(line_offset), why.field,
                             why.field.empty() ? "" : ": ", why.message);
  };
  // Checks what the catalog must say about a read: its agency and camera.
  auto admit = [&](read::Read& r, std::uint64_t line_offset) -> bool {
    const std::optional<std::int64_t> agency = agency_id(r.agency);
    if (!agency) {
      reject(line_offset, {"agency", fmt::format("no agency '{}' here", r.agency)});
      return false;
    }
    if (!agency_flag.empty() && r.agency != agency_flag) {
      reject(line_offset, {"agency", fmt::format("not {} (--agency)", agency_flag)});
      return false;
    }
    if (r.time > now + 5 * 60'000) {
      reject(line_offset, {"time", "more than 5 minutes in the future"});
      return false;
    }
    if (screen && confidential.Contains(r.plate.text())) {
      ++dropped;  // never stored, never named
      return false;
    }
    // --register-cameras stands for the agency's auto-registration during
    // the import: unknown cameras become pending ones.
    bool created = false;
    Result<alerting::CameraRef> cam =
        cameras.Resolve(**db, *agency, r.camera, now, &created, register_cameras);
    if (!cam.ok()) {
      reject(line_offset, {"camera", cam.status().message()});
      return false;
    }
    cameras_registered += created ? 1 : 0;
    return true;
  };
  auto commit = [&](std::uint64_t next_offset) -> bool {
    if (!batch.empty()) {
      const oversight::DayKeys keys = oversight::KeysOf(batch);
      Result<store::AppendResult> r = (*store)->Append(std::move(batch));
      batch.clear();
      if (!r.ok()) {
        std::cerr << "interdict import reads: " << r.status().message()
                  << " (this batch was not stored; run again to resume)\n";
        return false;
      }
      // Counted for the transparency report; a rerun after a crash between
      // the two finds the reads duplicates and does not count them again.
      oversight::DayCounts counts;
      oversight::Count(keys, r->kept, counts);
      if (Status counted = oversight::AddReadCounts(**db, counts); !counted.ok()) {
        std::cerr << "interdict import reads: counting reads: " << counted.message() << "\n";
        return false;
      }
      accepted += r->accepted;
      duplicates += r->duplicates;
      expired += r->expired;
    }
    if (!cp.Save(next_offset)) {
      std::cerr << "interdict import reads: cannot write the checkpoint " << cp.path << "\n";
      return false;
    }
    const auto t = std::chrono::steady_clock::now();
    if (t - last_progress >= std::chrono::seconds(2)) {
      const double secs = std::chrono::duration<double>(t - start).count();
      std::cerr << fmt::format(
          "import: {:.0f}% {} lines, {} new, {} duplicate, {} rejected, "
          "{:.0f} lines/s\n",
          100.0 * static_cast<double>(next_offset) /
              static_cast<double>(std::max<std::uint64_t>(cp.size, 1)),
          lines, accepted, duplicates, rejected, static_cast<double>(lines) / secs);
      last_progress = t;
    }
    return true;
  };

  bool failed = false;
  for (LineReader::Got got; !g_stop && (got = lines_in.Next(&line)) != LineReader::Got::kEnd;) {
    const std::uint64_t line_offset = offset;
    offset += lines_in.length() + 1;
    if (line_no > 0 || line_offset == 0) ++line_no;
    ++lines;
    if (got == LineReader::Got::kTooLong) {
      reject(line_offset, {"", lines_in.TooLongMessage()});
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<read::Read> reads;
    read::ReadRejection why;
    if (delimited) {
      read::Read r;
      if (!delimited->Parse(line, &r, &why)) {
        reject(line_offset, why);
        continue;
      }
      reads.push_back(std::move(r));
    } else if (format == "native") {
      read::Read r;
      if (!read::ParseNativeRead(line, &r, &why)) {
        reject(line_offset, why);
        continue;
      }
      reads.push_back(std::move(r));
    } else {
      Result<read::OpenAlprMessage> m = read::ParseOpenAlpr(line, agency_flag);
      if (!m.ok()) {
        reject(line_offset, {"", m.status().message()});
        continue;
      }
      for (const read::ReadRejection& rj : m->rejected) reject(line_offset, rj);
      reads = std::move(m->reads);
    }
    for (read::Read& r : reads) {
      if (admit(r, line_offset)) batch.push_back(std::move(r));
    }
    if (batch.size() >= *batch_size && !commit(offset)) {
      failed = true;
      break;
    }
  }
  if (!failed && !commit(std::min<std::uint64_t>(offset, cp.size))) failed = true;
  const bool finished = !failed && !g_stop;
  if (finished) std::remove(cp.path.c_str());

  // The import is on the record.
  {
    audit::Entry e;
    e.time = Clock::System().NowMillis();
    e.actor = "cli:import";
    if (!agency_flag.empty()) e.agency = agency_id(agency_flag);
    e.event = "reads.import";
    e.outcome = finished ? audit::Outcome::kOk : audit::Outcome::kFailed;
    e.details =
        json::Object("file", file, "format", format, "accepted", accepted, "duplicates", duplicates,
                     "expired", expired, "rejected", rejected, "confidential_dropped", dropped,
                     "cameras_registered", cameras_registered);
    if (e.agency) e.touched = {*e.agency};
    Status s = (*db)->Transaction([&] { return audit::Append(**db, e); });
    if (!s.ok()) std::cerr << "interdict import reads: audit entry failed: " << s.message() << "\n";
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format(
      "import: {} in {:.1f} s\n",
      finished ? "done"
               : (g_stop ? "interrupted; run the same command again to resume" : "stopped"),
      secs);
  std::cout
      << fmt::format(
             R"({{"accepted":{},"duplicates":{},"expired":{},"rejected":{},"confidential_dropped":{},"cameras_registered":{},"finished":{}}})",
             accepted, duplicates, expired, rejected, dropped, cameras_registered, finished)
      << "\n";
  if (failed) return kExitFailure;
  if (g_stop) return 130;
  return rejected > 0 ? kExitFailure : kExitOk;
}

}  // namespace

int ImportCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "reads")
    return SubcommandUsage(
        "import",
        "usage: interdict import reads --data DIR --format "
        "native|openalpr|csv|seattle [--agency CODE] [--register-cameras] FILE\n",
        argv);
  return ImportReads(std::vector<std::string>(argv.begin() + 1, argv.end()));
}

}  // namespace interdict::cli
