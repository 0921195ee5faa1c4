// What a metric is: name, type, labels, unit and help, as one constant
// that the code registers and the documentation, alert rules and dashboard
// are checked against (metric_catalogue.hpp holds them all).
#pragma once

#include <string_view>

namespace sb::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };
std::string_view metric_type_name(MetricType t) noexcept;

// Who produces a metric. Only metrics whose producer is part of the build
// are registered; the others are the agreed names modules implement against.
enum class MetricSource { kProcess, kDaemon, kApi, kIvr, kCalls, kDataplane, kAcd, kRecordings, kSip };
std::string_view metric_source_name(MetricSource s) noexcept;

struct MetricSpec {
  std::string_view name;    // full name: "switchboard_api_requests_total"
  MetricType type;
  std::string_view labels;  // comma-separated label names, "" for none
  std::string_view unit;    // base unit in the name ("seconds", "bytes", "ratio") or ""
  std::string_view help;
  MetricSource source;
};

}  // namespace sb::metrics
