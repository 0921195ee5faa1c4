// Messages between the control plane and the dataplane workers: commands
// into a worker, events out of it. Plain fixed-size structs (trivially
// copyable, no pointers into control-plane memory) carried by the
// per-worker SPSC rings, so neither side allocates or locks to talk.
#pragma once

#include <cstdint>

#include "dataplane/media/mixer.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/session/leg.hpp"
#include "dataplane/session/leg_dtmf_sender.hpp"
#include "dataplane/session/leg_media.hpp"
#include "dataplane/session/leg_playback.hpp"
#include "dataplane/session/mix_party.hpp"
#include "dataplane/session/session_recording.hpp"

namespace sb::dataplane {

// worker (8 bits) | generation (24 bits) | slot (32 bits). The generation
// makes a stale id (a session deleted and its slot reused) harmless.
using SessionId = std::uint64_t;
inline constexpr std::uint32_t session_worker(SessionId id) { return static_cast<std::uint32_t>(id >> 56); }
inline constexpr std::uint32_t session_slot(SessionId id) { return static_cast<std::uint32_t>(id); }

// Mix rooms and their parties are named by ids of the same layout, with a
// flag in the slot field so that no room or party id can ever match a
// session slot (session slots stay below 2^30).
using RoomId = std::uint64_t;
using PartyId = std::uint64_t;
inline constexpr std::uint32_t kRoomIdFlag = 0x80000000u;
inline constexpr std::uint32_t kPartyIdFlag = 0x40000000u;
inline constexpr bool is_room_id(std::uint64_t id) { return (session_slot(id) & kRoomIdFlag) != 0; }
inline constexpr bool is_party_id(std::uint64_t id) { return (session_slot(id) & (kRoomIdFlag | kPartyIdFlag)) == kPartyIdFlag; }
inline constexpr std::uint32_t room_slot(RoomId id) { return session_slot(id) & ~kRoomIdFlag; }
inline constexpr std::uint32_t party_slot(PartyId id) { return session_slot(id) & ~kPartyIdFlag; }

// Which worker owns a media port: pairs (RTP, RTCP) share an owner, and
// consecutive pairs go round the workers. The control plane allocates by
// this rule and the DPDK backend hands packets off by it.
inline constexpr std::uint32_t port_owner(std::uint16_t port, std::uint32_t workers) {
  return workers ? (static_cast<std::uint32_t>(port) / 2) % workers : 0;
}

struct LegSetup {
  std::uint16_t local_port = 0;        // RTP (RTCP muxed on it when local_rtcp_port is 0)
  std::uint16_t local_rtcp_port = 0;
  Endpoint remote;                     // may be unknown (0.0.0.0:0) with NAT learning
  std::uint16_t remote_rtcp_port = 0;  // 0: remote.port + 1, or remote.port when muxed
  LatchConfig latch;
  LegMode mode = LegMode::kRelay;
  std::uint32_t output_ssrc = 0;       // 0: the worker picks one
  std::uint32_t clock_rate = 8000;     // of the stream sent to this leg
  std::uint8_t telephone_event_pt = 0; // RFC 4733 events received on this leg are reported
  std::uint32_t media_timeout_ms = 0;  // 0: no timeout
  LegMediaSetup media;                 // in-band DTMF detection / DTMF suppression
};

// What a mix command needs beyond the party's LegSetup (legs[0]).
struct MixSetup {
  RoomId room = 0;                 // the room (for supervision: the one reserved for the call)
  int sample_rate = 8000;          // kCreateRoom / kAddSupervisor: 8000 or 16000
  MixCodec party;                  // the joining party's (or supervisor's) codec
  MixCodec call[2];                // kAddSupervisor: the call legs' codecs
  media::SupervisorMode mode = media::SupervisorMode::kListen;
};

struct Command {
  enum Kind : std::uint8_t {
    kCreateSession,   // legs[0] and legs[1]
    kUpdateLeg,       // legs[leg]: new remote / latching / mode / payload types
    kSetLegMode,      // legs[leg].mode only
    kDeleteSession,
    kRequestStats,    // session, party or room id: one kStats event per leg it names
    kStartRecording,  // `recording` (the recorder already knows the id)
    kPauseRecording,
    kResumeRecording,
    kStopRecording,
    kPlay,            // `playback` to legs[leg] (replaces one that is playing)
    kStopPlayback,    // on `leg`
    // Mixing (`mix`); rooms and parties are named by RoomId / PartyId.
    kCreateRoom,          // mix.room at mix.sample_rate
    kDeleteRoom,          // mix.room, with every party in it
    kAddParty,            // `party` joins mix.room on legs[0] with mix.party
    kRemoveParty,         // `party` leaves mix.room
    kAddSupervisor,       // `party` supervises `session` (mix: room, rates, codecs, mode)
    kSetSupervisorMode,   // mix.mode on `session`
    kRemoveSupervisor,    // `session` goes back to relaying
    kSendDtmf,            // `dtmf` to legs[leg] (a session's leg, or a party's leg 0); ends like a playback
  };
  Kind kind = kCreateSession;
  std::uint8_t leg = 0;
  SessionId session = 0;
  LegSetup legs[2];
  RecordingSetup recording;
  PlaybackSetup playback;
  DtmfSendSetup dtmf;
  PartyId party = 0;
  MixSetup mix;
};

struct LegStats {
  std::uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_rtcp;
  std::int64_t lost;
  std::uint64_t duplicates, reordered;
  double loss_fraction, jitter_ms, rtt_ms, mos;
  Endpoint accepted;
};

// Rooms and parties report through the session kinds: kSessionCreated /
// kSessionDeleted with `session` = a RoomId (room made / gone) or a PartyId
// (party joined / left, `owner` = its room or supervised call); a party's
// leg events (first packet, DTMF, timeout) name the PartyId as session
// with leg 0; kCommandFailed names the id the command named.
struct Event {
  enum Kind : std::uint8_t {
    kSessionCreated,
    kSessionDeleted,
    kCommandFailed,   // detail in `error`
    kFirstPacket,     // the leg received its first accepted RTP packet
    kSourceLatched,   // NAT learning: a new source won (address in `endpoint`)
    kMediaTimeout,    // no RTP for the leg's timeout
    kDtmf,            // a digit ended (digit, duration, dtmf_source)
    kStats,
    kPlaybackDone,    // playback_id ended on the leg (playback_end; digit for barge-in);
                      // also the end of a DTMF send (its id, kFinished/kStopped/kReplaced/kEnded)
  };
  Kind kind = kSessionCreated;
  std::uint8_t leg = 0;
  SessionId session = 0;
  std::int64_t time_ns = 0;
  Endpoint endpoint;
  char digit = 0;
  std::uint32_t duration_ms = 0;
  enum DtmfSource : std::uint8_t { kRfc4733, kInband };
  DtmfSource dtmf_source = kRfc4733;
  LegStats stats{};
  std::uint32_t playback_id = 0;
  PlaybackEnd playback_end = PlaybackEnd::kFinished;
  char error[64] = {};
  std::uint64_t owner = 0;   // party events: the RoomId, or the supervised call's SessionId
};

}  // namespace sb::dataplane
