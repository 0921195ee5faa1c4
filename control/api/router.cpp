#include "control/api/router.hpp"

#include <algorithm>

namespace sb::api {

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (send_) send_(error_response(500, "internal", "the handler did not answer"));
    send_ = std::move(other.send_);
    other.send_ = nullptr;
  }
  return *this;
}

Responder::~Responder() {
  if (send_) send_(error_response(500, "internal", "the handler did not answer"));
}

void Responder::operator()(HttpResponse response) {
  if (!send_) return;
  Send s = std::move(send_);
  send_ = nullptr;
  s(std::move(response));
}

Handler sync(SyncHandler fn) {
  return [fn = std::move(fn)](const HttpRequest& req, Responder respond) { respond(fn(req)); };
}

namespace {

bool is_param(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

bool valid_literal(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace

Status Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern[0] != '/') return invalid_argument("route pattern must start with '/'");
  auto r = std::make_unique<Route>();
  r->method = method;
  r->pattern = std::string(pattern);
  r->handler = std::move(handler);
  r->options = options;
  std::string_view rest = pattern.substr(1);
  std::vector<std::string> names;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (is_param(seg)) {
      const std::string name(seg.substr(1, seg.size() - 2));
      if (!valid_literal(name) || std::find(names.begin(), names.end(), name) != names.end())
        return invalid_argument("bad or repeated parameter in route " + r->pattern);
      names.push_back(name);
    } else if (!valid_literal(seg)) {
      return invalid_argument("bad segment \"" + std::string(seg) + "\" in route " + r->pattern);
    }
    r->segments.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  for (const auto& other : routes_) {
    if (other->method != method || other->segments.size() != r->segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < r->segments.size() && same; ++i) {
      const bool a = is_param(other->segments[i]), b = is_param(r->segments[i]);
      same = (a && b) || (!a && !b && other->segments[i] == r->segments[i]);
    }
    if (same) return already_exists("route " + std::string(method_name(method)) + " " + r->pattern + " exists");
  }
  routes_.push_back(std::move(r));
  return Status::ok();
}

Router::Outcome Router::match(Method method, const std::vector<std::string>& segments, Match& out) const {
  const Route* best = nullptr;
  int best_literals = -1;
  bool path_exists = false;
  out.allowed.clear();
  for (const auto& r : routes_) {
    if (r->segments.size() != segments.size()) continue;
    int literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(r->segments[i])) ok = !segments[i].empty();
      else if (r->segments[i] == segments[i]) ++literals;
      else ok = false;
    }
    if (!ok) continue;
    path_exists = true;
    if (std::find(out.allowed.begin(), out.allowed.end(), r->method) == out.allowed.end())
      out.allowed.push_back(r->method);
    if (r->method == method && literals > best_literals) {
      best = r.get();
      best_literals = literals;
    }
  }
  if (!best) return path_exists ? Outcome::kMethodNotAllowed : Outcome::kNotFound;
  out.route = best;
  out.params.clear();
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (is_param(best->segments[i]))
      out.params[best->segments[i].substr(1, best->segments[i].size() - 2)] = segments[i];
  return Outcome::kFound;
}

}  // namespace sb::api
