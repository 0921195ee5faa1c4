// Call control: one state machine per call that drives the dataplane (a
// media session per call, prompts, in-band DTMF, recording), the IVR
// (ivr::menu::MenuSession) and the ACD (queue, offer, connect, hang-up):
//
//   inbound call -> IVR (prompts played by the worker, digits from the
//   caller's leg) -> queue (music on hold) -> offer to an agent (ringing;
//   the agent answers with its media address) -> whisper beep to the agent
//   alone -> bridge (relay both ways) + stereo recording -> hang-up from
//   either side -> the agent's wrap-up (the ACD's timer or end-wrap-up).
//
// Every call has an id and an ordered history; CTI events go to the event
// hub (call.created, call.state, call.dtmf, ivr.node, ivr.input,
// call.ended for calls that never reached the ACD; the ACD publishes its
// own call.state/call.ended).
//
// Threading: everything runs on the dataplane subsystem's media control
// thread (it is a MediaController), because it drives MediaSessions. The
// ACD's outputs arrive on the ACD consumer thread and are posted here;
// the API posts its requests here too. No locks: one thread owns the
// calls; the counters read by /metrics are relaxed atomics.
//
// Signalling: calls start through start_inbound() from SIP (control/sip/
// b2bua), the API or the demo. A CallSignalling observer (the SIP B2BUA)
// hears when the ACD offers a call to an agent, when that offer is taken
// back, and when a call ends, so it can ring the agent's phone and tear
// down the legs that are still up.
//
// Talking calls can be put on hold (the caller hears the queue's music,
// the agent nothing, the recording pauses) and transferred to a queue or a
// named agent (the agent leg is released, the caller waits with music and
// is offered again under the same id) or out to a number (the agent leg is
// released, the caller hears ringback while the number is dialled on the
// agent-side leg, then talks to the dialled party outside the ACD). Waiting callers hear their position
// and expected wait between stretches of music. A caller may ask to be
// called back: it hangs up and keeps its place; when an agent is reserved
// for it the call is dialled (CallSignalling::place_outbound) and, once
// answered, offered to that agent like an inbound call. A supervisor can
// listen in, whisper to the agent or barge in; holding, transferring or
// ending the call removes the supervisor.
//
// The pieces live in several files: call_control.cpp (start, IVR, ACD
// outputs, answer, bridge, hang-up), call_features.cpp (hold, transfer),
// call_announcements.cpp (position and expected wait), call_callbacks.cpp
// (placing callbacks), call_transfer_out.cpp (transfers to a number),
// call_supervision.cpp (supervisor modes),
// call_record.hpp (the per-call record they share).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "acd/engine.hpp"
#include "common/clock.hpp"
#include "control/api/event_hub.hpp"
#include "control/config/config_store.hpp"
#include "control/daemon/acd_subsystem.hpp"
#include "control/daemon/dataplane_subsystem.hpp"
#include "ivr/menu/menu_session.hpp"
#include "ivr/prompts.hpp"

namespace sb::calls {

using CallId = std::uint64_t;

// kCallbackWaiting: the caller hung up and keeps its place in the ACD;
// kDialling: an agent is reserved for it and the outbound leg is placed;
// kTransferring: a blind transfer to a number is being dialled (the
// caller hears ringback).
enum class CallState : std::uint8_t {
  kIvr, kQueued, kRinging, kConnecting, kTalking, kCallbackWaiting, kDialling, kTransferring, kEnded
};
inline constexpr std::size_t kCallStateCount = 9;
std::string_view call_state_name(CallState s) noexcept;

struct InboundCall {
  dataplane::Endpoint caller_media;      // where the caller receives RTP
  // Not known yet (a late-offer INVITE: the ACK's answer gives it through
  // update_media): leg 0 starts without a remote, so what plays to the
  // caller until then goes nowhere, and the caller's RTP is not accepted.
  bool caller_media_pending = false;
  std::string caller_id;                 // "+15551230000"
  std::string menu;                      // IVR menu; empty: the config's entry menu
  std::string queue;                     // non-empty: straight into this queue, no IVR
  // The codec negotiated with the caller. The dataplane relays, so the
  // agent's leg is offered the same one; prompts are encoded in it.
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  std::uint8_t payload_type = 0;
  std::uint8_t telephone_event_pt = 101;
};

// Where POST /calls/{id}/transfer (or the IVR's transfer node, or a SIP
// REFER) sends a talking call.
struct TransferTarget {
  enum class Kind : std::uint8_t { kQueue, kAgent, kNumber };
  Kind kind = Kind::kQueue;
  std::string name;                 // queue name, ACD agent id, or the number to dial
};
inline constexpr std::size_t kTransferKindCount = 3;
std::string_view transfer_kind_name(TransferTarget::Kind k) noexcept;

// A call Switchboard places (callbacks; blind transfers to a number, whose
// local_media is the agent-side leg and caller_id the caller's number).
struct OutboundCall {
  std::uint64_t call = 0;
  std::string number;               // whom to dial (E.164 or digits)
  std::string caller_id;            // what to present
  dataplane::Endpoint local_media;  // our RTP address for that leg (SDP offer)
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  std::uint8_t payload_type = 0;
  std::uint8_t telephone_event_pt = 101;
};

// What a signalling layer learns from call control. Called on the media
// control thread: implementations hand the work to their own thread and
// return at once.
class CallSignalling {
 public:
  virtual ~CallSignalling() = default;
  struct AgentOffer {
    std::uint64_t call = 0;
    std::string agent;                   // the ACD agent id
    std::string caller_id;
    dataplane::Endpoint local_media;     // our agent-side RTP address
    codecs::CodecId codec = codecs::CodecId::kPcmu;
    std::uint8_t payload_type = 0;
    std::uint8_t telephone_event_pt = 101;
  };
  // The ACD rings `agent` with the call: ring its phone.
  virtual void on_agent_offered(const AgentOffer& offer) = 0;
  // The offer was taken back (ring timeout, another agent won): stop ringing.
  virtual void on_offer_cancelled(std::uint64_t call, const std::string& agent) = 0;
  // The call is over (`by`: "caller", "agent", "api", "system"): tear down
  // every leg still up. Also said with reason "callback_waiting" when a
  // caller who asked for a callback is let go: the call lives on in call
  // control (and the ACD) without legs, may later get an outbound leg
  // through place_outbound under the same id, and is reported ended again
  // when it ends.
  virtual void on_call_ended(std::uint64_t call, const std::string& reason, const std::string& by) = 0;
  // Dial `call.number` for a callback or a transfer to a number
  // (`caller_id` empty: the signalling layer's own identity); answer with
  // CallControl::outbound_answered or outbound_failed (on the media control
  // thread). The default cannot dial: a callback fails after the queue's
  // callback_dial_seconds ("dial-timeout", timed by the ACD), a transfer
  // after kTransferDialTimeoutSeconds (timed by call control). A dial
  // call control gives up on is withdrawn with cancel_outbound.
  virtual void place_outbound(const OutboundCall& call) { (void)call; }
  // Call control stopped waiting for `call`'s dial (a transfer not answered
  // within kTransferDialTimeoutSeconds): stop ringing the number and report
  // nothing more about that dial; the call's other leg stays.
  virtual void cancel_outbound(std::uint64_t call) { (void)call; }
  // The agent leg left the call (transfer): hang up that agent's leg; the
  // caller stays.
  virtual void on_agent_released(std::uint64_t call, const std::string& agent) {
    (void)call;
    (void)agent;
  }
};

struct CallCounters {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> by_state[kCallStateCount] = {};
  // completed (talked to an agent), abandoned (hung up in IVR or queue),
  // failed (media or ACD trouble), rejected (the daemon refused it)
  std::atomic<std::uint64_t> completed{0}, abandoned{0}, failed{0}, rejected{0};
  // What callers and agents used: announcements played, callbacks by stage,
  // transfers by TransferTarget::Kind (and dials out that failed), holds.
  std::atomic<std::uint64_t> announcements{0};
  std::atomic<std::uint64_t> callbacks_requested{0}, callbacks_placed{0}, callbacks_answered{0}, callbacks_failed{0};
  std::atomic<std::uint64_t> transfers[kTransferKindCount] = {};
  std::atomic<std::uint64_t> transfer_dials_failed{0};
  std::atomic<std::uint64_t> holds{0};
};

// How long call control waits for a transfer's dialled number to answer
// before the transfer fails and the dial is cancelled (with the default
// ring timeout the signalling layer gives up first and reports it).
inline constexpr double kTransferDialTimeoutSeconds = 60;

class CallControl final : public daemon::MediaController {
 public:
  CallControl(config::ConfigStore& config, daemon::AcdSubsystem& acd, api::EventHub* events, const Clock& clock);
  ~CallControl() override;

  // ---- on the media control thread ----
  // A new inbound call: a media session whose leg 0 faces the caller
  // (answer: the returned local port), the IVR started on it. Errors:
  // unavailable (draining, no media capacity), invalid-argument.
  // `media_ready`, when given, is called once the worker has opened the
  // call's ports (or with the error if it could not): RTP the caller sends
  // from then on is received. It runs on this thread, at most once.
  using MediaReady = std::function<void(Result<nlohmann::json>)>;
  Result<nlohmann::json> start_inbound(const InboundCall& call, dataplane::MediaSessions& ms, MediaReady media_ready = {});
  // The offered agent's phone answered; its media goes to `agent_media`.
  // Errors: not-found, failed-precondition (not ringing for that agent).
  Status answer(CallId id, const std::string& agent, dataplane::Endpoint agent_media, dataplane::MediaSessions& ms);
  // Either side hung up. `by`: "caller", "agent", "api".
  Status hangup(CallId id, const std::string& by, dataplane::MediaSessions& ms);
  // A digit from signalling (SIP INFO) into the IVR, as if detected in the
  // media. Errors: not-found.
  Status digit(CallId id, char digit, ivr::menu::DigitSource source, dataplane::MediaSessions& ms);
  // The ringing agent's phone declined or failed: the ACD counts a miss and
  // offers the call elsewhere. Errors: not-found, failed-precondition (not
  // ringing that agent), unavailable (ACD inbox full).
  Status reject_offer(CallId id, const std::string& agent, const std::string& why);
  // A leg's far end moved or put the call on hold (re-INVITE). leg 0 faces
  // the caller, 1 the agent. Errors: not-found, and MediaSessions::update's.
  Status update_media(CallId id, int leg, dataplane::Endpoint remote, bool hold, dataplane::MediaSessions& ms);
  // Puts a talking call on hold (`on`) or takes it off: the caller hears
  // the queue's hold music, the agent leg gets nothing, the recording
  // pauses, the ACD counts hold time. `by` names who asked ("agent",
  // "api"). Errors: not-found, failed-precondition (not talking, already
  // in that state), unavailable (ACD inbox full).
  Status hold(CallId id, bool on, const std::string& by, dataplane::MediaSessions& ms);
  // Moves a talking (or held) call to a queue or to a named agent: the
  // agent leg is released (CallSignalling::on_agent_released, the agent
  // goes to wrap-up), the caller hears hold music until the next agent
  // answers; the call is then offered again under the same id. To a
  // number: the agent leg is released the same way (the ACD ends the
  // agent's part: handled, wrap-up, the call leaves the ACD), the recording
  // stops, the caller hears ringback and the number is dialled on the
  // agent-side leg (place_outbound, state transferring); outbound_answered
  // bridges the caller to the dialled party, outbound_failed sends the
  // caller back to its queue. Errors: not-found, failed-precondition (not
  // talking; the agent is not ready, is the one on the call; no signalling
  // layer to dial with), invalid-argument (no such queue or agent, not a
  // number), unavailable (ACD inbox full). On an error nothing changed.
  Status transfer(CallId id, const TransferTarget& to, const std::string& by, dataplane::MediaSessions& ms);
  // The dialled party of a callback answered; its media goes to
  // `remote_media`. The call is offered to the reserved agent (the party
  // hears music, on_agent_offered rings the agent, answer() bridges), whose
  // ring time starts now. For a transfer to a number (state transferring)
  // the answer goes to the agent-side leg and the caller talks to the
  // dialled party (state talking, no agent, not recorded). Errors:
  // not-found, failed-precondition (not dialling or transferring),
  // invalid-argument, unavailable (ACD inbox full; retry).
  Status outbound_answered(CallId id, dataplane::Endpoint remote_media, dataplane::MediaSessions& ms);
  // The callback could not be placed: the call ends as failed with `why`
  // in its history, in call.callback_failed and in GET /calls/{id}
  // (callback.failure), and the ACD frees the reserved agent without a
  // miss. A transfer to a number that fails (transfer.failure,
  // call.transfer_failed) sends the caller back into the queue it came
  // from with music; a call that never was in a queue (the IVR's transfer)
  // ends as failed. Errors: not-found, failed-precondition (not dialling
  // or transferring).
  Status outbound_failed(CallId id, const std::string& why, dataplane::MediaSessions& ms);
  // Supervision (call_supervision.cpp): a supervisor joins a talking call
  // on a leg of its own; listen (hears both sides, heard by nobody),
  // whisper (the agent hears it too), barge (everyone hears everyone).
  // `ready` is called once the worker has opened the supervisor's port
  // (with our media address for it) or refused; on this thread, at most
  // once. Errors: not-found, failed-precondition (not talking, on hold),
  // already-exists (a supervisor is there), and MediaSessions'.
  struct SupervisorJoin {
    std::string supervisor;
    media::SupervisorMode mode = media::SupervisorMode::kListen;
    dataplane::Endpoint media;
    codecs::CodecId codec = codecs::CodecId::kPcmu;
    std::uint8_t payload_type = 0;
    std::string codec_name = "PCMU";
  };
  using SupervisorReady = std::function<void(Result<nlohmann::json>)>;
  Status supervise(CallId id, const SupervisorJoin& join, dataplane::MediaSessions& ms, SupervisorReady ready);
  // Errors: not-found, failed-precondition (no supervisor).
  Status set_supervisor_mode(CallId id, media::SupervisorMode mode, dataplane::MediaSessions& ms);
  // The supervisor leaves; the call relays again. Errors as set_supervisor_mode.
  Status end_supervision(CallId id, dataplane::MediaSessions& ms);
  // Set before start; called on this thread.
  void set_signalling(CallSignalling* s) { signalling_ = s; }
  nlohmann::json list() const;
  std::optional<nlohmann::json> show(CallId id) const;
  void on_acd_output(const acd::Output& o, dataplane::MediaSessions& ms);
  void set_accepting(bool accepting) { accepting_ = accepting; }
  // The daemon drains: callers waiting for a callback (no media, nobody on
  // the line) cannot be kept across the restart, so each is ended now with
  // reason "shutdown" and a call.callback_failed event naming the number
  // for ops to call back; returns those numbers for the drain log.
  std::vector<std::string> end_waiting_callbacks(dataplane::MediaSessions& ms);

  // MediaController
  void on_media_event(const dataplane::Event& e, dataplane::MediaSessions& ms) override;
  void on_recording_event(const recording::RecorderEvent& e) override;
  void on_tick(dataplane::MediaSessions& ms) override;

  // ---- any thread ----
  const CallCounters& counters() const noexcept { return counters_; }
  std::uint64_t live_calls() const noexcept { return live_.load(std::memory_order_relaxed); }
  std::uint64_t supervised_calls() const noexcept { return supervised_.load(std::memory_order_relaxed); }
  std::uint64_t supervisions_started() const noexcept { return supervisions_.load(std::memory_order_relaxed); }

 private:
  struct Call;
  struct Timer {
    enum class Kind : std::uint8_t { kMenu, kAnnouncement, kTransferDial };
    std::int64_t deadline_ns;
    CallId call;
    std::uint64_t timer_id;
    Kind kind = Kind::kMenu;
    bool operator>(const Timer& o) const { return deadline_ns > o.deadline_ns; }
  };

  Call* find(CallId id);
  const Call* find(CallId id) const;
  void set_state(Call& c, CallState s);
  void note(Call& c, const std::string& what, nlohmann::json data = nlohmann::json::object());
  void on_digit(Call& c, char digit, ivr::menu::DigitSource source, std::uint32_t duration_ms,
                dataplane::MediaSessions& ms);
  void run_actions(Call& c, ivr::menu::Actions& actions, dataplane::MediaSessions& ms);
  void play(Call& c, const ivr::menu::Play& p, dataplane::MediaSessions& ms);
  void start_hold_music(Call& c, dataplane::MediaSessions& ms);
  // Into the ACD's `queue` with music on hold; a failure ends the call.
  void route_to_queue(Call& c, const std::string& queue, int priority, dataplane::MediaSessions& ms,
                      const std::string& language = "");
  void transfer_from_ivr(Call& c, const std::string& destination, dataplane::MediaSessions& ms);
  // The agent leg goes, as for every transfer from an agent
  // (call_features.cpp). Transfers to a number (call_transfer_out.cpp): the
  // number is dialled on that leg; the answer bridges; a failure (or no
  // answer in time) returns the caller to its queue.
  void release_agent_leg(Call& c, dataplane::MediaSessions& ms);
  void dial_transfer(Call& c, const std::string& number, const std::string& by, dataplane::MediaSessions& ms);
  Status transfer_answered(Call& c, dataplane::Endpoint remote_media, dataplane::MediaSessions& ms);
  void transfer_failed(Call& c, const std::string& why, dataplane::MediaSessions& ms);
  void start_ringback(Call& c, dataplane::MediaSessions& ms);
  // Announcements (call_announcements.cpp): the call entered a queue (or
  // waits again); the timer fired; the ACD answered where it stands; the
  // announcement ended.
  void start_announcements(Call& c);
  void arm_announcement(Call& c, double after_seconds);
  void announcement_due(Call& c);
  void announce_position(Call& c, const acd::Output& o, dataplane::MediaSessions& ms);
  void announcement_done(Call& c, dataplane::MediaSessions& ms);
  double announce_interval_seconds(const std::string& queue) const;
  // Callbacks (call_callbacks.cpp): the IVR asked for one; the ACD reserved
  // an agent for it; it could not be placed.
  void request_callback(Call& c, const ivr::menu::RequestCallback& cb, dataplane::MediaSessions& ms);
  void place_callback(Call& c, const acd::Output& o, dataplane::MediaSessions& ms);
  // Ends the call with `end_reason` ("failed"; "shutdown" at a drain).
  void fail_callback(Call& c, const std::string& why, bool tell_acd, dataplane::MediaSessions& ms,
                     const std::string& end_reason = "failed");
  void bridge(Call& c, dataplane::MediaSessions& ms);
  // Ends the call: media removed, counters, history, event (unless the ACD
  // reports the end itself).
  void finish(Call& c, const std::string& reason, dataplane::MediaSessions& ms);
  std::shared_ptr<const ivr::EncodedPrompt> prompt_for(const ivr::menu::PlayItem& item, codecs::CodecId codec);
  nlohmann::json call_json(const Call& c, bool with_history) const;
  nlohmann::json started_json(const Call& c) const;
  // Answers start_inbound's MediaReady (once).
  void media_ready(Call& c, Result<nlohmann::json> r);
  // Supervision (call_supervision.cpp): the supervisor's party events, and
  // its removal when the call is held, transferred or ends (`why`).
  void on_supervisor_event(const dataplane::Event& e, dataplane::MediaSessions& ms);
  void drop_supervisor(Call& c, const std::string& why, dataplane::MediaSessions& ms);
  nlohmann::json supervision_json(const Call& c) const;

  config::ConfigStore& config_;
  daemon::AcdSubsystem& acd_;
  api::EventHub* events_;
  const Clock& clock_;
  bool accepting_ = true;
  CallSignalling* signalling_ = nullptr;
  CallId next_id_ = 1;
  std::uint64_t next_announcement_timer_ = 1;
  std::map<CallId, std::unique_ptr<Call>> calls_;          // live, and ended ones kept for history
  std::vector<CallId> ended_order_;                          // oldest ended first
  std::map<dataplane::SessionId, CallId> by_session_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  ivr::PromptStore prompts_;
  CallCounters counters_;
  std::atomic<std::uint64_t> live_{0};
  std::atomic<std::uint64_t> supervised_{0}, supervisions_{0};
};

}  // namespace sb::calls
