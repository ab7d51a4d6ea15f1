// Several servers on one catalog (docs/cluster.md): what each keeps in memory
// of the catalog — the hotlist index, the confidential plates, the store's
// retention and holds, the camera directory — follows changes made on any of
// them. The component that makes a change counts the topic's generation up
// in the catalog, in the change's own transaction (catalog/changes.h); every
// server's ChangeWatcher reads the generations a few times a second and
// reloads a topic that moved.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "catalog/database.h"
#include "metrics/registry.h"
#include "server/api.h"

namespace interdict::server {

// Reloads `topic` into this server's memory from the catalog.
Status Reload(ApiContext& ctx, std::string_view topic);

// After this server changed `topic` in the catalog (the change counted the
// generation up as it committed): this server's memory reloaded and the
// generation held, so its own watcher does not load it again. With
// `reload_here` false the change installed its result already (as a hotlist
// load does): the generation is held only if no other server's change came
// in between, else the watcher reloads everything.
Status Changed(ApiContext& ctx, std::string_view topic, bool reload_here = true);

// Records the generations the catalog has now as the ones this server holds:
// at start, before the first loads.
Status TakeCurrentGenerations(ApiContext& ctx);

class ChangeWatcher {
 public:
  // `db`: a read-only connection of the watcher's own.
  ChangeWatcher(ApiContext& ctx, std::unique_ptr<catalog::Database> db, metrics::Registry& metrics,
                std::chrono::milliseconds every);
  ~ChangeWatcher();  // stops the thread
  void Start();
  void Stop();
  // One look at the generations, reloading what moved: what the thread does
  // every `every`. Returns the topics reloaded.
  Result<int> PollOnce();

 private:
  ApiContext& ctx_;
  std::unique_ptr<catalog::Database> db_;
  metrics::Histogram& lag_;
  std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool failing_ = false;  // the last look failed (logged once, until it works again)
  std::thread thread_;
};

}  // namespace interdict::server
