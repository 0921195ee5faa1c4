// Requests and responses as API handlers see them, independent of the HTTP
// library underneath (the server adapts Boost.Beast messages to these), so
// handlers and their validation are testable and fuzzable without sockets.
#pragma once

#include "common/status.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::api {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view method_name(Method m) noexcept;
Method method_from(std::string_view name) noexcept;

struct HttpRequest {
  Method method = Method::kGet;
  std::string target;                               // as received: path and query
  std::string path;                                 // decoded path, "/api/v1/..."
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> path_params;   // from the route pattern
  std::map<std::string, std::string> headers;       // names lower-cased; repeated headers joined by ", "
  std::string body;
  std::string route;      // the matched pattern ("/api/v1/recordings/{id}") or "unmatched"
  std::string principal;  // name of the token that authenticated the request; empty if none
  std::string remote;     // peer address, for logs

  const std::string* header(std::string_view name) const;  // lower-case name
  const std::string* query_param(std::string_view name) const;  // first occurrence
  const std::string& param(const std::string& name) const;  // a path parameter the route defines
};

// A file to stream as the response body (downloads). The server takes
// ownership of the descriptor.
struct FileBody {
  int fd = -1;
  std::uint64_t size = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<FileBody> file;

  static HttpResponse json(int status, const nlohmann::json& body);
  static HttpResponse text(int status, std::string body, std::string content_type);
};

// The API's error body, for every 4xx/5xx:
//   {"error": {"status": 422, "code": "invalid_field", "message": "...",
//              "field": "input[2]", "problems": [{"field": ..., "message": ...}]}}
// `field` and `problems` appear when the error is about request fields.
struct FieldProblem {
  std::string field;
  std::string message;
};
HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            const std::vector<FieldProblem>& problems = {});
// The 4xx/5xx that answers a control-plane Status: not-found 404,
// invalid-argument 422, failed-precondition 409, resource-exhausted and
// unavailable 503, anything else 500; the message is the status's.
HttpResponse status_error_response(const Status& status);

}  // namespace sb::api
