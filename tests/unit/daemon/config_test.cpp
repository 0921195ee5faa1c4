// The config loader: every error with file, line, column and key; all
// errors in one pass; the embedded default valid; sections from modules.
#include <gtest/gtest.h>

#include <fstream>

#include "control/config/default_config.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/daemon/config_test_util.hpp"

namespace sb {
namespace {

using config::Severity;
using test::error_lines;
using test::joined;
using test::load;

TEST(Config, EmbeddedDefaultIsValid) {
  const auto r = config::load_config_text(config::embedded_default_config(), std::string(config::kEmbeddedDefaultName),
                                          test::daemon_registry());
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  const auto& c = *r.config;
  EXPECT_EQ(c.api.bind, "127.0.0.1");
  EXPECT_EQ(c.api.port, 8080);
  EXPECT_TRUE(c.api.tokens.empty());
  EXPECT_EQ(c.api.generated_token_file, "./var/api-token");
  EXPECT_EQ(c.recordings.directory, "./var/recordings");
  EXPECT_EQ(c.dataplane.backend, config::DataplaneBackend::kSocket);
  EXPECT_EQ(c.dataplane.bind, "127.0.0.1");
  ASSERT_EQ(c.sip.listen.size(), 2u);
  EXPECT_EQ(c.sip.listen[0].to_string(), "udp:127.0.0.1:5060");
  auto ivr = c.section<ivr::menu::IvrConfig>("ivr");
  ASSERT_NE(ivr, nullptr);
  EXPECT_EQ(ivr->entry_menu, "main");
  EXPECT_GE(ivr->menus.size(), 2u);
  EXPECT_EQ(c.unvalidated.count("acd"), 1u);
  // The only warnings: [acd] unvalidated, and prompt audio not recorded yet.
  for (const auto& d : r.diagnostics) {
    EXPECT_EQ(d.severity, Severity::kWarning);
    EXPECT_TRUE(d.key == "acd" || d.key == "ivr.prompts_dir") << d.to_string();
  }
}

TEST(Config, EmbeddedDefaultIsCorePlusAcdPart) {
  EXPECT_EQ(std::string(config::embedded_default_config()),
            std::string(config::embedded_core_part()) + std::string(config::embedded_acd_part()));
  EXPECT_NE(config::embedded_acd_part().find("[[acd.queues]]"), std::string_view::npos);
}

TEST(Config, EmptyFileGivesDefaults) {
  const auto r = load("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->api.port, 8080);
  EXPECT_EQ(r.config->server.drain_timeout, std::chrono::seconds(30));
  EXPECT_EQ(r.config->api.generated_token_file, "./var/api-token");
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(Config, ErrorNamesFileLineColumnAndKey) {
  const auto r = load("[api]\nport = 70000\n", "site.toml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(error_lines(r).size(), 1u);
  EXPECT_EQ(error_lines(r)[0], "site.toml:2:8: api.port: must be between 0 and 65535, got 70000");
}

TEST(Config, EveryErrorIsReportedInFileOrder) {
  const std::string text =
      "[api]\n"                         // 1
      "port = \"8080\"\n"               // 2 wrong type
      "threads = 0\n"                   // 3 out of range
      "request_timeout = 10\n"          // 4 duration must be a string
      "prot = 1\n"                      // 5 unknown, near 'port'
      "[recordings]\n"                  // 6
      "format = \"mp3\"\n"              // 7 bad choice
      "[logging]\n"                     // 8
      "level = \"loud\"\n"              // 9
      "[dataplan]\n"                    // 10 unknown section, near 'dataplane' (column of the name)
      "x = 1\n";
  const auto r = load(text);
  ASSERT_FALSE(r.ok());
  const auto lines = error_lines(r);
  ASSERT_EQ(lines.size(), 7u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:2:8: api.port: expected an integer, found a string");
  EXPECT_EQ(lines[1], "test.toml:3:11: api.threads: must be between 1 and 64, got 0");
  EXPECT_EQ(lines[2],
            "test.toml:4:19: api.request_timeout: expected a duration string such as \"5s\" or \"250ms\", found an integer");
  EXPECT_EQ(lines[3], "test.toml:5:1: api.prot: unknown key (did you mean 'port'?)");
  EXPECT_EQ(lines[4],
            "test.toml:7:10: recordings.format: \"mp3\" is not one of \"wav-pcm16\", \"wav-ulaw\", \"ogg-opus\"");
  EXPECT_EQ(lines[5], "test.toml:9:9: logging.level: \"loud\" is not one of \"trace\", \"debug\", \"info\", \"warn\", "
                      "\"error\", \"critical\", \"off\"");
  EXPECT_EQ(lines[6], "test.toml:10:2: dataplan: unknown key (did you mean 'dataplane'?)");
}

TEST(Config, SyntaxErrorsAreAllListedAndStopTheSemanticChecks) {
  const std::string text =
      "[api]\n"
      "port = 80 80\n"        // 2: syntax
      "threads = 0\n"         // 3: semantic (not reported: the document is broken)
      "[metrics\n"            // 4: syntax
      "enabled = true\n"
      "path = \"/m\n";        // 6: syntax
  const auto r = load(text);
  ASSERT_FALSE(r.ok());
  const auto lines = error_lines(r);
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  // Syntax errors name the key of their line: the header in force and the
  // key before '='.
  EXPECT_EQ(lines[0].rfind("test.toml:2:11: api.port: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("test.toml:4:", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find(": metrics: "), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2].rfind("test.toml:6:", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find(": metrics.path: "), std::string::npos) << lines[2];
}

TEST(Config, MissingRequiredKeyPointsAtItsTable) {
  const auto r = load("[api]\nbind = \"127.0.0.1\"\n\n[[api.tokens]]\ntoken = \"0123456789abcdef0123\"\n");
  ASSERT_FALSE(r.ok());
  const auto lines = error_lines(r);
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:4:1: api.tokens[0].name: required key is missing");
}

TEST(Config, DurationsAndSizes) {
  EXPECT_EQ(config::parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(config::parse_duration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(config::parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(config::parse_duration("1h"), std::chrono::hours(1));
  EXPECT_FALSE(config::parse_duration("1.5s"));
  EXPECT_FALSE(config::parse_duration("5"));
  EXPECT_FALSE(config::parse_duration("s"));
  EXPECT_FALSE(config::parse_duration("-5s"));
  EXPECT_FALSE(config::parse_duration("99999999999999999999h"));
  EXPECT_FALSE(config::parse_duration("9999999999h"));
  EXPECT_EQ(config::parse_byte_size("1MiB"), 1u << 20);
  EXPECT_EQ(config::parse_byte_size("64KiB"), 64u << 10);
  EXPECT_EQ(config::parse_byte_size("512"), 512u);
  EXPECT_EQ(config::parse_byte_size("512B"), 512u);
  EXPECT_FALSE(config::parse_byte_size("1MB"));
  EXPECT_FALSE(config::parse_byte_size("99999999999999999999GiB"));

  const auto r = load("[api]\nmax_body_size = \"2MiB\"\nrequest_timeout = \"1500ms\"\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->api.max_body_bytes, 2u << 20);
  EXPECT_EQ(r.config->api.request_timeout, std::chrono::milliseconds(1500));
  const auto bad = load("[api]\nmax_body_size = \"2 MB\"\nrequest_timeout = \"2h\"\n");
  const auto lines = error_lines(bad);
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_NE(lines[0].find("api.max_body_size: not a size"), std::string::npos);
  EXPECT_NE(lines[1].find("api.request_timeout: must be between 100ms and 1h, got 2h"), std::string::npos);
}

TEST(Config, TokensInlineAndFromFilesNeverShownByTheApiView) {
  test::TempDir dir;
  std::ofstream(dir.file("ops.token")) << "file-secret-0123456789\n";
  const std::string text = "[[api.tokens]]\nname = \"wallboard\"\ntoken = \"inline-secret-0123456789\"\n"
                           "[[api.tokens]]\nname = \"ops\"\ntoken_file = \"ops.token\"\n";
  const auto r = config::load_config_text(text, dir.file("x.toml"), test::daemon_registry(), dir.path());
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  ASSERT_EQ(r.config->api.tokens.size(), 2u);
  EXPECT_EQ(r.config->api.tokens[1].token, "file-secret-0123456789");
  EXPECT_EQ(r.config->api.tokens[1].origin, dir.file("ops.token"));
  const std::string shown = r.config->to_json().dump();
  EXPECT_EQ(shown.find("secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("wallboard"), std::string::npos);
}

TEST(Config, BadTokens) {
  const std::string text =
      "[[api.tokens]]\nname = \"a\"\ntoken = \"short\"\n"                                       // 1-3
      "[[api.tokens]]\nname = \"b\"\ntoken_file = \"/nonexistent/b.token\"\n"                   // 4-6
      "[[api.tokens]]\nname = \"c\"\n"                                                          // 7-8 neither
      "[[api.tokens]]\nname = \"d\"\ntoken = \"0123456789abcdef\"\n"                            // 9-11
      "[[api.tokens]]\nname = \"d\"\ntoken = \"0123456789abcdef\"\n";                           // 12-14 dup
  const auto r = load(text);
  const auto lines = error_lines(r);
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  EXPECT_NE(lines[0].find("test.toml:3:9: api.tokens[0].token: must be 16 to 256"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("api.tokens[1].token_file: cannot read token file /nonexistent/b.token"), std::string::npos);
  EXPECT_NE(lines[2].find("test.toml:7:1: api.tokens[2]: give exactly one of 'token' or 'token_file'"),
            std::string::npos);
  EXPECT_NE(lines[3].find("api.tokens[4]: the same secret is configured twice"), std::string::npos) << joined(lines);
  EXPECT_NE(lines[4].find("api.tokens[4].name: token name \"d\" is used twice"), std::string::npos) << joined(lines);
}

TEST(Config, ListenersThatCollide) {
  const std::string text =
      "[api]\nport = 9000\n"
      "[metrics]\nbind = \"0.0.0.0\"\nport = 9000\n"
      "[dataplane]\nport_min = 8000\nport_max = 9999\n"
      "[sip]\nlisten = [\"udp:127.0.0.1:5060\", \"tcp:127.0.0.1:8500\"]\n";
  const auto lines = error_lines(load(text));
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_NE(lines[0].find(":2:8: api.port: 9000 lies inside the media port range 8000-9999"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(":5:8: metrics.port: the metrics listener 0.0.0.0:9000 collides"), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("sip.listen[1]: 8500 lies inside the media port range"), std::string::npos) << lines[2];
}

TEST(Config, DataplaneSection) {
  auto r = load(
      "[dataplane]\nbackend = \"dpdk\"\ncores = [0, 1]\nport_min = 30000\nport_max = 39999\n"
      "[dataplane.dpdk]\neal_args = [\"--no-huge\", \"--no-pci\", \"--vdev=net_ring0\"]\nmedia_ip = \"192.0.2.10\"\n"
      "gateway_mac = \"02:00:00:00:00:01\"\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  const auto& dp = r.config->dataplane;
  EXPECT_EQ(dp.backend, config::DataplaneBackend::kDpdk);
  EXPECT_EQ(dp.cores, (std::vector<int>{0, 1}));
  EXPECT_EQ(dp.workers, 2);
  EXPECT_EQ(dp.dpdk.eal_args.size(), 3u);
  EXPECT_EQ(dp.dpdk.media_ip, "192.0.2.10");

  const auto lines = error_lines(load(
      "[dataplane]\nbackend = \"dpdk\"\ncores = [1, 1]\nworkers = 2\nport_min = 20001\nbind = \"localhost\"\n"
      "[dataplane.dpdk]\nmedia_ip = \"::1\"\ngateway_mac = \"zz\"\n"));
  // dpdk without IPv4 media_ip, duplicate core, workers with cores, odd
  // port_min, host name instead of address, IPv6 media_ip, bad MAC.
  ASSERT_EQ(lines.size(), 7u) << joined(lines);
  EXPECT_NE(joined(lines).find("dataplane.backend: backend \"dpdk\" needs dataplane.dpdk.media_ip"), std::string::npos);
  EXPECT_NE(joined(lines).find("CPU 1 is listed twice"), std::string::npos);
  EXPECT_NE(joined(lines).find("dataplane.workers: give either 'workers' or 'cores'"), std::string::npos);
  EXPECT_NE(joined(lines).find("dataplane.port_min: must be even"), std::string::npos);
  EXPECT_NE(joined(lines).find("dataplane.bind: \"localhost\" is not an IPv4 or IPv6 address"), std::string::npos);
  EXPECT_NE(joined(lines).find("dataplane.dpdk.media_ip: the DPDK backend answers ARP for IPv4 only"),
            std::string::npos);
  EXPECT_NE(joined(lines).find("dataplane.dpdk.gateway_mac: \"zz\" is not a MAC address"), std::string::npos);
}

TEST(Config, DataplaneSocketReceive) {
  EXPECT_EQ(load("").config->dataplane.socket_receive, config::SocketReceive::kEpoll);
  auto r = load("[dataplane]\nsocket_receive = \"packet-ring\"\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->dataplane.socket_receive, config::SocketReceive::kPacketRing);
  EXPECT_EQ(r.config->to_json()["dataplane"]["socket_receive"], "packet-ring");
  EXPECT_EQ(load("[dataplane]\nsocket_receive = \"io-uring\"\n").config->dataplane.socket_receive,
            config::SocketReceive::kUring);
  const auto lines = error_lines(load("[dataplane]\nsocket_receive = \"xdp\"\n", "t.toml"));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind("t.toml:2:18: dataplane.socket_receive: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("\"packet-ring\""), std::string::npos) << lines[0];
}

TEST(Config, SipListenAddresses) {
  auto r = load("[sip]\nlisten = [\"udp:[::1]:5060\", \"tcp:0.0.0.0:5080\"]\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->sip.listen[0].to_string(), "udp:[::1]:5060");
  EXPECT_EQ(r.config->sip.listen[1].address, "0.0.0.0");
  const auto lines = error_lines(load(
      "[sip]\nlisten = [\"sctp:1.2.3.4:5060\", \"udp:1.2.3.4\", \"udp:example.com:5060\", \"udp:1.2.3.4:70000\", "
      "\"tcp:::1:5060\", 5060, \"udp:1.2.3.4:5060\", \"udp:1.2.3.4:5060\"]\n"));
  ASSERT_EQ(lines.size(), 7u) << joined(lines);
  EXPECT_NE(lines[0].find("sip.listen[0]: transport \"sctp\" is not udp or tcp"), std::string::npos);
  EXPECT_NE(lines[5].find("sip.listen[5]: expected a string, found an integer"), std::string::npos) << lines[5];
  EXPECT_NE(lines[6].find("sip.listen[7]: udp:1.2.3.4:5060 is listed twice"), std::string::npos) << lines[6];
}

TEST(Config, SipOutboundTrunk) {
  auto r = load("[sip]\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_FALSE(r.config->sip.outbound);
  r = load(
      "[sip.outbound]\naddress = \"[2001:db8::10]:5070\"\ntransport = \"tcp\"\nuser = \"acct\"\npassword = \"s3cret\"\n"
      "caller_id = \"+15550100\"\ndomain = \"carrier.example\"\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  ASSERT_TRUE(r.config->sip.outbound);
  const auto& o = *r.config->sip.outbound;
  EXPECT_EQ(o.target.to_string(), "tcp:[2001:db8::10]:5070");
  EXPECT_EQ(o.user, "acct");
  EXPECT_EQ(o.password, "s3cret");
  EXPECT_EQ(o.caller_id, "+15550100");
  EXPECT_EQ(o.domain, "carrier.example");
  const auto shown = r.config->to_json()["sip"]["outbound"];
  EXPECT_EQ(shown["target"], "tcp:[2001:db8::10]:5070");
  EXPECT_EQ(shown["digest"], true);
  EXPECT_EQ(shown.dump().find("s3cret"), std::string::npos) << shown.dump();
  r = load("[sip.outbound]\naddress = \"192.0.2.10:5060\"\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->sip.outbound->target.to_string(), "udp:192.0.2.10:5060");

  auto lines = error_lines(load(
      "[sip.outbound]\naddress = \"carrier.example:5060\"\ntransport = \"tls\"\npassword = \"s3cret\"\n"
      "caller_id = \"no spaces\"\ndomain = \"a@b\"\nadress = 1\n"));
  ASSERT_EQ(lines.size(), 6u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:2:11: sip.outbound.address: \"carrier.example\" is not an IPv4 or IPv6 address") << joined(lines);
  EXPECT_EQ(lines[1], "test.toml:3:13: sip.outbound.transport: \"tls\" is not one of \"udp\", \"tcp\"") << joined(lines);
  EXPECT_EQ(lines[2], "test.toml:4:12: sip.outbound.password: is set without 'user'") << joined(lines);
  EXPECT_EQ(lines[3], "test.toml:5:13: sip.outbound.caller_id: must be 1-64 digits, letters or + * # . _ -") << joined(lines);
  EXPECT_EQ(lines[4], "test.toml:6:10: sip.outbound.domain: must be a host name without spaces or SIP punctuation")
      << joined(lines);
  EXPECT_EQ(lines[5], "test.toml:7:1: sip.outbound.adress: unknown key (did you mean 'address'?)") << joined(lines);

  lines = error_lines(load("[sip.outbound]\nuser = \"acct\"\n"));
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_NE(lines[0].find("sip.outbound.address: "), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1], "test.toml:2:8: sip.outbound.user: is set without 'password'") << joined(lines);
  for (const char* bad : {"192.0.2.10", "192.0.2.10:0", "2001:db8::1:5060", "192.0.2.10:99999"}) {
    lines = error_lines(load(std::string("[sip.outbound]\naddress = \"") + bad + "\"\n"));
    ASSERT_EQ(lines.size(), 1u) << bad << ": " << joined(lines);
    EXPECT_EQ(lines[0].rfind("test.toml:2:11: sip.outbound.address: ", 0), 0u) << lines[0];
  }
}

TEST(Config, SipSessionTimersAndLogoutOnExpiry) {
  auto r = load("[sip]\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->sip.session_expires, 1800u);
  EXPECT_EQ(r.config->sip.min_se, 90u);
  EXPECT_FALSE(r.config->sip.logout_on_expiry);
  r = load("[sip]\nsession_expires = 600\nmin_se = 300\nlogout_on_expiry = true\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->sip.session_expires, 600u);
  EXPECT_EQ(r.config->sip.min_se, 300u);
  EXPECT_TRUE(r.config->sip.logout_on_expiry);
  const auto shown = r.config->to_json()["sip"];
  EXPECT_EQ(shown["session_expires"], 600);
  EXPECT_EQ(shown["min_se"], 300);
  EXPECT_EQ(shown["logout_on_expiry"], true);
  // 0: no timer of our own.
  r = load("[sip]\nsession_expires = 0\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  EXPECT_EQ(r.config->sip.session_expires, 0u);

  auto lines = error_lines(load("[sip]\nsession_expires = 120\nmin_se = 300\n"));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_NE(lines[0].find("sip.session_expires: is below min_se (300)"), std::string::npos) << lines[0];
  lines = error_lines(load("[sip]\nmin_se = 89\nsession_expires = -1\nlogout_on_expiry = \"yes\"\n"));
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[0].rfind("test.toml:2:10: sip.min_se: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("test.toml:3:19: sip.session_expires: ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("test.toml:4:20: sip.logout_on_expiry: ", 0), 0u) << lines[2];
}

TEST(Config, WarningsDoNotFailTheLoad) {
  const auto r = load("[dataplane]\ncores = [4095]\n[acd]\nqueues = {}\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].to_string(),
            "test.toml:2:9: dataplane.cores: warning: cores[0]: CPU 4095 does not exist on this machine (" +
                std::to_string(std::thread::hardware_concurrency()) + " CPUs)");
  EXPECT_EQ(r.diagnostics[1].to_string(),
            "test.toml:3:1: acd: warning: section accepted but not validated: the ACD module is not part of this build");
  EXPECT_EQ(r.config->unvalidated.count("acd"), 1u);
  EXPECT_EQ(r.config->to_json()["acd"]["validated"], false);
}

TEST(Config, FilesThatCannotBeRead) {
  test::TempDir dir;
  auto r = config::load_config_file(dir.file("missing.toml"), test::daemon_registry());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].to_string(), dir.file("missing.toml") + ": cannot open: No such file or directory");
  r = config::load_config_file(dir.path(), test::daemon_registry());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].to_string().find("is a directory"), std::string::npos);
  EXPECT_FALSE(r.ok());
  std::ofstream(dir.file("big.toml")) << std::string(config::kMaxConfigBytes + 1, '#');
  r = config::load_config_file(dir.file("big.toml"), test::daemon_registry());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics[0].message.find("at most"), std::string::npos);
}

// A module section as the ACD will write one: defines queue names that the
// IVR's routes are checked against.
struct QueueCatalogue final : config::ConfigSection {
  std::vector<std::string> queues;
  nlohmann::json to_json() const override { return {{"queues", queues}}; }
  void declare_names(config::NameTable& names) const override {
    for (const auto& q : queues) names.define("queue", q);
    names.define("skill", "spanish");
  }
};

config::SectionParser queue_catalogue_parser(int* calls) {
  return {"catalogue", [calls](config::TableReader& t, const config::SectionContext&) {
            ++*calls;
            auto c = std::make_shared<QueueCatalogue>();
            if (auto qs = t.strings("queues"))
              for (auto& q : *qs) c->queues.push_back(q.value);
            return c;
          }};
}

TEST(ConfigRegistry, ModuleSectionsPlugIn) {
  config::SectionRegistry reg;
  int calls = 0;
  ASSERT_TRUE(reg.add(queue_catalogue_parser(&calls)).is_ok());
  EXPECT_EQ(reg.add(queue_catalogue_parser(&calls)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.add({"api", [](config::TableReader&, const config::SectionContext&) {
                       return std::shared_ptr<const config::ConfigSection>();
                     }}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.add_unvalidated("catalogue", "x").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(reg.add(ivr::menu::ivr_section_parser()).is_ok());

  // Absent: the parser still runs (defaults live in the module).
  auto r = config::load_config_text("", "t.toml", reg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 1);
  ASSERT_NE(r.config->section<QueueCatalogue>("catalogue"), nullptr);
  EXPECT_EQ(r.config->section<ivr::menu::IvrConfig>("catalogue"), nullptr);  // wrong type: null, not UB

  const std::string text =
      "[catalogue]\nqueues = [\"sales\"]\nextra = 1\n"                                            // 1-3
      "[ivr.prompts]\nhi.en = \"hi\"\n"                                                          // 4-5
      "[ivr.menus.m]\nentry = \"a\"\n"                                                           // 6-7
      "[ivr.menus.m.nodes.a]\ntype = \"set\"\nskills = [\"spanish\", \"klingon\"]\nnext = \"b\"\n"  // 8-11
      "[ivr.menus.m.nodes.b]\ntype = \"queue\"\nqueue = \"salse\"\n";                            // 12-14
  r = config::load_config_text(text, "t.toml", reg);
  const auto lines = error_lines(r);
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[0], "t.toml:3:1: catalogue.extra: unknown key");
  EXPECT_EQ(lines[1], "t.toml:10:22: ivr.menus.m.nodes.a.skills[1]: no skill named \"klingon\"");
  EXPECT_EQ(lines[2], "t.toml:14:9: ivr.menus.m.nodes.b.queue: no queue named \"salse\"");
}

TEST(ConfigRegistry, ApiViewIncludesModuleSections) {
  const auto r = load("[ivr.prompts]\nhi.en = \"hi\"\n[ivr.menus.m]\nentry = \"a\"\n"
                      "[ivr.menus.m.nodes.a]\ntype = \"hangup\"\nprompts = [\"hi\"]\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  const auto j = r.config->to_json();
  EXPECT_EQ(j["ivr"]["entry_menu"], "m");
  EXPECT_EQ(j["ivr"]["menus"][0]["nodes"][0]["type"], "hangup");
  EXPECT_EQ(j["api"]["port"], 8080);
}

TEST(ConfigReader, EditDistance) {
  EXPECT_EQ(config::edit_distance("port", "prot"), 2u);
  EXPECT_EQ(config::edit_distance("", "abc"), 3u);
  EXPECT_EQ(config::edit_distance("same", "same"), 0u);
}

}  // namespace
}  // namespace sb
