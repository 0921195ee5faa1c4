#include "control/api/endpoints/ivr_endpoints.hpp"

#include "control/api/endpoints/query_params.hpp"
#include "control/api/json_validation.hpp"
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
    auto body = parse_json_body(req, /*empty_is_object=*/true);
    if (!body) return body.error();
    FieldErrors errors;
    std::vector<std::string> entries;
    std::int64_t max_events = 500;
    {
      ObjectReader r(*body, "", errors);
      r.array("input", 64, Need::kOptional, [&](const nlohmann::json& e, const std::string& path) {
        if (!e.is_string()) {
          errors.add(path, "must be a string of DTMF keys, found " + std::string(json_type_name(e)));
          return;
        }
        const auto& text = e.get_ref<const std::string&>();
        if (text.size() > 32) {
          errors.add(path, "must be at most 32 keys");
          return;
        }
        for (char c : text) {
          if (ivr::menu::dtmf_key_index(c) < 0) {
            errors.add(path, "holds a character that is not a DTMF key (0-9, *, #, A-D)");
            return;
          }
        }
        entries.push_back(text);
      });
      max_events = r.integer("max_events", 1, 10000).value_or(max_events);
    }
    if (!errors.empty()) return errors.response();
    auto result = ivr::menu::simulate_menu(ivr, name, entries, static_cast<std::size_t>(max_events));
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
