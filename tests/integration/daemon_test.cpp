// The switchboard binary as operators run it: `config check` and
// `config show-default`, and `run` with a real config file: start-up
// banner, /healthz, SIGHUP reload seen through /api/v1/config and the
// event stream, a broken reload refused, SIGTERM drain and exit 0, and a
// broken config at start refused with exit 2.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "tests/support/background_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/integration/daemon_harness.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

using test::BackgroundProcess;
using test::bearer;
using test::eventually;
using test::http_request;
using test::run;
using test::switchboard_binary;
using test::TempDir;
using test::daemon_config;
using test::kToken;
using test::port_from_banner;
using test::write_file;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::string source_path(const std::string& rel) {
  const char* root = std::getenv("SB_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/" + rel;
}

TEST(ConfigCommand, BrokenFileListsEveryErrorWithPosition) {
  TempDir dir;
  const std::string path = dir.file("broken.toml");
  write_file(path,
             "[api]\n"                      // 1
             "port = 70000\n"               // 2
             "tokens = 5\n"                 // 3
             "[recordings]\n"               // 4
             "format = \"mp3\"\n"           // 5
             "[ivr.prompts]\n"              // 6
             "hi.en = \"hello\"\n"          // 7
             "[ivr.menus.m]\n"              // 8
             "entry = \"a\"\n"              // 9
             "[ivr.menus.m.nodes.a]\n"      // 10
             "type = \"play\"\n"            // 11
             "prompts = [\"hi\"]\n"         // 12
             "next = \"a\"\n"               // 13
             "[sipp]\n");                   // 14
  const auto r = run({switchboard_binary(), "config", "check", path});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  const auto ls = lines_of(r.err);
  // Five errors and a warning (the prompt's audio is not recorded yet), in
  // file order, then the summary.
  ASSERT_EQ(ls.size(), 7u) << r.err;
  EXPECT_EQ(ls[0], path + ":2:8: api.port: must be between 0 and 65535, got 70000");
  EXPECT_EQ(ls[1], path + ":3:10: api.tokens: expected an array of tables, found an integer");
  EXPECT_EQ(ls[2], path + ":5:10: recordings.format: \"mp3\" is not one of \"wav-pcm16\", \"wav-ulaw\", \"ogg-opus\"");
  EXPECT_EQ(ls[3].rfind(path + ":6:1: ivr: warning: 1 of 1 prompt files are missing", 0), 0u) << ls[3];
  EXPECT_EQ(ls[4].rfind(path + ":10:1: ivr.menus.m.nodes.a: loop without caller input: m.a -> m.a", 0), 0u) << ls[4];
  EXPECT_EQ(ls[5], path + ":14:2: sipp: unknown key (did you mean 'sip'?)");
  EXPECT_EQ(ls[6], path + ": 5 error(s), 1 warning(s)");
  // Every diagnostic has the file:line:col: key: message shape.
  const std::regex shape(R"(^.+:[0-9]+:[0-9]+: [a-z_.\[\]0-9-]+: .+$)");
  for (std::size_t i = 0; i + 1 < ls.size(); ++i) EXPECT_TRUE(std::regex_match(ls[i], shape)) << ls[i];
}

TEST(ConfigCommand, ValidFilesExitZero) {
  auto r = run({switchboard_binary(), "config", "check", source_path("deploy/switchboard.toml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("valid"), std::string::npos);
  // Warnings (prompt audio not recorded yet) do not fail it; its queues'
  // announcements have their words.
  for (const auto& l : lines_of(r.err)) {
    EXPECT_NE(l.find(": warning: "), std::string::npos) << l;
    EXPECT_EQ(l.find("announce position"), std::string::npos) << l;
  }

  TempDir dir;
  r = run({switchboard_binary(), "config", "show-default"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("[ivr.menus.main]"), std::string::npos);
  EXPECT_NE(r.out.find("[[acd.queues]]\nname = \"sales\""), std::string::npos);
  write_file(dir.file("default.toml"), r.out);
  r = run({switchboard_binary(), "config", "check", dir.file("default.toml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// The edge proxy's config in deploy/ passes Kamailio's own check with the
// dispatcher list next to it.
TEST(Deploy, KamailioConfigPassesKamailiosCheck) {
  if (!test::have_program("kamailio")) GTEST_SKIP() << "kamailio is not installed (the test command installs it)";
  const auto r = run({"kamailio", "-c", "-f", source_path("deploy/kamailio/kamailio.cfg"), "-A",
                      "DISPATCHER_LIST=\"" + source_path("deploy/kamailio/dispatcher.list") + "\""});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A queue that announces position and expected wait (the default every 60 s)
// in a config whose IVR lacks the words: valid, with a warning that names
// the queue and [ivr.prompts]; none once the queue announces nothing.
TEST(ConfigCommand, AnnouncingQueueWithoutItsWordsWarns) {
  TempDir dir;
  const std::string path = dir.file("announce.toml");
  const std::string ivr = "[ivr.prompts]\nhi.en = \"hi\"\n"                                    // 1-2
                          "[ivr.menus.m]\nentry = \"a\"\n"                                   // 3-4
                          "[ivr.menus.m.nodes.a]\ntype = \"queue\"\nqueue = \"q\"\n";        // 5-7
  write_file(path, ivr + "[acd]\n[[acd.queues]]\nname = \"q\"\n");
  auto r = run({switchboard_binary(), "config", "check", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(path + ":1:1: ivr.prompts: warning: queue \"q\" announces position and expected wait"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("34 of the words they use have no prompt (announce_position, announce_wait, less_than, "
                       "more_than and 30 more): each plays as a tone"),
            std::string::npos)
      << r.err;
  write_file(path, ivr + "[acd]\n[[acd.queues]]\nname = \"q\"\nannounce_interval_seconds = 0\n");
  r = run({switchboard_binary(), "config", "check", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("announces"), std::string::npos) << r.err;
}

TEST(ConfigCommand, UnreadableFile) {
  auto r = run({switchboard_binary(), "config", "check", "/nonexistent/switchboard.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/switchboard.toml: cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(run({switchboard_binary(), "config"}).exit_code, 2);
}


TEST(Daemon, RunReloadDrain) {
  TempDir dir;
  const std::string cfg = dir.file("switchboard.toml");
  write_file(cfg, daemon_config(dir, "info", dir.file("rec-a")));
  BackgroundProcess d({switchboard_binary(), "run", "--config", cfg});
  ASSERT_TRUE(d.started());
  const std::uint16_t port = port_from_banner(d);
  ASSERT_NE(port, 0) << d.out() << d.err();
  ASSERT_TRUE(d.wait_for_line("ready (pid")) << d.out();
  // The banner says what listens where.
  const std::string banner = d.out();
  EXPECT_NE(banner.find("events     ws://127.0.0.1:" + std::to_string(port) + "/api/v1/events"), std::string::npos);
  EXPECT_NE(banner.find("metrics    http://127.0.0.1:" + std::to_string(port) + "/metrics"), std::string::npos);
  EXPECT_NE(banner.find("sip        udp:127.0.0.1:"), std::string::npos) << banner;

  auto h = http_request(port, "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  auto c = http_request(port, "GET", "/api/v1/config", "", bearer(kToken));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["generation"], 1);
  EXPECT_EQ(c.json()["config"]["recordings"]["directory"], dir.file("rec-a"));
  EXPECT_EQ(c.json()["config"]["logging"]["level"], "info");

  test::WsClient events;
  ASSERT_EQ(events.connect(port, "/api/v1/events?types=system.*", bearer(kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello

  // SIGHUP with a changed file: the new snapshot is what the API shows.
  write_file(cfg, daemon_config(dir, "debug", dir.file("rec-b")));
  d.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return http_request(port, "GET", "/api/v1/config", "", bearer(kToken)).json()["generation"] == 2;
  }));
  c = http_request(port, "GET", "/api/v1/config", "", bearer(kToken));
  EXPECT_EQ(c.json()["config"]["recordings"]["directory"], dir.file("rec-b"));
  EXPECT_EQ(c.json()["config"]["logging"]["level"], "debug");
  auto e = events.read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "system.config_reloaded");
  EXPECT_EQ((*e)["data"]["generation"], 2);

  // A broken file on SIGHUP: every error logged, the running config kept.
  write_file(cfg, daemon_config(dir, "loud", dir.file("rec-c")) + "[bogus]\n");
  d.signal(SIGHUP);
  e = events.read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "system.config_reload_failed");
  EXPECT_EQ((*e)["data"]["errors"], 2);
  c = http_request(port, "GET", "/api/v1/config", "", bearer(kToken));
  EXPECT_EQ(c.json()["generation"], 2);
  EXPECT_EQ(c.json()["config"]["recordings"]["directory"], dir.file("rec-b"));
  const std::string scrape = http_request(port, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("switchboard_config_reloads_total{result=\"success\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_config_reloads_total{result=\"failure\"} 1"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return d.out().find("logging.level: \"loud\" is not one of") != std::string::npos; }))
      << d.out();

  // The same reload through the API, with the errors in the answer.
  auto rr = http_request(port, "POST", "/api/v1/config/reload", "", bearer(kToken));
  EXPECT_EQ(rr.status, 422) << rr.body;
  int reload_errors = 0;
  const auto reload_body = rr.json();
  for (const auto& diag : reload_body["error"]["diagnostics"]) reload_errors += diag["severity"] == "error";
  EXPECT_EQ(reload_errors, 2);
  write_file(cfg, daemon_config(dir, "info", dir.file("rec-d")));
  rr = http_request(port, "POST", "/api/v1/config/reload", "", bearer(kToken));
  EXPECT_EQ(rr.status, 200) << rr.body;
  EXPECT_EQ(rr.json()["generation"], 3);

  // SIGTERM: drain, stop, exit 0; the event stream says goodbye.
  d.signal(SIGTERM);
  auto code = d.wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(code) << d.out() << d.err();
  EXPECT_EQ(*code, 0) << d.out() << d.err();
  EXPECT_NE(d.out().find("draining:"), std::string::npos);
  EXPECT_NE(d.out().find("\nstopped\n"), std::string::npos);
  std::vector<std::string> types;
  while (auto m = events.read_json(std::chrono::seconds(5))) types.push_back((*m)["type"]);
  // The two API reloads, then the drain.
  EXPECT_EQ(types, (std::vector<std::string>{"system.config_reload_failed", "system.config_reloaded",
                                             "system.draining"}));
  EXPECT_EQ(events.close_code(), 1001);
}

TEST(Daemon, BrokenConfigAtStartExitsTwo) {
  TempDir dir;
  const std::string cfg = dir.file("bad.toml");
  write_file(cfg, "[api]\nport = \"eighty\"\nbind = \"localhost\"\n");
  const auto r = run({switchboard_binary(), "run", "--config", cfg}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(cfg + ":2:8: api.port: expected an integer, found a string"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(cfg + ":3:8: api.bind: \"localhost\" is not an IPv4 or IPv6 address"), std::string::npos);
  EXPECT_EQ(r.out.find("ready"), std::string::npos);
}

TEST(Daemon, PortInUseFailsStartWithOne) {
  TempDir dir;
  const std::string cfg = dir.file("a.toml");
  write_file(cfg, daemon_config(dir, "info", dir.file("rec")));
  BackgroundProcess first({switchboard_binary(), "run", "--config", cfg});
  const std::uint16_t port = port_from_banner(first);
  ASSERT_NE(port, 0);
  std::string second_cfg = daemon_config(dir, "info", dir.file("rec"));
  second_cfg.replace(second_cfg.find("port = 0"), 8, "port = " + std::to_string(port));
  write_file(dir.file("b.toml"), second_cfg);
  const auto r = run({switchboard_binary(), "run", "--config", dir.file("b.toml")}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot bind 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0);
}

TEST(Daemon, GeneratedTokenSurvivesRestart) {
  TempDir dir;
  const std::string cfg = dir.file("t.toml");
  write_file(cfg, "[server]\nstate_dir = \"" + dir.file("state") + "\"\n[api]\nport = 0\n[sip]\nlisten = [\"udp:127.0.0.1:0\"]\n");
  std::string token;
  for (int round = 0; round < 2; ++round) {
    BackgroundProcess d({switchboard_binary(), "run", "--config", cfg});
    const std::uint16_t port = port_from_banner(d);
    ASSERT_NE(port, 0) << d.out() << d.err();
    std::ifstream f(dir.file("state/api-token"));
    std::string t;
    std::getline(f, t);
    EXPECT_EQ(t.size(), 64u);
    if (round == 0) token = t;
    else EXPECT_EQ(t, token);
    EXPECT_EQ(http_request(port, "GET", "/api/v1/config", "", bearer(token)).status, 200);
    EXPECT_EQ(http_request(port, "GET", "/api/v1/config").status, 401);
    struct stat st {};
    ASSERT_EQ(stat(dir.file("state/api-token").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    d.signal(SIGINT);
    EXPECT_EQ(d.wait_exit(), 0);
  }
}

TEST(Daemon, EmbeddedDefault) {
  // The embedded default binds 127.0.0.1:8080; on a shared machine
  // something else may hold that port.
  {
    test::RawConnection probe(8080);
    if (probe.connected()) GTEST_SKIP() << "127.0.0.1:8080 is in use on this machine; the embedded default needs it";
  }
  TempDir dir;
  BackgroundProcess d({switchboard_binary(), "run"}, dir.path());
  const std::uint16_t port = port_from_banner(d);
  if (port == 0 && d.err().find("cannot bind 127.0.0.1:8080") != std::string::npos)
    GTEST_SKIP() << "127.0.0.1:8080 was taken while the test started";
  // And SIP on 127.0.0.1:5060, which a SIP server on the machine may hold.
  if (port == 0 && d.err().find(":127.0.0.1:5060: Address already in use") != std::string::npos)
    GTEST_SKIP() << "127.0.0.1:5060 is in use on this machine; the embedded default needs it";
  ASSERT_EQ(port, 8080) << d.out() << d.err();
  ASSERT_TRUE(d.wait_for_line("ready"));
  EXPECT_NE(d.out().find("with <embedded default>"), std::string::npos);
  EXPECT_NE(d.out().find("ivr        2 menus, entry menu \"main\""), std::string::npos) << d.out();
  EXPECT_NE(d.out().find("acd        3 queues, 4 agents, 4 skills"), std::string::npos) << d.out();
  std::ifstream f(dir.file("var/api-token"));
  std::string token;
  std::getline(f, token);
  auto menus = http_request(port, "GET", "/api/v1/ivr/menus", "", bearer(token));
  EXPECT_EQ(menus.status, 200);
  EXPECT_EQ(menus.json()["entry_menu"], "main");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

// The ACD in the daemon: agent actions through the API reach the engine
// thread, come back as agent.state events and show in GET /agents, the
// queues' live view and /metrics; a reload keeps agents' states.
const char* kAcdSection = R"(
[acd]
skills = ["english", "billing"]
[[acd.queues]]
name = "sales"
requires = { english = 3 }
[[acd.queues]]
name = "billing"
strategy = "fewest-calls"
requires = { billing = 1 }
[[acd.agents]]
id = "a1"
name = "Ann"
skills = { english = 5 }
queues = ["sales"]
[[acd.agents]]
id = "a2"
skills = { english = 9, billing = 2 }
queues = ["sales", "billing"]
)";

TEST(Daemon, AgentsQueuesEventsAndMetricsFromTheAcd) {
  TempDir dir;
  const std::string cfg = dir.file("switchboard.toml");
  write_file(cfg, daemon_config(dir, "info", dir.file("rec")) + kAcdSection);
  BackgroundProcess d({switchboard_binary(), "run", "--config", cfg});
  const std::uint16_t port = port_from_banner(d);
  ASSERT_NE(port, 0) << d.out() << d.err();
  ASSERT_TRUE(d.wait_for_line("ready (pid")) << d.out();
  EXPECT_NE(d.out().find("acd        2 queues, 2 agents, 2 skills"), std::string::npos) << d.out();

  test::WsClient events;
  ASSERT_EQ(events.connect(port, "/api/v1/events?types=agent.*", bearer(kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  auto post = [&](const std::string& path, const std::string& body = "") {
    return http_request(port, "POST", path, body, body.empty() ? bearer(kToken) : test::json_with(kToken));
  };
  auto r = post("/api/v1/agents/a1/login");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(post("/api/v1/agents/a1/ready").status, 202);
  EXPECT_EQ(post("/api/v1/agents/a2/ready").status, 202);  // not logged in: refused by the engine
  EXPECT_EQ(post("/api/v1/agents/zz/ready").status, 404);
  EXPECT_EQ(post("/api/v1/agents/a1/not-ready", R"({"reason": "lunch break"})").status, 422);
  EXPECT_EQ(post("/api/v1/agents/a1/not-ready", R"({"reason": 7})").status, 422);

  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto e = events.read_json(std::chrono::seconds(5));
    ASSERT_TRUE(e) << "events so far: " << seen.size();
    const auto& data = (*e)["data"];
    seen.push_back((*e)["type"].get<std::string>() + " " + data["agent"].get<std::string>() + " " +
                   (data.contains("state") ? data["state"].get<std::string>() : data["reason"].get<std::string>()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"agent.state a1 not-ready", "agent.state a1 ready",
                                            "agent.request_rejected a2 not-logged-in"}));

  ASSERT_TRUE(eventually([&] {
    return http_request(port, "GET", "/api/v1/agents/a1", "", bearer(kToken)).json()["state"] == "ready";
  }));
  auto q = http_request(port, "GET", "/api/v1/queues/sales", "", bearer(kToken));
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json()["agents"]["ready"], 1);
  EXPECT_EQ(q.json()["agents"]["logged-out"], 1);
  EXPECT_EQ(q.json()["waiting"], 0);
  EXPECT_EQ(http_request(port, "GET", "/api/v1/queues/nope", "", bearer(kToken)).status, 404);
  EXPECT_EQ(http_request(port, "GET", "/api/v1/queues", "", bearer(kToken)).json()["queues"].size(), 2u);
  std::string scrape = http_request(port, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("switchboard_acd_agents{state=\"ready\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_acd_queue_agents_ready{queue=\"sales\"} 1"), std::string::npos);

  // A reload that adds an agent: a1 stays ready, the new one is logged out.
  write_file(cfg, daemon_config(dir, "info", dir.file("rec")) + kAcdSection +
                      "[[acd.agents]]\nid = \"a3\"\nqueues = [\"billing\"]\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return http_request(port, "GET", "/api/v1/agents", "", bearer(kToken)).json()["agents"].size() == 3;
  }));
  EXPECT_EQ(http_request(port, "GET", "/api/v1/agents/a1", "", bearer(kToken)).json()["state"], "ready");
  EXPECT_EQ(http_request(port, "GET", "/api/v1/agents/a3", "", bearer(kToken)).json()["state"], "logged-out");
  EXPECT_EQ(post("/api/v1/agents/a3/login").status, 202);

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

TEST(Daemon, LiveScrapePassesPromtool) {
  if (!test::have_program("promtool")) GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  TempDir dir;
  write_file(dir.file("s.toml"), daemon_config(dir, "info", dir.file("rec")));
  BackgroundProcess d({switchboard_binary(), "run", "--config", dir.file("s.toml")});
  const std::uint16_t port = port_from_banner(d);
  ASSERT_NE(port, 0) << d.out() << d.err();
  http_request(port, "GET", "/api/v1/config", "", bearer(kToken));
  http_request(port, "GET", "/api/v1/nothing", "", bearer(kToken));
  const auto scrape = http_request(port, "GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  write_file(dir.file("scrape.txt"), scrape.body);
  const auto r = run({"sh", "-c", "promtool check metrics < " + dir.file("scrape.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Every registered family of the catalogue is there.
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes",
                           "switchboard_build_info", "switchboard_config_reloads_total",
                           "switchboard_config_last_reload_success_timestamp_seconds", "switchboard_draining",
                           "switchboard_live_work", "switchboard_ivr_menus", "switchboard_api_requests_total",
                           "switchboard_api_request_duration_seconds", "switchboard_api_connections",
                           "switchboard_api_connections_rejected_total", "switchboard_api_auth_failures_total",
                           "switchboard_events_published_total", "switchboard_events_dropped_total",
                           "switchboard_event_clients", "switchboard_event_clients_disconnected_total"})
    EXPECT_NE(scrape.body.find("# TYPE " + std::string(name) + " "), std::string::npos) << name;
  // The ACD's families (its engine runs even with no queues configured),
  // the dataplane's (its workers run with no session), and nothing whose
  // source this build lacks.
  EXPECT_NE(scrape.body.find("# TYPE switchboard_acd_agents gauge"), std::string::npos);
  for (const char* name : {"switchboard_dataplane_packets_total", "switchboard_dataplane_bytes_total",
                           "switchboard_dataplane_drops_total", "switchboard_dataplane_active_sessions",
                           "switchboard_dataplane_active_legs", "switchboard_dataplane_media_timeouts_total"})
    EXPECT_NE(scrape.body.find("# TYPE " + std::string(name) + " "), std::string::npos) << name;
  EXPECT_NE(scrape.body.find("switchboard_dataplane_drops_total{reason=\"playback\"} 0"), std::string::npos);
  for (const char* name : {"switchboard_dataplane_mos", "switchboard_dataplane_jitter_seconds", "switchboard_dataplane_rtt_seconds"})
    EXPECT_NE(scrape.body.find("# TYPE " + std::string(name) + " histogram"), std::string::npos) << name;
  EXPECT_NE(scrape.body.find("switchboard_api_requests_total{method=\"GET\",route=\"unmatched\",code=\"404\"} 1"),
            std::string::npos)
      << scrape.body;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

}  // namespace
}  // namespace sb
