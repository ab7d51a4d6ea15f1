#include "http/event_stream.h"

#include <utility>

namespace interdict::http {

void EventStream::WakeLocked(std::unique_lock<std::mutex>& lock) {
  std::function<void()> wake = std::exchange(wake_, nullptr);
  lock.unlock();
  if (wake) wake();
}

bool EventStream::Push(std::string_view chunk) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return false;
  if (queued_.size() + chunk.size() > max_queued_) {
    closed_ = true;  // too slow: cut off, and say so by closing
    queued_.clear();
    WakeLocked(lock);
    return false;
  }
  queued_.append(chunk);
  WakeLocked(lock);
  return true;
}

void EventStream::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  WakeLocked(lock);
}

bool EventStream::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

std::string EventStream::Take(std::function<void()> wake, bool* done) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = std::exchange(queued_, std::string());
  *done = closed_ && out.empty();
  if (out.empty() && !closed_) wake_ = std::move(wake);
  return out;
}

}  // namespace interdict::http
