// The HTTP API's and event stream's metrics (names in metric_catalogue.hpp),
// registered once and handed to the server and the hub. Either may run
// without them (nullptr) in tests that do not look at metrics.
#pragma once

#include "common/status.hpp"
#include "control/metrics/registry.hpp"

namespace sb::api {

struct ApiMetrics {
  metrics::Family<metrics::Counter>* requests = nullptr;       // method, route, code
  metrics::Family<metrics::Histogram>* duration = nullptr;     // route
  metrics::Gauge* connections = nullptr;
  metrics::Family<metrics::Counter>* rejected = nullptr;       // reason
  metrics::Family<metrics::Counter>* auth_failures = nullptr;  // reason
  metrics::Counter* events_published = nullptr;
  metrics::Family<metrics::Counter>* events_dropped = nullptr;  // reason
  metrics::Gauge* event_clients = nullptr;
  metrics::Family<metrics::Counter>* event_disconnects = nullptr;  // reason

  static Result<ApiMetrics> register_in(metrics::MetricsRegistry& registry);
};

}  // namespace sb::api
