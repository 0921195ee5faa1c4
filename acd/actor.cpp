#include "acd/actor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sb::acd {

namespace {

std::unique_ptr<const ShardSnapshot> empty_snapshot(const std::vector<std::string>& names) {
  auto s = std::make_unique<ShardSnapshot>();
  for (const auto& n : names) s->tenants.push_back(TenantSnapshot{n, {}, {}, 0, std::nullopt});
  return s;
}

}  // namespace

Shard::Shard(std::vector<Tenant> tenants, const Clock& clock, ShardOptions options)
    : clock_(clock),
      options_(options),
      inbox_(options.inbox_capacity),
      reloads_(64),
      outputs_(options.output_capacity),
      snapshot_([&] {
        std::vector<std::string> names;
        for (const auto& t : tenants) names.push_back(t.name);
        return empty_snapshot(names);
      }()) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    tenant_names_.push_back(tenants[i].name);
    const auto t = static_cast<TenantIndex>(i);
    engines_.push_back(std::make_unique<Engine>(
        std::move(tenants[i].model), clock_,
        [this, t](const Output& o) {
          ++counters_.outputs;
          const TenantOutput out{t, o};
          // Order matters to call control: once anything waits in the
          // backlog, later outputs queue behind it.
          if (!backlog_.empty() || !outputs_.try_push(out)) {
            backlog_.push_back(out);
            counters_.output_backlog_max = std::max<std::uint64_t>(counters_.output_backlog_max, backlog_.size());
          }
        },
        options.seed + i));
  }
  // Everything above is written before the thread starts; std::thread's
  // constructor synchronises-with the start of the new thread.
  thread_ = std::thread([this] { run(); });
}

Shard::~Shard() {
  stop_.store(true, std::memory_order_release);
  wake();
  thread_.join();
  PendingReload* p = nullptr;
  while (reloads_.try_pop(p)) {
    p->result = unavailable("ACD shard stopped");
    p->done.store(true, std::memory_order_release);
    p->done.notify_all();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool Shard::submit(const TenantRequest& r) noexcept {
  if (!inbox_.try_push(r)) {
    inbox_full_.fetch_add(1, std::memory_order_relaxed);  // a statistic only
    return false;
  }
  // Dekker pairing with sleep_until(): the push above and the load of
  // sleeping_ below must not be reordered (a store-load pair), or this
  // producer could see "awake" while the engine saw an empty inbox and both
  // would wait. The seq_cst fence here and the seq_cst store/fence on the
  // engine side forbid it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_relaxed)) wake();
  return true;
}

void Shard::wake() noexcept {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the engine wakes anyway.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Shard::request_snapshot() noexcept {
  // Relaxed: the flag carries no data; the snapshot itself is published
  // with the hazard-pointer protocol.
  snapshot_requested_.store(true, std::memory_order_relaxed);
  wake();
}

Status Shard::reload(TenantIndex tenant, AcdModel model) {
  if (tenant >= tenant_names_.size()) return invalid_argument("no tenant " + std::to_string(tenant) + " in this shard");
  PendingReload pending;
  pending.tenant = tenant;
  pending.model = std::move(model);
  while (!reloads_.try_push(&pending)) std::this_thread::yield();
  wake();
  // Acquire pairs with the engine's release store: the result written
  // before `done` is visible here. atomic::wait parks on a futex, not a lock.
  while (!pending.done.load(std::memory_order_acquire)) pending.done.wait(false, std::memory_order_acquire);
  return pending.result;
}

void Shard::apply_reloads() {
  PendingReload* p = nullptr;
  while (reloads_.try_pop(p)) {
    p->result = engines_[p->tenant]->reload(std::move(p->model));
    if (p->result) ++counters_.reloads;
    p->done.store(true, std::memory_order_release);
    p->done.notify_all();
  }
}

void Shard::drain_backlog() {
  while (!backlog_.empty() && outputs_.try_push(backlog_.front())) backlog_.pop_front();
  counters_.output_backlog = backlog_.size();
}

void Shard::publish_snapshot() {
  auto s = std::make_unique<ShardSnapshot>();
  s->taken_at = clock_.now();
  s->sequence = ++counters_.snapshots;
  counters_.inbox_full = inbox_full_.load(std::memory_order_relaxed);
  s->counters = counters_;
  s->tenants.reserve(engines_.size());
  for (std::size_t t = 0; t < engines_.size(); ++t) {
    const Engine& e = *engines_[t];
    const AcdModel& m = e.model();
    TenantSnapshot ts;
    ts.name = tenant_names_[t];
    ts.live_calls = e.live_calls();
    ts.queues.resize(m.queues.size());
    for (std::size_t q = 0; q < m.queues.size(); ++q) {
      QueueSnapshot& qs = ts.queues[q];
      qs.name = m.queues[q].name;
      qs.waiting = e.waiting(static_cast<int>(q));
      qs.longest_wait_seconds = e.longest_wait_seconds(static_cast<int>(q));
      qs.stats = e.queue_stats(static_cast<int>(q));
    }
    ts.agents.resize(m.agents.size());
    for (AgentIndex a = 0; a < m.agents.size(); ++a) {
      AgentSnapshot& as = ts.agents[a];
      as.id = m.agents[a].id;
      as.name = m.agents[a].name;
      as.state = e.agent_state(a);
      as.reason = e.agent_reason(a);
      as.stats = e.agent_stats(a);
      for (int q : m.agents[a].queues) ++ts.queues[static_cast<std::size_t>(q)].agents[static_cast<std::size_t>(as.state)];
    }
    if (!e.intervals().empty()) ts.last_interval = e.intervals().back();
    s->tenants.push_back(std::move(ts));
  }
  snapshot_.publish(std::move(s));
}

void Shard::sleep_until(Nanos deadline) {
  // seq_cst store, then a fence, then the emptiness check: see submit().
  sleeping_.store(true, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (inbox_.empty() && !stop_.load(std::memory_order_acquire)) {
    const Nanos now = clock_.now();
    Nanos wait = std::min(options_.max_sleep, deadline > now ? deadline - now : Nanos{0});
    const int ms = static_cast<int>((wait.count() + 999'999) / 1'000'000);
    pollfd pfd{wake_fd_, POLLIN, 0};
    if (ms > 0) ::poll(&pfd, 1, ms);
  }
  sleeping_.store(false, std::memory_order_relaxed);
  std::uint64_t drained = 0;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_, &drained, sizeof drained);
}

void Shard::run() {
  if (options_.core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options_.core, &set);
    ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
  }
  std::array<TenantRequest, 256> batch;
  Nanos next_snapshot = clock_.now();
  while (!stop_.load(std::memory_order_acquire)) {
    apply_reloads();
    const std::size_t n = inbox_.pop_burst(batch);
    for (std::size_t i = 0; i < n; ++i) {
      const TenantRequest& r = batch[i];
      if (r.tenant >= engines_.size()) {
        ++counters_.bad_tenant;
        continue;
      }
      ++counters_.requests;
      engines_[r.tenant]->handle(r.request);
    }
    Nanos deadline = Nanos::max();
    for (auto& e : engines_) {
      if (e->next_deadline() <= clock_.now()) e->advance();
      deadline = std::min(deadline, e->next_deadline());
    }
    drain_backlog();
    const Nanos now = clock_.now();
    if (now >= next_snapshot || snapshot_requested_.exchange(false, std::memory_order_relaxed)) {
      publish_snapshot();
      next_snapshot = now + options_.snapshot_interval;
    }
    if (n == 0) {
      // Wake for the next timer, the next snapshot, or to retry the backlog.
      deadline = std::min(deadline, next_snapshot);
      if (!backlog_.empty()) deadline = std::min(deadline, now + std::chrono::milliseconds(1));
      sleep_until(deadline);
    }
  }
  publish_snapshot();
}

AcdService::AcdService(std::vector<Tenant> tenants, const Clock& clock, std::size_t shards, ShardOptions options) {
  shards = std::max<std::size_t>(1, std::min(shards, std::max<std::size_t>(1, tenants.size())));
  std::vector<std::vector<Tenant>> per_shard(shards);
  for (std::size_t t = 0; t < tenants.size(); ++t) per_shard[t % shards].push_back(std::move(tenants[t]));
  for (std::size_t s = 0; s < shards; ++s) {
    ShardOptions o = options;
    if (options.core >= 0) o.core = options.core + static_cast<int>(s);
    o.seed = options.seed + 1000 * s;
    shards_.push_back(std::make_unique<Shard>(std::move(per_shard[s]), clock, o));
  }
}

bool AcdService::submit(std::size_t tenant, const Request& r) noexcept {
  const auto [shard, local] = locate(tenant);
  return shards_[shard]->submit(TenantRequest{local, r});
}

}  // namespace sb::acd
