// SIP end to end with real softphones: two baresip user agents (Debian
// package baresip), one the caller, one agent 1001's phone, against
// `switchboard run`. The agent registers with Digest and auto-answers; the
// caller dials a DID, presses 1 (RFC 4733), waits in the queue, is
// connected to the agent, both send a tone, the recording holds both;
// the caller hangs up and the agent's phone gets the BYE.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/sip_call_centre.hpp"

namespace sb {
namespace {

using test::Baresip;
using test::CallCentre;
using test::TempDir;

TEST(SipBaresip, CallerReachesAgentThroughIvrAndQueue) {
  if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  const auto ports = test::spaced_free_ports(5);
  const std::uint16_t sip = ports[0];
  test::CallCentreOptions options;
  options.sip_port = sip;
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready(sip);
  ASSERT_TRUE(failed.empty()) << failed;

  const std::string sip_host = "127.0.0.1:" + std::to_string(sip);
  Baresip agent(dir.file("agent"), test::agent_phone("1001", sip_host, ports[1], ports[3], 440));
  Baresip caller(dir.file("caller"), test::caller_phone(sip_host, ports[2], ports[4], 1000));

  // The agent's phone registers; the agent logs in and is ready.
  ASSERT_TRUE(centre.metrics_have("switchboard_sip_registrations_active 1", std::chrono::seconds(20)))
      << agent.out() << agent.err() << centre.process().err();
  EXPECT_EQ(centre.api("POST", "/api/v1/agents/1001/login").status, 202);
  EXPECT_TRUE(centre.agent_ready("1001"));

  const std::uint64_t id = test::call_through_ivr_to_agent(centre, caller, agent, "sip:100@" + sip_host);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(caller.command("hangup"));
  test::expect_completed_call(centre, id, "caller");

  // The agent's phone got the BYE; the agent is in wrap-up.
  EXPECT_TRUE(test::eventually([&] { return agent.out().find("BYE sip:") != std::string::npos; }, std::chrono::seconds(10)))
      << agent.out();
  EXPECT_TRUE(test::eventually(
      [&] { return centre.api("GET", "/api/v1/agents/1001").body.find("after") != std::string::npos; },
      std::chrono::seconds(10)))
      << centre.api("GET", "/api/v1/agents/1001").body;
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0"));

  agent.stop(SIGTERM);
  caller.stop(SIGTERM);
  centre.process().signal(SIGTERM);
  EXPECT_EQ(centre.process().wait_exit(), 0) << centre.process().err();
}

}  // namespace
}  // namespace sb
