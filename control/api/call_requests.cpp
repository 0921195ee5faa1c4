#include "control/api/call_requests.hpp"

#include <algorithm>

#include "control/api/json_validation.hpp"

namespace sb::api {

namespace {

bool read_media(ObjectReader& r, MediaLegBody::Address& out, FieldErrors& errors) {
  auto text = r.string("media", Need::kRequired, 1, 64);
  if (!text) return false;
  auto a = parse_ipv4_endpoint(*text);
  if (!a) {
    errors.add(r.field_path("media"), "must be an IPv4 address and port, \"a.b.c.d:port\"");
    return false;
  }
  out = *a;
  return true;
}

bool plain_name(const std::string& s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

Parsed<NewCallBody> parse_new_call_request(const HttpRequest& req) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  NewCallBody out;
  {
    ObjectReader r(*body, "", errors);
    if (auto caller = r.string("caller", Need::kRequired, 1, 32)) {
      if (plain_name(*caller, "+*#.-_")) out.caller = *caller;
      else errors.add("caller", "only digits, letters and + * # . - _");
    }
    read_media(r, out.media, errors);
    if (auto menu = r.string("menu", Need::kOptional, 1, 64)) {
      if (plain_name(*menu, "-_")) out.menu = *menu;
      else errors.add("menu", "is not a menu name");
    }
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<AnswerBody> parse_answer_request(const HttpRequest& req) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  AnswerBody out;
  {
    ObjectReader r(*body, "", errors);
    if (auto agent = r.string("agent", Need::kRequired, 1, 64)) {
      if (plain_name(*agent, "-_.")) out.agent = *agent;
      else errors.add("agent", "is not an agent id");
    }
    read_media(r, out.media, errors);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<HangupBody> parse_hangup_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  HangupBody out;
  {
    ObjectReader r(*body, "", errors);
    if (auto by = r.choice<std::string_view>("by", {{"caller", "caller"}, {"agent", "agent"}})) out.by = std::string(*by);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

namespace {

std::string read_by(ObjectReader& r) {
  auto by = r.choice<std::string_view>("by", {{"agent", "agent"}, {"supervisor", "supervisor"}, {"api", "api"}});
  return by ? std::string(*by) : std::string("api");
}

}  // namespace

Parsed<HoldBody> parse_hold_request(const HttpRequest& req) {
  auto body = parse_json_body(req, /*empty_is_object=*/true);
  if (!body) return body.error();
  FieldErrors errors;
  HoldBody out;
  {
    ObjectReader r(*body, "", errors);
    out.by = read_by(r);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

Parsed<TransferBody> parse_transfer_request(const HttpRequest& req) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  TransferBody out;
  {
    ObjectReader r(*body, "", errors);
    const bool queue_given = r.has("queue"), agent_given = r.has("agent");
    if (queue_given && agent_given) {
      errors.add("agent", "give either \"queue\" or \"agent\", not both");
    } else if (!queue_given && !agent_given) {
      errors.add("queue", "required (or \"agent\"): where the call goes");
    }
    if (auto queue = r.string("queue", Need::kOptional, 1, 64)) {
      if (plain_name(*queue, "-_.")) out.name = *queue;
      else errors.add("queue", "is not a queue name");
    }
    if (auto agent = r.string("agent", Need::kOptional, 1, 64)) {
      if (plain_name(*agent, "-_.")) out.name = *agent;
      else errors.add("agent", "is not an agent id");
      out.to_agent = true;
    }
    out.by = read_by(r);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

}  // namespace sb::api
