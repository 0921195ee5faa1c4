// The ACD as the daemon runs it: engine threads ("shards"), each the single
// writer of the engines of the tenants assigned to it.
//
//  * Requests arrive from any thread (API, SIP, call control) on the shard's
//    lock-free MPSC inbox; submit() never blocks and says "full" instead of
//    growing.
//  * Decisions and events leave on one SPSC ring per shard, read by one
//    consumer (call control). The engine never drops an output: if the ring
//    is full it keeps the overflow in order on its own thread and counts it.
//  * Readers (HTTP API, /metrics) see a snapshot published every
//    `snapshot_interval` through common/published.hpp: no lock anywhere.
//  * Reloads hand a new model to the engine thread, which applies it between
//    two requests, so no request sees half a model.
//
// Idle shards sleep on an eventfd with a timeout at the next engine timer;
// producers write the eventfd only when the shard says it is going to sleep,
// so a busy shard costs producers no syscall.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "acd/engine.hpp"
#include "common/clock.hpp"
#include "common/published.hpp"
#include "common/queues.hpp"
#include "common/status.hpp"

namespace sb::acd {

using TenantIndex = std::uint16_t;

struct TenantRequest {
  TenantIndex tenant = 0;
  Request request;
};

struct TenantOutput {
  TenantIndex tenant = 0;
  Output output;
};

struct QueueSnapshot {
  std::string name;
  std::size_t waiting = 0;
  double longest_wait_seconds = 0;
  std::array<std::uint32_t, kAgentStateCount> agents{};  // serving this queue, by state
  QueueStats stats;
};

struct AgentSnapshot {
  std::string id;
  std::string name;
  AgentState state = AgentState::kLoggedOut;
  std::string reason;
  AgentStats stats;
};

struct TenantSnapshot {
  std::string name;
  std::vector<QueueSnapshot> queues;
  std::vector<AgentSnapshot> agents;
  std::size_t live_calls = 0;
  std::optional<IntervalStats> last_interval;  // the most recent closed 15-minute interval
};

struct ShardCounters {
  std::uint64_t requests = 0;
  std::uint64_t outputs = 0;
  std::uint64_t output_backlog = 0;       // outputs now waiting for ring space
  std::uint64_t output_backlog_max = 0;
  std::uint64_t inbox_full = 0;           // submits refused
  std::uint64_t bad_tenant = 0;           // requests for a tenant this shard does not host
  std::uint64_t reloads = 0;
  std::uint64_t snapshots = 0;
};

struct ShardSnapshot {
  std::uint64_t sequence = 0;             // increases with every publication
  Nanos taken_at{0};
  ShardCounters counters;
  std::vector<TenantSnapshot> tenants;
};

struct ShardOptions {
  std::size_t inbox_capacity = 32'768;  // at most MpscQueue::kMaxCapacity
  std::size_t output_capacity = 65'536;
  Nanos snapshot_interval = std::chrono::milliseconds(100);
  Nanos max_sleep = std::chrono::milliseconds(50);  // also bounds how late a virtual-clock timer is seen
  int core = -1;                          // pin the engine thread; -1: not pinned
  std::uint64_t seed = 1;
};

struct Tenant {
  std::string name;
  AcdModel model;
};

class Shard {
 public:
  // Starts the engine thread. `clock` must outlive the shard.
  Shard(std::vector<Tenant> tenants, const Clock& clock, ShardOptions options = {});
  ~Shard();  // stops and joins
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Any thread. False: the inbox is full (counted); the caller decides
  // whether to retry or to refuse the call.
  [[nodiscard]] bool submit(const TenantRequest& r) noexcept;

  // The one consumer thread. Returns how many outputs were written.
  std::size_t poll(std::span<TenantOutput> out) noexcept { return outputs_.pop_burst(out); }

  // Any thread. Blocks until the engine thread applied (or refused) the new
  // model for `tenant`; never blocks the engine or other callers.
  Status reload(TenantIndex tenant, AcdModel model);

  // Any thread: the latest published snapshot.
  Published<ShardSnapshot>::Guard snapshot() const { return snapshot_.read(); }
  // Asks the engine thread to publish now (e.g. before a scrape in tests).
  void request_snapshot() noexcept;

  // Wakes an idle engine thread (after advancing a manual clock in tests).
  void wake() noexcept;

  std::size_t tenant_count() const noexcept { return tenant_names_.size(); }

 private:
  struct PendingReload {
    TenantIndex tenant = 0;
    AcdModel model;
    Status result;
    std::atomic<bool> done{false};
  };

  void run();
  void drain_backlog();
  void publish_snapshot();
  void sleep_until(Nanos deadline);
  void apply_reloads();

  const Clock& clock_;
  ShardOptions options_;
  std::vector<std::string> tenant_names_;
  std::vector<std::unique_ptr<Engine>> engines_;   // engine thread only after start

  MpscQueue<TenantRequest> inbox_;
  MpscQueue<PendingReload*> reloads_;
  SpscRing<TenantOutput> outputs_;
  std::deque<TenantOutput> backlog_;               // engine thread only
  Published<ShardSnapshot> snapshot_;
  ShardCounters counters_;                         // engine thread's copy

  int wake_fd_ = -1;
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> snapshot_requested_{false};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> inbox_full_{0};
  std::thread thread_;
};

// Tenants spread over several shards (round-robin by tenant order), so
// several engine threads run side by side. Tenant ids are global here.
class AcdService {
 public:
  AcdService(std::vector<Tenant> tenants, const Clock& clock, std::size_t shards, ShardOptions options = {});

  std::size_t shard_count() const noexcept { return shards_.size(); }
  Shard& shard(std::size_t i) noexcept { return *shards_[i]; }
  // Which shard hosts a tenant, and the tenant's index within that shard.
  std::pair<std::size_t, TenantIndex> locate(std::size_t tenant) const noexcept {
    return {tenant % shards_.size(), static_cast<TenantIndex>(tenant / shards_.size())};
  }
  [[nodiscard]] bool submit(std::size_t tenant, const Request& r) noexcept;

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace sb::acd
