#include "control/api/api_metrics.hpp"

#include "control/metrics/metric_catalogue.hpp"

namespace sb::api {

namespace {
template <typename T>
Status take(Result<T*> r, T*& out) {
  if (!r) return r.status();
  out = *r;
  return Status::ok();
}
}  // namespace

Result<ApiMetrics> ApiMetrics::register_in(metrics::MetricsRegistry& reg) {
  namespace c = metrics::catalogue;
  ApiMetrics m;
  metrics::Family<metrics::Gauge>* connections = nullptr;
  metrics::Family<metrics::Gauge>* clients = nullptr;
  metrics::Family<metrics::Counter>* published = nullptr;
  SB_RETURN_IF_ERROR(take(reg.counter(c::api_requests), m.requests));
  SB_RETURN_IF_ERROR(take(reg.histogram(c::api_request_duration, metrics::latency_buckets_seconds()), m.duration));
  SB_RETURN_IF_ERROR(take(reg.gauge(c::api_connections), connections));
  SB_RETURN_IF_ERROR(take(reg.counter(c::api_connections_rejected), m.rejected));
  SB_RETURN_IF_ERROR(take(reg.counter(c::api_auth_failures), m.auth_failures));
  SB_RETURN_IF_ERROR(take(reg.counter(c::events_published), published));
  SB_RETURN_IF_ERROR(take(reg.counter(c::events_dropped), m.events_dropped));
  SB_RETURN_IF_ERROR(take(reg.gauge(c::event_clients), clients));
  SB_RETURN_IF_ERROR(take(reg.counter(c::event_clients_disconnected), m.event_disconnects));
  m.connections = &connections->with({});
  m.event_clients = &clients->with({});
  m.events_published = &published->with({});
  return m;
}

}  // namespace sb::api
