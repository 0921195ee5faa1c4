// The HTTP/JSON API as a daemon subsystem: the daemon's own endpoints
// (health, metrics, config, reload, logging, IVR menus, recordings, the
// event stream), the API listener, and the optional separate metrics
// listener. It stays up while the daemon drains, so /healthz reports the
// drain and supervisors can watch live work finish; it stops last.
//
// With no [api] tokens in the config it makes one: the token already in
// [api] generated_token_file when that holds a valid one (clients keep
// working across restarts), otherwise a fresh random token written there
// with mode 0600.
#pragma once

#include <memory>
#include <optional>

#include "control/api/api_metrics.hpp"
#include "control/api/http_server.hpp"
#include "control/daemon/daemon.hpp"

namespace sb::daemon {

class ApiSubsystem final : public Subsystem {
 public:
  explicit ApiSubsystem(DaemonContext& context);
  ~ApiSubsystem() override;

  std::string_view name() const override { return "api"; }
  Status register_routes(api::Router& router) override;
  Status start(std::shared_ptr<const config::DaemonConfig> config) override;
  Status check_reload(const config::DaemonConfig& current, const config::DaemonConfig& next,
                      std::vector<std::string>& notes) override;
  void apply_reload(std::shared_ptr<const config::DaemonConfig> next) override;
  void stop() override;
  std::vector<std::string> banner() const override;

  std::uint16_t api_port() const;

 private:
  Result<std::shared_ptr<const api::TokenSet>> tokens_for(const config::DaemonConfig& cfg);

  DaemonContext& ctx_;
  std::optional<api::ApiMetrics> metrics_;
  api::Router metrics_router_;  // the separate metrics listener's routes
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<api::HttpServer> metrics_server_;
  std::string generated_token_;  // kept across reloads while the config lists no tokens
  std::string token_note_;
};

api::ServerLimits limits_from(const config::ApiSection& api);

}  // namespace sb::daemon
