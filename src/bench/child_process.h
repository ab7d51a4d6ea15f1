// Starting and stopping the peer servers the benchmark runs as its own child
// processes (docs/bench-peers.md).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace interdict::bench {

// A port the kernel says is free on loopback now.
Result<int> FreeLoopbackPort();

// Runs argv[0] (a path) with stdout and stderr appended to `log`; as `user`
// when it is not empty (we must be root then). The child is the program
// itself, so signals reach it directly.
Result<pid_t> Spawn(std::vector<std::string> argv, const std::string& log,
                    const std::string& user = "");

// Waits for `pid` to exit, at most `limit`; its exit code (128 + signal when
// killed), or nullopt while it still runs.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds limit);

// Sends `sig`, waits up to `grace`, then SIGKILL: the child is gone after.
void Stop(pid_t pid, int sig, std::chrono::seconds grace);

}  // namespace interdict::bench
