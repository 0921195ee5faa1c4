// The control plane's handle on the dataplane: start the workers, allocate
// media ports and session slots, drive sessions with commands, and receive
// their events. Call control, SIP and the HTTP media-session API use only
// this interface.
//
//   auto dp = Dataplane::start(cfg, SteadyClock::instance());
//   MediaSessions& ms = (*dp)->sessions();
//   auto s = ms.create(caller_leg, agent_leg);      // local ports for the SDP answers
//   ms.update(s->id, 1, agent_leg_with_address);    // after the far end's answer
//   Event ev[64]; std::size_t n = ms.poll_events(ev);
//   ms.remove(s->id);
//
// Mixing (conferences, supervisor modes): rooms and their parties live on
// one worker, the one owning the room (or the supervised call) and all of
// its ports:
//
//   auto room = ms.create_room(16000);
//   auto p = ms.add_party(room->id, {.leg = far_end, .codec = {0, CodecId::kPcmu}});
//   auto rec = ms.start_room_recording(room->id, spec, p->id);  // stereo: p left, the others right
//   ms.remove_party(p->id);  ms.remove_room(room->id);
//
//   auto sup = ms.add_supervisor(call_id, {.supervisor = {...}, .call_legs = {...}, .mode = kListen});
//   ms.set_supervisor_mode(call_id, SupervisorMode::kWhisper);
//   ms.remove_supervisor(call_id);          // the call relays again
//
// Events: kSessionCreated / kSessionDeleted with `session` = the RoomId
// or PartyId (a party's `owner` is its room or supervised call), and
// kCommandFailed naming the room or party (its `error` says why). A party
// the worker refused is released here when its kCommandFailed is polled.
//
// Threading: a MediaSessions is driven from one control thread (it is the
// single producer of every worker's command ring and the single consumer of
// every event ring); other threads hand it work through that thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/queues.hpp"
#include "common/status.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/io/packet_io.hpp"
#include "dataplane/messages.hpp"
#include "dataplane/recording/recorder.hpp"
#include "dataplane/worker.hpp"

namespace sb::dataplane {

struct DpdkConfig {
  std::vector<std::string> eal_args;   // e.g. {"--no-huge", "--no-pci", "--vdev=net_ring0"}
  std::uint16_t port_id = 0;
  std::uint32_t media_ip = 0;          // host byte order; answered for ARP/ICMP
  bool has_gateway = false;            // next hop for destinations with no learnt MAC
  std::uint8_t gateway_mac[6] = {};
  std::uint32_t mbufs = 16383;         // per port
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
  bool verify_udp_checksum = true;     // in software when the port does not
};

struct DataplaneConfig {
  enum class Backend { kSockets, kDpdk };
  Backend backend = Backend::kSockets;
  // How the socket backend receives: epoll + recvmmsg, io_uring
  // (multishot receives on one ring, uring_io.hpp), or one AF_PACKET ring
  // per worker (packet_ring_io.hpp; needs CAP_NET_RAW, falls back to epoll
  // with a log line without it); kAuto takes io_uring where the kernel
  // offers it. Epoll is the default: on loopback io_uring measured the same
  // CPU per packet, and the ring, though 33-42 % cheaper, makes every media
  // packet count as a UDP InErrors drop on its port's socket and is not yet
  // measured on a NIC (docs/performance.md).
  enum class SocketRx { kAuto, kUring, kEpoll, kPacketRing };
  SocketRx socket_rx = SocketRx::kEpoll;
  std::uint32_t bind_ip = 0x7f000001;  // sockets: 127.0.0.1
  std::uint16_t port_min = 20000;      // media ports, inclusive; pairs start even
  std::uint16_t port_max = 29999;
  std::vector<int> cores;              // one worker per entry (pinned); empty: `workers` unpinned ones
  std::size_t workers = 1;             // unpinned workers when `cores` is empty
  std::uint32_t max_sessions_per_worker = 4096;
  std::uint32_t max_rooms_per_worker = 64;     // conferences + supervised calls
  std::uint32_t max_parties_per_worker = 256;  // conference parties + supervisors (each a leg)
  bool rtcp_mux = false;               // true: no separate RTCP port
  bool busy_poll = false;
  std::size_t command_ring = 1024;
  std::size_t event_ring = 8192;
  std::int64_t stats_interval_ns = 10'000'000'000;  // workers' stats passes (0: none)
  DpdkConfig dpdk;
  // Set: the dataplane runs a recorder (writer threads) its workers tap.
  std::optional<recording::RecorderService::Options> recorder;
};

struct LegRequest {
  Endpoint remote;                     // unknown (0) until the far end answers
  std::uint16_t remote_rtcp_port = 0;
  LatchConfig latch;
  LegMode mode = LegMode::kRelay;
  std::uint32_t clock_rate = 8000;
  std::uint8_t telephone_event_pt = 0;
  std::uint32_t media_timeout_ms = 0;
  LegMediaSetup media;                 // in-band DTMF detection, DTMF suppression
};

// A party of a mix room (conference participant or supervisor).
struct PartyRequest {
  LegRequest leg;   // its far end, latching, mode, telephone-event PT, timeout, DTMF work
  MixCodec codec;   // what it talks (payload type, codec, rate)
};

struct SupervisorRequest {
  PartyRequest supervisor;
  MixCodec call_legs[2];   // the supervised call's legs as negotiated: 0 caller, 1 agent
  media::SupervisorMode mode = media::SupervisorMode::kListen;
  int sample_rate = 8000;  // the mix: 8000, or 16000 for wideband parties
};

struct RoomInfo {
  RoomId id = 0;
  std::uint32_t worker = 0;
};

struct PartyInfo {
  PartyId id = 0;
  std::uint64_t owner = 0;          // its RoomId, or the supervised call's SessionId
  std::uint32_t worker = 0;
  std::uint16_t local_port = 0;
  std::uint16_t local_rtcp_port = 0;  // 0 when rtcp-mux
};

struct SessionInfo {
  SessionId id = 0;
  std::uint32_t worker = 0;
  std::uint16_t local_port[2] = {};
  std::uint16_t local_rtcp_port[2] = {};  // 0 when rtcp-mux
};

class Dataplane;
class PacketIo;
struct SocketIoConfig;

// The kernel-socket backend: io_uring receive where available (kAuto falls
// back to epoll when the kernel refuses it), or as asked.
Result<std::unique_ptr<PacketIo>> create_socket_io(const SocketIoConfig& config, DataplaneConfig::SocketRx rx);

class MediaSessions {
 public:
  // Errors: resource-exhausted (no ports or slots left on any worker),
  // unavailable (a command ring is full).
  Result<SessionInfo> create(const LegRequest& a, const LegRequest& b);
  // Errors: not-found for an unknown session, invalid-argument for leg > 1.
  Status update(SessionId id, int leg, const LegRequest& request);
  Status set_mode(SessionId id, int leg, LegMode mode);
  Status remove(SessionId id);
  // Answered with kStats events: one per leg of a session (leg 0, 1), one
  // for a party's leg (PartyId), or one per leg in a mix room (RoomId; a
  // supervised call's room: the call's two legs and the supervisor's), each
  // naming its session or party with `owner` set for parties. Errors:
  // not-found for an unknown id, unavailable.
  Status request_stats(std::uint64_t id);

  // Records a session: leg 0 on the left channel, leg 1 on the right (or
  // mixed), as each side is heard after DTMF suppression. `legs` names each
  // leg's audio payload type and codec. The file's progress and end come
  // from recorder()->poll_event(). Errors: failed-precondition without a
  // recorder, not-found, the recorder's own (name, limits), unavailable.
  Result<recording::RecordingId> start_recording(SessionId id, recording::RecordingSpec spec,
                                                 const RecordLeg (&legs)[2]);
  Status pause_recording(SessionId id);   // card-number capture: the stretch becomes silence
  Status resume_recording(SessionId id);
  Status stop_recording(SessionId id);

  // Plays prompts (all encoded for the leg's codec) to a leg, replacing
  // what plays there; the far end's audio towards the leg is held back
  // meanwhile. The leg's output stream continues across the switch. Ends
  // with a kPlaybackDone event carrying the returned id. Errors:
  // invalid-argument (leg, empty or too long a list, mixed formats),
  // not-found, unavailable.
  struct PlayOptions {
    std::uint8_t payload_type = 0;  // the leg's audio payload type
    bool loop = false;              // until stopped (music on hold)
    bool barge_in = false;          // a digit from the leg stops it
  };
  Result<std::uint32_t> play(SessionId id, int leg, std::span<const std::shared_ptr<const ivr::EncodedPrompt>> prompts,
                             const PlayOptions& options);
  // Also a party's leg 0 (named by its PartyId), which plays DTMF sends.
  Status stop_playback(SessionId id, int leg);

  // Sends DTMF digits to the far end of a leg (a session's leg 0/1, or a
  // party's leg 0 with its PartyId): as RFC 4733 events when the leg
  // negotiated telephone-event (LegRequest::telephone_event_pt, the same
  // payload type both ways), else as tones encoded in `audio`, the leg's
  // codec. Runs like a playback: the far end's audio towards the leg is
  // held back meanwhile, the leg's output stream continues, another play or
  // send replaces it, stop_playback stops it, and it ends with one
  // kPlaybackDone carrying the returned id. Errors: invalid-argument
  // (leg, digits other than 0-9 * # A-D, more than 32, a duration outside
  // 40..5000 ms or a gap over 5000 ms), not-found, unavailable.
  struct DtmfOptions {
    MixCodec audio;                    // the leg's audio payload type and codec (tones)
    std::uint16_t duration_ms = 100;   // per digit
    std::uint16_t gap_ms = 60;         // between digits
    bool inband = false;               // tones even when telephone-event was negotiated
  };
  Result<std::uint32_t> send_dtmf(SessionId id, int leg, std::string_view digits, const DtmfOptions& options);

  // ---- mixing ----
  // A conference room at 8000 or 16000 Hz on the next worker with a free
  // room slot. Errors: invalid-argument (rate), resource-exhausted (no room
  // slot on any worker), unavailable (command ring full).
  Result<RoomInfo> create_room(int sample_rate = 8000);
  // A party joins: a leg of its own (a port pair of the room's worker) whose
  // audio is decoded, jitter-buffered, mixed, and answered with the others'
  // mix in its own codec. Errors: not-found (room), failed-precondition
  // (the room supervises a call), resource-exhausted (no port pair or
  // party slot left on the room's worker), unavailable.
  Result<PartyInfo> add_party(RoomId room, const PartyRequest& party);
  // Errors: not-found (no such party, or a supervisor: use
  // remove_supervisor), unavailable.
  Status remove_party(PartyId party);
  // Ends the room and every party in it (and its recording: the file is
  // finished and reported like a stopped one). Errors: not-found, unavailable.
  Status remove_room(RoomId room);

  // Records a conference room from its 20 ms tick, from the frames the
  // room already decodes per party: stereo (spec.channels 2) puts
  // `left_party` on the left and every other party's sum on the right (a
  // transcoded call: the caller left, the agent right); mono mixes everyone.
  // spec.sample_rate is the room's or 8000 (resampled). Parties joining or
  // leaving change what is summed, never the timeline. Progress and end
  // come from recorder()->poll_event(), as for sessions. Errors:
  // failed-precondition (no recorder; the room supervises a call: record
  // the call), not-found (room), invalid-argument (channels, rate, a stereo
  // left party that is not in the room), already-exists (the room is being
  // recorded), the recorder's own (name, limits), unavailable.
  Result<recording::RecordingId> start_room_recording(RoomId room, recording::RecordingSpec spec,
                                                      PartyId left_party = 0);
  // Errors: not-found (room), failed-precondition (not being recorded), unavailable.
  Status pause_room_recording(RoomId room);
  Status resume_room_recording(RoomId room);
  Status stop_room_recording(RoomId room);
  // The room's recording started and not stopped here (none, or no such room: nullopt).
  std::optional<recording::RecordingId> room_recording(RoomId room) const noexcept;

  // Supervises a relayed two-leg call: the supervisor gets a leg of its own
  // on the call's worker; the call's legs switch from relay to mixing
  // (decoded in `call_legs`' codecs) with audiences set by `mode` — listen:
  // the supervisor hears both, nobody hears it; whisper: the agent (leg 1)
  // hears it too; barge: everyone hears everyone. Errors: not-found (call),
  // already-exists (the call has a supervisor), invalid-argument (rate),
  // resource-exhausted, unavailable.
  Result<PartyInfo> add_supervisor(SessionId call, const SupervisorRequest& request);
  // Errors: not-found (call), failed-precondition (not supervised), unavailable.
  Status set_supervisor_mode(SessionId call, media::SupervisorMode mode);
  // The supervisor leaves; the call relays again, each far end's stream
  // continuing. Errors as set_supervisor_mode.
  Status remove_supervisor(SessionId call);

  // Also lets go of the prompts of sessions whose deletion the workers
  // confirmed (kSessionDeleted), so call it on the control thread.
  std::size_t poll_events(std::span<Event> out);
  std::size_t active() const noexcept { return live_.size(); }

 private:
  friend class Dataplane;
  struct WorkerPorts {
    std::vector<std::uint16_t> free_pairs;    // even port numbers
    std::vector<std::uint32_t> free_slots;
    std::vector<std::uint32_t> generation;
    std::vector<std::uint32_t> free_rooms, room_generation;
    std::vector<std::uint32_t> free_parties, party_generation;
  };
  struct LiveParty {
    PartyId id;
    std::uint64_t owner;   // RoomId or the supervised call
    RoomId room;
    std::uint16_t pair;
    bool confirmed = false;  // the worker reported it added
  };
  struct LiveRoom {
    RoomId id;
    SessionId supervised = 0;
    bool confirmed = false;
    int sample_rate = 8000;
    std::optional<recording::RecordingId> recording;   // started and not stopped
  };
  struct Live {
    SessionId id;
    std::uint16_t pairs[2];
    // Every prompt sent to the session's worker: alive until it deleted the
    // session (the worker holds raw pointers and must never free).
    std::vector<std::shared_ptr<const ivr::EncodedPrompt>> prompts = {};
    PartyId supervisor = 0;   // while supervised
  };
  struct Retiring {
    SessionId id;
    std::vector<std::shared_ptr<const ivr::EncodedPrompt>> prompts;
  };
  explicit MediaSessions(Dataplane& dp) : dp_(dp) {}
  Status send(std::uint32_t worker, const Command& c);
  // A command that names only the session.
  Status session_command(SessionId id, Command::Kind kind);
  Live* find(SessionId id);
  // A session's leg 0/1 or a party's leg 0 that exists.
  Status check_playable_leg(SessionId id, int leg);
  LiveRoom* find_room(RoomId id);
  LiveParty* find_party(PartyId id);
  // A recording command on a recorded room.
  Status room_recording_command(RoomId id, Command::Kind kind);
  // Reserves a room slot / a party slot and port pair on `worker`.
  Result<RoomId> reserve_room(std::uint32_t worker);
  Result<LiveParty> reserve_party(std::uint32_t worker, std::uint64_t owner, RoomId room);
  void release_room(RoomId id);
  void release_party(PartyId id);
  LegSetup party_setup(const LiveParty& p, const LegRequest& r) const;
  // A failure polled from a worker for a room or party not yet confirmed:
  // nothing of it exists there, so its resources come back.
  void on_mix_failure(const Event& e);

  Dataplane& dp_;
  std::vector<WorkerPorts> ports_;
  std::vector<Live> live_;
  std::vector<LiveRoom> rooms_;
  std::vector<LiveParty> parties_;
  std::uint32_t next_room_worker_ = 0;
  std::vector<Retiring> retiring_;   // removed, deletion not yet confirmed, with prompts
  std::uint32_t next_playback_id_ = 1;
  std::uint32_t next_worker_ = 0;
  std::size_t event_cursor_ = 0;
};

class Dataplane {
 public:
  // Starts the workers. Errors: invalid-argument for a bad port range or
  // core list, unavailable when the backend cannot start (DPDK EAL, epoll).
  static Result<std::unique_ptr<Dataplane>> start(const DataplaneConfig& cfg, const Clock& clock);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  MediaSessions& sessions() noexcept { return sessions_; }
  const DataplaneCounters& counters() const noexcept { return *counters_; }
  // Null unless DataplaneConfig::recorder was set.
  recording::RecorderService* recorder() noexcept { return recorder_.get(); }
  std::size_t workers() const noexcept { return workers_.size(); }
  const DataplaneConfig& config() const noexcept { return cfg_; }
  void stop();

 private:
  friend class MediaSessions;
  Dataplane(const DataplaneConfig& cfg, const Clock& clock);
  struct WorkerSlot {
    int eal_lcore = -1;  // launched with rte_eal_remote_launch on this lcore
    std::unique_ptr<PacketIo> io;
    std::unique_ptr<SpscRing<Command>> commands;
    std::unique_ptr<SpscRing<Event>> events;
    std::unique_ptr<Worker> worker;
    std::thread thread;
  };
  DataplaneConfig cfg_;
  const Clock& clock_;
  std::unique_ptr<DataplaneCounters> counters_;
  // Before workers_: destroyed after them, so no worker outlives its tap.
  std::unique_ptr<recording::RecorderService> recorder_;
  std::vector<WorkerSlot> workers_;
  MediaSessions sessions_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::shared_ptr<void> dpdk_port_;  // keeps the DPDK port (and its mempool) alive
};

}  // namespace sb::dataplane
