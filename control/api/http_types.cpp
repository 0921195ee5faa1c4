#include "control/api/http_types.hpp"

namespace sb::api {

std::string_view method_name(Method m) noexcept {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: break;
  }
  return "OTHER";
}

Method method_from(std::string_view name) noexcept {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete,
                   Method::kOptions})
    if (method_name(m) == name) return m;
  return Method::kOther;
}

const std::string* HttpRequest::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? nullptr : &it->second;
}

const std::string* HttpRequest::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

const std::string& HttpRequest::param(const std::string& name) const {
  static const std::string empty;
  auto it = path_params.find(name);
  return it == path_params.end() ? empty : it->second;
}

HttpResponse HttpResponse::json(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  // Replace invalid UTF-8 instead of throwing: values echoed from a
  // request or read from disk must never take a handler down.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            const std::vector<FieldProblem>& problems) {
  nlohmann::json e = {{"status", status}, {"code", code}, {"message", message}};
  if (!problems.empty()) {
    e["field"] = problems.front().field;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) list.push_back({{"field", p.field}, {"message", p.message}});
    e["problems"] = list;
  }
  return HttpResponse::json(status, {{"error", e}});
}

HttpResponse status_error_response(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return error_response(404, "not_found", s.message());
    case StatusCode::kInvalidArgument: return error_response(422, "invalid_request", s.message());
    case StatusCode::kFailedPrecondition: return error_response(409, "conflict", s.message());
    case StatusCode::kAlreadyExists: return error_response(409, "conflict", s.message());
    case StatusCode::kOutOfRange: return error_response(422, "invalid_request", s.message());
    case StatusCode::kUnsupported: return error_response(422, "unsupported", s.message());
    case StatusCode::kResourceExhausted: return error_response(503, "no_capacity", s.message());
    case StatusCode::kUnavailable: return error_response(503, "unavailable", s.message());
    // Only our own faults (an I/O error, a broken invariant) are 500s.
    default: return error_response(500, "internal", s.message());
  }
}

}  // namespace sb::api
