#include "control/metrics/registry.hpp"

#include <algorithm>
#include <cmath>

#include "control/metrics/exposition.hpp"

namespace sb::metrics {

std::string_view metric_type_name(MetricType t) noexcept {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string_view metric_source_name(MetricSource s) noexcept {
  switch (s) {
    case MetricSource::kProcess: return "process";
    case MetricSource::kDaemon: return "daemon";
    case MetricSource::kApi: return "api";
    case MetricSource::kIvr: return "ivr";
    case MetricSource::kCalls: return "calls";
    case MetricSource::kDataplane: return "dataplane";
    case MetricSource::kAcd: return "acd";
    case MetricSource::kRecordings: return "recordings";
    case MetricSource::kSip: return "sip";
  }
  return "unknown";
}

FamilySnapshot& add_family(std::vector<FamilySnapshot>& out, const MetricSpec& spec) {
  FamilySnapshot f;
  f.spec = &spec;
  f.label_names = label_names_of(spec);
  out.push_back(std::move(f));
  return out.back();
}

std::vector<std::string> label_names_of(const MetricSpec& spec) {
  std::vector<std::string> out;
  std::string_view rest = spec.labels;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<double> latency_buckets_seconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- Histogram ----

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(new std::atomic<std::uint64_t>[upper_bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v: le is inclusive
  // Relaxed: buckets and sum are independent cells; a scrape concurrent
  // with an observation may see one without the other, which Prometheus
  // tolerates (the next scrape is consistent again).
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

HistogramSample Histogram::snapshot() const {
  HistogramSample s;
  s.upper_bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.bucket_counts.push_back(running);
  }
  s.count = running + buckets_[bounds_.size()].load(std::memory_order_relaxed);
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- Family ----

template <typename M>
Family<M>::Family(const MetricSpec* spec, std::vector<double> bounds)
    : spec_(spec), bounds_(std::move(bounds)), arity_(label_names_of(*spec).size()) {}

template <typename M>
M& Family<M>::with(std::initializer_list<std::string_view> label_values) {
  std::vector<std::string> key;
  key.reserve(label_values.size());
  for (auto v : label_values) key.emplace_back(v);
  return with(key);
}

template <typename M>
M& Family<M>::with(const std::vector<std::string>& label_values) {
  std::lock_guard lock(mu_);
  auto it = index_.find(label_values);
  if (it != index_.end()) return *it->second;
  // A wrong number of label values is a programming error; pad or cut so
  // the output stays well-formed rather than crash a scrape.
  std::vector<std::string> key = label_values;
  key.resize(arity_);
  if (auto again = index_.find(key); again != index_.end()) return *again->second;
  if constexpr (std::is_same_v<M, Histogram>) children_.emplace_back(std::span<const double>(bounds_));
  else children_.emplace_back();
  keys_.push_back(key);
  index_.emplace(std::move(key), &children_.back());
  return children_.back();
}

template <typename M>
void Family<M>::snapshot(FamilySnapshot& out) const {
  out.spec = spec_;
  out.label_names = label_names_of(*spec_);
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if constexpr (std::is_same_v<M, Histogram>) {
      HistogramSample h = children_[i].snapshot();
      h.label_values = keys_[i];
      out.histograms.push_back(std::move(h));
    } else {
      out.samples.push_back({keys_[i], static_cast<double>(children_[i].value())});
    }
  }
  // A family without labels shows its single series from the start (0),
  // so rate() has a baseline before the first event.
  if (arity_ == 0 && children_.empty()) {
    if constexpr (std::is_same_v<M, Histogram>) {
      HistogramSample h = Histogram(bounds_).snapshot();
      out.histograms.push_back(std::move(h));
    } else {
      out.samples.push_back({{}, 0.0});
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ----

namespace {

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.rfind("__", 0) == 0) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Status MetricsRegistry::validate(const MetricSpec& spec) {
  const std::string name(spec.name);
  if (!valid_metric_name(spec.name)) return invalid_argument("\"" + name + "\" is not a valid metric name");
  if (spec.help.empty()) return invalid_argument(name + " has no help text");
  const bool total = ends_with(spec.name, "_total");
  if (spec.type == MetricType::kCounter && !total) return invalid_argument("counter " + name + " must end in _total");
  if (spec.type != MetricType::kCounter && total) return invalid_argument(name + " ends in _total but is not a counter");
  for (std::string_view reserved : {"_bucket", "_sum", "_count"})
    if (ends_with(spec.name, reserved)) return invalid_argument(name + " ends in a suffix histograms reserve");
  // Prometheus wants base units: seconds, bytes.
  for (std::string_view unit : {"_milliseconds", "_microseconds", "_nanoseconds", "_ms", "_kilobytes", "_megabytes",
                                "_percent", "_minutes", "_hours"})
    if (spec.name.find(std::string(unit) + "_") != std::string_view::npos || ends_with(spec.name, unit))
      return invalid_argument(name + " is not in base units (seconds, bytes, ratio)");
  std::vector<std::string> labels = label_names_of(spec);
  for (const auto& l : labels) {
    if (!valid_label_name(l)) return invalid_argument(name + ": \"" + l + "\" is not a valid label name");
    if (spec.type == MetricType::kHistogram && l == "le") return invalid_argument(name + ": histograms reserve \"le\"");
  }
  std::sort(labels.begin(), labels.end());
  if (std::adjacent_find(labels.begin(), labels.end()) != labels.end())
    return invalid_argument(name + " repeats a label name");
  return Status::ok();
}

Status MetricsRegistry::claim(const MetricSpec& spec) {
  SB_RETURN_IF_ERROR(validate(spec));
  if (std::find(names_.begin(), names_.end(), spec.name) != names_.end())
    return already_exists("metric " + std::string(spec.name) + " is already registered");
  names_.emplace_back(spec.name);
  return Status::ok();
}

Result<Family<Counter>*> MetricsRegistry::counter(const MetricSpec& spec) {
  if (spec.type != MetricType::kCounter) return invalid_argument(std::string(spec.name) + " is not a counter");
  std::unique_lock lock(mu_);
  SB_RETURN_IF_ERROR(claim(spec));
  counters_.emplace_back(&spec, std::vector<double>{});
  order_.push_back({Entry::kCounter, &counters_.back(), {}});
  return &counters_.back();
}

Result<Family<Gauge>*> MetricsRegistry::gauge(const MetricSpec& spec) {
  if (spec.type != MetricType::kGauge) return invalid_argument(std::string(spec.name) + " is not a gauge");
  std::unique_lock lock(mu_);
  SB_RETURN_IF_ERROR(claim(spec));
  gauges_.emplace_back(&spec, std::vector<double>{});
  order_.push_back({Entry::kGauge, &gauges_.back(), {}});
  return &gauges_.back();
}

Result<Family<Histogram>*> MetricsRegistry::histogram(const MetricSpec& spec, std::vector<double> upper_bounds) {
  if (spec.type != MetricType::kHistogram) return invalid_argument(std::string(spec.name) + " is not a histogram");
  if (upper_bounds.empty()) return invalid_argument(std::string(spec.name) + " needs bucket bounds");
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i])) return invalid_argument("bucket bounds must be finite (+Inf is implied)");
    if (i > 0 && upper_bounds[i] <= upper_bounds[i - 1]) return invalid_argument("bucket bounds must ascend");
  }
  std::unique_lock lock(mu_);
  SB_RETURN_IF_ERROR(claim(spec));
  histograms_.emplace_back(&spec, std::move(upper_bounds));
  order_.push_back({Entry::kHistogram, &histograms_.back(), {}});
  return &histograms_.back();
}

Status MetricsRegistry::add_collector(std::string id, std::shared_ptr<const Collector> collector) {
  if (!collector) return invalid_argument("null collector");
  std::unique_lock lock(mu_);
  if (collectors_.count(id)) return already_exists("collector " + id + " is already registered");
  const auto specs = collector->describe();
  for (const MetricSpec* s : specs) SB_RETURN_IF_ERROR(validate(*s));
  for (const MetricSpec* s : specs)
    if (std::find(names_.begin(), names_.end(), s->name) != names_.end())
      return already_exists("metric " + std::string(s->name) + " is already registered");
  for (const MetricSpec* s : specs) names_.emplace_back(s->name);
  order_.push_back({Entry::kCollector, collector.get(), id});
  collectors_.emplace(std::move(id), std::move(collector));
  return Status::ok();
}

Status MetricsRegistry::remove_collector(std::string_view id) {
  std::unique_lock lock(mu_);
  auto it = collectors_.find(id);
  if (it == collectors_.end()) return not_found("no collector " + std::string(id));
  for (const MetricSpec* s : it->second->describe()) std::erase(names_, std::string(s->name));
  std::erase_if(order_, [&](const Entry& e) { return e.kind == Entry::kCollector && e.id == id; });
  collectors_.erase(it);
  return Status::ok();
}

std::vector<FamilySnapshot> MetricsRegistry::collect() const {
  std::shared_lock lock(mu_);
  std::vector<FamilySnapshot> out;
  out.reserve(order_.size());
  for (const Entry& e : order_) {
    switch (e.kind) {
      case Entry::kCounter:
        out.emplace_back();
        static_cast<const Family<Counter>*>(e.ptr)->snapshot(out.back());
        break;
      case Entry::kGauge:
        out.emplace_back();
        static_cast<const Family<Gauge>*>(e.ptr)->snapshot(out.back());
        break;
      case Entry::kHistogram:
        out.emplace_back();
        static_cast<const Family<Histogram>*>(e.ptr)->snapshot(out.back());
        break;
      case Entry::kCollector:
        static_cast<const Collector*>(e.ptr)->collect(out);
        break;
    }
  }
  return out;
}

std::string MetricsRegistry::scrape() const { return render_text(collect()); }

}  // namespace sb::metrics
