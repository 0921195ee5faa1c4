// A dataplane worker: one run-to-completion loop on one pinned core that
// owns a subset of the media ports, the sessions on them, their legs, a
// timer wheel, its packet I/O and its row of counters.
//
// Loop: execute pending commands (a few per iteration) -> receive a burst
// -> relay each packet (validate, latch, account, rewrite, address), or
// take it into a mix room's jitter buffer for a terminated leg -> send the
// burst -> expire timers -> play prompts and mix rooms that are due (20 ms
// ticks of the worker's clock) -> send the RTCP reports due for terminated
// legs -> if nothing arrived, idle briefly (socket backend) or spin (DPDK,
// busy_poll).
//
// Legs: two per session slot (2k, 2k+1), then one per party slot (conference
// parties and supervisors), at 2 * max_sessions + p. Nothing on the packet path allocates,
// locks, logs, throws or makes a system call of its own; the backend makes
// one per burst.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "common/clock.hpp"
#include "common/queues.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/io/packet_io.hpp"
#include "dataplane/media/mixer.hpp"
#include "dataplane/messages.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "dataplane/session/leg.hpp"
#include "dataplane/session/mix_party.hpp"
#include "dataplane/timer_wheel.hpp"

namespace sb::dataplane {

// Port-map entries: leg index + 1, this bit set for the leg's RTCP port.
inline constexpr std::uint32_t kRtcpPortFlag = 0x80000000u;

struct WorkerConfig {
  std::uint32_t index = 0;            // worker number, counter row
  std::uint32_t max_sessions = 4096;  // slots; two legs each
  std::uint32_t max_rooms = 64;       // mix rooms (conferences and supervised calls)
  std::uint32_t max_parties = 256;    // party legs (conference parties, supervisors); even
  std::size_t burst = 64;
  bool busy_poll = false;             // spin instead of idling in epoll
  std::int64_t idle_ns = 1'000'000;   // socket backend: epoll wait when idle
  std::size_t commands_per_loop = 16;
  recording::RecorderTap* recorder_tap = nullptr;  // none: recording commands fail
  // Every live leg's loss, jitter, RTT and MOS go into the worker's
  // counters once per interval, a few slots per loop (0: never).
  std::int64_t stats_interval_ns = 10'000'000'000;
};

class Worker {
 public:
  Worker(const WorkerConfig& cfg, PacketIo& io, SpscRing<Command>& commands, SpscRing<Event>& events,
         DataplaneCounters& counters, const Clock& clock);

  // Runs until `stop` becomes true (acquire load: the control thread sets it
  // with release after its last command).
  void run(const std::atomic<bool>& stop);
  // One loop iteration without idling; returns packets received.
  std::size_t poll_once();

  // Packet path, exposed for tests and benchmarks that bypass the backend:
  // handles `n` received packets, appends what must be sent to `tx` (same
  // buffers), releases the rest. Returns the number queued in tx.
  std::size_t process_burst(Packet* pkts, std::size_t n, Packet* tx, std::int64_t now_ns) noexcept;

  const Leg& leg(std::uint32_t index) const noexcept { return legs_[index]; }
  std::size_t active_sessions() const noexcept { return active_sessions_; }
  static constexpr std::size_t leg_state_bytes() noexcept { return sizeof(Leg); }

 private:
  // kConsumed: taken in (a mix room's jitter buffer), released, not a drop.
  enum class Action : std::uint8_t { kForward, kDrop, kConsumed };
  Action handle_packet(Packet& p, std::int64_t now_ns) noexcept;
  Action handle_rtp(Leg& leg, Packet& p, std::int64_t now_ns) noexcept;
  Action handle_rtcp(Leg& leg, Packet& p, std::int64_t now_ns) noexcept;
  void drop(DropReason r) noexcept { ++drop_tally_[static_cast<std::size_t>(r)]; }
  void flush_tallies() noexcept;

  void execute(const Command& c) noexcept;
  void create_session(const Command& c) noexcept;
  void update_leg(const Command& c) noexcept;
  void delete_session(const Command& c) noexcept;
  // Ends a leg's playback, timer and media work, closes its ports, resets it.
  void close_leg(std::uint32_t index, std::int64_t now_ns) noexcept;
  void recording_command(const Command& c) noexcept;
  void end_recording(std::uint32_t slot, std::int64_t now_ns) noexcept;
  void emit(const Event& e) noexcept;
  void fail(const Command& c, const char* why) noexcept;
  Event leg_event(Event::Kind kind, const Leg& leg, std::int64_t now_ns) const noexcept;
  LegStats leg_stats(const Leg& leg, std::int64_t now_ns) const noexcept;
  void on_timer(std::uint32_t leg_index, std::int64_t now_ns) noexcept;
  // False (nothing changed) when the leg's media work cannot be set up.
  bool setup_leg(Leg& leg, const LegSetup& s, std::int64_t now_ns) noexcept;
  void on_leg_audio(Leg& leg, const rtp::RtpHeader& h, Packet& p, std::int64_t now_ns) noexcept;
  // A digit from `leg` ended: report it, and stop a playback it barges into.
  void on_digit(Leg& leg, char digit, std::uint32_t duration_ms, Event::DtmfSource source, std::int64_t now_ns) noexcept;
  void play(const Command& c) noexcept;
  void end_playback(std::uint32_t leg_index, PlaybackEnd why, char digit, std::int64_t now_ns) noexcept;
  // Sends the prompt frames that are due; returns packets sent.
  std::size_t run_playbacks(std::int64_t now_ns) noexcept;
  // Samples a slice of the live legs into the stats counters.
  void stats_pass(std::int64_t now_ns) noexcept;
  void sample_leg(Leg& leg, std::int64_t now_ns) noexcept;
  bool session_matches(SessionId id) const noexcept;

  // Packets the worker makes itself (prompt frames, mixes), sent in bursts
  // through tx_.
  struct Outgoing {
    std::size_t queued = 0, sent = 0;
    std::uint64_t bytes = 0;
  };
  void send_media(Leg& leg, std::uint8_t payload_type, bool marker, std::uint32_t source_ssrc, std::uint16_t seq,
                  std::uint32_t ts, std::span<const std::uint8_t> payload, std::int64_t now_ns, Outgoing& o) noexcept;
  void flush_outgoing(Outgoing& o) noexcept;
  // Flushes what is queued, then counts all the pass sent: as transmitted
  // packets and bytes, and as `kind` (prompt packets, mixes).
  void finish_outgoing(Outgoing& o, WorkerCounter kind) noexcept;

  // ---- RTCP generation and statistics requests (worker_rtcp.cpp) ----
  // A leg the worker terminates (it joined a mix room) gets SR/RR reports
  // from now on; stop_rtcp() ends them, with a BYE for a party's leg.
  void start_rtcp(std::uint32_t leg_index, std::int64_t now_ns) noexcept;
  void stop_rtcp(std::uint32_t leg_index, std::int64_t now_ns) noexcept;
  // Sends the reports that are due.
  void run_rtcp(std::int64_t now_ns) noexcept;
  // Queues one compound report (and a BYE) to the leg's far end.
  void send_rtcp_report(Leg& leg, bool bye, std::int64_t now_ns, Outgoing& o) noexcept;
  // The time to the leg's next report: RFC 3550's 5 s minimum (halved for
  // the first), randomised over 0.5-1.5 of it from the leg's own seed.
  static std::int64_t rtcp_interval(Leg& leg, bool first) noexcept;
  // kRequestStats: a session's two legs, a party's leg, or a room's legs.
  void request_stats(const Command& c) noexcept;
  static std::uint32_t xorshift(std::uint32_t& state) noexcept;

  // ---- DTMF generation (worker_dtmf.cpp) ----
  void send_dtmf(const Command& c) noexcept;
  // Sends what a leg's DTMF send has due; true once it has finished.
  bool run_dtmf_sender(std::uint32_t leg_index, std::int64_t now_ns, Outgoing& o) noexcept;
  // The leg a command names: a session's leg, or a party's leg (leg 0);
  // -1 when there is none.
  std::int64_t commanded_leg(const Command& c) const noexcept;

  // ---- mixing (worker_mixing.cpp) ----
  struct Room {
    explicit Room(int rate) : mix(rate) {}
    media::MixRoom mix;
    std::uint64_t id = 0;                  // RoomId (a supervised call's room: still its RoomId)
    SessionId supervised = 0;              // the call it supervises (0: a conference)
    std::uint32_t legs[media::MixRoom::kMaxParties] = {};  // leg index per mix slot
    std::int64_t next_tick_ns = 0;
    int caller = -1, agent = -1, supervisor = -1;          // supervision: mix slots
    media::SupervisorMode mode = media::SupervisorMode::kListen;
    std::unique_ptr<RoomRecording> recording;              // a conference being recorded
  };
  std::uint32_t party_leg(std::uint32_t party_slot) const noexcept { return 2 * cfg_.max_sessions + party_slot; }
  Action mix_in(Leg& leg, const rtp::RtpHeader& h, const Packet& p, std::int64_t now_ns) noexcept;
  void mix_command(const Command& c) noexcept;
  void create_room(const Command& c) noexcept;
  void delete_room(const Command& c) noexcept;
  void add_party(const Command& c) noexcept;
  void add_supervisor(const Command& c) noexcept;
  // Opens the party leg's ports (legs[0] of the command) and makes it mix
  // slot `mix_slot` of the room. Returns why not (nothing changed), or null.
  const char* open_party_leg(const Command& c, std::uint32_t party_slot, std::uint32_t room_slot, int mix_slot,
                             std::unique_ptr<MixParty> party, std::int64_t now_ns) noexcept;
  void update_leg_gauge() noexcept;
  void close_party_leg(std::uint32_t leg_index, std::int64_t now_ns) noexcept;
  // Takes a call leg (or any leg) in or out of a room.
  void join_room(std::uint32_t leg_index, std::uint32_t room_slot, int mix_slot, std::unique_ptr<MixParty> party) noexcept;
  void leave_room(std::uint32_t leg_index) noexcept;
  void end_room(std::uint32_t room_slot, std::int64_t now_ns) noexcept;
  void end_supervision(std::uint32_t session_slot, std::int64_t now_ns) noexcept;
  // Recording commands naming a RoomId; stopping a room's (or every room's) recording.
  void room_recording_command(const Command& c) noexcept;
  void end_room_recording(Room& room) noexcept;
  void end_room_recordings() noexcept;
  bool room_matches(RoomId id) const noexcept;
  std::uint32_t next_ssrc() noexcept;
  void run_rooms(std::int64_t now_ns) noexcept;
  void mix_tick(Room& room, std::int64_t now_ns, Outgoing& o) noexcept;
  // RFC 4733 digits of a party, sent on to the parties that hear it.
  void forward_digit(const Leg& from, char digit, std::uint32_t duration_ms, std::int64_t now_ns) noexcept;
  // The forwarder's due packets towards a party; false when none were due.
  bool send_forwarded_digits(std::uint32_t leg_index, std::int64_t now_ns, Outgoing& o) noexcept;

  WorkerConfig cfg_;
  PacketIo& io_;
  SpscRing<Command>& commands_;
  SpscRing<Event>& events_;
  DataplaneCounters& counters_;
  const Clock& clock_;
  std::vector<Leg> legs_;               // 2 per session slot: 2k and 2k+1
  // Per leg, only for legs whose setup asks for audio work (Leg::media).
  std::vector<std::unique_ptr<LegMedia>> media_;
  std::unique_ptr<LegMedia::Scratch> media_scratch_ = std::make_unique<LegMedia::Scratch>();
  // Per session slot, for recorded sessions; and the slots ticking now.
  std::vector<std::unique_ptr<SessionRecording>> recordings_;
  std::vector<std::uint32_t> recording_slots_;
  // Per leg, for legs hearing a prompt; and the legs playing now (reserved
  // for every leg, so starting a playback never grows it).
  std::vector<std::unique_ptr<LegPlayback>> playback_;
  std::vector<std::unique_ptr<LegDtmfSender>> dtmf_senders_;   // per leg, for legs sent DTMF
  std::vector<std::uint32_t> playing_legs_;
  // Legs the worker generates RTCP for (reserved for every leg), and the
  // earliest report due among them.
  std::vector<std::uint32_t> rtcp_legs_;
  std::int64_t next_rtcp_ns_ = std::numeric_limits<std::int64_t>::max();
  std::vector<SessionId> slot_ids_;     // the id currently in each slot (0: free)
  // Mix rooms per room slot (allocated by the create command), the slots
  // ticking now (reserved: never grows), the id in each room and party
  // slot, and each mixed leg's audio state (per leg index).
  std::vector<std::unique_ptr<Room>> rooms_;
  std::vector<std::uint32_t> ticking_rooms_;
  std::vector<std::uint64_t> room_ids_;
  std::vector<std::uint64_t> party_ids_;
  std::vector<std::unique_ptr<MixParty>> parties_;
  // Per mixed leg: digits other parties sent, on their way to this one.
  std::vector<std::unique_ptr<LegDtmfSender>> dtmf_forwarders_;
  // Per session slot: the supervising room slot + 1 (0: not supervised).
  std::vector<std::uint32_t> supervision_;
  // port -> leg index + 1 (0: no leg), top bit: the port is the leg's RTCP port.
  std::vector<std::uint32_t> port_map_;
  TimerWheel timers_;
  std::size_t active_sessions_ = 0;
  std::size_t active_parties_ = 0;
  std::vector<Packet> rx_, tx_, dropped_;
  std::uint64_t drop_tally_[static_cast<std::size_t>(DropReason::kCount)] = {};
  std::uint64_t relayed_rtp_ = 0, relayed_rtcp_ = 0, rx_bytes_ = 0, mixed_in_ = 0;
  std::uint32_t ssrc_seed_;
  std::uint32_t stats_cursor_ = 0;        // next session slot of the pass
  std::size_t loop_commands_ = 0;         // commands the last poll_once() executed
  std::int64_t next_stats_pass_ns_ = 0;   // when the next pass starts
};

}  // namespace sb::dataplane
