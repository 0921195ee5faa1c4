// Fuzzes what the HTTP API reads from the network before any handler logic:
// the request target (path segments, percent-decoding, query parameters)
// and every JSON request body validator. Input: one selector byte, then
// the bytes of a target or a body.
#include <cstdint>
#include <string>

#include "control/api/call_requests.hpp"
#include "control/api/json_validation.hpp"
#include "control/api/media_requests.hpp"
#include "control/api/request_bodies.hpp"
#include "control/api/url.hpp"

namespace {

// Every error is a 4xx JSON answer.
void check(const sb::api::HttpResponse& r) {
  if (r.status < 400 || r.status > 499) __builtin_trap();
  std::string why;
  if (!sb::api::parse_strict_json(r.body, &why)) __builtin_trap();
}

template <typename T>
void check(const sb::api::Parsed<T>& p) {
  if (auto* e = std::get_if<sb::api::HttpResponse>(&p)) check(*e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  sb::api::HttpRequest req;
  req.headers["content-type"] = "application/json";
  req.body = input;
  switch (data[0] % 17) {
    case 0: {
      auto t = sb::api::parse_target(input);
      if (t && (t->segments.size() > sb::api::kMaxSegments || t->query.size() > sb::api::kMaxQueryParams))
        __builtin_trap();
      break;
    }
    case 1:
      check(sb::api::parse_log_level_request(req));
      break;
    case 2: {
      auto p = sb::api::parse_simulate_request(req);
      check(p);
      if (auto* s = std::get_if<sb::api::SimulateRequest>(&p))
        for (const auto& e : s->input)
          if (e.size() > 32 || e.find_first_not_of("0123456789*#ABCD") != std::string::npos) __builtin_trap();
      break;
    }
    case 3:
      check(sb::api::parse_empty_request(req));
      break;
    case 4: {
      auto p = sb::api::parse_not_ready_request(req);
      check(p);
      if (auto* n = std::get_if<sb::api::NotReadyRequest>(&p))
        if (n->reason.empty() || n->reason.size() > 31 ||
            n->reason.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
                std::string::npos)
          __builtin_trap();
      break;
    }
    case 5: {
      auto p = sb::api::parse_media_session_request(req);
      check(p);
      if (auto* m = std::get_if<sb::api::MediaSessionBody>(&p))
        for (const auto& leg : m->legs)
          if ((leg.remote && leg.remote->port == 0) || ((leg.inband_dtmf || leg.suppress_dtmf) && !leg.has_audio))
            __builtin_trap();
      break;
    }
    case 6: {
      auto p = sb::api::parse_media_leg_request(req);
      check(p);
      if (auto* leg = std::get_if<sb::api::MediaLegBody>(&p))
        if (leg->telephone_event_pt != 0 && leg->telephone_event_pt < 96) __builtin_trap();
      break;
    }
    case 7: {
      auto p = sb::api::parse_new_call_request(req);
      check(p);
      if (auto* c = std::get_if<sb::api::NewCallBody>(&p))
        if (c->caller.empty() || c->caller.size() > 32 || c->media.port == 0) __builtin_trap();
      break;
    }
    case 8: {
      auto p = sb::api::parse_answer_request(req);
      check(p);
      if (auto* a = std::get_if<sb::api::AnswerBody>(&p))
        if (a->agent.empty() || a->media.port == 0) __builtin_trap();
      break;
    }
    case 9: {
      auto p = sb::api::parse_hangup_request(req);
      check(p);
      if (auto* h = std::get_if<sb::api::HangupBody>(&p))
        if (h->by != "caller" && h->by != "agent") __builtin_trap();
      break;
    }
    case 10: {
      auto p = sb::api::parse_transfer_request(req);
      check(p);
      if (auto* t = std::get_if<sb::api::TransferBody>(&p))
        if (t->name.empty() || t->name.size() > 64 ||
            (t->to == sb::api::TransferBody::To::kNumber && !sb::api::is_dial_number(t->name)))
          __builtin_trap();
      break;
    }
    case 11: {
      auto p = sb::api::parse_hold_request(req);
      check(p);
      if (auto* h = std::get_if<sb::api::HoldBody>(&p))
        if (h->by != "agent" && h->by != "supervisor" && h->by != "api") __builtin_trap();
      break;
    }
    case 12:
    case 13: {
      auto p = sb::api::parse_supervise_request(req, /*mode_only=*/data[0] % 17 == 13);
      check(p);
      if (auto* b = std::get_if<sb::api::SuperviseBody>(&p)) {
        if (b->mode != "listen" && b->mode != "whisper" && b->mode != "barge") __builtin_trap();
        if (b->join && (b->supervisor.empty() || b->supervisor.size() > 64 || b->media.port == 0)) __builtin_trap();
        if (b->join && b->codec != "PCMU" && b->codec != "PCMA" && b->codec != "G722" && b->codec != "opus")
          __builtin_trap();
      }
      break;
    }
    case 14: {
      auto p = sb::api::parse_room_request(req);
      check(p);
      if (auto* r = std::get_if<sb::api::RoomBody>(&p))
        if (r->sample_rate != 8000 && r->sample_rate != 16000) __builtin_trap();
      break;
    }
    case 15: {
      auto p = sb::api::parse_party_request(req);
      check(p);
      if (auto* leg = std::get_if<sb::api::MediaLegBody>(&p))
        if (!leg->has_audio) __builtin_trap();
      break;
    }
    default: {
      std::string why;
      auto j = sb::api::parse_strict_json(input, &why);
      if (j) {
        sb::api::FieldErrors errors;
        sb::api::ObjectReader r(*j, "", errors);
        (void)r.string("a");
        (void)r.integer("b", -5, 5);
        if (auto o = r.object("c")) (void)o->number("d", 0, 1);
      }
      break;
    }
  }
  return 0;
}
