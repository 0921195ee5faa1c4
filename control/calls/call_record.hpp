// The record call control keeps per call (control/calls/call_control.hpp),
// shared by the files that implement CallControl. Internal: only those
// files include it.
#pragma once

#include "control/calls/call_control.hpp"

namespace sb::calls {

// The caller's RTP stopping this long means the caller is gone (a phone
// on hold is exempt).
inline constexpr std::uint32_t kCallerMediaTimeoutMs = 30'000;

// Leg 0 of a call's session: the caller (or a callback's dialled party),
// with in-band DTMF detection for carriers that do not send RFC 4733.
inline dataplane::LegRequest caller_leg_request(dataplane::Endpoint remote, std::uint32_t media_timeout_ms,
                                                codecs::CodecId codec, std::uint8_t payload_type,
                                                std::uint8_t telephone_event_pt) {
  dataplane::LegRequest r;
  r.remote = remote;
  r.media_timeout_ms = media_timeout_ms;
  r.telephone_event_pt = telephone_event_pt;
  r.media.audio_pt = payload_type;
  r.media.codec = codec;
  r.media.inband_dtmf = true;
  return r;
}

struct CallControl::Call {
  CallId id = 0;
  CallState state = CallState::kIvr;
  dataplane::SessionId session = 0;
  std::uint16_t local_port = 0;        // leg 0, facing the caller
  std::uint16_t agent_local_port = 0;  // leg 1, facing the agent
  std::uint32_t local_ip = 0;
  dataplane::Endpoint caller_media;
  std::string caller_id;
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  std::uint8_t payload_type = 0;
  std::uint8_t telephone_event_pt = 101;
  std::string ended_by = "system";   // who hung up, for the signalling layer
  std::unique_ptr<ivr::menu::MenuSession> menu;
  std::uint64_t menu_playback = 0;     // the menu's id of what plays now
  std::uint32_t ivr_playback = 0;      // the dataplane's id of it
  std::uint32_t whisper_playback = 0;
  std::uint64_t timer_id = 0;          // the menu's armed timer
  std::string queue;
  std::optional<acd::AgentIndex> agent;
  std::string agent_id;
  dataplane::Endpoint agent_media;
  std::optional<recording::RecordingId> recording;
  std::string recording_name;          // file stem in the recordings directory
  std::int64_t created_ms = 0, answered_ms = 0, ended_ms = 0;
  std::string end_reason;
  bool acd_knows = false;              // enqueued: the ACD publishes its end
  nlohmann::json history = nlohmann::json::array();
  // start_inbound's caller, answered at the worker's kSessionCreated.
  CallControl::MediaReady media_ready;
  bool held = false;                   // on hold: music to the caller, agent leg inactive
  std::vector<std::string> previous_agents;  // agents who transferred the call on
  std::string transfer_agent;          // a direct transfer the ACD has not confirmed yet
  std::vector<std::string> recordings; // every recording's file stem, one per agent
  std::string language;                // the IVR's choice, for announcements
  // Position and expected-wait announcements (call_announcements.cpp).
  std::uint64_t announce_timer = 0;    // the armed announcement timer's id
  std::uint32_t announce_playback = 0; // the dataplane's id of the one playing
  std::uint32_t announcements = 0;
  // Callbacks (call_callbacks.cpp): whom to dial, and why it failed.
  std::string callback_number;
  std::string callback_failure;
  // A blind transfer to a number (call_transfer_out.cpp): whom, whether
  // the dialled party answered (the caller talks to it, outside the ACD),
  // why the dial failed, and the armed no-answer timer.
  std::string transfer_number;
  bool transferred_out = false;
  std::string transfer_failure;
  std::uint64_t transfer_timer = 0;
  // A supervisor listening in (call_supervision.cpp); null when none.
  struct Supervision {
    std::string supervisor;            // the supervisor's user id
    media::SupervisorMode mode = media::SupervisorMode::kListen;
    dataplane::PartyId party = 0;
    dataplane::Endpoint media;         // where the supervisor receives RTP
    std::uint16_t local_port = 0;      // our end of the supervisor's leg
    std::string codec;                 // as the API named it
    std::int64_t started_ms = 0;
    // supervise()'s caller, answered at the worker's kSessionCreated.
    CallControl::SupervisorReady ready;
  };
  std::unique_ptr<Supervision> supervision;
};

}  // namespace sb::calls
