#include "control/daemon/api_subsystem.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "control/api/endpoints/ivr_endpoints.hpp"
#include "control/api/endpoints/recordings_endpoints.hpp"
#include "control/api/endpoints/system_endpoints.hpp"

namespace sb::daemon {

api::ServerLimits limits_from(const config::ApiSection& a) {
  api::ServerLimits l;
  l.max_body_bytes = a.max_body_bytes;
  l.max_header_bytes = a.max_header_bytes;
  l.max_connections = a.max_connections;
  l.request_timeout = a.request_timeout;
  l.event_queue_limit = a.event_queue_limit;
  l.max_event_clients = a.max_event_clients;
  return l;
}

namespace {

bool usable_token(const std::string& t) {
  return t.size() >= 16 && t.size() <= 256 && std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string read_token_file(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Status write_token_file(const std::string& path, const std::string& token) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return io_error("cannot create " + parent.string() + ": " + ec.message());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot write " + path + ": " + std::strerror(errno));
  fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  const std::string line = token + "\n";
  const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) return io_error("cannot write " + path);
  return Status::ok();
}

}  // namespace

ApiSubsystem::ApiSubsystem(DaemonContext& context) : ctx_(context) {
  auto m = api::ApiMetrics::register_in(*ctx_.metrics);
  if (m) metrics_ = *m;
}

ApiSubsystem::~ApiSubsystem() { stop(); }

Status ApiSubsystem::register_routes(api::Router& router) {
  const auto cfg = ctx_.config->config();
  const bool metrics_here = cfg->metrics.enabled && !cfg->metrics.port;
  SB_RETURN_IF_ERROR(api::add_health_route(router, ctx_.draining));
  if (metrics_here) SB_RETURN_IF_ERROR(api::add_metrics_route(router, cfg->metrics.path, *ctx_.metrics));
  SB_RETURN_IF_ERROR(api::add_system_routes(router, {.config = ctx_.config, .reload = ctx_.reload}));
  SB_RETURN_IF_ERROR(api::add_ivr_routes(router, *ctx_.config));
  SB_RETURN_IF_ERROR(api::add_recordings_routes(router, *ctx_.config));
  SB_RETURN_IF_ERROR(
      router.add(api::Method::kGet, "/api/v1/events", nullptr, {.requires_auth = true, .websocket = true}));
  if (cfg->metrics.enabled && cfg->metrics.port) {
    SB_RETURN_IF_ERROR(api::add_health_route(metrics_router_, ctx_.draining));
    SB_RETURN_IF_ERROR(api::add_metrics_route(metrics_router_, cfg->metrics.path, *ctx_.metrics));
  }
  return Status::ok();
}

Result<std::shared_ptr<const api::TokenSet>> ApiSubsystem::tokens_for(const config::DaemonConfig& cfg) {
  std::vector<api::TokenSet::Entry> entries;
  for (const auto& t : cfg.api.tokens) entries.push_back({t.name, t.token});
  if (entries.empty()) {
    const std::string& path = cfg.api.generated_token_file;
    if (generated_token_.empty()) {
      const std::string existing = read_token_file(path);
      if (usable_token(existing)) {
        generated_token_ = existing;
        token_note_ = "token from " + path;
      } else {
        generated_token_ = api::generate_token();
        SB_RETURN_IF_ERROR(write_token_file(path, generated_token_));
        token_note_ = "token generated into " + path;
      }
    }
    entries.push_back({"generated", generated_token_});
  } else {
    token_note_ = "tokens:";
    for (const auto& t : cfg.api.tokens) token_note_ += " " + t.name;
  }
  return std::make_shared<const api::TokenSet>(std::move(entries));
}

Status ApiSubsystem::start(std::shared_ptr<const config::DaemonConfig> cfg) {
  const api::ApiMetrics* m = metrics_ ? &*metrics_ : nullptr;
  if (cfg->api.enabled) {
    auto tokens = tokens_for(*cfg);
    if (!tokens) return tokens.status();
    server_ = std::make_unique<api::HttpServer>(
        api::ServerOptions{"api", cfg->api.bind, cfg->api.port, cfg->api.threads, limits_from(cfg->api)},
        *ctx_.router, ctx_.events, m);
    server_->set_tokens(*tokens);
    SB_RETURN_IF_ERROR(server_->start());
  }
  if (cfg->metrics.enabled && cfg->metrics.port) {
    metrics_server_ = std::make_unique<api::HttpServer>(
        api::ServerOptions{"metrics", *cfg->metrics.bind, *cfg->metrics.port, 1, limits_from(cfg->api)},
        metrics_router_, nullptr, m);
    SB_RETURN_IF_ERROR(metrics_server_->start());
  }
  return Status::ok();
}

Status ApiSubsystem::check_reload(const config::DaemonConfig& cur, const config::DaemonConfig& next,
                                  std::vector<std::string>& notes) {
  const auto& a = cur.api;
  const auto& b = next.api;
  if (a.enabled != b.enabled || a.bind != b.bind || a.port != b.port || a.threads != b.threads)
    notes.push_back("api.enabled, api.bind, api.port and api.threads changes take effect after a restart");
  const auto& m = cur.metrics;
  const auto& n = next.metrics;
  if (m.enabled != n.enabled || m.path != n.path || m.bind != n.bind || m.port != n.port)
    notes.push_back("metrics.enabled, metrics.path, metrics.bind and metrics.port changes take effect after a restart");
  return Status::ok();
}

void ApiSubsystem::apply_reload(std::shared_ptr<const config::DaemonConfig> next) {
  if (server_) {
    server_->set_limits(limits_from(next->api));
    if (auto tokens = tokens_for(*next)) server_->set_tokens(*tokens);
  }
  if (metrics_server_) metrics_server_->set_limits(limits_from(next->api));
}

void ApiSubsystem::stop() {
  for (auto* s : {server_.get(), metrics_server_.get()}) {
    if (!s) continue;
    s->stop_accepting();
    // Let requests already being answered finish (briefly).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (s->in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    s->stop();
  }
}

std::uint16_t ApiSubsystem::api_port() const { return server_ ? server_->port() : 0; }

std::vector<std::string> ApiSubsystem::banner() const {
  std::vector<std::string> lines;
  const auto cfg = ctx_.config->config();
  if (server_) {
    const std::string base = server_->endpoint();
    lines.push_back("api        http://" + base + "/api/v1 (bearer " + token_note_ + ")");
    lines.push_back("events     ws://" + base + "/api/v1/events");
    lines.push_back("health     http://" + base + "/healthz");
    if (cfg->metrics.enabled && !metrics_server_) lines.push_back("metrics    http://" + base + cfg->metrics.path);
  } else {
    lines.push_back("api        disabled");
  }
  if (metrics_server_) {
    lines.push_back("metrics    http://" + metrics_server_->endpoint() + cfg->metrics.path);
  } else if (!cfg->metrics.enabled) {
    lines.push_back("metrics    disabled");
  }
  return lines;
}

}  // namespace sb::daemon
