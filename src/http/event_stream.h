// A response body produced over time — server-sent events. A handler returns
// a Response carrying a stream; the connection writes the headers, then
// whatever producers push, as HTTP/1.1 chunks, until the stream is closed by
// either side or the server shuts down. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace interdict::http {

class EventStream {
 public:
  // A consumer that falls this far behind is cut off rather than let the
  // queue grow without bound (a stalled client must not exhaust memory).
  explicit EventStream(std::size_t max_queued_bytes = 4u << 20) : max_queued_(max_queued_bytes) {}

  // Producer side. False when the stream is closed (the client went away,
  // was too slow, or the server is shutting down): drop the stream.
  bool Push(std::string_view chunk);
  // Ends the stream: what is queued is still written, then the connection
  // ends the response.
  void Close();
  bool closed() const;

  // Connection side: takes everything queued. When nothing is and the stream
  // is open, `wake` is kept and called once when something arrives or the
  // stream closes. `*done` is set when the stream is closed and drained.
  std::string Take(std::function<void()> wake, bool* done);

 private:
  void WakeLocked(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  std::string queued_;
  std::function<void()> wake_;
  bool closed_ = false;
  std::size_t max_queued_;
};

}  // namespace interdict::http
