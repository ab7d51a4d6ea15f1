// `interdict backup create|verify` and `interdict restore` (docs/format/backup.md,
// docs/operations.md): progress on stderr, a JSON report on stdout, Ctrl-C
// leaves nothing that looks like a whole backup or restore.
#include <signal.h>

#include <atomic>
#include <iostream>

#include <fmt/core.h>

#include "backup/backup.h"
#include "base/files.h"
#include "base/json_writer.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/keys_flag.h"
#include "config/config.h"

namespace interdict::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnStop(int) {
  g_stop = true;
}

void CatchStop() {
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const std::vector<FlagSpec> kCreateFlags = {
    {"config", true,
     "the server's configuration file: data.dir, images.dir and encryption.master_key_file "
     "from it (the flags below override them)"},
    {"data", true,
     "the data directory to back up (required without --config); the server may be running"},
    {"to", true, "the backup destination directory (required)"},
    {"images", true, "where the images are when images.dir is set (default DATA/images)"},
    {"master-key", true,
     "the master key of encryption at rest: signs the manifest and marks the backup encrypted"},
    {"metrics-file", true,
     "on success, write the backup's time and size here for node_exporter's textfile collector"}};
const std::vector<FlagSpec> kVerifyFlags = {
    {"id", true, "check only this backup (default: every one)"},
    {"master-key", true, "the master key that signed the manifests"}};
const std::vector<FlagSpec> kRestoreFlags = {
    {"from", true, "the backup destination (required)"},
    {"id", true, "the backup to restore (default: the newest)"},
    {"data", true, "the new data directory (required; must not exist or be empty)"},
    kMasterKeyFlag,
    kKeysFlag};

int Fail(std::string_view cmd, const Status& s) {
  std::cerr << "interdict " << cmd << ": " << s.message() << "\n";
  return s.code() == StatusCode::kCancelled ? 130 : kExitFailure;
}

backup::ProgressFn Progress(std::string_view cmd) {
  return
      [cmd](const std::string& line) { std::cerr << "interdict " << cmd << ": " << line << "\n"; };
}

Result<std::unique_ptr<crypto::FileMasterKey>> MasterFrom(const Args& args) {
  const std::optional<std::string> path = args.Get("master-key");
  if (!path) return std::unique_ptr<crypto::FileMasterKey>();
  return crypto::FileMasterKey::Load(*path);
}

int Create(const std::vector<std::string>& argv) {
  constexpr std::string_view cmd = "backup create";
  Result<Args> args = Args::Parse(argv, kCreateFlags);
  if (!args.ok()) return UsageError(cmd, args.status().message(), kCreateFlags);
  if ((!args->Get("data") && !args->Get("config")) || !args->Get("to"))
    return UsageError(cmd, "--to, and --data or --config, are required", kCreateFlags);
  // The server's own configuration (what the packaged backup timer passes), so
  // that the backup reads the same directories and key the server uses.
  config::Config cfg;
  if (const std::optional<std::string> path = args->Get("config")) {
    Result<config::Config> loaded = config::LoadFile(*path);
    if (!loaded.ok()) return UsageError(cmd, loaded.status().message(), kCreateFlags);
    cfg = std::move(loaded).value();
  }
  const std::string master_path = args->Get("master-key").value_or(cfg.encryption.master_key_file);
  std::unique_ptr<crypto::FileMasterKey> master;
  if (!master_path.empty()) {
    Result<std::unique_ptr<crypto::FileMasterKey>> loaded =
        crypto::FileMasterKey::Load(master_path);
    if (!loaded.ok()) return Fail(cmd, loaded.status());
    master = std::move(loaded).value();
  }
  backup::CreateOptions o;
  o.data_dir = args->Get("data").value_or(cfg.data_dir);
  o.dest = *args->Get("to");
  o.images_dir = args->Get("images").value_or(cfg.images_dir);
  o.master = master.get();
  CatchStop();
  Result<backup::CreateResult> r = backup::Create(o, Clock::System(), &g_stop, Progress(cmd));
  if (!r.ok()) return Fail(cmd, r.status());
  Status metrics_written = Status::Ok();
  if (const std::optional<std::string> metrics = args->Get("metrics-file")) {
    // Written whole, so the collector never reads half a file.
    const std::string text = fmt::format(
        "# HELP interdict_backup_last_success_timestamp_seconds When the last backup finished.\n"
        "# TYPE interdict_backup_last_success_timestamp_seconds gauge\n"
        "interdict_backup_last_success_timestamp_seconds {}\n"
        "# HELP interdict_backup_last_bytes Bytes the last backup holds.\n"
        "# TYPE interdict_backup_last_bytes gauge\ninterdict_backup_last_bytes {}\n"
        "# HELP interdict_backup_last_new_bytes Bytes the last backup copied.\n"
        "# TYPE interdict_backup_last_new_bytes gauge\ninterdict_backup_last_new_bytes {}\n",
        static_cast<double>(Clock::System().NowMillis()) / 1000.0, r->bytes, r->new_bytes);
    metrics_written = files::WriteFileAtomically(*metrics, text, 0644);
  }
  std::cout << json::Object("id", r->id, "files", r->files, "bytes", r->bytes, "new_bytes",
                            r->new_bytes, "store_checkpoint", r->store_checkpoint, "store_rounds",
                            r->rounds, "audit_seq", r->audit_seq, "audit_hash", r->audit_hash)
            << "\n";
  // The backup is whole; a missing metrics file still fails the run, so a
  // scheduler notices before the backup alert does.
  if (!metrics_written.ok()) return Fail(cmd, metrics_written);
  return kExitOk;
}

int Verify(const std::vector<std::string>& argv) {
  constexpr std::string_view cmd = "backup verify";
  Result<Args> args = Args::Parse(argv, kVerifyFlags);
  if (!args.ok()) return UsageError(cmd, args.status().message(), kVerifyFlags);
  if (args->positional().size() != 1)
    return UsageError(cmd, "name the backup destination: backup verify DEST", kVerifyFlags);
  Result<std::unique_ptr<crypto::FileMasterKey>> master = MasterFrom(*args);
  if (!master.ok()) return Fail(cmd, master.status());
  Result<backup::VerifyReport> r =
      backup::Verify(args->positional()[0], args->Get("id").value_or(""), master->get());
  if (!r.ok()) return Fail(cmd, r.status());
  std::cout << json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "ok", r->problems.empty(), "manifests", r->manifests, "files", r->files,
                  "unreferenced_objects", r->unreferenced);
    json::Key(w, "problems");
    w.StartArray();
    for (const backup::Problem& p : r->problems) {
      w.StartObject();
      json::Members(w, "backup", p.manifest, "path", p.path, "object", p.object, "problem", p.what);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }) << "\n";
  for (const backup::Problem& p : r->problems) {
    std::cerr << fmt::format("interdict backup verify: backup {}: {}{}: {}\n", p.manifest,
                             p.path.empty() ? "" : p.path + " in ", p.object, p.what);
  }
  return r->problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace

int BackupCommand(const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (sub == "create") return Create(rest);
  if (sub == "verify") return Verify(rest);
  return SubcommandUsage(
      "backup",
      "usage: interdict backup create --data DIR --to DEST [--master-key FILE]\n"
      "       interdict backup verify DEST [--id ID] [--master-key FILE]\n"
      "       interdict restore --from DEST --data DIR [--master-key FILE --keys DIR]\n"
      "Backups of an embedded data directory (docs/format/backup.md).\n",
      args);
}

int RestoreCommand(const std::vector<std::string>& argv) {
  constexpr std::string_view cmd = "restore";
  Result<Args> args = Args::Parse(argv, kRestoreFlags);
  if (!args.ok()) return UsageError(cmd, args.status().message(), kRestoreFlags);
  if (!args->Get("from") || !args->Get("data"))
    return UsageError(cmd, "--from and --data are required", kRestoreFlags);
  // Read-only: a restore makes no key, and may run beside the live server
  // (into another directory, to inspect an old state).
  Result<OpenKeys> keys = OpenKeysFromFlags(*args, /*read_only=*/true);
  if (!keys.ok()) return Fail(cmd, keys.status());
  backup::RestoreOptions o;
  o.dest = *args->Get("from");
  o.id = args->Get("id").value_or("");
  o.data_dir = *args->Get("data");
  o.master = keys->master.get();
  o.keys = keys->ring.get();
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  CatchStop();
  Result<backup::RestoreReport> r =
      backup::Restore(o, Clock::System(), log, &g_stop, Progress(cmd));
  if (!r.ok()) return Fail(cmd, r.status());
  const store::RecoveryReport& rec = r->recovery;
  std::cout << json::Object("id", r->id, "data", o.data_dir, "files", r->files, "bytes", r->bytes,
                            "reads", r->reads, "reads_from_log", rec.reads_recovered,
                            "expired_segments_removed", rec.expired_segments_removed,
                            "expired_log_records_skipped", rec.expired_wal_records,
                            "torn_log_tails_cut", rec.torn_tails_truncated, "quarantined",
                            rec.quarantined, "audit_entries", r->audit_entries, "audit_seq",
                            r->audit_seq, "audit_hash", r->audit_hash)
            << "\n";
  return kExitOk;
}

}  // namespace interdict::cli
