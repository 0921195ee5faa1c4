// DaemonConfig as JSON for GET /api/v1/config: every effective value, so an
// operator sees what the daemon runs with (defaults included), and no secret.
#include <nlohmann/json.hpp>

#include "control/config/daemon_config.hpp"

namespace sb::config {

namespace {
double seconds_of(Nanos d) { return static_cast<double>(d.count()) / 1e9; }
}  // namespace

std::string_view backend_name(DataplaneBackend b) noexcept {
  return b == DataplaneBackend::kDpdk ? "dpdk" : "socket";
}

std::string_view socket_receive_name(SocketReceive r) noexcept {
  switch (r) {
    case SocketReceive::kUring: return "io-uring";
    case SocketReceive::kPacketRing: return "packet-ring";
    case SocketReceive::kEpoll: break;
  }
  return "epoll";
}

std::string SipListen::to_string() const {
  const bool v6 = address.find(':') != std::string::npos;
  return transport + ":" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

nlohmann::json DaemonConfig::to_json() const {
  using nlohmann::json;
  json j;
  j["server"] = {{"drain_timeout_seconds", seconds_of(server.drain_timeout)}, {"state_dir", server.state_dir}};
  j["logging"] = {{"level", logging.level}};
  json tokens = json::array();
  for (const auto& t : api.tokens) tokens.push_back({{"name", t.name}, {"origin", t.origin}});
  j["api"] = {{"enabled", api.enabled},
              {"bind", api.bind},
              {"port", api.port},
              {"threads", api.threads},
              {"tokens", tokens},
              {"generated_token_file", api.generated_token_file},
              {"max_body_bytes", api.max_body_bytes},
              {"max_header_bytes", api.max_header_bytes},
              {"max_connections", api.max_connections},
              {"request_timeout_seconds", seconds_of(api.request_timeout)},
              {"event_queue_limit", api.event_queue_limit},
              {"max_event_clients", api.max_event_clients}};
  j["metrics"] = {{"enabled", metrics.enabled},
                  {"path", metrics.path},
                  {"bind", metrics.bind ? json(*metrics.bind) : json(nullptr)},
                  {"port", metrics.port ? json(*metrics.port) : json(nullptr)},
                  {"process_metrics", metrics.process_metrics}};
  j["recordings"] = {{"directory", recordings.directory},
                     {"format", recordings.format},
                     {"sample_rate", recordings.sample_rate},
                     {"channels", recordings.channels == 2 ? "stereo" : "mixed"},
                     {"opus_bitrate", recordings.opus_bitrate},
                     {"writer_threads", recordings.writer_threads},
                     {"flush_interval_seconds", seconds_of(recordings.flush_interval)}};
  j["dataplane"] = {{"backend", backend_name(dataplane.backend)},
                    {"bind", dataplane.bind},
                    {"socket_receive", socket_receive_name(dataplane.socket_receive)},
                    {"port_min", dataplane.port_min},
                    {"port_max", dataplane.port_max},
                    {"cores", dataplane.cores},
                    {"workers", dataplane.workers},
                    {"max_sessions_per_worker", dataplane.max_sessions_per_worker},
                    {"max_rooms_per_worker", dataplane.max_rooms_per_worker},
                    {"max_parties_per_worker", dataplane.max_parties_per_worker},
                    {"rtcp_mux", dataplane.rtcp_mux},
                    {"busy_poll", dataplane.busy_poll},
                    {"command_ring", dataplane.command_ring},
                    {"event_ring", dataplane.event_ring},
                    {"stats_interval_seconds", seconds_of(dataplane.stats_interval)},
                    {"dpdk",
                     {{"eal_args", dataplane.dpdk.eal_args},
                      {"port_id", dataplane.dpdk.port_id},
                      {"media_ip", dataplane.dpdk.media_ip},
                      {"gateway_mac", dataplane.dpdk.gateway_mac},
                      {"mbufs", dataplane.dpdk.mbufs},
                      {"rx_descriptors", dataplane.dpdk.rx_descriptors},
                      {"tx_descriptors", dataplane.dpdk.tx_descriptors},
                      {"verify_udp_checksum", dataplane.dpdk.verify_udp_checksum}}}};
  json listen = json::array();
  for (const auto& l : sip.listen) listen.push_back(l.to_string());
  json trunks = json::array();
  for (const auto& t : sip.trunks)
    trunks.push_back({{"name", t.name}, {"cidrs", t.cidrs}, {"digest", !t.user.empty()}});
  json agents = json::array();
  for (const auto& a : sip.agents) agents.push_back({{"id", a.id}});  // passwords never leave
  j["sip"] = {{"listen", listen},
              {"domain", sip.domain},
              {"user_agent", sip.user_agent},
              {"trunks", trunks},
              {"dids", sip.dids},
              {"agents", agents},
              {"ring_timeout_ms", std::chrono::duration_cast<std::chrono::milliseconds>(sip.ring_timeout).count()},
              {"max_expires", sip.max_expires},
              {"min_expires", sip.min_expires},
              {"session_expires", sip.session_expires},
              {"min_se", sip.min_se},
              {"logout_on_expiry", sip.logout_on_expiry},
              {"rate_limit", sip.rate_limit},
              {"burst", sip.burst},
              {"ban_time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(sip.ban_time).count()},
              {"codecs", sip.codecs},
              {"digest_algorithms", sip.digest_algorithms},
              {"max_dialogs", sip.max_dialogs},
              {"max_transactions", sip.max_transactions}};
  if (sip.scanner_user_agents) j["sip"]["scanner_user_agents"] = *sip.scanner_user_agents;
  if (sip.outbound)  // the password never leaves
    j["sip"]["outbound"] = {{"target", sip.outbound->target.to_string()},
                            {"user", sip.outbound->user},
                            {"digest", !sip.outbound->password.empty()},
                            {"caller_id", sip.outbound->caller_id},
                            {"domain", sip.outbound->domain}};
  for (const auto& [name, section] : sections) j[name] = section->to_json();
  for (const auto& [name, why] : unvalidated) j[name] = {{"validated", false}, {"reason", why}};
  return j;
}

}  // namespace sb::config
