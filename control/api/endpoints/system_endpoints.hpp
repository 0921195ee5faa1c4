// Endpoints of the daemon itself: /healthz, /metrics, the running config,
// reload and log level. Module endpoints (calls, agents, queues, media
// sessions, supervisor) are added by their modules the same way.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "control/api/router.hpp"
#include "control/config/config_store.hpp"
#include "control/config/diagnostics.hpp"
#include "control/metrics/registry.hpp"

namespace sb::api {

struct ReloadOutcome {
  bool ok = false;
  std::uint64_t generation = 0;                  // the running generation afterwards
  std::vector<config::ConfigError> diagnostics;  // errors (when !ok) and warnings
};

// GET /healthz (no token): 200 {"status":"ok"}, or 503 {"status":"draining"}
// while `draining()` is true, so load balancers stop sending work.
Status add_health_route(Router& router, std::function<bool()> draining);
// GET <path> (no token): the registry in the text format.
Status add_metrics_route(Router& router, const std::string& path, const metrics::MetricsRegistry& registry);

struct SystemRoutes {
  const config::ConfigStore* config = nullptr;  // required
  std::function<ReloadOutcome()> reload;        // POST /api/v1/config/reload; absent: not registered
};
// GET /api/v1/config, POST /api/v1/config/reload, GET/PUT /api/v1/logging.
Status add_system_routes(Router& router, const SystemRoutes& routes);

}  // namespace sb::api
