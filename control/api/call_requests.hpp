// Request bodies of the call endpoints (/api/v1/calls), validated apart
// from call control so the fuzz target covers them:
//   POST /api/v1/calls               {"caller": "+15551230000", "media": "127.0.0.1:40000", "menu": "main"}
//   POST /api/v1/calls/{id}/answer   {"agent": "1001", "media": "127.0.0.1:40002"}
//   POST /api/v1/calls/{id}/hangup   {"by": "caller" | "agent"}   (optional)
//   POST /api/v1/calls/{id}/hold     {"by": "agent" | "supervisor" | "api"}   (optional; also /unhold)
//   POST /api/v1/calls/{id}/transfer {"queue": "billing"} or {"agent": "1002"} or {"number": "+15551234567"},
//                                     "by" as for hold
//   POST /api/v1/calls/{id}/supervise {"supervisor": "s1", "media": "127.0.0.1:40004",
//                                      "mode": "listen" | "whisper" | "barge",          (optional: listen)
//                                      "codec": "PCMU" | "PCMA" | "G722" | "opus",      (optional: PCMU)
//                                      "payload_type": 0}                               (optional but for opus)
//   PUT  /api/v1/calls/{id}/supervise {"mode": "whisper"}   (also POST with "mode" alone)
// A call placed through the API is an inbound call whose signalling is the
// API itself (a test harness, a gateway that speaks HTTP); with SIP the
// same call control is driven by INVITE/200/BYE.
#pragma once

#include <string>
#include <string_view>

#include "control/api/media_requests.hpp"

namespace sb::api {

struct NewCallBody {
  std::string caller;             // 1-32 characters of [0-9+*#A-Za-z.-_]
  MediaLegBody::Address media;    // where the caller receives RTP
  std::string menu;               // empty: the IVR's entry menu
};
Parsed<NewCallBody> parse_new_call_request(const HttpRequest& req);

struct AnswerBody {
  std::string agent;
  MediaLegBody::Address media;    // where the agent receives RTP
};
Parsed<AnswerBody> parse_answer_request(const HttpRequest& req);

struct HangupBody {
  std::string by = "caller";
};
Parsed<HangupBody> parse_hangup_request(const HttpRequest& req);

struct HoldBody {
  std::string by = "api";
};
Parsed<HoldBody> parse_hold_request(const HttpRequest& req);

struct TransferBody {
  enum class To : std::uint8_t { kQueue, kAgent, kNumber };
  To to = To::kQueue;
  std::string name;               // queue name, agent id, or number to dial
  std::string by = "api";
};
Parsed<TransferBody> parse_transfer_request(const HttpRequest& req);

// A number Switchboard may dial (transfers out, callbacks): digits with an
// optional leading '+', 3 to 20 digits (E.164 allows 15; the rest leaves
// room for access codes).
bool is_dial_number(std::string_view number) noexcept;

// A supervisor joining a call (`join`: the body named "supervisor" or
// "media"), or a mode change (only "mode").
struct SuperviseBody {
  bool join = false;
  std::string supervisor;         // who listens in (the supervisor's user id)
  std::string mode = "listen";    // listen | whisper | barge
  MediaLegBody::Address media;    // where the supervisor receives RTP
  std::string codec = "PCMU";     // PCMU | PCMA | G722 | opus
  std::uint8_t payload_type = 0;  // the static one of the codec unless given
};
// POST: a join or a mode change; PUT (`mode_only`): a mode change only.
Parsed<SuperviseBody> parse_supervise_request(const HttpRequest& req, bool mode_only);

}  // namespace sb::api
