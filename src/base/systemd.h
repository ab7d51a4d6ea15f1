// The two systemd protocols a service speaks (decision 0048), each one
// datagram on a Unix socket:
// - the journal's native protocol: an entry of KEY=value fields, so that the
//   journal keeps a log line's level and structured fields as fields of its own
//   (systemd's "Native Journal Protocol");
// - sd_notify: "READY=1", "STOPPING=1", "STATUS=…" to the socket that systemd
//   names in $NOTIFY_SOCKET for a Type=notify service (sd_notify(3)).
// Both socket paths are parameters, so that tests bind sockets of their own.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict {

// Where journald listens on every systemd machine.
inline constexpr std::string_view kJournalSocket = "/run/systemd/journal/socket";

// Appends one field to a journal entry. `key` must be a valid field name
// (A-Z, 0-9 and _, not starting with _ or a digit, at most 64 characters);
// a value holding a newline is sent in the protocol's length-prefixed form, so
// that no value can start a field of its own.
void AppendJournalField(std::string& entry, std::string_view key, std::string_view value);

// A log field's key as a journal field name: upper-cased, other characters as
// '_', and prefixed with INTERDICT_ when it would otherwise be invalid or
// collide with a field the journal or the logger sets itself (MESSAGE,
// PRIORITY, SYSLOG_IDENTIFIER, CODE_*, …).
std::string JournalFieldName(std::string_view key);

// Sends entries to a journal socket. Thread-safe; sending never blocks for
// long (the socket is non-blocking: a journal that cannot keep up makes Send
// fail, and the caller writes the line elsewhere instead).
class JournalSocket {
 public:
  explicit JournalSocket(std::string path = std::string(kJournalSocket));
  ~JournalSocket();
  JournalSocket(const JournalSocket&) = delete;
  JournalSocket& operator=(const JournalSocket&) = delete;

  // One entry, one datagram. False when it was not delivered.
  bool Send(std::string_view entry) const;

 private:
  // The address, made once: Send is on every log line.
  sockaddr_un address_{};
  socklen_t address_len_ = 0;
  int fd_ = -1;
};

// Sends `state` ("READY=1", "STOPPING=1\nSTATUS=draining") to the socket in
// $NOTIFY_SOCKET. Without $NOTIFY_SOCKET (not started by systemd as a
// Type=notify service) it does nothing and succeeds.
Status NotifySystemd(std::string_view state);
// The same, to a socket named explicitly: a path, or '@' for the abstract
// namespace.
Status NotifySocket(std::string_view socket, std::string_view state);

}  // namespace interdict
