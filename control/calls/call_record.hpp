// The record call control keeps per call (control/calls/call_control.hpp),
// shared by the files that implement CallControl. Internal: only those
// files include it.
#pragma once

#include "control/calls/call_control.hpp"

namespace sb::calls {

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
