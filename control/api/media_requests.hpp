// Request bodies of the media-session endpoints (/api/v1/media/sessions),
// parsed and validated apart from the dataplane, so the part that reads the
// network is fuzzed on its own (tests/fuzz/api_request_fuzz.cpp). They let
// an external SIP server drive the media plane offer/answer style: create
// a session (both legs, each with the far end's address when known), learn
// the local ports for its SDP, update a leg when the answer arrives.
//
// A leg:
//   {"remote": "192.0.2.10:4000",          optional: unknown until answered
//    "remote_rtcp_port": 4001,             optional: RTP port + 1, or muxed
//    "nat_learning": true,                 optional: accept a new source that wins
//    "mode": "relay|inactive|sendonly|recvonly",
//    "clock_rate": 8000,                   of the stream sent to this leg
//    "telephone_event_pt": 101,            RFC 4733 events reported from this leg
//    "media_timeout_ms": 30000,
//    "audio": {"payload_type": 0, "codec": "PCMU|PCMA|G722|opus"},
//    "inband_dtmf": true, "suppress_dtmf": false}   need "audio"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/api/request_bodies.hpp"

namespace sb::api {

struct MediaLegBody {
  // IPv4 in host byte order and port; nullopt: unknown yet.
  struct Address {
    std::uint32_t ip = 0;
    std::uint16_t port = 0;
  };
  std::optional<Address> remote;
  std::uint16_t remote_rtcp_port = 0;
  bool nat_learning = false;
  std::string mode = "relay";
  std::uint32_t clock_rate = 8000;
  std::uint8_t telephone_event_pt = 0;
  std::uint32_t media_timeout_ms = 0;
  bool has_audio = false;
  std::uint8_t audio_payload_type = 0;
  std::string codec = "PCMU";
  bool inband_dtmf = false;
  bool suppress_dtmf = false;
};

// POST /api/v1/media/sessions: {"legs": [leg, leg]} (exactly two).
struct MediaSessionBody {
  MediaLegBody legs[2];
};
Parsed<MediaSessionBody> parse_media_session_request(const HttpRequest& req);

// PUT /api/v1/media/sessions/{id}/legs/{leg}: a leg.
Parsed<MediaLegBody> parse_media_leg_request(const HttpRequest& req);

// POST /api/v1/media/rooms: {"sample_rate": 8000 | 16000} (optional: 8000).
struct RoomBody {
  int sample_rate = 8000;
};
Parsed<RoomBody> parse_room_request(const HttpRequest& req);

// POST /api/v1/media/rooms/{id}/parties: a leg whose "audio" is required
// (the codec the party talks and is sent its mix in).
Parsed<MediaLegBody> parse_party_request(const HttpRequest& req);

// "a.b.c.d:port" -> address; nullopt unless a dotted-quad IPv4 address and
// a port 1-65535.
std::optional<MediaLegBody::Address> parse_ipv4_endpoint(std::string_view text);

}  // namespace sb::api
