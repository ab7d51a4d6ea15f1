// Runs a program as a child process with its output captured: for tests of
// the real `interdict` binary. Every wait is bounded, so a hung child fails
// the test instead of hanging it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace interdict::test {

class Process {
 public:
  explicit Process(const std::vector<std::string>& argv) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
  }
  ~Process() {
    if (!exit_code_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    ::close(out_fd_);
    ::close(err_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stdout until a line containing `needle`; returns that line, or
  // nullopt when the child closes stdout or the timeout passes.
  std::optional<std::string> WaitForLine(
      const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::size_t nl;
      while ((nl = out_.find('\n', scanned_)) != std::string::npos) {
        std::string line = out_.substr(scanned_, nl - scanned_);
        scanned_ = nl + 1;
        if (line.find(needle) != std::string::npos) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(out_fd_, out_, static_cast<int>(left.count()))) {
        return std::nullopt;
      }
    }
  }

  void Signal(int sig) { ::kill(pid_, sig); }

  // Waits for exit and returns the exit code (128 + signal if killed), or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      // Drain the pipes while waiting so a chatty child never blocks on a full pipe.
      ReadSome(out_fd_, out_, 10);
      ReadSome(err_fd_, err_, 10);
    }
    while (ReadSome(out_fd_, out_, 0)) {
    }
    while (ReadSome(err_fd_, err_, 0)) {
    }
    return *exit_code_;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  static bool ReadSome(int fd, std::string& into, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return timeout_ms == 0 ? false : true;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::size_t scanned_ = 0;
  std::optional<int> exit_code_;
};

// Runs to completion and returns {exit code, stdout, stderr}.
struct RunResult {
  int code;
  std::string out, err;
};
inline RunResult RunProgram(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  Process p(argv);
  const int code = p.Wait(timeout);
  return {code, p.out(), p.err()};
}

}  // namespace interdict::test
