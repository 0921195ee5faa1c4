// Placing callbacks and blind transfers to a number, at the call-control
// level: the daemon's dataplane, ACD
// and call-control subsystems run in this process (real workers, real
// loopback sockets, the real ACD engine thread), and a signalling layer
// written for the test stands where the SIP B2BUA stands in `switchboard
// run`: it records what call control asks of it (dial this number, ring
// this agent, release that agent's leg, the call ended) and answers the
// way SIP would, through CallControl on the media control thread. The
// daemon binary has no seam for another signalling layer, and its SIP side
// does not place outbound calls yet; calls_queue_test covers the daemon's
// visible failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <mutex>

#include "common/clock.hpp"
#include "control/calls/calls_subsystem.hpp"
#include "control/daemon/acd_subsystem.hpp"
#include "control/daemon/daemon.hpp"
#include "control/daemon/dataplane_subsystem.hpp"
#include "control/daemon/sections.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/udp.hpp"

namespace sb {
namespace {

using test::eventually;
using test::UdpPeer;

constexpr std::uint32_t kLoopback = 0x7f000001;
constexpr std::uint8_t kPartyVoice = 0x11, kAgentVoice = 0xA1, kCallerVoice = 0x22;

std::string config_text(const std::string& dir) {
  return "[server]\nstate_dir = \"" + dir + "/var\"\ndrain_timeout = \"5s\"\n"
         "[api]\nenabled = false\n[metrics]\nenabled = false\n"
         "[recordings]\ndirectory = \"" + dir + "/rec\"\n"
         "[dataplane]\nport_min = 13700\nport_max = 13799\n"
         "[ivr]\nentry_menu = \"later\"\n"
         "[ivr.prompts]\nthanks.en = \"thank you\"\n"
         "[ivr.menus.later]\nentry = \"call_me\"\n"
         "[ivr.menus.later.nodes.call_me]\ntype = \"callback\"\nqueue = \"sales\"\nprompts = [\"thanks\"]\n"
         "[ivr.menus.out]\nentry = \"hand_over\"\n"
         "[ivr.menus.out.nodes.hand_over]\ntype = \"transfer\"\ndestination = \"number:+15550007007\"\n"
         "[acd]\nskills = [\"english\"]\n"
         "[[acd.queues]]\nname = \"sales\"\ncallback_dial_seconds = 30\nannounce_interval_seconds = 0\n"
         "wrap_up_seconds = 30\n"
         "[[acd.agents]]\nid = \"a1\"\nskills = { english = 5 }\nqueues = [\"sales\"]\n";
}

// What the SIP B2BUA would be told, recorded for the test (called on the
// media control thread, read by the test thread).
class RecordingSignalling final : public calls::CallSignalling {
 public:
  void on_agent_offered(const AgentOffer& offer) override {
    std::lock_guard lock(mu_);
    offers_.push_back(offer);
  }
  void on_offer_cancelled(std::uint64_t, const std::string&) override {}
  void on_call_ended(std::uint64_t call, const std::string& reason, const std::string&) override {
    std::lock_guard lock(mu_);
    ended_.emplace_back(call, reason);
  }
  void place_outbound(const calls::OutboundCall& call) override {
    std::lock_guard lock(mu_);
    placed_.push_back(call);
  }
  void on_agent_released(std::uint64_t call, const std::string& agent) override {
    std::lock_guard lock(mu_);
    released_.emplace_back(call, agent);
  }
  std::vector<std::pair<std::uint64_t, std::string>> released() {
    std::lock_guard lock(mu_);
    return released_;
  }
  std::vector<calls::OutboundCall> placed() {
    std::lock_guard lock(mu_);
    return placed_;
  }
  std::vector<AgentOffer> offers() {
    std::lock_guard lock(mu_);
    return offers_;
  }
  std::vector<std::pair<std::uint64_t, std::string>> ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }

 private:
  std::mutex mu_;
  std::vector<calls::OutboundCall> placed_;
  std::vector<AgentOffer> offers_;
  std::vector<std::pair<std::uint64_t, std::string>> ended_;
  std::vector<std::pair<std::uint64_t, std::string>> released_;
};

class CallsCallback : public ::testing::Test {
 protected:
  void start(calls::CallSignalling* signalling) {
    daemon_ = std::make_unique<daemon::Daemon>(
        daemon::Daemon::Options{.config_text = config_text(dir_.path()), .config_name = "callback-test",
                                .install_signal_handlers = false},
        daemon::daemon_sections(), SteadyClock::instance());
    ASSERT_TRUE(daemon_->load());
    auto dataplane = std::make_unique<daemon::DataplaneSubsystem>(daemon_->context());
    auto acd = std::make_unique<daemon::AcdSubsystem>(daemon_->context());
    auto calls = std::make_unique<calls::CallsSubsystem>(daemon_->context(), *dataplane, *acd);
    dataplane_ = dataplane.get();
    acd_ = acd.get();
    calls_ = calls.get();
    if (signalling) calls_->control().set_signalling(signalling);
    daemon_->add(std::move(dataplane));
    daemon_->add(std::move(acd));
    daemon_->add(std::move(calls));
    run_ = std::async(std::launch::async, [this] { return daemon_->run(); });
    ASSERT_TRUE(eventually([&] { return acd_->agent_index("a1").has_value() && dataplane_->dataplane() != nullptr; }));
  }
  void TearDown() override {
    if (!daemon_) return;
    daemon_->request_drain();
    EXPECT_EQ(run_.get(), 0);
  }
  // Runs `fn` on the media control thread and returns what it returned.
  template <typename F>
  auto on_media_thread(F fn) -> decltype(fn(std::declval<dataplane::MediaSessions&>())) {
    using R = decltype(fn(std::declval<dataplane::MediaSessions&>()));
    auto promise = std::make_shared<std::promise<R>>();
    auto result = promise->get_future();
    while (!dataplane_->post([promise, fn](dataplane::MediaSessions& ms) { promise->set_value(fn(ms)); }))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return result.get();
  }
  nlohmann::json show(calls::CallId id) {
    return on_media_thread([this, id](dataplane::MediaSessions&) { return *calls_->control().show(id); });
  }
  void agent_ready() {
    const auto a1 = *acd_->agent_index("a1");
    // The first request also waits for the engine thread to be running.
    ASSERT_TRUE(eventually([&] { return acd_->submit(acd::Request::make(acd::Request::kLogin, a1)); }));
    ASSERT_TRUE(acd_->submit(acd::Request::make(acd::Request::kReady, a1)));
    ASSERT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kReady; }));
  }
  // An inbound call from `caller` into `menu` (empty: the entry menu) or
  // straight into `queue`.
  Result<nlohmann::json> place_inbound(UdpPeer& caller, const std::string& number, const std::string& menu = "",
                                       const std::string& queue = "") {
    return on_media_thread([&](dataplane::MediaSessions& ms) {
      calls::InboundCall in;
      in.caller_media = {kLoopback, caller.port()};
      in.caller_id = number;
      in.menu = menu;
      in.queue = queue;
      return calls_->control().start_inbound(in, ms);
    });
  }
  // A caller who picks "call me back": the IVR thanks it, then it leaves.
  calls::CallId request_callback(UdpPeer& caller) {
    auto started = place_inbound(caller, "+15550003003");
    EXPECT_TRUE(started.has_value()) << started.status().to_string();
    return started ? (*started)["call_id"].get<calls::CallId>() : 0;
  }
  std::string state_of(calls::CallId id) { return show(id)["state"]; }

  test::TempDir dir_;
  std::unique_ptr<daemon::Daemon> daemon_;
  daemon::DataplaneSubsystem* dataplane_ = nullptr;
  daemon::AcdSubsystem* acd_ = nullptr;
  calls::CallsSubsystem* calls_ = nullptr;
  std::future<int> run_;
};

std::vector<std::uint8_t> voice(std::uint16_t seq, std::uint8_t fill, std::uint32_t ssrc) {
  std::vector<std::uint8_t> b(12);
  rtp::write_rtp_header(b.data(), false, 0, seq, 160u * seq, ssrc);
  b.insert(b.end(), 160, fill);
  return b;
}

// How many packets carrying `fill` as their whole payload arrived.
std::size_t heard(UdpPeer& peer, std::uint8_t fill, std::chrono::milliseconds within) {
  std::size_t n = 0;
  const auto end = std::chrono::steady_clock::now() + within;
  while (auto d = peer.receive(std::chrono::duration_cast<std::chrono::milliseconds>(
             std::max(std::chrono::steady_clock::duration::zero(), end - std::chrono::steady_clock::now())))) {
    bool all = d->bytes.size() > 12;
    for (std::size_t i = 12; i < d->bytes.size() && all; ++i) all = d->bytes[i] == fill;
    n += all;
    if (std::chrono::steady_clock::now() >= end) break;
  }
  return n;
}

TEST_F(CallsCallback, AnAnsweredCallbackRingsTheReservedAgentAndIsBridgedAndRecorded) {
  RecordingSignalling sip;
  start(&sip);
  agent_ready();
  UdpPeer caller, party, agent;
  const calls::CallId id = request_callback(caller);
  ASSERT_NE(id, 0u);

  // The caller is let go; a1 is reserved at once and the number dialled.
  ASSERT_TRUE(eventually([&] { return !sip.placed().empty(); }, std::chrono::seconds(10))) << show(id).dump();
  const calls::OutboundCall out = sip.placed().front();
  EXPECT_EQ(out.call, id);
  EXPECT_EQ(out.number, "+15550003003");
  EXPECT_EQ(out.local_media.ip, kLoopback);
  EXPECT_NE(out.local_media.port, 0);
  EXPECT_EQ(out.codec, codecs::CodecId::kPcmu);
  const auto ended = sip.ended();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], std::make_pair(id, std::string("callback_waiting")));  // the caller's leg goes
  EXPECT_EQ(state_of(id), "dialling");
  EXPECT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kReserved; }));  // a snapshot

  // The party answers: it hears music while a1's phone rings.
  const Status answered = on_media_thread([&](dataplane::MediaSessions& ms) {
    return calls_->control().outbound_answered(id, {kLoopback, party.port()}, ms);
  });
  ASSERT_TRUE(answered.is_ok()) << answered.to_string();
  EXPECT_EQ(on_media_thread([&](dataplane::MediaSessions& ms) {
              return calls_->control().outbound_answered(id, {kLoopback, party.port()}, ms).code();
            }),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(party.receive(std::chrono::seconds(5))) << "no music to the answered party";
  ASSERT_TRUE(eventually([&] { return !sip.offers().empty(); })) << show(id).dump();
  const auto offer = sip.offers().front();
  EXPECT_EQ(offer.call, id);
  EXPECT_EQ(offer.agent, "a1");
  EXPECT_EQ(state_of(id), "ringing");

  // a1 answers: beep, bridge, recording, as for an inbound call.
  const Status took = on_media_thread([&](dataplane::MediaSessions& ms) {
    return calls_->control().answer(id, "a1", {kLoopback, agent.port()}, ms);
  });
  ASSERT_TRUE(took.is_ok()) << took.to_string();
  ASSERT_TRUE(eventually([&] { return state_of(id) == "talking"; })) << show(id).dump();
  std::size_t party_heard = 0, agent_heard = 0;
  for (std::uint16_t seq = 1; seq <= 100 && (party_heard < 20 || agent_heard < 20); ++seq) {
    party.send_to(out.local_media.port, voice(seq, kPartyVoice, 0xCA11));
    agent.send_to(offer.local_media.port, voice(seq, kAgentVoice, 0xA6E1));
    party_heard += heard(party, kAgentVoice, std::chrono::milliseconds(10));
    agent_heard += heard(agent, kPartyVoice, std::chrono::milliseconds(10));
  }
  EXPECT_GE(party_heard, 20u);
  EXPECT_GE(agent_heard, 20u);
  const auto talking = show(id);
  ASSERT_TRUE(talking.contains("recording")) << talking.dump();
  EXPECT_EQ(talking["agent"], "a1");
  EXPECT_EQ(talking["callback"]["number"], "+15550003003");

  const Status hung = on_media_thread([&](dataplane::MediaSessions& ms) { return calls_->control().hangup(id, "agent", ms); });
  ASSERT_TRUE(hung.is_ok());
  EXPECT_EQ(show(id)["end_reason"], "completed");
  const std::string file = dir_.path() + "/rec/" + talking["recording"].get<std::string>() + ".wav";
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(file); }, std::chrono::seconds(10))) << file;
}

TEST_F(CallsCallback, ACallbackSignallingCannotPlaceFailsAndFreesTheAgent) {
  RecordingSignalling sip;
  start(&sip);
  agent_ready();
  UdpPeer caller;
  const calls::CallId id = request_callback(caller);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(eventually([&] { return !sip.placed().empty(); }, std::chrono::seconds(10))) << show(id).dump();
  const Status failed = on_media_thread([&](dataplane::MediaSessions& ms) {
    return calls_->control().outbound_failed(id, "486 Busy Here", ms);
  });
  ASSERT_TRUE(failed.is_ok()) << failed.to_string();
  const auto shown = show(id);
  EXPECT_EQ(shown["state"], "ended");
  EXPECT_EQ(shown["end_reason"], "failed");
  EXPECT_EQ(shown["callback"]["failure"], "486 Busy Here");
  EXPECT_EQ(sip.ended().back(), std::make_pair(id, std::string("failed")));  // the outbound attempt is torn down
  ASSERT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kReady; }));
  EXPECT_EQ(on_media_thread([&](dataplane::MediaSessions& ms) {
              return calls_->control().outbound_failed(id, "again", ms).code();
            }),
            StatusCode::kNotFound);
}

TEST_F(CallsCallback, WithoutASignallingLayerACallbackFailsAtOnce) {
  start(nullptr);
  agent_ready();
  UdpPeer caller;
  const calls::CallId id = request_callback(caller);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(eventually([&] { return state_of(id) == "ended"; }, std::chrono::seconds(10))) << show(id).dump();
  const auto shown = show(id);
  EXPECT_EQ(shown["end_reason"], "failed");
  EXPECT_NE(shown["callback"]["failure"].get<std::string>().find("no signalling"), std::string::npos) << shown.dump();
  EXPECT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kReady; }));
}

// A caller queued in "sales" and answered by a1: its id and our two ports.
struct Connected {
  calls::CallId id = 0;
  std::uint16_t caller_side = 0, agent_side = 0;
};

class CallsTransferOut : public CallsCallback {
 protected:
  Connected connect_to_a1(RecordingSignalling& sip, UdpPeer& caller, UdpPeer& agent) {
    Connected out;
    auto started = place_inbound(caller, "+15550004004", "", "sales");
    EXPECT_TRUE(started.has_value()) << started.status().to_string();
    if (!started) return out;
    out.id = (*started)["call_id"].get<calls::CallId>();
    const std::string media = (*started)["media"];
    out.caller_side = static_cast<std::uint16_t>(std::stoi(media.substr(media.rfind(':') + 1)));
    EXPECT_TRUE(eventually([&] { return !sip.offers().empty(); }, std::chrono::seconds(10))) << show(out.id).dump();
    if (sip.offers().empty()) return out;
    out.agent_side = sip.offers().back().local_media.port;
    const Status took = on_media_thread([&](dataplane::MediaSessions& ms) {
      return calls_->control().answer(out.id, "a1", {kLoopback, agent.port()}, ms);
    });
    EXPECT_TRUE(took.is_ok()) << took.to_string();
    EXPECT_TRUE(eventually([&] { return state_of(out.id) == "talking"; })) << show(out.id).dump();
    return out;
  }
  Status transfer_to(calls::CallId id, const std::string& number) {
    return on_media_thread([&](dataplane::MediaSessions& ms) {
      return calls_->control().transfer(id, {calls::TransferTarget::Kind::kNumber, number}, "agent", ms);
    });
  }
  // Both ends talk for up to two seconds; how many of each other's packets
  // each heard.
  static std::pair<std::size_t, std::size_t> talk(UdpPeer& a, std::uint16_t a_to, std::uint8_t a_voice, UdpPeer& b,
                                                  std::uint16_t b_to, std::uint8_t b_voice) {
    std::size_t a_heard = 0, b_heard = 0;
    for (std::uint16_t seq = 1; seq <= 100 && (a_heard < 20 || b_heard < 20); ++seq) {
      a.send_to(a_to, voice(seq, a_voice, 0xCA11));
      b.send_to(b_to, voice(seq, b_voice, 0xB0B0));
      a_heard += heard(a, b_voice, std::chrono::milliseconds(10));
      b_heard += heard(b, a_voice, std::chrono::milliseconds(10));
    }
    return {a_heard, b_heard};
  }
  std::vector<std::string> history(calls::CallId id) {
    std::vector<std::string> out;
    const auto shown = show(id);
    for (const auto& h : shown["history"]) out.push_back(h["event"]);
    return out;
  }
};

TEST_F(CallsTransferOut, ATransferToANumberDialsOnTheAgentLegAndBridgesTheCallerToTheAnswer) {
  RecordingSignalling sip;
  start(&sip);
  agent_ready();
  UdpPeer caller, agent, party;
  const Connected call = connect_to_a1(sip, caller, agent);
  ASSERT_NE(call.agent_side, 0);

  ASSERT_TRUE(transfer_to(call.id, "+15551234567").is_ok());
  // a1's leg is released and a1 wraps up; the number is dialled on the
  // agent-side port, presenting the caller's number.
  ASSERT_EQ(sip.released().size(), 1u);
  EXPECT_EQ(sip.released()[0], std::make_pair(call.id, std::string("a1")));
  ASSERT_EQ(sip.placed().size(), 1u);
  const calls::OutboundCall out = sip.placed()[0];
  EXPECT_EQ(out.call, call.id);
  EXPECT_EQ(out.number, "+15551234567");
  EXPECT_EQ(out.caller_id, "+15550004004");
  EXPECT_EQ(out.local_media.ip, kLoopback);
  EXPECT_EQ(out.local_media.port, call.agent_side);
  EXPECT_EQ(state_of(call.id), "transferring");
  EXPECT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kAfterCallWork; }));
  ASSERT_TRUE(caller.receive(std::chrono::seconds(5))) << "the caller hears nothing while the number rings";
  // Only a transferring call takes the answer as a transfer's.
  EXPECT_EQ(on_media_thread([&](dataplane::MediaSessions& ms) {
              return calls_->control().transfer(call.id, {calls::TransferTarget::Kind::kNumber, "+15551234568"},
                                                "agent", ms).code();
            }),
            StatusCode::kFailedPrecondition);

  const Status answered = on_media_thread([&](dataplane::MediaSessions& ms) {
    return calls_->control().outbound_answered(call.id, {kLoopback, party.port()}, ms);
  });
  ASSERT_TRUE(answered.is_ok()) << answered.to_string();
  const auto talking = show(call.id);
  EXPECT_EQ(talking["state"], "talking") << talking.dump();
  EXPECT_EQ(talking["agent"], "");
  EXPECT_EQ(talking["transfer"]["number"], "+15551234567");
  EXPECT_EQ(talking["transfer"]["answered"], true);
  EXPECT_EQ(talking["previous_agents"], nlohmann::json::array({"a1"}));
  const auto [caller_heard, party_heard] = talk(caller, call.caller_side, kCallerVoice, party, call.agent_side, kPartyVoice);
  EXPECT_GE(caller_heard, 20u);
  EXPECT_GE(party_heard, 20u);
  // Nothing reaches the released agent, and the contact centre's recording
  // ended with a1's part.
  EXPECT_EQ(heard(agent, kCallerVoice, std::chrono::milliseconds(200)), 0u);
  const auto events = history(call.id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "recording_started"), 1) << show(call.id).dump();
  EXPECT_EQ(std::count(events.begin(), events.end(), "transfer_answered"), 1);
  EXPECT_EQ(calls_->control().counters().transfers[2].load(), 1u);

  // The dialled party hangs up: the call is over, its legs torn down.
  ASSERT_TRUE(on_media_thread([&](dataplane::MediaSessions& ms) {
                return calls_->control().hangup(call.id, "party", ms);
              }).is_ok());
  EXPECT_EQ(show(call.id)["end_reason"], "completed");
  EXPECT_EQ(sip.ended().back(), std::make_pair(call.id, std::string("completed")));
}

TEST_F(CallsTransferOut, AFailedTransferDialPutsTheCallerBackInItsQueue) {
  RecordingSignalling sip;
  start(&sip);
  agent_ready();
  UdpPeer caller, agent;
  const Connected call = connect_to_a1(sip, caller, agent);
  ASSERT_NE(call.agent_side, 0);
  ASSERT_TRUE(transfer_to(call.id, "5550199").is_ok());
  ASSERT_EQ(sip.placed().size(), 1u);
  const Status failed = on_media_thread([&](dataplane::MediaSessions& ms) {
    return calls_->control().outbound_failed(call.id, "486 Busy Here", ms);
  });
  ASSERT_TRUE(failed.is_ok()) << failed.to_string();
  const auto queued = show(call.id);
  EXPECT_EQ(queued["state"], "queued") << queued.dump();
  EXPECT_EQ(queued["queue"], "sales");
  EXPECT_EQ(queued["transfer"]["failure"], "486 Busy Here");
  const auto events = history(call.id);
  ASSERT_GE(events.size(), 2u);
  EXPECT_NE(std::find(events.begin(), events.end(), "transfer_failed"), events.end());
  EXPECT_EQ(events.back(), "state") << show(call.id).dump();  // queued, music on
  ASSERT_TRUE(caller.receive(std::chrono::seconds(5))) << "no music for the caller back in the queue";
  // The ACD has the caller again: a1, out of wrap-up, is offered it.
  const auto a1 = *acd_->agent_index("a1");
  ASSERT_TRUE(eventually([&] { return acd_->agent_state("a1") == acd::AgentState::kAfterCallWork; }));
  ASSERT_TRUE(acd_->submit(acd::Request::make(acd::Request::kEndWrapUp, a1)));
  ASSERT_TRUE(eventually([&] { return sip.offers().size() == 2u; }, std::chrono::seconds(10))) << show(call.id).dump();
  EXPECT_EQ(sip.offers().back().call, call.id);
  EXPECT_EQ(state_of(call.id), "ringing");
}

TEST_F(CallsTransferOut, TheIvrTransferNodeDialsTheNumberAndAFailureEndsTheCall) {
  RecordingSignalling sip;
  start(&sip);
  UdpPeer caller;
  auto started = place_inbound(caller, "+15550005005", "out");
  ASSERT_TRUE(started.has_value()) << started.status().to_string();
  const auto id = (*started)["call_id"].get<calls::CallId>();
  ASSERT_TRUE(eventually([&] { return !sip.placed().empty(); })) << show(id).dump();
  EXPECT_EQ(sip.placed()[0].number, "+15550007007");
  EXPECT_TRUE(sip.released().empty());  // no agent was on the call
  EXPECT_EQ(state_of(id), "transferring");
  // Never in a queue: nowhere to go back to.
  ASSERT_TRUE(on_media_thread([&](dataplane::MediaSessions& ms) {
                return calls_->control().outbound_failed(id, "404 Not Found", ms);
              }).is_ok());
  const auto shown = show(id);
  EXPECT_EQ(shown["end_reason"], "failed") << shown.dump();
  EXPECT_EQ(shown["transfer"]["failure"], "404 Not Found");
  EXPECT_EQ(sip.ended().back(), std::make_pair(id, std::string("failed")));
}

}  // namespace
}  // namespace sb
