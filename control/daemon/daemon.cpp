#include "control/daemon/daemon.hpp"

#include <unistd.h>

#include <boost/asio.hpp>

#include <cstdio>

#include "common/log.hpp"
#include "control/config/default_config.hpp"
#include "control/metrics/metric_catalogue.hpp"
#include "control/metrics/process_collector.hpp"
#include "ivr/menu/menu_model.hpp"

namespace sb::daemon {

namespace net = boost::asio;

// The control thread's event loop: signals, the drain timer, and work
// posted by request_drain().
struct Daemon::Control {
  net::io_context ioc;
  net::signal_set signals{ioc};
  net::steady_timer timer{ioc};
  bool stop_now = false;
  std::chrono::steady_clock::time_point drain_deadline;
};

namespace {

void print_diagnostics(const std::vector<config::ConfigError>& diags) {
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

// switchboard_live_work{kind}: each subsystem's live work at scrape time.
class LiveWorkCollector final : public metrics::Collector {
 public:
  explicit LiveWorkCollector(const std::vector<std::unique_ptr<Subsystem>>& subsystems) : subsystems_(subsystems) {}
  std::vector<const metrics::MetricSpec*> describe() const override { return {&metrics::catalogue::live_work}; }
  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    metrics::FamilySnapshot f;
    f.spec = &metrics::catalogue::live_work;
    f.label_names = {"kind"};
    for (const auto& s : subsystems_)
      f.samples.push_back({{std::string(s->name())}, static_cast<double>(s->live_work())});
    out.push_back(std::move(f));
  }

 private:
  const std::vector<std::unique_ptr<Subsystem>>& subsystems_;
};

}  // namespace

Daemon::Daemon(Options options, config::SectionRegistry sections, const Clock& clock)
    : options_(std::move(options)), sections_(std::move(sections)), clock_(clock), control_(std::make_unique<Control>()) {}

Daemon::~Daemon() {
  for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->stop();
  started_.clear();
  if (hub_) hub_->stop();
  registry_.remove_collector("live_work").ignore_error();
}

config::LoadResult Daemon::load_config() const {
  if (!options_.config_path.empty()) return config::load_config_file(options_.config_path, sections_);
  if (!options_.config_text.empty())
    return config::load_config_text(options_.config_text, options_.config_name, sections_);
  return config::load_config_text(config::embedded_default_config(), std::string(config::kEmbeddedDefaultName),
                                  sections_);
}

bool Daemon::load() {
  const config::LoadResult r = load_config();
  print_diagnostics(r.diagnostics);
  if (!r.ok()) {
    std::fprintf(stderr, "switchboard: %zu error(s) in %s; not starting\n", r.error_count(),
                 options_.config_path.empty() ? "the embedded default" : options_.config_path.c_str());
    return false;
  }
  if (Status s = init_logging(r.config->logging.level); !s.is_ok())
    std::fprintf(stderr, "switchboard: %s\n", s.to_string().c_str());
  store_ = std::make_unique<config::ConfigStore>(r.config, clock_);

  namespace c = metrics::catalogue;
  auto info = registry_.gauge(c::build_info);
  if (info) (*info)->with({SB_VERSION}).set(1);
  if (auto f = registry_.counter(c::config_reloads)) reloads_ = *f;
  if (auto f = registry_.gauge(c::config_last_reload)) last_reload_ = &(*f)->with({});
  if (auto f = registry_.gauge(c::draining)) draining_gauge_ = &(*f)->with({});
  if (auto f = registry_.gauge(c::ivr_menus)) ivr_menus_ = &(*f)->with({});
  if (r.config->metrics.process_metrics)
    registry_.add_collector("process", std::make_shared<metrics::ProcessCollector>()).ignore_error();
  registry_.add_collector("live_work", std::make_shared<LiveWorkCollector>(subsystems_)).ignore_error();
  if (reloads_) {  // both series from the start, so rate() has a baseline
    reloads_->with({"success"});
    reloads_->with({"failure"});
  }
  update_config_metrics(*r.config);

  hub_ = std::make_unique<api::EventHub>(clock_, api::EventHub::Options{});
  context_.config = store_.get();
  context_.metrics = &registry_;
  context_.events = hub_.get();
  context_.router = &router_;
  context_.clock = &clock_;
  context_.draining = [this] { return draining(); };
  context_.reload = [this] { return reload(); };
  return true;
}

void Daemon::add(std::unique_ptr<Subsystem> subsystem) { subsystems_.push_back(std::move(subsystem)); }

void Daemon::update_config_metrics(const config::DaemonConfig& cfg) {
  if (last_reload_) last_reload_->set(to_seconds(clock_.wall_now()));
  if (ivr_menus_) {
    const auto* ivr = cfg.section<ivr::menu::IvrConfig>("ivr");
    ivr_menus_->set(ivr ? static_cast<double>(ivr->menus.size()) : 0.0);
  }
}

void Daemon::set_reload_metrics(bool ok) {
  if (reloads_) reloads_->with({ok ? "success" : "failure"}).inc();
}

void Daemon::publish(std::string_view type, nlohmann::json data) {
  if (hub_) hub_->publish(type, std::move(data));
}

api::ReloadOutcome Daemon::reload() {
  std::lock_guard lock(reload_mu_);
  api::ReloadOutcome out;
  const auto current = store_->config();
  const config::LoadResult r = load_config();
  out.diagnostics = r.diagnostics;
  if (!r.ok()) {
    for (const auto& d : r.diagnostics) spdlog::error("reload: {}", d.to_string());
    spdlog::error("reload: {} error(s); still running generation {}", r.error_count(), store_->snapshot()->generation);
    set_reload_metrics(false);
    out.generation = store_->snapshot()->generation;
    publish("system.config_reload_failed", {{"source", current->source}, {"errors", r.error_count()}});
    return out;
  }
  std::vector<std::string> notes;
  for (Subsystem* s : started_) {
    Status st = s->check_reload(*current, *r.config, notes);
    if (!st.is_ok()) {
      spdlog::error("reload: {} refuses the new config: {}", s->name(), st.message());
      out.diagnostics.push_back({config::Severity::kError, r.config->source, {}, "", std::string(s->name()) + ": " + st.message()});
      set_reload_metrics(false);
      out.generation = store_->snapshot()->generation;
      publish("system.config_reload_failed", {{"source", current->source}, {"errors", 1}});
      return out;
    }
  }
  store_->replace(r.config);
  if (Status s = init_logging(r.config->logging.level); !s.is_ok()) spdlog::warn("reload: {}", s.message());
  for (Subsystem* s : started_) s->apply_reload(r.config);
  for (const auto& n : notes) {
    spdlog::warn("reload: {}", n);
    out.diagnostics.push_back({config::Severity::kWarning, r.config->source, {}, "", n});
  }
  for (const auto& d : r.diagnostics) spdlog::warn("reload: {}", d.to_string());
  set_reload_metrics(true);
  update_config_metrics(*r.config);
  out.ok = true;
  out.generation = store_->snapshot()->generation;
  spdlog::info("reload: running generation {} from {}", out.generation, r.config->source);
  publish("system.config_reloaded", {{"generation", out.generation}, {"source", r.config->source}, {"notes", notes}});
  return out;
}

void Daemon::request_drain() {
  net::post(control_->ioc, [this] { on_terminate(); });
}

std::uint64_t Daemon::live_work() const {
  std::uint64_t live = 0;
  for (const Subsystem* s : started_) live += s->live_work();
  return live;
}

void Daemon::wait_for_signal() {
  control_->signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading {}", options_.config_path.empty() ? "the embedded default" : options_.config_path);
      reload();
    } else {
      on_terminate();
    }
    wait_for_signal();
  });
}

void Daemon::on_terminate() {
  if (!draining()) {
    begin_drain();
    return;
  }
  // A second SIGTERM/SIGINT: stop waiting for live work.
  control_->stop_now = true;
  control_->timer.cancel();
}

void Daemon::begin_drain() {
  draining_.store(true, std::memory_order_release);
  if (draining_gauge_) draining_gauge_->set(1);
  const auto timeout = store_->config()->server.drain_timeout;
  control_->drain_deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout);
  const std::uint64_t live = live_work();
  spdlog::info("drain: accepting no new work; waiting up to {:.0f} s for {} unit(s) of live work", to_seconds(timeout),
               live);
  std::printf("draining: %llu unit(s) of live work\n", static_cast<unsigned long long>(live));
  std::fflush(stdout);
  publish("system.draining", {{"live_work", live}, {"timeout_seconds", to_seconds(timeout)}});
  for (Subsystem* s : started_) s->stop_accepting();
  poll_drain();
}

void Daemon::poll_drain() {
  Control& ctl = *control_;
  const std::uint64_t live = live_work();
  if (live == 0 || ctl.stop_now || std::chrono::steady_clock::now() >= ctl.drain_deadline) {
    if (live > 0)
      spdlog::warn("drain: {} with {} unit(s) of live work left",
                   ctl.stop_now ? "stopping at a second signal" : "drain timeout reached", live);
    ctl.ioc.stop();
    return;
  }
  ctl.timer.expires_after(std::chrono::milliseconds(50));
  ctl.timer.async_wait([this](boost::system::error_code) { poll_drain(); });
}

std::vector<std::string> Daemon::banner() const {
  std::vector<std::string> lines;
  const auto cfg = store_->config();
  for (const auto& s : subsystems_)
    for (auto& l : s->banner()) lines.push_back(std::move(l));
  lines.push_back("recordings " + cfg->recordings.directory + " (" + cfg->recordings.format + ")");
  if (const auto* ivr = cfg->section<ivr::menu::IvrConfig>("ivr"))
    lines.push_back("ivr        " + std::to_string(ivr->menus.size()) + " menus" +
                    (ivr->entry_menu.empty() ? std::string() : ", entry menu \"" + ivr->entry_menu + "\""));
  bool have_sip = false, have_dataplane = false;
  for (const auto& s : subsystems_) {
    have_sip = have_sip || s->name() == "sip";
    have_dataplane = have_dataplane || s->name() == "dataplane";
  }
  if (!have_sip) {
    std::string listen;
    for (const auto& l : cfg->sip.listen) listen += (listen.empty() ? "" : ", ") + l.to_string();
    lines.push_back("sip        " + listen + " configured; not served: SIP is not part of this build");
  }
  if (!have_dataplane)
    lines.push_back("dataplane  " + std::string(config::backend_name(cfg->dataplane.backend)) + " backend on " +
                    cfg->dataplane.bind + ", ports " + std::to_string(cfg->dataplane.port_min) + "-" +
                    std::to_string(cfg->dataplane.port_max) + " configured; not started: not part of this build");
  for (const auto& [name, why] : cfg->unvalidated) {
    std::string label = name;
    label.resize(std::max<std::size_t>(label.size() + 1, 11), ' ');
    lines.push_back(label + "[" + name + "] accepted unvalidated: " + why);
  }
  return lines;
}

int Daemon::run() {
  if (!store_) return 2;
  Control& ctl = *control_;
  if (Status s = hub_->start(); !s.is_ok()) {
    std::fprintf(stderr, "switchboard: %s\n", s.to_string().c_str());
    return 1;
  }
  const auto cfg = store_->config();
  for (const auto& s : subsystems_) {
    if (Status st = s->register_routes(router_); !st.is_ok()) {
      std::fprintf(stderr, "switchboard: %s: %s\n", std::string(s->name()).c_str(), st.to_string().c_str());
      hub_->stop();
      return 1;
    }
  }
  for (const auto& s : subsystems_) {
    Status st = s->start(cfg);
    if (!st.is_ok()) {
      std::fprintf(stderr, "switchboard: %s failed to start: %s\n", std::string(s->name()).c_str(),
                   st.to_string().c_str());
      for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->stop();
      started_.clear();
      hub_->stop();
      return 1;
    }
    started_.push_back(s.get());
  }

  std::printf("switchboard %s running with %s (generation %llu)\n", SB_VERSION, cfg->source.c_str(),
              static_cast<unsigned long long>(store_->snapshot()->generation));
  for (const auto& l : banner()) std::printf("  %s\n", l.c_str());
  std::printf("ready (pid %d): SIGHUP reloads the config, SIGTERM drains and exits\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  spdlog::info("switchboard {} started with {}", SB_VERSION, cfg->source);
  publish("system.started", {{"version", SB_VERSION}, {"source", cfg->source}});

  if (options_.install_signal_handlers) {
    ctl.signals.add(SIGHUP);
    ctl.signals.add(SIGTERM);
    ctl.signals.add(SIGINT);
    wait_for_signal();
  }
  // Keeps run() alive until a drain stops the loop.
  auto work = net::make_work_guard(ctl.ioc);
  ctl.ioc.run();

  hub_->flush(std::chrono::seconds(1));  // the last events reach clients before they are disconnected
  for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->stop();
  started_.clear();
  hub_->stop();
  std::printf("stopped\n");
  std::fflush(stdout);
  spdlog::info("switchboard stopped");
  return 0;
}

}  // namespace sb::daemon
