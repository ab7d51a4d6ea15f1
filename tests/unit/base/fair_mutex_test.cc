#include "base/fair_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace interdict {
namespace {

// A thread that unlocks and locks again at once does not go ahead of one
// already waiting (std::mutex usually lets it: that starved ingest for 6 s
// during a hotlist reload).
TEST(FairMutex, AWaiterIsServedBeforeAThreadThatLocksAgain) {
  FairMutex mu;
  std::atomic<bool> waiter_had_it{false};
  mu.lock();
  std::thread waiter([&] {
    mu.lock();
    waiter_had_it = true;
    mu.unlock();
  });
  while (mu.waiters() == 0) std::this_thread::yield();  // the waiter holds a ticket
  mu.unlock();
  mu.lock();  // must queue behind the waiter
  EXPECT_TRUE(waiter_had_it);
  mu.unlock();
  waiter.join();
}

TEST(FairMutex, CountsItsWaiters) {
  FairMutex mu;
  EXPECT_EQ(mu.waiters(), 0u);
  mu.lock();
  EXPECT_EQ(mu.waiters(), 0u);
  EXPECT_FALSE(mu.try_lock());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
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
