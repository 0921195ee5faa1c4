// The daemon's lifecycle with subsystems plugged in through the Subsystem
// interface (as the dataplane, ACD and SIP will be): start order, reload
// accepted or refused, drain that waits for live work, the drain timeout,
// a second termination request, and real SIGHUP/SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <future>

#include "control/daemon/daemon.hpp"
#include "control/daemon/sections.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

using daemon::Daemon;

// Guards every log below: the daemon thread writes, the test thread reads.
std::mutex log_mu;

// A subsystem whose live work the test controls, recording what the
// daemon asked of it.
class TestSubsystem final : public daemon::Subsystem {
 public:
  TestSubsystem(std::string name, std::vector<std::string>* log) : name_(std::move(name)), log_(log) {}
  std::string_view name() const override { return name_; }
  Status start(std::shared_ptr<const config::DaemonConfig> c) override {
    record("start");
    config_ = c;
    return fail_start ? internal_error("cannot start") : Status::ok();
  }
  Status check_reload(const config::DaemonConfig& cur, const config::DaemonConfig& next,
                      std::vector<std::string>& notes) override {
    record("check_reload");
    if (next.dataplane.workers != cur.dataplane.workers) return failed_precondition("workers cannot change live");
    if (next.dataplane.port_max != cur.dataplane.port_max) notes.push_back("port range: after a restart");
    return Status::ok();
  }
  void apply_reload(std::shared_ptr<const config::DaemonConfig> next) override {
    config_ = next;  // before record(): the log's lock then publishes it to the test thread
    record("apply_reload");
  }
  void stop_accepting() override { record("stop_accepting"); }
  std::uint64_t live_work() const override { return live.load(); }
  void stop() override { record("stop"); }

  std::atomic<std::uint64_t> live{0};
  bool fail_start = false;
  std::shared_ptr<const config::DaemonConfig> config_;

 private:
  void record(const std::string& what) {
    std::lock_guard lock(log_mu);
    log_->push_back(name_ + "." + what);
  }
  std::string name_;
  std::vector<std::string>* log_;
};

class DaemonLifecycle : public ::testing::Test {
 protected:
  std::string write_config(const std::string& drain, int workers, int port_max) {
    std::ofstream(path) << "[server]\ndrain_timeout = \"" << drain << "\"\n[api]\nenabled = false\n"
                        << "[metrics]\nbind = \"127.0.0.1\"\nport = 0\n"
                        << "[dataplane]\nworkers = " << workers << "\nport_max = " << port_max << "\n";
    return path;
  }
  std::vector<std::string> logged() {
    std::lock_guard lock(log_mu);
    return log;
  }
  long count(const std::string& what) {
    const auto l = logged();
    return std::count(l.begin(), l.end(), what);
  }
  test::TempDir dir;
  std::string path = dir.file("d.toml");
  std::vector<std::string> log;
};

TEST_F(DaemonLifecycle, DrainWaitsForLiveWorkThenStopsInReverse) {
  write_config("1h", 1, 29999);
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  ASSERT_TRUE(d.load());
  auto a = std::make_unique<TestSubsystem>("a", &log);
  auto b = std::make_unique<TestSubsystem>("b", &log);
  TestSubsystem* pb = b.get();
  pb->live = 2;
  d.add(std::move(a));
  d.add(std::move(b));
  auto done = std::async(std::launch::async, [&] { return d.run(); });
  ASSERT_TRUE(test::eventually([&] { return count("b.start") == 1; }));
  d.request_drain();
  ASSERT_TRUE(test::eventually([&] { return count("b.stop_accepting") == 1; }));
  EXPECT_TRUE(d.draining());
  // Live work holds the daemon: it cannot have stopped anything yet.
  EXPECT_EQ(count("a.stop"), 0);
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  pb->live = 0;
  ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
  EXPECT_EQ(logged(), (std::vector<std::string>{"a.start", "b.start", "a.stop_accepting", "b.stop_accepting", "b.stop",
                                           "a.stop"}));
}

TEST_F(DaemonLifecycle, DrainTimeoutBoundsTheWait) {
  write_config("0s", 1, 29999);
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  ASSERT_TRUE(d.load());
  auto s = std::make_unique<TestSubsystem>("calls", &log);
  s->live = 5;  // never finishes
  d.add(std::move(s));
  auto done = std::async(std::launch::async, [&] { return d.run(); });
  ASSERT_TRUE(test::eventually([&] { return !logged().empty(); }));
  d.request_drain();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
  EXPECT_EQ(logged().back(), "calls.stop");
}

TEST_F(DaemonLifecycle, SecondTerminationStopsWaiting) {
  write_config("1h", 1, 29999);
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  ASSERT_TRUE(d.load());
  auto s = std::make_unique<TestSubsystem>("calls", &log);
  s->live = 1;
  d.add(std::move(s));
  auto done = std::async(std::launch::async, [&] { return d.run(); });
  ASSERT_TRUE(test::eventually([&] { return !logged().empty(); }));
  d.request_drain();
  ASSERT_TRUE(test::eventually([&] { return d.draining(); }));
  d.request_drain();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
}

TEST_F(DaemonLifecycle, ReloadAppliedOnlyWhenEveryoneAccepts) {
  write_config("1h", 1, 29999);
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  ASSERT_TRUE(d.load());
  auto s = std::make_unique<TestSubsystem>("dp", &log);
  TestSubsystem* dp = s.get();
  d.add(std::move(s));
  auto done = std::async(std::launch::async, [&] { return d.run(); });
  ASSERT_TRUE(test::eventually([&] { return !logged().empty(); }));

  write_config("1h", 2, 29999);  // refused by the subsystem
  auto r = d.reload();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.generation, 1u);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics.back().message.find("dp: workers cannot change live"), std::string::npos);
  EXPECT_EQ(d.context().config->snapshot()->generation, 1u);
  EXPECT_EQ(count("dp.apply_reload"), 0);

  write_config("1h", 1, 29001);  // accepted, with a note
  r = d.reload();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.generation, 2u);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].severity, config::Severity::kWarning);
  EXPECT_EQ(r.diagnostics[0].message, "port range: after a restart");
  EXPECT_EQ(dp->config_->dataplane.port_max, 29001);
  EXPECT_EQ(d.context().config->config()->dataplane.port_max, 29001);

  std::ofstream(path) << "[dataplane]\nworkers = \"two\"\n";  // invalid: nobody is asked
  const auto before = count("dp.check_reload");
  r = d.reload();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.diagnostics[0].to_string(), path + ":2:11: dataplane.workers: expected an integer, found a string");
  EXPECT_EQ(count("dp.check_reload"), before);
  EXPECT_EQ(d.context().config->snapshot()->generation, 2u);

  const std::string scrape = d.context().metrics->scrape();
  EXPECT_NE(scrape.find("switchboard_config_reloads_total{result=\"success\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_config_reloads_total{result=\"failure\"} 2"), std::string::npos);
  d.request_drain();
  EXPECT_EQ(done.get(), 0);
}

TEST_F(DaemonLifecycle, StartFailureStopsWhatStarted) {
  write_config("1h", 1, 29999);
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  ASSERT_TRUE(d.load());
  d.add(std::make_unique<TestSubsystem>("first", &log));
  auto bad = std::make_unique<TestSubsystem>("second", &log);
  bad->fail_start = true;
  d.add(std::move(bad));
  d.add(std::make_unique<TestSubsystem>("third", &log));
  EXPECT_EQ(d.run(), 1);
  EXPECT_EQ(logged(), (std::vector<std::string>{"first.start", "second.start", "first.stop"}));
}

TEST_F(DaemonLifecycle, RealSignals) {
  write_config("1h", 1, 29999);
  Daemon d({.config_path = path}, daemon::daemon_sections(), SteadyClock::instance());
  ASSERT_TRUE(d.load());
  auto s = std::make_unique<TestSubsystem>("calls", &log);
  TestSubsystem* calls = s.get();
  calls->live = 1;
  d.add(std::move(s));
  // A SIGHUP that lands before run() has installed its signal_set would
  // kill the test process (the default action); ignored until then, the
  // loop below simply sends another.
  struct sigaction ignore_hup {}, previous_hup {};
  ignore_hup.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGHUP, &ignore_hup, &previous_hup), 0);
  auto done = std::async(std::launch::async, [&] { return d.run(); });
  ASSERT_TRUE(test::eventually([&] { return !logged().empty(); }));
  write_config("1h", 1, 28999);
  // Only the daemon's signal_set handles these while run() is active.
  ASSERT_TRUE(test::eventually([&] {
    kill(getpid(), SIGHUP);
    return test::eventually([&] { return count("calls.apply_reload") >= 1; }, std::chrono::milliseconds(500));
  }));
  EXPECT_EQ(calls->config_->dataplane.port_max, 28999);
  kill(getpid(), SIGTERM);
  ASSERT_TRUE(test::eventually([&] { return d.draining(); }));
  calls->live = 0;
  ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
  sigaction(SIGHUP, &previous_hup, nullptr);
}

TEST_F(DaemonLifecycle, BrokenConfigIsRefusedAtLoad) {
  std::ofstream(path) << "[server]\ndrain_timeout = 5\n";
  Daemon d({.config_path = path, .install_signal_handlers = false}, daemon::daemon_sections(),
           SteadyClock::instance());
  EXPECT_FALSE(d.load());
  EXPECT_EQ(d.run(), 2);
}

}  // namespace
}  // namespace sb
