#include "control/api/event_hub.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "control/api/event_filter.hpp"

namespace sb::api {

std::string format_utc(Nanos since_epoch) {
  const std::int64_t ms_total = since_epoch.count() / 1'000'000;
  const std::time_t secs = static_cast<std::time_t>(ms_total / 1000);
  const int ms = static_cast<int>(ms_total % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

EventHub::EventHub(const Clock& clock, Options options, const ApiMetrics* metrics)
    : clock_(clock),
      options_(options),
      metrics_(metrics),
      queue_(std::clamp<std::size_t>(options.queue_capacity, 1, 65534)) {}

EventHub::~EventHub() {
  stop();
  Pending* p = nullptr;
  while (queue_.try_pop(p)) delete p;  // published after stop()
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status EventHub::start() {
  if (running_.load(std::memory_order_relaxed)) return failed_precondition("the event hub is already running");
  if (wake_fd_ < 0) {
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) return io_error("eventfd failed");
  }
  running_.store(true, std::memory_order_relaxed);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void EventHub::stop() {
  if (!running_.exchange(false, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  thread_.join();
}

void EventHub::wake() noexcept {
  // acq_rel: the release half orders this producer's push before the flag
  // the dispatcher clears; the acquire half pairs with the dispatcher's
  // clearing exchange, so a producer that sees `true` knows a wake-up that
  // will drain its push is still to come (the dispatcher clears the flag
  // before it pops, see run()).
  if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

bool EventHub::publish(std::string_view type, nlohmann::json data) {
  if (!valid_event_type(type)) {
    if (metrics_ && metrics_->events_dropped) metrics_->events_dropped->with({"invalid_type"}).inc();
    return false;
  }
  auto* p = new Pending{std::string(type), std::move(data), clock_.wall_now()};
  if (!queue_.try_push(p)) {
    delete p;
    if (metrics_ && metrics_->events_dropped) metrics_->events_dropped->with({"queue_full"}).inc();
    return false;
  }
  accepted_.fetch_add(1, std::memory_order_release);
  wake();
  return true;
}

bool EventHub::flush(std::chrono::milliseconds limit) {
  const std::uint64_t target = accepted_.load(std::memory_order_acquire);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (dispatched_.load(std::memory_order_acquire) < target) {
    if (std::chrono::steady_clock::now() >= deadline || !running_.load(std::memory_order_acquire)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void EventHub::run() {
  std::vector<Pending*> batch;
  batch.reserve(256);
  while (true) {
    std::uint64_t v = 0;
    const ssize_t n = read(wake_fd_, &v, sizeof v);  // blocks until a producer or stop() writes
    if (n < 0 && errno == EINTR) continue;
    // Clear before popping (acq_rel, pairs with wake()): a push that lands
    // after this either is popped below or its producer finds the flag
    // clear and writes a new wake-up.
    wake_pending_.exchange(false, std::memory_order_acq_rel);
    Pending* p = nullptr;
    while (queue_.try_pop(p)) {
      batch.push_back(p);
      if (batch.size() == 256) dispatch(batch);
    }
    if (!batch.empty()) dispatch(batch);
    if (!running_.load(std::memory_order_acquire)) {
      // Dispatch what raced with stop(), then leave.
      while (queue_.try_pop(p)) batch.push_back(p);
      if (!batch.empty()) dispatch(batch);
      return;
    }
  }
}

void EventHub::dispatch(std::vector<Pending*>& batch) {
  std::vector<Stored> stored;
  stored.reserve(batch.size());
  const std::uint64_t n = batch.size();
  std::lock_guard lock(mu_);
  for (Pending* p : batch) {
    const std::uint64_t seq = ++last_seq_;
    nlohmann::json j = {{"seq", seq}, {"time", format_utc(p->wall)}, {"type", p->type}, {"data", std::move(p->data)}};
    auto msg = std::make_shared<const std::string>(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    stored.push_back({seq, std::move(p->type), std::move(msg)});
    delete p;
  }
  batch.clear();
  if (metrics_ && metrics_->events_published) metrics_->events_published->inc(stored.size());
  for (const auto& sink : sinks_) {
    std::vector<EventMessage> mine;
    for (const auto& s : stored)
      if (sink->wants(s.type)) mine.push_back(s.message);
    if (!mine.empty()) sink->deliver(std::move(mine));
  }
  for (auto& s : stored) replay_.push_back(std::move(s));
  while (replay_.size() > options_.replay) replay_.pop_front();
  dispatched_.fetch_add(n, std::memory_order_release);
}

EventHub::Subscription EventHub::subscribe(std::shared_ptr<EventSink> sink, std::optional<std::uint64_t> since) {
  std::lock_guard lock(mu_);
  Subscription sub;
  sub.last_seq = last_seq_;
  sub.oldest_replayable = replay_.empty() ? last_seq_ + 1 : replay_.front().seq;
  // A `since` beyond the newest event comes from another run of the
  // daemon (sequence numbers restart with the process): nothing can be
  // replayed, which is a gap.
  if (since && *since > last_seq_) sub.gap = true;
  if (since && *since < last_seq_) {
    sub.gap = *since + 1 < sub.oldest_replayable;
    std::vector<EventMessage> mine;
    for (const auto& s : replay_)
      if (s.seq > *since && sink->wants(s.type)) mine.push_back(s.message);
    if (!mine.empty()) sink->deliver(std::move(mine));
  }
  sinks_.push_back(std::move(sink));
  return sub;
}

void EventHub::unsubscribe(const EventSink* sink) {
  std::lock_guard lock(mu_);
  std::erase_if(sinks_, [&](const std::shared_ptr<EventSink>& s) { return s.get() == sink; });
}

std::uint64_t EventHub::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

std::size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mu_);
  return sinks_.size();
}

}  // namespace sb::api
