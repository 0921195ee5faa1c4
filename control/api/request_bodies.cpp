#include "control/api/request_bodies.hpp"

#include <algorithm>

#include "control/api/json_validation.hpp"

namespace sb::api {

Parsed<LogLevelRequest> parse_log_level_request(const HttpRequest& req) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  LogLevelRequest out;
  {
    ObjectReader r(*body, "", errors);
    if (auto l = r.choice<std::string_view>("level",
                                            {{"trace", "trace"},
                                             {"debug", "debug"},
                                             {"info", "info"},
                                             {"warn", "warn"},
                                             {"error", "error"},
                                             {"critical", "critical"},
                                             {"off", "off"}},
                                            Need::kRequired))
      out.level = std::string(*l);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<SimulateRequest> parse_simulate_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  SimulateRequest out;
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
      if (text.find_first_not_of("0123456789*#ABCD") != std::string::npos) {
        errors.add(path, "holds a character that is not a DTMF key (0-9, *, #, A-D)");
        return;
      }
      out.input.push_back(text);
    });
    if (auto m = r.integer("max_events", 1, 10000)) out.max_events = static_cast<std::size_t>(*m);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<NotReadyRequest> parse_not_ready_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  NotReadyRequest out;
  {
    ObjectReader r(*body, "", errors);
    if (auto reason = r.string("reason", Need::kOptional, 1, 31)) {
      const bool ok = std::all_of(reason->begin(), reason->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      });
      if (ok) out.reason = *reason;
      else errors.add("reason", "only letters, digits, '-' and '_' (a reason code, not prose)");
    }
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<EmptyRequest> parse_empty_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  ObjectReader(*body, "", errors).finish();
  if (!errors.empty()) return errors.response();
  return EmptyRequest{};
}

}  // namespace sb::api
