// A mutex whose locking discipline the compiler checks.
//
// Clang's thread-safety analysis (-Wthread-safety, on in the clang build)
// proves at compile time that every field marked GUARDED_BY(mu) is touched
// only with mu held, and that functions marked REQUIRES(mu) are only called
// with it held. std::mutex carries no such annotations in libstdc++, so
// components that want the check use this Mutex, MutexLock and CondVar. Under
// GCC the macros expand to nothing and the classes cost what std::mutex does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define INTERDICT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define INTERDICT_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) INTERDICT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY INTERDICT_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) INTERDICT_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) INTERDICT_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) INTERDICT_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) INTERDICT_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) INTERDICT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) INTERDICT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) INTERDICT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) INTERDICT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) INTERDICT_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS INTERDICT_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace interdict {

class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope; Unlock() and Lock() let a scope step out of
// the lock for slow work (a log write, a sync) and come back.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  friend class CondVar;
  Mutex& mu_;
  bool held_ = true;
};

// A condition variable waited on with a held MutexLock. The analysis treats
// the lock as held throughout a wait (it is, whenever the caller runs), so
// callers loop on their condition in the function body: `while (!ready)
// cv.Wait(l);` — a predicate lambda would be analysed without the lock.
class CondVar {
 public:
  void Wait(MutexLock& l) {
    std::unique_lock<std::mutex> u(l.mu_.mu_, std::adopt_lock);
    cv_.wait(u);
    u.release();
  }
  // Returns after a notification, a spurious wake-up or `timeout`.
  template <typename Rep, typename Period>
  void WaitFor(MutexLock& l, std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock<std::mutex> u(l.mu_.mu_, std::adopt_lock);
    cv_.wait_for(u, timeout);
    u.release();
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace interdict
