// SIP end to end through the edge proxy: Debian's kamailio runs the
// project's deploy/kamailio/kamailio.cfg (a copy in a temporary directory,
// listening on 127.0.0.2, its dispatcher list naming the daemon on
// 127.0.0.1), and two baresip phones talk only to Kamailio. The daemon
// trusts nothing but the proxy as a trunk, so a phone dialling it directly
// is refused; through the proxy the agent registers (REGISTER dispatched
// to the node), the caller's DID call is dispatched to the node, DTMF by
// RFC 4733 drives the IVR, the call queues, the node rings the agent's
// phone through the proxy (which relays node requests to their
// Request-URI), both tones reach the recording; the first call is hung up
// by the caller, a second one by the agent, each BYE reaching the other
// phone through the proxy.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "tests/integration/sip_call_centre.hpp"
#include "tests/support/process_group.hpp"

namespace sb {
namespace {

using test::Baresip;
using test::CallCentre;
using test::TempDir;

constexpr const char* kProxyAddress = "127.0.0.2";

std::string source_path(const std::string& relative) {
  const char* root = std::getenv("SB_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/" + relative;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(SipKamailio, CallsThroughTheEdgeProxy) {
  if (!test::have_program("kamailio")) GTEST_SKIP() << "kamailio is not installed (Debian package kamailio)";
  if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  const auto ports = test::spaced_free_ports(6);
  const std::uint16_t sip = ports[0], proxy_port = ports[5];
  test::CallCentreOptions options;
  options.sip_port = sip;
  options.trunk_cidrs = {std::string(kProxyAddress) + "/32"};
  options.media_port_min = 14100;
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready();
  ASSERT_TRUE(failed.empty()) << failed;

  // The project's proxy config, with this test's addresses passed as the
  // defines it reads (LISTEN, DISPATCHER_LIST).
  std::filesystem::copy_file(source_path("deploy/kamailio/kamailio.cfg"), dir.file("kamailio.cfg"));
  test::write_file(dir.file("dispatcher.list"), "1 sip:127.0.0.1:" + std::to_string(sip) + " 0 0\n");
  const std::string proxy = std::string(kProxyAddress) + ":" + std::to_string(proxy_port);
  // Foreground (-DD) with its workers in a process group of their own,
  // logging to stderr (-E), which goes to a file.
  test::ProcessGroup kamailio({"kamailio", "-DD", "-E", "-f", dir.file("kamailio.cfg"), "-A",
                               "LISTEN=udp:" + proxy, "-A", "DISPATCHER_LIST=\"" + dir.file("dispatcher.list") + "\"",
                               "-Y", dir.path(), "-P", dir.file("kamailio.pid"), "-m", "32", "-M", "4"},
                              dir.file("kamailio.log"));
  ASSERT_TRUE(kamailio.wait_for_log("Listening on")) << kamailio.log();

  Baresip agent(dir.file("agent"), test::agent_phone("1001", proxy, ports[1], ports[3], 440));
  Baresip caller(dir.file("caller"), test::caller_phone(proxy, ports[2], ports[4], 1000));
  ASSERT_TRUE(centre.registered(1)) << agent.out() << kamailio.log() << centre.process().err();
  // The phone only ever talks to the proxy; the node answered through it.
  EXPECT_NE(agent.out().find("UDP " + proxy + " -> 127.0.0.1:" + std::to_string(ports[1])),
            std::string::npos) << agent.out();
  EXPECT_NE(agent.out().find("Server: Switchboard\r\n"), std::string::npos) << agent.out();
  centre.log_in("1001");

  // Around the proxy: the node only trusts the proxy's address.
  ASSERT_TRUE(caller.command("dial", "sip:100@127.0.0.1:" + std::to_string(sip))) << caller.out() << caller.err();
  EXPECT_TRUE(test::eventually([&] { return caller.out().find("SIP/2.0 403") != std::string::npos; }, std::chrono::seconds(10)))
      << caller.out();
  EXPECT_EQ(centre.wait_for_call_in("ivr", std::chrono::seconds(1)), 0u);

  // Call 1 through the proxy, hung up by the caller.
  const std::string did = "sip:100@" + proxy;
  const std::uint64_t first = test::call_through_ivr_to_agent(centre, caller, agent, did);
  ASSERT_NE(first, 0u) << kamailio.log();
  // Both dialogs were record-routed by the proxy.
  EXPECT_NE(caller.out().find("Record-Route: <sip:" + proxy), std::string::npos) << caller.out();
  EXPECT_NE(agent.out().find("Record-Route: <sip:" + proxy), std::string::npos) << agent.out();
  const std::size_t agent_byes = count(agent.out(), "BYE sip:");
  ASSERT_TRUE(caller.command("hangup"));
  test::expect_completed_call(centre, first, "caller");
  EXPECT_TRUE(test::eventually([&] { return count(agent.out(), "BYE sip:") > agent_byes; }, std::chrono::seconds(10)))
      << agent.out();

  // Call 2, hung up by the agent's phone; the caller's phone gets the BYE.
  EXPECT_TRUE(centre.agent_ready("1001"));  // ends the wrap-up
  const std::uint64_t second = test::call_through_ivr_to_agent(centre, caller, agent, did);
  ASSERT_NE(second, 0u) << kamailio.log();
  const std::size_t caller_byes = count(caller.out(), "BYE sip:");
  ASSERT_TRUE(agent.command("hangup"));
  test::expect_completed_call(centre, second, "agent");
  EXPECT_TRUE(test::eventually([&] { return count(caller.out(), "BYE sip:") > caller_byes; }, std::chrono::seconds(10)))
      << caller.out();
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0"));

  agent.stop(SIGTERM);
  caller.stop(SIGTERM);
  kamailio.stop();
  centre.process().signal(SIGTERM);
  EXPECT_EQ(centre.process().wait_exit(), 0) << centre.process().err();
}

}  // namespace
}  // namespace sb
