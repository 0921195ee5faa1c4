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
    const int given = int{r.has("queue")} + int{r.has("agent")} + int{r.has("number")};
    if (given > 1) {
      errors.add(r.has("number") ? "number" : "agent", "give exactly one of \"queue\", \"agent\" or \"number\"");
    } else if (given == 0) {
      errors.add("queue", "required (or \"agent\" or \"number\"): where the call goes");
    }
    if (auto queue = r.string("queue", Need::kOptional, 1, 64)) {
      if (plain_name(*queue, "-_.")) out.name = *queue;
      else errors.add("queue", "is not a queue name");
    }
    if (auto agent = r.string("agent", Need::kOptional, 1, 64)) {
      if (plain_name(*agent, "-_.")) out.name = *agent;
      else errors.add("agent", "is not an agent id");
      out.to = TransferBody::To::kAgent;
    }
    if (auto number = r.string("number", Need::kOptional, 3, 21)) {
      if (is_dial_number(*number)) out.name = *number;
      else errors.add("number", "is not a number to dial (3 to 20 digits, optionally after a leading +)");
      out.to = TransferBody::To::kNumber;
    }
    out.by = read_by(r);
  }
  if (!errors.empty()) return errors.response();
  return out;
}

bool is_dial_number(std::string_view number) noexcept {
  if (!number.empty() && number.front() == '+') number.remove_prefix(1);
  if (number.size() < 3 || number.size() > 20) return false;
  return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

// The joining supervisor: who, where its RTP goes, what it talks.
void read_supervisor_join(ObjectReader& r, SuperviseBody& out, FieldErrors& errors) {
  if (auto who = r.string("supervisor", Need::kRequired, 1, 64)) {
    if (plain_name(*who, "-_.@")) out.supervisor = *who;
    else errors.add("supervisor", "is not a user id (letters, digits and - _ . @)");
  }
  read_media(r, out.media, errors);
  if (auto codec = r.choice<std::string_view>("codec", {{"PCMU", "PCMU"}, {"PCMA", "PCMA"}, {"G722", "G722"},
                                                        {"opus", "opus"}}))
    out.codec = std::string(*codec);
  if (auto pt = r.integer("payload_type", 0, 127)) {
    out.payload_type = static_cast<std::uint8_t>(*pt);
  } else if (!r.has("payload_type")) {
    // RFC 3551's static types; Opus has none.
    if (out.codec == "opus") errors.add("payload_type", "is required with opus (a dynamic payload type, 96-127)");
    out.payload_type = out.codec == "PCMA" ? 8 : out.codec == "G722" ? 9 : 0;
  }
}

}  // namespace

Parsed<SuperviseBody> parse_supervise_request(const HttpRequest& req, bool mode_only) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  FieldErrors errors;
  SuperviseBody out;
  {
    ObjectReader r(*body, "", errors);
    out.join = !mode_only && (r.has("supervisor") || r.has("media"));
    if (auto mode = r.choice<std::string_view>(
            "mode", {{"listen", "listen"}, {"whisper", "whisper"}, {"barge", "barge"}},
            out.join ? Need::kOptional : Need::kRequired))
      out.mode = std::string(*mode);
    if (!out.join) {
      // A mode change names nothing else (the unknown-field check reports the rest).
      for (const char* key : {"codec", "payload_type"})
        if (r.has(key)) errors.add(key, "only with \"supervisor\" and \"media\" (a supervisor joining)");
      if (mode_only)
        for (const char* key : {"supervisor", "media"})
          if (r.has(key)) errors.add(key, "PUT changes the mode only; POST adds a supervisor");
    } else {
      read_supervisor_join(r, out, errors);
    }
  }
  if (!errors.empty()) return errors.response();
  return out;
}

}  // namespace sb::api
