// A real Prometheus server (Debian package prometheus) scrapes a real
// switchboard daemon over loopback; the test reads metrics back through
// Prometheus's HTTP query API, proving the exposition works end to end
// with the consumer it is written for.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/support/background_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

using test::BackgroundProcess;
using test::http_request;

// A port nothing listens on right now (the kernel's choice for port 0).
std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The first sample's value of an instant query, or nullopt.
std::optional<double> query(std::uint16_t prom_port, const std::string& promql) {
  std::string encoded;
  for (unsigned char c : promql) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  const auto r = http_request(prom_port, "GET", "/api/v1/query?query=" + encoded);
  if (r.status != 200) return std::nullopt;
  const auto j = r.json();
  if (j["status"] != "success" || j["data"]["result"].empty()) return std::nullopt;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

TEST(Prometheus, ScrapesTheDaemonAndAnswersQueries) {
  if (!test::have_program("prometheus")) GTEST_SKIP() << "prometheus is not installed (Debian package prometheus)";
  test::TempDir dir;
  {
    std::ofstream(dir.file("sb.toml")) << "[server]\nstate_dir = \"" << dir.file("var") << "\"\n"
                                       << "[api]\nport = 0\n[[api.tokens]]\nname = \"t\"\n"
                                       << "token = \"prometheus-test-token-1\"\n"
                                       << "[sip]\nlisten = [\"udp:127.0.0.1:0\"]\n";
  }
  BackgroundProcess sb({test::switchboard_binary(), "run", "--config", dir.file("sb.toml")});
  const auto line = sb.wait_for_line("  metrics ");
  ASSERT_TRUE(line) << sb.out() << sb.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex(R"(127\.0\.0\.1:([0-9]+)/metrics)")));
  const std::string target = "127.0.0.1:" + m[1].str();

  {
    std::ofstream(dir.file("prometheus.yml")) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                              << "scrape_configs:\n  - job_name: switchboard\n"
                                              << "    static_configs:\n      - targets: ['" << target << "']\n";
  }
  // A free port can be taken between the probe and Prometheus binding it;
  // try a few.
  std::unique_ptr<BackgroundProcess> prom;
  std::uint16_t prom_port = 0;
  for (int attempt = 0; attempt < 3 && !prom; ++attempt) {
    prom_port = free_port();
    auto p = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        "prometheus", "--config.file=" + dir.file("prometheus.yml"), "--storage.tsdb.path=" + dir.file("data"),
        "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"});
    const bool up = test::eventually([&] { return http_request(prom_port, "GET", "/-/ready").status == 200; },
                                     std::chrono::seconds(30));
    if (up) prom = std::move(p);
  }
  ASSERT_TRUE(prom) << "prometheus did not become ready";

  // Wait (bounded) until Prometheus has scraped the daemon at least once.
  std::optional<double> build;
  ASSERT_TRUE(test::eventually([&] { return (build = query(prom_port, "switchboard_build_info")).has_value(); },
                               std::chrono::seconds(60)));
  EXPECT_EQ(*build, 1.0);
  EXPECT_EQ(query(prom_port, "up{job=\"switchboard\"}"), 1.0);
  const auto rss = query(prom_port, "process_resident_memory_bytes");
  ASSERT_TRUE(rss);
  EXPECT_GT(*rss, 1e6);
  // Prometheus's own scrapes show up in the daemon's request counter.
  std::optional<double> scrapes;
  ASSERT_TRUE(test::eventually(
      [&] {
        scrapes = query(prom_port, "switchboard_api_requests_total{route=\"/metrics\",code=\"200\"}");
        return scrapes && *scrapes >= 2;
      },
      std::chrono::seconds(60)));

  prom->signal(SIGTERM);
  prom->wait_exit();
  sb.signal(SIGTERM);
  EXPECT_EQ(sb.wait_exit(), 0);
}

}  // namespace
}  // namespace sb
