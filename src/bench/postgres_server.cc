#include "bench/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

// A port the kernel says is free on loopback now.
Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return Status::Internal("bind to a free loopback port failed");
  }
  ::close(fd);
  return static_cast<int>(ntohs(a.sin_port));
}

// Runs argv with its output appended to `log`; as the postgres user when we
// are root (PostgreSQL refuses to run as root). The child is the program
// itself, so signals reach it directly.
Result<pid_t> Spawn(std::vector<std::string> argv, const std::string& log) {
  uid_t uid = 0;
  gid_t gid = 0;
  const bool as_postgres = ::geteuid() == 0;
  if (as_postgres) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return Status::FailedPrecondition("no postgres user to run PostgreSQL as");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::Internal("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    if (as_postgres && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0))
      ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` to exit, at most `limit`; its exit code, or nullopt.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0 || std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polls a child's exit
  }
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
                              "-A", "trust", "--no-sync", "-E", "UTF8"},
                             log);
  if (!init.ok()) return init.status();
  if (WaitExit(*init, timeout) != 0)
    return Status::Internal(fmt::format("initdb failed (see {})", log));
  Result<int> port = FreePort();
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
                            log);
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
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown: roll back, checkpoint, exit
    if (!WaitExit(pid_, std::chrono::seconds(30))) {
      ::kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(5));
    }
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::conninfo() const {
  return fmt::format("host=127.0.0.1 port={} user=bench dbname=postgres connect_timeout=5", port_);
}

std::uint64_t PostgresServer::DiskBytes() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_ + "/data", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace interdict::bench
