// The `switchboard run` process: loads the config, starts the subsystems,
// prints what listens where, then lives on signals:
//   SIGHUP           reload the config file: a new immutable snapshot for
//                    every subsystem (IVR menus included), or, when the file
//                    has errors, every error logged and the old config kept;
//   SIGTERM, SIGINT  drain: /healthz turns 503, subsystems accept no new
//                    work, the daemon waits until their live work is done
//                    or [server] drain_timeout passes, stops them and exits
//                    0. A second SIGTERM/SIGINT skips the wait.
// Signals are taken with an Asio signal_set on the control thread (the one
// that called run()), so reload and drain never run inside a signal handler.
//
//   Daemon d({.config_path = "switchboard.toml"}, daemon_sections(), SteadyClock::instance());
//   d.add(std::make_unique<MySubsystem>(d.context()));   // before run()
//   return d.run();                                      // the exit code
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "control/api/endpoints/system_endpoints.hpp"
#include "control/api/event_hub.hpp"
#include "control/api/router.hpp"
#include "control/config/config_loader.hpp"
#include "control/config/config_store.hpp"
#include "control/daemon/subsystem.hpp"
#include "control/metrics/registry.hpp"

namespace sb::daemon {

// Services every subsystem may use; they live as long as the Daemon.
struct DaemonContext {
  config::ConfigStore* config = nullptr;
  metrics::MetricsRegistry* metrics = nullptr;
  api::EventHub* events = nullptr;
  // Every subsystem's endpoints go here (Subsystem::register_routes); the
  // API subsystem serves it.
  api::Router* router = nullptr;
  const Clock* clock = nullptr;
  std::function<bool()> draining;
  std::function<api::ReloadOutcome()> reload;
};

class Daemon {
 public:
  struct Options {
    std::string config_path = {};  // empty: `config_text`, or the embedded default
    // A config held in memory (the demo's: the embedded default with its
    // own API port), named `config_name` in diagnostics.
    std::string config_text = {};
    std::string config_name = {};
    bool install_signal_handlers = true;
  };

  Daemon(Options options, config::SectionRegistry sections, const Clock& clock);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads and validates the config; prints every problem to stderr as
  // file:line:col: key: message. False when there were errors (exit 2).
  bool load();
  // Valid after load(): the shared services subsystems are built with.
  DaemonContext& context() { return context_; }

  void add(std::unique_ptr<Subsystem> subsystem);

  // Starts everything, prints the banner, runs until drained. Returns the
  // process exit code: 0 after a drain, 1 when start-up failed.
  int run();

  // Any thread. Serialised with each other and with SIGHUP reloads.
  api::ReloadOutcome reload();
  // As if SIGTERM arrived (tests, and a future API endpoint). Any thread.
  void request_drain();
  bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }

 private:
  struct Control;
  config::LoadResult load_config() const;
  // Control thread only.
  void wait_for_signal();
  void on_terminate();
  void begin_drain();
  void poll_drain();
  std::uint64_t live_work() const;

  void publish(std::string_view type, nlohmann::json data);
  void set_reload_metrics(bool ok);
  void update_config_metrics(const config::DaemonConfig& cfg);
  std::vector<std::string> banner() const;

  Options options_;
  config::SectionRegistry sections_;
  const Clock& clock_;
  std::unique_ptr<config::ConfigStore> store_;
  metrics::MetricsRegistry registry_;
  std::unique_ptr<api::EventHub> hub_;
  api::Router router_;
  DaemonContext context_;
  std::vector<std::unique_ptr<Subsystem>> subsystems_;
  std::vector<Subsystem*> started_;
  std::mutex reload_mu_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<Control> control_;

  metrics::Family<metrics::Counter>* reloads_ = nullptr;
  metrics::Gauge* last_reload_ = nullptr;
  metrics::Gauge* draining_gauge_ = nullptr;
  metrics::Gauge* ivr_menus_ = nullptr;
};

}  // namespace sb::daemon
