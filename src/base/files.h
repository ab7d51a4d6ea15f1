// Whole-file reads and crash-safe writes for the components that keep small
// files of their own outside the store's Env (the key ring, backups, the data
// directory's records). Each error names the path and the system's reason.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::files {

// IOError "<what> '<path>': <strerror(errno)>".
Status ErrnoError(std::string_view what, const std::string& path);

// The whole file; NotFound when it does not exist.
Result<std::string> ReadFile(const std::string& path);

// Writes `text` to `path` whole or not at all: a temporary file (`tmp`, or
// `path` + ".tmp"), fsync, rename, fsync of the directory. `mode` for the
// new file.
Status WriteFileAtomically(const std::string& path, std::string_view text, mode_t mode = 0600,
                           const std::string& tmp = "");

// Appends `text` to `path` (created with `mode`) and fsyncs: a log line that
// must outlive a crash.
Status AppendSynced(const std::string& path, std::string_view text, mode_t mode = 0600);

// Writes all of `data` to `fd` (retrying short writes).
Status WriteAll(int fd, std::string_view data, const std::string& path);

// Makes renames and removals in `dir` durable.
Status SyncDirectory(const std::string& dir);

}  // namespace interdict::files
