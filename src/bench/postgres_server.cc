#include "bench/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "bench/child_process.h"

namespace interdict::bench {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

// PostgreSQL refuses to run as root; as root we run it as its own user.
std::string RunAs() {
  return ::geteuid() == 0 ? "postgres" : "";
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start(const std::string& parent,
                                                              std::chrono::seconds timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(std::string(kBin) + "/postgres", ec))
    return Status::FailedPrecondition(
        "PostgreSQL 15 is not installed (Debian's postgresql package: scripts/setup --peers)");
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->dir_ = parent + "/postgresql";
  std::filesystem::create_directories(s->dir_, ec);
  if (ec) return Status::Internal(fmt::format("cannot create {}: {}", s->dir_, ec.message()));
  if (::geteuid() == 0) {
    // The postgres user must be able to pass through the parent directory
    // (traverse only: it still cannot list or read what else is there).
    struct stat st {};
    if (::stat(parent.c_str(), &st) == 0) ::chmod(parent.c_str(), (st.st_mode & 07777) | S_IXOTH);
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr || ::chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Status::FailedPrecondition("running as root needs the postgres user to own " +
                                        s->dir_);
  }
  const std::string log = s->dir_ + "/server.log";
  Result<pid_t> init = Spawn({std::string(kBin) + "/initdb", "-D", s->dir_ + "/data", "-U", "bench",
                              "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"},
                             log, RunAs());
  if (!init.ok()) return init.status();
  if (WaitExit(*init, timeout) != 0)
    return Status::Internal(fmt::format("initdb failed (see {})", log));
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  s->port_ = *port;
  // Durable like Interdict's store.sync = always; memory for a 2-core, 24 GiB machine.
  Result<pid_t> pid = Spawn({std::string(kBin) + "/postgres",
                             "-D",
                             s->dir_ + "/data",
                             "-p",
                             std::to_string(s->port_),
                             "-k",
                             s->dir_,
                             "-c",
                             "listen_addresses=127.0.0.1",
                             "-c",
                             "fsync=on",
                             "-c",
                             "synchronous_commit=on",
                             "-c",
                             "shared_buffers=2GB",
                             "-c",
                             "work_mem=64MB",
                             "-c",
                             "maintenance_work_mem=1GB",
                             "-c",
                             "max_wal_size=8GB",
                             "-c",
                             "checkpoint_timeout=30min"},
                            log, RunAs());
  if (!pid.ok()) return pid.status();
  s->pid_ = *pid;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (PQping(s->conninfo().c_str()) != PQPING_OK) {
    if (WaitExit(s->pid_, std::chrono::milliseconds(0))) {
      s->pid_ = -1;
      return Status::Internal(fmt::format("postgres exited at start (see {})", log));
    }
    if (std::chrono::steady_clock::now() > deadline)
      return Status::Unavailable(fmt::format("postgres did not answer (see {})", log));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls the server's readiness
  }
  return s;
}

PostgresServer::~PostgresServer() {
  Stop(pid_, SIGINT, std::chrono::seconds(30));  // fast shutdown: roll back, checkpoint, exit
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::conninfo() const {
  return fmt::format("host=127.0.0.1 port={} user=bench dbname=postgres connect_timeout=5", port_);
}

}  // namespace interdict::bench
