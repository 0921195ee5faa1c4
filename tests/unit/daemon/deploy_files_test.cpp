// The files operators deploy: the Grafana dashboard and the Prometheus
// configuration and alert rules use only metric names from the catalogue
// (control/metrics/metric_catalogue.hpp), the dashboard shows every one of
// them, and promtool accepts the rules and proves the alerts fire.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "control/metrics/metric_catalogue.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

std::string source_file(const std::string& rel) {
  const char* root = std::getenv("SB_SOURCE_ROOT");
  std::ifstream f(std::string(root ? root : ".") + "/" + rel);
  EXPECT_TRUE(f) << rel << " is missing";
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string source_path(const std::string& rel) {
  const char* root = std::getenv("SB_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/" + rel;
}

// Metric names in PromQL text, with histogram series suffixes mapped back
// to the family name.
std::set<std::string> metric_names(const std::string& text) {
  std::set<std::string> out;
  static const std::regex name(R"(\b(?:switchboard|process)_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0) {
        const std::string family = n.substr(0, n.size() - s.size());
        const auto* spec = metrics::catalogue::find(family);
        if (spec && spec->type == metrics::MetricType::kHistogram) n = family;
      }
    }
    out.insert(n);
  }
  return out;
}

TEST(Dashboard, UsesCatalogueMetricsAndShowsThemAll) {
  const auto dash = nlohmann::json::parse(source_file("deploy/grafana/switchboard.json"));
  std::set<std::string> used;
  std::set<int> ids;
  for (const auto& p : dash["panels"]) {
    EXPECT_TRUE(ids.insert(p["id"].get<int>()).second) << "duplicate panel id " << p["id"];
    const auto& g = p["gridPos"];
    EXPECT_LE(g["x"].get<int>() + g["w"].get<int>(), 24) << p["title"];
    if (p["type"] == "row") continue;
    ASSERT_TRUE(p.contains("targets")) << p["title"];
    for (const auto& t : p["targets"]) {
      const auto names = metric_names(t["expr"].get<std::string>());
      EXPECT_FALSE(names.empty() && t["expr"].get<std::string>().find("up{") == std::string::npos) << p["title"];
      used.insert(names.begin(), names.end());
    }
  }
  for (const auto& n : used) EXPECT_NE(metrics::catalogue::find(n), nullptr) << n << " is not in the catalogue";
  for (const metrics::MetricSpec* s : metrics::catalogue::kAll)
    EXPECT_EQ(used.count(std::string(s->name)), 1u) << s->name << " has no panel";
}

TEST(Dashboard, HasWhatSupervisorsAndTheNocLookAt) {
  const auto dash = nlohmann::json::parse(source_file("deploy/grafana/switchboard.json"));
  std::set<std::string> titles;
  for (const auto& p : dash["panels"]) titles.insert(p["title"]);
  for (const char* t : {"Contact centre (supervisor)", "Service level by queue", "Calls waiting", "Longest wait",
                        "Average speed of answer (15 m)", "Average handle time (1 h)", "Abandon rate (15 m)",
                        "Agents by state", "Callbacks pending", "Media (carrier NOC)", "Drops by reason",
                        "RTP packet loss", "Jitter (p50, p95)", "MOS distribution", "Packets per second", "Recordings",
                        "Recordings started / completed / failed", "Platform", "CPU", "Memory",
                        "Open file descriptors", "Up"})
    EXPECT_EQ(titles.count(t), 1u) << "no panel \"" << t << "\"";
  EXPECT_EQ(dash["templating"]["list"][0]["type"], "datasource");
}

TEST(Alerts, UseCatalogueMetrics) {
  const auto names = metric_names(source_file("deploy/prometheus/alerts.yml"));
  EXPECT_GE(names.size(), 15u);
  for (const auto& n : names) EXPECT_NE(metrics::catalogue::find(n), nullptr) << n << " is not in the catalogue";
  const std::string text = source_file("deploy/prometheus/alerts.yml");
  for (const char* alert : {"SwitchboardDown", "ServiceLevelBelowTarget", "LongestWaitHigh", "AbandonRateHigh",
                            "NoAgentsReady", "PacketLossHigh", "JitterHigh", "MosLow", "PacketDropsHigh",
                            "RecordingFailures"})
    EXPECT_NE(text.find("alert: " + std::string(alert)), std::string::npos) << alert;
}

class Promtool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_program("promtool")) GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
};

TEST_F(Promtool, RulesAndConfigAreValid) {
  auto r = test::run({"promtool", "check", "rules", source_path("deploy/prometheus/alerts.yml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("SUCCESS"), std::string::npos);
  r = test::run({"promtool", "check", "config", source_path("deploy/prometheus/prometheus.yml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(Promtool, AlertsFireOnTheirConditions) {
  const auto r = test::run({"promtool", "test", "rules", source_path("tests/data/prometheus/alerts_test.yml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace sb
