// The metrics registry and the Prometheus text format: escaping, types,
// histograms, per-core counters summed at scrape, /proc figures, and the
// output accepted by promtool.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/per_core_counters.hpp"
#include "control/metrics/exposition.hpp"
#include "control/metrics/metric_catalogue.hpp"
#include "control/metrics/per_core_collector.hpp"
#include "control/metrics/process_collector.hpp"
#include "control/metrics/registry.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

using namespace metrics;

bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

constexpr MetricSpec kEscapes{"test_escapes_total", MetricType::kCounter, "path", "",
                              "Help with a \\ backslash\nand a newline.", MetricSource::kDaemon};
constexpr MetricSpec kLatency{"test_latency_seconds", MetricType::kHistogram, "route", "seconds", "Latency.",
                              MetricSource::kDaemon};
constexpr MetricSpec kTemperature{"test_temperature", MetricType::kGauge, "", "", "A gauge.", MetricSource::kDaemon};

TEST(Exposition, HelpTypeAndEscaping) {
  MetricsRegistry reg;
  auto fam = reg.counter(kEscapes);
  ASSERT_TRUE(fam);
  (*fam)->with({"C:\\dir \"quoted\"\nnext"}).inc(3);
  const std::string text = reg.scrape();
  EXPECT_TRUE(contains(text, "# HELP test_escapes_total Help with a \\\\ backslash\\nand a newline.\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE test_escapes_total counter\n"));
  EXPECT_TRUE(contains(text, "test_escapes_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 3\n")) << text;
}

TEST(Exposition, Values) {
  std::string s;
  for (double v : {0.0, 1.0, 42.0, 0.1, -2.5, 1e21, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    append_value(s, v);
    s += ' ';
  }
  EXPECT_EQ(s, "0 1 42 0.1 -2.5 1e+21 +Inf -Inf NaN ");
}

TEST(Registry, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry reg;
  auto fam = reg.histogram(kLatency, {0.1, 0.5, 1});
  ASSERT_TRUE(fam);
  Histogram& h = (*fam)->with({"/x"});
  for (double v : {0.05, 0.1, 0.3, 0.5, 0.7, 2.0}) h.observe(v);
  const std::string text = reg.scrape();
  EXPECT_TRUE(contains(text, "# TYPE test_latency_seconds histogram\n"));
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 4\n"));
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/x\",le=\"1\"} 5\n"));
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 6\n"));
  EXPECT_TRUE(contains(text, "test_latency_seconds_sum{route=\"/x\"} 3.65\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_count{route=\"/x\"} 6\n"));
}

TEST(Registry, UnlabelledFamiliesStartAtZero) {
  MetricsRegistry reg;
  ASSERT_TRUE(reg.gauge(kTemperature));
  EXPECT_TRUE(contains(reg.scrape(), "\ntest_temperature 0\n"));
}

TEST(Registry, ChildrenAreStable) {
  MetricsRegistry reg;
  auto fam = *reg.counter(kEscapes);
  Counter& a = fam->with({"a"});
  for (int i = 0; i < 100; ++i) fam->with({std::to_string(i)}).inc();
  EXPECT_EQ(&a, &fam->with({"a"}));
  Counter& padded = fam->with(std::vector<std::string>{"a", "extra"});  // wrong arity: cut, not crash
  EXPECT_EQ(&padded, &a);
}

TEST(Registry, RejectsWhatPrometheusWould) {
  MetricsRegistry reg;
  auto bad = [&](MetricSpec s) {
    if (s.type == MetricType::kCounter) return reg.counter(s).status().code();
    if (s.type == MetricType::kGauge) return reg.gauge(s).status().code();
    return reg.histogram(s, {1}).status().code();
  };
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(bad({"requests", MetricType::kCounter, "", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"queue_total", MetricType::kGauge, "", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"9lives", MetricType::kGauge, "", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"a-b", MetricType::kGauge, "", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"wait_milliseconds", MetricType::kGauge, "", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"x_seconds", MetricType::kHistogram, "le", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"x", MetricType::kGauge, "__name", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"x", MetricType::kGauge, "a,a", "", "h", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"x", MetricType::kGauge, "", "", "", MetricSource::kApi}), kInvalid);
  EXPECT_EQ(bad({"x_count", MetricType::kGauge, "", "", "h", MetricSource::kApi}), kInvalid);
  ASSERT_TRUE(reg.gauge(kTemperature));
  EXPECT_EQ(reg.gauge(kTemperature).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.counter(kTemperature).status().code(), kInvalid);  // type mismatch
  EXPECT_EQ(reg.histogram(kLatency, {}).status().code(), kInvalid);
  EXPECT_EQ(reg.histogram(kLatency, {1, 1}).status().code(), kInvalid);
}

TEST(Registry, CatalogueIsValidAndUnique) {
  std::vector<std::string_view> names;
  for (const MetricSpec* s : catalogue::kAll) {
    EXPECT_TRUE(MetricsRegistry::validate(*s).is_ok()) << MetricsRegistry::validate(*s).to_string();
    const bool standard_process = s->source == MetricSource::kProcess && s->name.rfind("process_", 0) == 0;
    EXPECT_TRUE(standard_process || s->name.rfind("switchboard_", 0) == 0) << s->name;
    EXPECT_EQ(std::count(names.begin(), names.end(), s->name), 0) << s->name;
    names.push_back(s->name);
    EXPECT_EQ(catalogue::find(s->name), s);
    if (!s->unit.empty()) {
      EXPECT_NE(s->name.find(s->unit), std::string_view::npos) << s->name << " should name its unit " << s->unit;
    }
  }
  EXPECT_EQ(catalogue::find("nope"), nullptr);
}

TEST(Registry, DocsListEveryCatalogueMetric) {
  std::ifstream f(std::string(std::getenv("SB_SOURCE_ROOT")) + "/docs/metrics.md");
  ASSERT_TRUE(f) << "docs/metrics.md is missing";
  const std::string doc((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (const MetricSpec* s : catalogue::kAll)
    EXPECT_NE(doc.find("`" + std::string(s->name) + "`"), std::string::npos) << s->name << " is not documented";
}

enum Cell : std::size_t { kRx, kTx, kDropA, kDropB, kSessions, kCells };

TEST(PerCoreCollector, SumsEveryCoreAtScrape) {
  PerCoreCounters<kCells> counters(3);
  MetricsRegistry reg;
  using C = PerCoreCounterCollector<kCells>;
  auto collector = std::make_shared<C>(counters, std::vector<C::Cell>{
                                                     {kRx, &catalogue::dp_packets, {"rx"}},
                                                     {kTx, &catalogue::dp_packets, {"tx"}},
                                                     {kDropA, &catalogue::dp_drops, {"not_rtp"}},
                                                     {kDropB, &catalogue::dp_drops, {"source_mismatch"}},
                                                     {kSessions, &catalogue::dp_sessions, {}},
                                                 });
  ASSERT_TRUE(reg.add_collector("dataplane", collector).is_ok());
  EXPECT_EQ(reg.add_collector("dataplane", collector).code(), StatusCode::kAlreadyExists);
  // Each "worker" thread writes only its own row, as the packet path does.
  std::vector<std::thread> workers;
  for (std::size_t core = 0; core < 3; ++core) {
    workers.emplace_back([&, core] {
      for (int i = 0; i < 10000; ++i) counters.add(core, kRx, 2);
      counters.add(core, kTx, 7);
      counters.add(core, kDropB, core);
      counters.set(core, kSessions, 10 + core);
    });
  }
  for (auto& t : workers) t.join();
  const std::string text = reg.scrape();
  EXPECT_TRUE(contains(text, "switchboard_dataplane_packets_total{direction=\"rx\"} 60000\n")) << text;
  EXPECT_TRUE(contains(text, "switchboard_dataplane_packets_total{direction=\"tx\"} 21\n"));
  EXPECT_TRUE(contains(text, "switchboard_dataplane_drops_total{reason=\"not_rtp\"} 0\n"));
  EXPECT_TRUE(contains(text, "switchboard_dataplane_drops_total{reason=\"source_mismatch\"} 3\n"));
  EXPECT_TRUE(contains(text, "switchboard_dataplane_active_sessions 33\n"));
  // One HELP/TYPE per family even with several cells.
  EXPECT_EQ(text.find("# TYPE switchboard_dataplane_packets_total"),
            text.rfind("# TYPE switchboard_dataplane_packets_total"));
  ASSERT_TRUE(reg.remove_collector("dataplane").is_ok());
  EXPECT_FALSE(contains(reg.scrape(), "switchboard_dataplane"));
  EXPECT_TRUE(reg.add_collector("dataplane", collector).is_ok());  // names freed
}

TEST(ProcessCollector, ParsesStatWithAwkwardCommandNames) {
  const std::string stat =
      "1234 (sw (tch) board) S 1 1234 1234 0 -1 4194560 500 0 0 0 150 50 0 0 20 0 7 0 4242 123456789 2500 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto f = parse_proc_stat(stat);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->utime_ticks, 150);
  EXPECT_EQ(f->stime_ticks, 50);
  EXPECT_EQ(f->starttime_ticks, 4242);
  EXPECT_EQ(f->vsize_bytes, 123456789);
  EXPECT_EQ(f->rss_pages, 2500);
  EXPECT_FALSE(parse_proc_stat("1234 (x) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("no parenthesis"));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 4 5 0 0 0 abc 50 0 0 20 0 7 0 42 1 2"));
}

TEST(ProcessCollector, ReadsThisProcess) {
  const auto before = read_process_stats();
  EXPECT_GT(before.resident_bytes, 1 << 20);
  EXPECT_GT(before.virtual_bytes, before.resident_bytes);
  EXPECT_GT(before.max_fds, 0);
  const double now = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch()).count());
  EXPECT_LE(before.start_time_seconds, now + 1);
  EXPECT_GT(before.start_time_seconds, now - 86400);
  int fds[3];
  for (int& fd : fds) fd = open("/dev/null", O_RDONLY);
  const auto after = read_process_stats();
  for (int fd : fds) close(fd);
  EXPECT_EQ(after.open_fds, before.open_fds + 3);
}

// Every catalogue metric registered with awkward label values: promtool,
// the Prometheus project's own checker, must accept the output.
TEST(Exposition, PromtoolAcceptsTheOutput) {
  if (!test::have_program("promtool")) GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  MetricsRegistry reg;
  for (const MetricSpec* s : catalogue::kAll) {
    if (s->source == MetricSource::kProcess) continue;
    std::vector<std::string> values;
    for (const auto& l : label_names_of(*s)) values.push_back(l + " \"v\" \\ \n ü");
    switch (s->type) {
      case MetricType::kCounter: (*reg.counter(*s))->with(values).inc(5); break;
      case MetricType::kGauge: (*reg.gauge(*s))->with(values).set(-1.5); break;
      case MetricType::kHistogram: (*reg.histogram(*s, latency_buckets_seconds()))->with(values).observe(0.003); break;
    }
  }
  ASSERT_TRUE(reg.add_collector("process", std::make_shared<ProcessCollector>()).is_ok());
  test::TempDir dir;
  std::ofstream(dir.file("scrape.txt")) << reg.scrape();
  const auto r = test::run({"sh", "-c", "promtool check metrics < " + dir.file("scrape.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace sb
