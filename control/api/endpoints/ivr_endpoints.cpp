#include "control/api/endpoints/ivr_endpoints.hpp"

#include "control/api/endpoints/query_params.hpp"
#include "control/api/json_validation.hpp"
#include "control/api/request_bodies.hpp"
#include "ivr/menu/menu_simulator.hpp"

namespace sb::api {

namespace {

std::shared_ptr<const ivr::menu::IvrConfig> ivr_of(const config::ConfigStore& store) {
  return store.config()->section_ptr<ivr::menu::IvrConfig>("ivr");
}

HttpResponse no_menu(const std::string& name) {
  return error_response(404, "not_found", "no IVR menu named \"" + name + "\"", {{"menu", "no such menu"}});
}

}  // namespace

Status add_ivr_routes(Router& router, const config::ConfigStore& store) {
  const config::ConfigStore* s = &store;
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/ivr/menus", sync([s](const HttpRequest& req) {
    FieldErrors errors;
    check_known_params(req, {}, errors);
    if (!errors.empty()) return errors.response();
    auto ivr = ivr_of(*s);
    if (!ivr) return HttpResponse::json(200, {{"menus", nlohmann::json::array()}});
    return HttpResponse::json(200, ivr->to_json());
  })));

  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/ivr/menus/{menu}", sync([s](const HttpRequest& req) {
    auto ivr = ivr_of(*s);
    const std::string& name = req.param("menu");
    if (!ivr || !ivr->find_menu(name)) return no_menu(name);
    const nlohmann::json all = ivr->to_json();
    for (const auto& m : all["menus"])
      if (m["name"] == name) return HttpResponse::json(200, m);
    return no_menu(name);
  })));

  return router.add(Method::kPost, "/api/v1/ivr/menus/{menu}/simulate", sync([s](const HttpRequest& req) {
    auto ivr = ivr_of(*s);
    const std::string& name = req.param("menu");
    if (!ivr || !ivr->find_menu(name)) return no_menu(name);
    auto parsed = parse_simulate_request(req);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
    const auto& body = std::get<SimulateRequest>(parsed);
    auto result = ivr::menu::simulate_menu(ivr, name, body.input, body.max_events);
    if (!result) return error_response(422, "invalid_request", result.status().message());
    nlohmann::json j = {{"menu", name},
                        {"finished", result->finished},
                        {"outcome", result->outcome},
                        {"variables", result->variables},
                        {"entries_used", result->entries_used},
                        {"transcript", result->transcript}};
    if (!result->stopped_because.empty()) j["stopped_because"] = result->stopped_because;
    return HttpResponse::json(200, j);
  }));
}

}  // namespace sb::api
