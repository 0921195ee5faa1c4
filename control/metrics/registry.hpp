// The metrics registry: counters, gauges and histograms with labels, plus
// collectors that compute families at scrape time, rendered in the
// Prometheus text format (exposition.hpp).
//
// Two ways to feed it:
//  * Owned metrics for the control plane: a family per MetricSpec, a child
//    per label-value tuple. Updating a child is one relaxed atomic
//    operation; creating a child takes the family's mutex, so callers on hot
//    paths keep the reference `with()` returns.
//  * Collectors for state that lives elsewhere: per-core counters summed at
//    scrape (per_core_collector.hpp), /proc (process_collector.hpp), and
//    later the ACD's published snapshot. Nothing is copied between scrapes.
//
//   MetricsRegistry reg;
//   auto* req = *reg.counter(catalogue::api_requests);       // labels method,route,code
//   Counter& ok = req->with({"GET", "/healthz", "200"});
//   ok.inc();
//   std::string text = reg.scrape();                          // text format 0.0.4
//
// Names, label names and types are validated at registration (a bad name is
// a Status, not a scrape that Prometheus rejects later).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/metrics/metric_spec.hpp"

namespace sb::metrics {

// ---- what a scrape sees ----
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

struct HistogramSample {
  std::vector<std::string> label_values;
  std::vector<double> upper_bounds;          // finite bounds, ascending; +Inf is implied
  std::vector<std::uint64_t> bucket_counts;  // cumulative, one per bound
  std::uint64_t count = 0;                   // the +Inf bucket
  double sum = 0;
};

struct FamilySnapshot {
  const MetricSpec* spec = nullptr;
  std::vector<std::string> label_names;
  std::vector<Sample> samples;               // counters, gauges
  std::vector<HistogramSample> histograms;   // histograms
};

// ---- owned metrics ----
class Counter {
 public:
  // Relaxed: a counter carries no other data; a scrape reads an untorn,
  // possibly slightly old value.
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::span<const double> upper_bounds);
  void observe(double v) noexcept;
  HistogramSample snapshot() const;

 private:
  std::vector<double> bounds_;
  // Non-cumulative per bucket (last: above every bound); summed at scrape.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// Label names of a spec, split.
std::vector<std::string> label_names_of(const MetricSpec& spec);

template <typename M>
class Family {
 public:
  // Children are created on first use and live as long as the registry;
  // references stay valid (std::deque never moves its elements).
  M& with(std::initializer_list<std::string_view> label_values);
  M& with(const std::vector<std::string>& label_values);
  const MetricSpec& spec() const noexcept { return *spec_; }

  // Made by MetricsRegistry, which validated the spec.
  Family(const MetricSpec* spec, std::vector<double> bounds);
  void snapshot(FamilySnapshot& out) const;

 private:
  const MetricSpec* spec_;
  std::vector<double> bounds_;  // histograms
  std::size_t arity_ = 0;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, M*> index_;
  std::deque<M> children_;
  std::deque<std::vector<std::string>> keys_;  // in creation order, for stable output
};

// ---- collectors ----
// Appends an empty family for `spec` (its label names filled in) to a
// collector's output and returns it, for collect() to add samples to.
FamilySnapshot& add_family(std::vector<FamilySnapshot>& out, const MetricSpec& spec);

class Collector {
 public:
  virtual ~Collector() = default;
  // The families this collector produces; checked at registration.
  virtual std::vector<const MetricSpec*> describe() const = 0;
  // Appends one FamilySnapshot per described spec. Any thread; concurrent
  // calls must be safe.
  virtual void collect(std::vector<FamilySnapshot>& out) const = 0;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // AlreadyExists for a name taken; InvalidArgument for a bad name, label
  // name, type/name mismatch (counters end in _total) or non-base unit.
  Result<Family<Counter>*> counter(const MetricSpec& spec);
  Result<Family<Gauge>*> gauge(const MetricSpec& spec);
  Result<Family<Histogram>*> histogram(const MetricSpec& spec, std::vector<double> upper_bounds);

  // `id` removes it later (a module stopping before the registry dies).
  Status add_collector(std::string id, std::shared_ptr<const Collector> collector);
  Status remove_collector(std::string_view id);

  // Every family, registration order. Any thread.
  std::vector<FamilySnapshot> collect() const;
  // Text format 0.0.4.
  std::string scrape() const;

  static Status validate(const MetricSpec& spec);

 private:
  Status claim(const MetricSpec& spec);

  mutable std::shared_mutex mu_;  // guards the lists below; scrapes share it
  std::vector<std::string> names_;
  std::deque<Family<Counter>> counters_;
  std::deque<Family<Gauge>> gauges_;
  std::deque<Family<Histogram>> histograms_;
  struct Entry {
    enum Kind { kCounter, kGauge, kHistogram, kCollector } kind;
    const void* ptr;
    std::string id;
  };
  std::vector<Entry> order_;
  std::map<std::string, std::shared_ptr<const Collector>, std::less<>> collectors_;
};

// Standard bucket layouts.
std::vector<double> latency_buckets_seconds();  // 0.5 ms .. 10 s

}  // namespace sb::metrics
