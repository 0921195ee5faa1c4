// Callbacks end to end with real softphones (Debian package baresip)
// against `switchboard run`: a caller dials the DID, chooses the IVR's
// callback (digit 2, RFC 4733), hears the confirmation and is hung up
// while its call keeps its place; when agent 1001 becomes ready the daemon
// dials the caller's number through [sip.outbound], where the customer's
// phone (same number, its own tone) answers; the agent's phone rings and
// answers; both tones flow and are recorded (the customer left, the agent
// right); the customer hangs up and the call ends completed, its history
// showing the callback's path, and /metrics counting the outbound call.
#include <gtest/gtest.h>

#include "tests/integration/sip_call_centre.hpp"
#include "tests/support/udp.hpp"

namespace sb {
namespace {

using test::Baresip;
using test::CallCentre;
using test::TempDir;

TEST(SipCallback, CallerAsksForACallbackAndTalksToTheAgentWhenCalledBack) {
  if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  const auto ports = test::spaced_free_ports(7);
  test::CallCentreOptions options;
  options.sip_port = ports[0];
  options.media_port_min = 14400;
  options.outbound_port = ports[3];
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready();
  ASSERT_TRUE(failed.empty()) << failed;

  const std::string sip_host = centre.sip_host();
  constexpr int kCallerHz = 1000, kAgentHz = 440, kCustomerHz = 700;
  Baresip agent(dir.file("agent"), test::agent_phone("1001", sip_host, ports[1], ports[4], kAgentHz));
  Baresip caller(dir.file("caller"), test::caller_phone(sip_host, ports[2], ports[5], kCallerHz));
  // The phone the callback reaches: it answers for the caller's number.
  Baresip customer(dir.file("customer"), {"127.0.0.1", ports[3], ports[6], kCustomerHz,
                                          "<sip:5550100@127.0.0.1>;regint=0;answermode=auto"});
  ASSERT_TRUE(test::wait_udp_bound(ports[3], std::chrono::seconds(10))) << customer.err();
  ASSERT_TRUE(centre.registered(1)) << agent.out() << agent.err() << centre.process().err();
  // Logged in but not ready: the callback waits for the agent.
  centre.log_in("1001", /*ready=*/false);

  ASSERT_TRUE(caller.command("dial", "sip:100@" + sip_host));
  const std::uint64_t id = centre.wait_for_call_in("ivr");
  ASSERT_NE(id, 0u) << centre.api("GET", "/api/v1/calls").body << caller.out() << centre.process().err();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the prompt starts
  ASSERT_TRUE(caller.command("sndcode", "2"));
  // After the confirmation the caller is hung up; the call waits.
  ASSERT_TRUE(centre.call_reaches(id, "callback_waiting", std::chrono::seconds(30)))
      << centre.call(id).dump(1) << centre.process().err();
  EXPECT_TRUE(test::eventually([&] { return caller.out().find("BYE sip:") != std::string::npos; }, std::chrono::seconds(10)))
      << caller.out();
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0")) << centre.process().err();
  EXPECT_EQ(centre.call(id).value("state", ""), "callback_waiting") << centre.call(id).dump(1);

  // The agent is ready: the customer's phone is dialled and answers, then
  // the agent's phone rings and answers.
  EXPECT_TRUE(centre.agent_ready("1001"));
  ASSERT_TRUE(centre.call_reaches(id, "talking", std::chrono::seconds(40)))
      << centre.call(id).dump(1) << customer.out() << agent.out() << centre.process().err();
  EXPECT_NE(customer.out().find("INVITE sip:5550100@127.0.0.1:" + std::to_string(ports[3])), std::string::npos)
      << customer.out();
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_outbound_calls_total 1"));
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_outbound_outcomes_total{outcome=\"answered\"} 1"));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // both tones flow and are recorded
  ASSERT_TRUE(customer.command("hangup"));
  ASSERT_TRUE(centre.call_reaches(id, "ended")) << centre.call(id).dump(1);

  const auto shown = centre.call(id);
  EXPECT_EQ(shown["end_reason"], "completed") << shown.dump(1);
  EXPECT_EQ(shown["callback"].value("number", ""), "5550100") << shown.dump(1);
  const std::string history = shown["history"].dump();
  for (const std::string& want :
       std::vector<std::string>{"\"event\":\"callback_requested\"", "\"state\":\"callback_waiting\"",
                                "\"event\":\"callback_dialling\"", "\"event\":\"callback_answered\"",
                                "\"event\":\"answered\"", "\"state\":\"talking\"", "\"by\":\"caller\""})
    EXPECT_NE(history.find(want), std::string::npos) << want << " missing in " << shown.dump(1);
  // The order matters: the callback is dialled only after the caller left.
  EXPECT_LT(history.find("\"state\":\"callback_waiting\""), history.find("\"event\":\"callback_dialling\""));
  EXPECT_LT(history.find("\"event\":\"callback_answered\""), history.find("\"state\":\"talking\""));

  const std::string wav = centre.recording(id);
  ASSERT_FALSE(wav.empty()) << "no recording of call " << id;
  test::expect_tones(wav, kCustomerHz, kAgentHz);
  test::expect_bye_and_shut_down(centre, agent, {&agent, &caller, &customer});
}

}  // namespace
}  // namespace sb
