#include "base/fair_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace interdict {
namespace {

// A thread that re-locks in a tight loop cannot starve one already waiting:
// the waiter gets the lock at the latest after one more turn of the loop.
TEST(FairMutex, AWaiterIsServedBeforeAThreadThatLocksAgain) {
  FairMutex mu;
  std::atomic<bool> waiter_done{false};
  std::atomic<int> turns_after_waiting{-1};
  std::atomic<bool> waiter_queued{false};
  mu.lock();
  std::thread waiter([&] {
    waiter_queued = true;
    mu.lock();
    waiter_done = true;
    mu.unlock();
  });
  while (!waiter_queued) std::this_thread::yield();
  // Give the waiter time to take its ticket; the test holds the lock meanwhile.
  for (int i = 0; i < 1000 && mu.try_lock(); ++i) mu.unlock();
  int turns = 0;
  mu.unlock();
  while (!waiter_done) {
    mu.lock();
    if (!waiter_done) ++turns;
    mu.unlock();
    if (turns > 1000) break;
  }
  waiter.join();
  EXPECT_TRUE(waiter_done);
  EXPECT_LE(turns, 2) << "the re-locking thread went ahead of the waiter";
}

TEST(FairMutex, ExcludesAsAMutexMust) {
  FairMutex mu;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        std::lock_guard<FairMutex> l(mu);
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 40000);
}

}  // namespace
}  // namespace interdict
