// Routes of the HTTP API: method + path pattern -> handler, with path
// parameters ("/api/v1/recordings/{id}/audio"). Modules plug their
// endpoints in by adding routes; nothing else in the server knows them:
//
//   router.add(Method::kGet, "/api/v1/queues/{queue}", [&acd](const HttpRequest& req, Responder respond) {
//     acd.request_stats(req.param("queue"), [r = std::move(respond)](Stats s) mutable { r(to_json(s)); });
//   }).ignore_error();
//
// Handlers may answer at once or later, from any thread: a Responder
// delivers exactly one response, and one that is dropped unanswered sends a
// 500, so no request can hang because a handler forgot it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/api/http_types.hpp"

namespace sb::api {

class Responder {
 public:
  using Send = std::function<void(HttpResponse)>;
  Responder() = default;
  explicit Responder(Send send) : send_(std::move(send)) {}
  Responder(Responder&& other) noexcept : send_(std::move(other.send_)) { other.send_ = nullptr; }
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Any thread, at most once; later calls do nothing.
  void operator()(HttpResponse response);
  bool answered() const noexcept { return !send_; }

 private:
  Send send_;
};

using Handler = std::function<void(const HttpRequest&, Responder)>;
using SyncHandler = std::function<HttpResponse(const HttpRequest&)>;
// A handler that answers before returning.
Handler sync(SyncHandler fn);

struct RouteOptions {
  bool requires_auth = true;  // bearer token; false only for /healthz and /metrics
  bool websocket = false;     // the handler is not called; the server upgrades
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;  // "{name}" for parameters
};

class Router {
 public:
  // InvalidArgument for a malformed pattern; AlreadyExists when the method
  // and pattern shape are taken.
  Status add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<Method> allowed;  // for 405: the methods the path has
  };
  // Literal segments win over parameters when both match.
  Outcome match(Method method, const std::vector<std::string>& segments, Match& out) const;

  const std::vector<std::unique_ptr<Route>>& routes() const noexcept { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace sb::api
