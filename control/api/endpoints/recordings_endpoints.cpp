#include "control/api/endpoints/recordings_endpoints.hpp"

#include "control/api/endpoints/query_params.hpp"
#include "control/api/endpoints/recordings_store.hpp"

namespace sb::api {

Status add_recordings_routes(Router& router, const config::ConfigStore& store) {
  const config::ConfigStore* s = &store;
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/recordings", sync([s](const HttpRequest& req) {
    FieldErrors errors;
    check_known_params(req, {"limit", "offset"}, errors);
    const auto limit = int_param(req, "limit", 1, 1000, 100, errors);
    const auto offset = int_param(req, "offset", 0, 1'000'000'000, 0, errors);
    if (!errors.empty()) return errors.response();
    const std::string dir = s->config()->recordings.directory;
    auto all = list_recordings(dir);
    if (!all) return error_response(500, "internal", all.status().message());
    nlohmann::json list = nlohmann::json::array();
    const auto begin = std::min<std::size_t>(static_cast<std::size_t>(*offset), all->size());
    const auto end = std::min<std::size_t>(begin + static_cast<std::size_t>(*limit), all->size());
    for (std::size_t i = begin; i < end; ++i) list.push_back((*all)[i].to_json());
    return HttpResponse::json(200, {{"recordings", list},
                                    {"total", all->size()},
                                    {"limit", *limit},
                                    {"offset", *offset},
                                    {"directory", dir}});
  })));

  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/recordings/{id}", sync([s](const HttpRequest& req) {
    auto e = find_recording(s->config()->recordings.directory, req.param("id"));
    if (!e) return error_response(404, "not_found", e.status().message());
    return HttpResponse::json(200, e->to_json());
  })));

  return router.add(Method::kGet, "/api/v1/recordings/{id}/audio", sync([s](const HttpRequest& req) {
    const std::string dir = s->config()->recordings.directory;
    auto e = find_recording(dir, req.param("id"));
    if (!e) return error_response(404, "not_found", e.status().message());
    auto file = open_recording_audio(dir, *e);
    if (!file) return error_response(404, "not_found", file.status().message());
    HttpResponse r;
    r.content_type = e->content_type;
    r.file = *file;
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + e->file + "\"");
    return r;
  }));
}

}  // namespace sb::api
