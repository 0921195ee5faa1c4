#include "control/api/endpoints/system_endpoints.hpp"

#include <spdlog/spdlog.h>

#include "control/api/endpoints/query_params.hpp"
#include "control/api/event_hub.hpp"
#include "control/api/json_validation.hpp"
#include "control/api/request_bodies.hpp"
#include "control/metrics/exposition.hpp"

namespace sb::api {

Status add_health_route(Router& router, std::function<bool()> draining) {
  return router.add(
      Method::kGet, "/healthz",
      sync([draining = std::move(draining)](const HttpRequest&) {
        if (draining && draining()) return HttpResponse::json(503, {{"status", "draining"}, {"version", SB_VERSION}});
        return HttpResponse::json(200, {{"status", "ok"}, {"version", SB_VERSION}});
      }),
      {.requires_auth = false});
}

Status add_metrics_route(Router& router, const std::string& path, const metrics::MetricsRegistry& registry) {
  return router.add(
      Method::kGet, path,
      sync([&registry](const HttpRequest&) {
        return HttpResponse::text(200, registry.scrape(), std::string(metrics::kTextContentType));
      }),
      {.requires_auth = false});
}

namespace {

nlohmann::json diagnostics_json(const std::vector<config::ConfigError>& diags) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& d : diags)
    a.push_back({{"severity", d.severity == config::Severity::kError ? "error" : "warning"},
                 {"file", d.file},
                 {"line", d.position.line},
                 {"column", d.position.column},
                 {"key", d.key},
                 {"message", d.message},
                 {"text", d.to_string()}});
  return a;
}

// The names the config file uses (spdlog says "warning" for warn).
constexpr JsonChoice<spdlog::level::level_enum> kLevels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off}};

std::string_view level_name(spdlog::level::level_enum l) {
  for (const auto& c : kLevels)
    if (c.value == l) return c.name;
  return "unknown";
}

}  // namespace

Status add_system_routes(Router& router, const SystemRoutes& routes) {
  const config::ConfigStore* store = routes.config;
  if (!store) return invalid_argument("system routes need the config store");
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/config", sync([store](const HttpRequest& req) {
    FieldErrors errors;
    check_known_params(req, {}, errors);
    if (!errors.empty()) return errors.response();
    const auto snap = store->snapshot();
    return HttpResponse::json(200, {{"generation", snap->generation},
                                    {"loaded_at", format_utc(snap->loaded_at)},
                                    {"source", snap->config->source},
                                    {"config", snap->config->to_json()}});
  })));

  if (routes.reload) {
    SB_RETURN_IF_ERROR(router.add(
        Method::kPost, "/api/v1/config/reload", sync([reload = routes.reload](const HttpRequest& req) {
          auto parsed = parse_empty_request(req);  // no fields are defined
          if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
          const ReloadOutcome r = reload();
          nlohmann::json j = {{"reloaded", r.ok}, {"generation", r.generation},
                              {"diagnostics", diagnostics_json(r.diagnostics)}};
          if (r.ok) return HttpResponse::json(200, j);
          return HttpResponse::json(
              422, {{"error",
                     {{"status", 422},
                      {"code", "invalid_config"},
                      {"message", "the config file has errors; the running config is unchanged"},
                      {"generation", r.generation},
                      {"diagnostics", j["diagnostics"]}}}});
        })));
  }

  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/logging", sync([](const HttpRequest&) {
    return HttpResponse::json(200, {{"level", level_name(spdlog::get_level())}});
  })));
  return router.add(Method::kPut, "/api/v1/logging", sync([](const HttpRequest& req) {
    auto parsed = parse_log_level_request(req);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
    std::optional<spdlog::level::level_enum> level;
    for (const auto& c : kLevels)
      if (c.name == std::get<LogLevelRequest>(parsed).level) level = c.value;
    if (!level) return error_response(500, "internal", "log level names disagree");
    spdlog::set_level(*level);
    spdlog::info("log level set to {} through the API by {}", level_name(*level), req.principal);
    return HttpResponse::json(200, {{"level", level_name(*level)}});
  }));
}

}  // namespace sb::api
