#include "control/sip/b2bua/sip_subsystem.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"
#include "control/metrics/metric_catalogue.hpp"
#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/transport/sip_transport.hpp"

namespace sb::sip::b2bua {

namespace asio = boost::asio;

namespace {

std::optional<Endpoint> endpoint_of(const Peer& p) {
  auto e = parse_endpoint(p.host + ":" + std::to_string(p.port));
  if (!e) return std::nullopt;
  return *e;
}

}  // namespace

struct SipSubsystem::Impl final : public CallPort, public WireSink, public calls::CallSignalling,
                                  public std::enable_shared_from_this<SipSubsystem::Impl> {
  Impl(daemon::DaemonContext& c, daemon::DataplaneSubsystem& d, daemon::AcdSubsystem& a, calls::CallControl& cc)
      : ctx(c), dataplane(d), acd(a), control(cc) {}

  daemon::DaemonContext& ctx;
  daemon::DataplaneSubsystem& dataplane;
  daemon::AcdSubsystem& acd;
  calls::CallControl& control;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::steady_timer timer{io};
  std::thread thread;
  std::unique_ptr<SipTransport> transport;
  std::unique_ptr<B2bua> b2bua;
  // Set by stop() on the control thread and read on the media thread
  // before posting: relaxed is enough, posting to a stopped io_context is
  // harmless, the flag only saves work.
  std::atomic<bool> stopped{false};
  std::vector<ListenAddress> bound;

  // ---- SIP thread helpers ----
  template <typename F>
  void on_sip_thread(F&& f) {
    if (stopped.load(std::memory_order_relaxed)) return;
    asio::post(io, std::forward<F>(f));
  }
  // Runs `f(ms)` on the media control thread; false when its queue is full.
  bool on_media_thread(std::function<void(dataplane::MediaSessions&)> f) { return dataplane.post(std::move(f)); }

  void arm_timer() {
    if (!b2bua) return;
    const auto d = b2bua->next_deadline();
    const Nanos now = ctx.clock->now();
    const Nanos wait = d ? std::max(Nanos{0}, *d - now) : Nanos{std::chrono::seconds(1)};
    timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(wait));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || !self->b2bua) return;
      self->b2bua->on_tick(self->ctx.clock->now());
      self->arm_timer();
    });
  }
  // After anything that may have started a timer earlier than the armed one.
  void rearm() {
    timer.cancel();
    arm_timer();
  }

  // ---- WireSink (SIP thread) ----
  void send(const Peer& to, std::string bytes) override {
    auto e = endpoint_of(to);
    if (!e || !transport) return;
    transport->send(to.transport == "TCP" ? Transport::kTcp : Transport::kUdp, *e, std::move(bytes));
  }

  // ---- CallPort (SIP thread -> media thread -> SIP thread) ----
  void start_call(std::uint64_t token, const calls::InboundCall& call) override {
    auto self = shared_from_this();
    const bool posted = on_media_thread([self, token, call](dataplane::MediaSessions& ms) {
      auto r = self->control.start_inbound(call, ms);
      Result<B2bua::Started> started = internal_error("unset");
      if (r) {
        B2bua::Started s;
        s.call = (*r)["call_id"].get<CallId>();
        // "ip:port" of the caller-side leg, written by call control itself.
        const std::string media = (*r)["media"].get<std::string>();
        const auto colon = media.rfind(':');
        s.local_media.port = static_cast<std::uint16_t>(std::strtoul(media.c_str() + colon + 1, nullptr, 10));
        const auto shown = self->control.show(s.call);
        s.caller_released = shown && shown->value("state", "") == calls::call_state_name(calls::CallState::kCallbackWaiting);
        started = s;
      } else {
        started = r.status();
      }
      self->on_sip_thread([self, token, started = std::move(started)]() mutable {
        self->b2bua->on_call_started(token, std::move(started));
        self->rearm();
      });
    });
    if (!posted) b2bua->on_call_started(token, unavailable("call control is busy"));
  }
  void hangup(CallId call, const std::string& by) override {
    auto self = shared_from_this();
    if (!on_media_thread([self, call, by](dataplane::MediaSessions& ms) { self->control.hangup(call, by, ms).ignore_error(); }))
      spdlog::warn("sip: call {}: hang-up by {} not delivered: call control is busy", call, by);
  }
  void answer(CallId call, const std::string& agent, dataplane::Endpoint media) override {
    auto self = shared_from_this();
    const bool posted = on_media_thread([self, call, agent, media](dataplane::MediaSessions& ms) {
      const Status st = self->control.answer(call, agent, media, ms);
      self->on_sip_thread([self, call, agent, st] {
        self->b2bua->on_answer_result(call, agent, st);
        self->rearm();
      });
    });
    if (!posted) b2bua->on_answer_result(call, agent, unavailable("call control is busy"));
  }
  void reject_offer(CallId call, const std::string& agent, const std::string& why) override {
    auto self = shared_from_this();
    (void)on_media_thread(
        [self, call, agent, why](dataplane::MediaSessions&) { self->control.reject_offer(call, agent, why).ignore_error(); });
  }
  void digit(CallId call, char d) override {
    auto self = shared_from_this();
    (void)on_media_thread([self, call, d](dataplane::MediaSessions& ms) {
      self->control.digit(call, d, ivr::menu::DigitSource::kSipInfo, ms).ignore_error();
    });
  }
  void update_media(CallId call, int leg, dataplane::Endpoint remote, bool hold) override {
    auto self = shared_from_this();
    (void)on_media_thread([self, call, leg, remote, hold](dataplane::MediaSessions& ms) {
      self->control.update_media(call, leg, remote, hold, ms).ignore_error();
    });
  }

  void transfer(CallId call, const calls::TransferTarget& to, const std::string& by) override {
    auto self = shared_from_this();
    const bool posted = on_media_thread([self, call, to, by](dataplane::MediaSessions& ms) {
      const Status st = self->control.transfer(call, to, by, ms);
      self->on_sip_thread([self, call, st] {
        self->b2bua->on_transfer_result(call, st);
        self->rearm();
      });
    });
    if (!posted) b2bua->on_transfer_result(call, unavailable("call control is busy"));
  }

  void outbound_answered(CallId call, dataplane::Endpoint media) override {
    auto self = shared_from_this();
    if (!on_media_thread([self, call, media](dataplane::MediaSessions& ms) {
          self->control.outbound_answered(call, media, ms).ignore_error();
        }))
      spdlog::warn("sip: call {}: outbound answer not delivered: call control is busy", call);
  }
  void outbound_failed(CallId call, const std::string& why) override {
    auto self = shared_from_this();
    if (!on_media_thread([self, call, why](dataplane::MediaSessions& ms) {
          self->control.outbound_failed(call, why, ms).ignore_error();
        }))
      spdlog::warn("sip: call {}: outbound failure not delivered: call control is busy", call);
  }

  // The ACD's inbox takes requests from any thread; the logout waits for
  // the agent's current call to end, as an API logout does.
  void logout_agent(const std::string& agent, const std::string& why) override {
    const auto index = acd.agent_index(agent);
    if (!index || !acd.submit(acd::Request::make(acd::Request::kLogout, *index)))
      spdlog::warn("sip: agent {}: logout after {} not delivered to the ACD", agent, why);
  }

  // ---- CallSignalling (media thread -> SIP thread) ----
  void place_outbound(const calls::OutboundCall& call) override {
    on_sip_thread([self = shared_from_this(), call] {
      self->b2bua->place_outbound(call);
      self->rearm();
    });
  }
  void cancel_outbound(std::uint64_t call) override {
    on_sip_thread([self = shared_from_this(), call] {
      self->b2bua->cancel_outbound_dial(call);
      self->rearm();
    });
  }
  void on_agent_released(std::uint64_t call, const std::string& agent) override {
    on_sip_thread([self = shared_from_this(), call, agent] {
      self->b2bua->on_agent_released(call, agent);
      self->rearm();
    });
  }
  void on_agent_offered(const AgentOffer& offer) override {
    on_sip_thread([self = shared_from_this(), offer] {
      self->b2bua->on_agent_offered(offer);
      self->rearm();
    });
  }
  void on_offer_cancelled(std::uint64_t call, const std::string& agent) override {
    on_sip_thread([self = shared_from_this(), call, agent] {
      self->b2bua->on_offer_cancelled(call, agent);
      self->rearm();
    });
  }
  void on_call_ended(std::uint64_t call, const std::string& reason, const std::string& by) override {
    on_sip_thread([self = shared_from_this(), call, reason, by] {
      self->b2bua->on_call_ended(call, reason, by);
      self->rearm();
    });
  }
};

namespace {

class SipCollector final : public metrics::Collector {
 public:
  explicit SipCollector(std::shared_ptr<SipSubsystem::Impl> impl) : impl_(std::move(impl)) {}
  std::vector<const metrics::MetricSpec*> describe() const override {
    using namespace metrics::catalogue;
    return {&sip_requests, &sip_responses,       &sip_auth_failures, &sip_acl_rejections, &sip_registrations,
            &sip_dialogs,  &sip_transport_drops, &sip_transfers,     &sip_outbound_calls, &sip_outbound_outcomes,
            &sip_session_events};
  }
  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    using namespace metrics::catalogue;
    if (!impl_->b2bua) return;
    const B2buaCounters& c = impl_->b2bua->counters();
    auto family = [&](const metrics::MetricSpec& spec) -> metrics::FamilySnapshot& { return metrics::add_family(out, spec); };
    auto v = [](const std::atomic<std::uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
    auto& req = family(sip_requests);
    for (std::size_t i = 0; i < B2buaCounters::kMethodCount; ++i) req.samples.push_back({{B2buaCounters::kMethods[i]}, v(c.requests[i])});
    auto& resp = family(sip_responses);
    for (int i = 0; i < 6; ++i) resp.samples.push_back({{std::to_string(i + 1) + "xx"}, v(c.responses[i])});
    family(sip_auth_failures).samples.push_back({{}, v(c.auth_failures)});
    family(sip_acl_rejections).samples.push_back({{}, v(c.acl_rejections)});
    family(sip_registrations).samples.push_back({{}, v(c.registrations)});
    family(sip_dialogs).samples.push_back({{}, v(c.dialogs)});
    auto& transfers = family(sip_transfers);
    transfers.samples.push_back({{"accepted"}, v(c.transfers_accepted)});
    transfers.samples.push_back({{"refused"}, v(c.transfers_refused)});
    transfers.samples.push_back({{"failed"}, v(c.transfers_failed)});
    family(sip_outbound_calls).samples.push_back({{}, v(c.outbound_placed)});
    auto& outcomes = family(sip_outbound_outcomes);
    outcomes.samples.push_back({{"answered"}, v(c.outbound_answered)});
    outcomes.samples.push_back({{"failed"}, v(c.outbound_failed)});
    auto& sessions = family(sip_session_events);
    sessions.samples.push_back({{"offerless_reinvite_answered"}, v(c.offerless_reinvites_answered)});
    sessions.samples.push_back({{"offerless_reinvite_bad_answer"}, v(c.offerless_reinvites_bad_answer)});
    sessions.samples.push_back({{"refreshed_by_peer"}, v(c.session_refreshes_by_peer)});
    sessions.samples.push_back({{"refreshed_by_us"}, v(c.session_refreshes_by_us)});
    sessions.samples.push_back({{"refresh_failed"}, v(c.session_refresh_failures)});
    sessions.samples.push_back({{"expired"}, v(c.sessions_expired)});
    sessions.samples.push_back({{"interval_too_small"}, v(c.session_intervals_too_small)});
    sessions.samples.push_back({{"agent_logged_out"}, v(c.registration_logouts)});
    auto& drops = family(sip_transport_drops);
    if (impl_->transport) {
      const auto snap = impl_->transport->counters();
      for (Transport t : {Transport::kUdp, Transport::kTcp})
        for (std::size_t r = 0; r < kDropReasonCount; ++r)
          drops.samples.push_back({{std::string(transport_name(t)), std::string(drop_reason_label(static_cast<DropReason>(r)))},
                                   static_cast<double>(snap[t].drops[r])});
    }
  }

 private:
  std::shared_ptr<SipSubsystem::Impl> impl_;
};

}  // namespace

SipSubsystem::SipSubsystem(daemon::DaemonContext& context, daemon::DataplaneSubsystem& dataplane,
                           daemon::AcdSubsystem& acd, calls::CallsSubsystem& calls)
    : ctx_(context),
      dataplane_(dataplane),
      acd_(acd),
      calls_(calls),
      impl_(std::make_shared<Impl>(context, dataplane, acd, calls.control())) {
  // Before anything starts: the media thread reads it once it runs.
  calls_.control().set_signalling(impl_.get());
}

SipSubsystem::~SipSubsystem() { stop(); }

Status SipSubsystem::start(std::shared_ptr<const config::DaemonConfig> config) {
  const config::SipSection& sip = config->sip;
  for (const auto& a : sip.agents)
    if (!acd_.agent_index(a.id))
      return invalid_argument("[[sip.agents]] id \"" + a.id + "\" is not an [[acd.agents]] id");
  for (const auto& [did, target] : sip.dids)
    if (target.rfind("queue:", 0) == 0 && !acd_.queue_index(target.substr(6)))
      return invalid_argument("[sip.dids] \"" + did + "\": no ACD queue \"" + target.substr(6) + "\"");

  SipTransportOptions topts;
  for (const auto& l : sip.listen) {
    auto la = parse_listen_address(l.to_string());
    if (!la) return la.status();
    topts.listen.push_back(*la);
  }
  topts.protection.requests_per_second = sip.rate_limit;
  topts.protection.burst = sip.burst;
  topts.protection.ban_duration = sip.ban_time;
  if (sip.scanner_user_agents) topts.protection.scanner_user_agents = *sip.scanner_user_agents;
  std::weak_ptr<Impl> weak = impl_;
  impl_->transport = std::make_unique<SipTransport>(
      topts,
      [weak](ReceivedMessage m) {
        auto self = weak.lock();
        if (!self) return;
        Peer source;
        const bool tcp = m.context.transport == Transport::kTcp;
        // UDP answers go where §18.2.2 says (rport/received); TCP ones back
        // on the connection, found by its remote end.
        const Endpoint& e = tcp ? m.context.source : m.context.response_target.endpoint;
        const std::string text = e.to_string();
        source.host = text.substr(0, text.rfind(':'));
        source.port = e.port;
        source.transport = tcp ? "TCP" : "UDP";
        source.reliable = tcp;
        self->on_sip_thread([self, raw = m.raw, source] {
          ParseLimits limits;
          limits.max_message_bytes = 64 * 1024;
          auto owned = OwnedMessage::parse(*raw, limits);
          if (!owned) return;  // parsed once already by the transport
          self->b2bua->on_message(std::move(*owned), source);
          self->rearm();
        });
      },
      *ctx_.clock);

  impl_->stopped.store(false, std::memory_order_relaxed);
  SB_RETURN_IF_ERROR(impl_->transport->start());
  impl_->bound = impl_->transport->local_endpoints();

  B2buaOptions o;
  o.domain = sip.domain;
  o.user_agent = sip.user_agent;
  for (const auto& t : sip.trunks) o.trunks.push_back({t.name, t.cidrs, t.user, t.password});
  o.dids = sip.dids;
  o.codecs = sip.codecs;
  o.ring_timeout = sip.ring_timeout;
  o.max_dialogs = sip.max_dialogs;
  o.session_timer.session_expires = sip.session_expires;
  o.session_timer.min_se = sip.min_se;
  o.logout_on_expiry = sip.logout_on_expiry;
  // The ACD's directory is published for readers on any thread.
  o.is_agent = [acd = &acd_](const std::string& id) { return acd->agent_index(id).has_value(); };
  o.transactions.max_transactions = sip.max_transactions;
  o.media_address = config->dataplane.bind;
  if (sip.outbound) {
    const config::SipListen& at = sip.outbound->target;
    OutboundTrunk trunk;
    trunk.peer.host = at.address.find(':') != std::string::npos ? "[" + at.address + "]" : at.address;
    trunk.peer.port = at.port;
    trunk.peer.transport = at.transport == "tcp" ? "TCP" : "UDP";
    trunk.peer.reliable = at.transport == "tcp";
    trunk.user = sip.outbound->user;
    trunk.password = sip.outbound->password;
    trunk.caller_id = sip.outbound->caller_id;
    trunk.domain = sip.outbound->domain;
    o.outbound = std::move(trunk);
  }
  o.registrar.realm = sip.domain;
  o.registrar.max_expires = sip.max_expires;
  o.registrar.min_expires = sip.min_expires;
  o.registrar.default_expires = sip.max_expires;
  for (const auto& a : sip.agents) o.registrar.agents.push_back({a.id, a.password});
  o.registrar.algorithms.clear();
  for (const auto& a : sip.digest_algorithms)
    if (auto alg = digest_algorithm(a)) o.registrar.algorithms.push_back(*alg);
  o.tcp_port = 0;
  for (const auto& b : impl_->bound) {
    const std::string host = b.endpoint.address.is_v6() ? "[" + b.endpoint.address.to_string() + "]" : b.endpoint.address.to_string();
    if (b.transport == Transport::kUdp && o.udp_port == 5060 && o.sip_host == "127.0.0.1") {
      o.udp_port = b.endpoint.port;
      o.sip_host = host;
    }
    if (b.transport == Transport::kTcp && o.tcp_port == 0) o.tcp_port = b.endpoint.port;
  }
  // A wildcard listener cannot be written into Via or Contact: use the
  // media address, which peers reach us on anyway.
  if (o.sip_host == "0.0.0.0" || o.sip_host == "[::]") o.sip_host = config->dataplane.bind;
  impl_->b2bua = std::make_unique<B2bua>(*ctx_.clock, std::move(o), *impl_, *impl_);

  impl_->work.emplace(impl_->io.get_executor());
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
  asio::post(impl_->io, [impl = impl_] { impl->arm_timer(); });
  if (ctx_.metrics) SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("sip", std::make_shared<SipCollector>(impl_)));
  return Status::ok();
}

Status SipSubsystem::check_reload(const config::DaemonConfig& current, const config::DaemonConfig& next,
                                  std::vector<std::string>& notes) {
  // Everything in [sip] is read at start (listeners, trunks, DIDs,
  // credentials): say so rather than half-apply it.
  if (current.to_json()["sip"] != next.to_json()["sip"]) notes.push_back("sip: changes take effect after a restart");
  return Status::ok();
}

void SipSubsystem::stop() {
  if (!impl_) return;
  impl_->stopped.store(true, std::memory_order_relaxed);
  if (ctx_.metrics) ctx_.metrics->remove_collector("sip").ignore_error();
  if (impl_->transport) impl_->transport->stop();
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::vector<std::string> SipSubsystem::banner() const {
  std::string listen;
  for (const auto& b : impl_->bound) listen += (listen.empty() ? "" : ", ") + std::string(transport_name(b.transport)) + ":" + b.endpoint.to_string();
  return {"sip        " + listen + " (B2BUA: trunks -> IVR/queues, agents REGISTER and are rung)"};
}

}  // namespace sb::sip::b2bua
