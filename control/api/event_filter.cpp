#include "control/api/event_filter.hpp"

#include "control/api/json_validation.hpp"

namespace sb::api {

namespace {

bool valid_word(std::string_view w) {
  if (w.empty()) return false;
  for (char c : w)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

bool valid_event_type(std::string_view type) noexcept {
  if (type.empty() || type.size() > kMaxPatternLength) return false;
  while (true) {
    const auto dot = type.find('.');
    if (!valid_word(type.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    type.remove_prefix(dot + 1);
  }
}

Status EventFilter::add(std::string_view p) {
  if (p.size() > kMaxPatternLength)
    return invalid_argument("pattern longer than " + std::to_string(kMaxPatternLength) + " bytes");
  if (p == "*") {
    all_ = true;
    return Status::ok();
  }
  if (p.size() > 2 && p.substr(p.size() - 2) == ".*") {
    const std::string_view stem = p.substr(0, p.size() - 2);
    if (!valid_event_type(stem))
      return invalid_argument("\"" + std::string(p) + "\" is not an event type pattern (\"call.*\", \"agent.state\")");
    prefixes_.push_back(std::string(stem) + ".");
    return Status::ok();
  }
  if (!valid_event_type(p))
    return invalid_argument("\"" + std::string(p) + "\" is not an event type pattern (\"call.*\", \"agent.state\")");
  exact_.emplace_back(p);
  return Status::ok();
}

Result<EventFilter> EventFilter::from_patterns(const std::vector<std::string>& patterns) {
  if (patterns.size() > kMaxFilterPatterns)
    return invalid_argument("at most " + std::to_string(kMaxFilterPatterns) + " patterns");
  EventFilter f;
  if (patterns.empty()) return f;
  f.all_ = false;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    Status s = f.add(patterns[i]);
    if (!s.is_ok()) return invalid_argument("types[" + std::to_string(i) + "]: " + s.message());
  }
  return f;
}

Result<EventFilter> EventFilter::parse_list(std::string_view csv) {
  std::vector<std::string> patterns;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    std::string_view p = csv.substr(0, comma);
    while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
    while (!p.empty() && p.back() == ' ') p.remove_suffix(1);
    if (p.empty()) return invalid_argument("types[" + std::to_string(patterns.size()) + "]: empty pattern");
    patterns.emplace_back(p);
    if (patterns.size() > kMaxFilterPatterns)
      return invalid_argument("at most " + std::to_string(kMaxFilterPatterns) + " patterns");
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
    if (csv.empty()) return invalid_argument("types[" + std::to_string(patterns.size()) + "]: empty pattern");
  }
  return from_patterns(patterns);
}

bool EventFilter::matches(std::string_view type) const noexcept {
  if (all_) return true;
  for (const auto& e : exact_)
    if (e == type) return true;
  for (const auto& p : prefixes_)
    if (type.size() > p.size() && type.substr(0, p.size()) == p) return true;
  return false;
}

std::vector<std::string> EventFilter::patterns() const {
  if (all_) return {"*"};
  std::vector<std::string> out = exact_;
  for (const auto& p : prefixes_) out.push_back(p + "*");
  return out;
}

Result<ClientCommand> parse_client_command(std::string_view text) {
  if (text.size() > kMaxClientMessageBytes)
    return invalid_argument("message longer than " + std::to_string(kMaxClientMessageBytes) + " bytes");
  std::string why;
  auto j = parse_strict_json(text, &why);
  if (!j) return invalid_argument("not valid JSON: " + why);
  FieldErrors errors;
  ClientCommand cmd;
  {
    ObjectReader r(*j, "", errors);
    cmd.id = r.string("id", Need::kOptional, 0, 64).value_or("");
    auto op = r.choice<ClientCommand::Op>("op", {{"subscribe", ClientCommand::Op::kSubscribe},
                                                 {"ping", ClientCommand::Op::kPing}},
                                          Need::kRequired);
    if (op) cmd.op = *op;
    if (op == ClientCommand::Op::kSubscribe) {
      std::vector<std::string> patterns;
      r.array("types", kMaxFilterPatterns, Need::kRequired, [&](const nlohmann::json& e, const std::string& path) {
        if (!e.is_string()) errors.add(path, "must be a string, found " + std::string(json_type_name(e)));
        else patterns.push_back(e.get<std::string>());
      });
      if (errors.empty()) {
        auto f = EventFilter::from_patterns(patterns);
        if (!f) errors.add("", f.status().message());
        else cmd.filter = std::move(*f);
      }
    }
  }
  if (!errors.empty()) {
    const auto& p = errors.problems().front();
    return invalid_argument(p.field.empty() ? p.message : p.field + ": " + p.message);
  }
  return cmd;
}

}  // namespace sb::api
