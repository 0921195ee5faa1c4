#include "control/daemon/dataplane_subsystem.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "control/api/media_requests.hpp"
#include "control/metrics/metric_catalogue.hpp"
#include "control/metrics/per_core_collector.hpp"

namespace sb::daemon {

namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::Method;
using dataplane::Event;

Result<dataplane::DataplaneConfig> dataplane_config(const config::DaemonConfig& c) {
  const auto& s = c.dataplane;
  dataplane::DataplaneConfig out;
  out.port_min = s.port_min;
  out.port_max = s.port_max;
  out.cores = s.cores;
  out.workers = static_cast<std::size_t>(std::max(1, s.workers));  // unpinned, when no cores are listed
  out.max_sessions_per_worker = s.max_sessions_per_worker;
  out.max_rooms_per_worker = s.max_rooms_per_worker;
  out.max_parties_per_worker = s.max_parties_per_worker;
  out.rtcp_mux = s.rtcp_mux;
  out.busy_poll = s.busy_poll;
  switch (s.socket_receive) {
    case config::SocketReceive::kEpoll: out.socket_rx = dataplane::DataplaneConfig::SocketRx::kEpoll; break;
    case config::SocketReceive::kUring: out.socket_rx = dataplane::DataplaneConfig::SocketRx::kUring; break;
    case config::SocketReceive::kPacketRing: out.socket_rx = dataplane::DataplaneConfig::SocketRx::kPacketRing; break;
  }
  out.command_ring = s.command_ring;
  out.event_ring = s.event_ring;
  out.stats_interval_ns = s.stats_interval.count();
  in_addr a{};
  if (s.backend == config::DataplaneBackend::kSocket) {
    out.backend = dataplane::DataplaneConfig::Backend::kSockets;
    if (inet_pton(AF_INET, s.bind.c_str(), &a) != 1)
      return invalid_argument("dataplane.bind: \"" + s.bind + "\" is not an IPv4 address");
    out.bind_ip = ntohl(a.s_addr);
  } else {
    out.backend = dataplane::DataplaneConfig::Backend::kDpdk;
    out.dpdk.eal_args = s.dpdk.eal_args;
    out.dpdk.port_id = s.dpdk.port_id;
    if (inet_pton(AF_INET, s.dpdk.media_ip.c_str(), &a) != 1)
      return invalid_argument("dataplane.dpdk.media_ip: \"" + s.dpdk.media_ip + "\" is not an IPv4 address");
    out.dpdk.media_ip = ntohl(a.s_addr);
    out.bind_ip = out.dpdk.media_ip;
    if (!s.dpdk.gateway_mac.empty()) {
      unsigned m[6];
      if (std::sscanf(s.dpdk.gateway_mac.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        return invalid_argument("dataplane.dpdk.gateway_mac: \"" + s.dpdk.gateway_mac + "\" is not a MAC address");
      for (int i = 0; i < 6; ++i) out.dpdk.gateway_mac[i] = static_cast<std::uint8_t>(m[i]);
      out.dpdk.has_gateway = true;
    }
    out.dpdk.mbufs = s.dpdk.mbufs;
    out.dpdk.rx_descriptors = s.dpdk.rx_descriptors;
    out.dpdk.tx_descriptors = s.dpdk.tx_descriptors;
    out.dpdk.verify_udp_checksum = s.dpdk.verify_udp_checksum;
  }
  recording::RecorderService::Options rec;
  rec.directory = c.recordings.directory;
  rec.writer_threads = c.recordings.writer_threads;
  rec.flush_interval = c.recordings.flush_interval;
  rec.opus_bitrate = c.recordings.opus_bitrate;
  // The worker -> writer ring carries every recorded call of a worker: half
  // a second of frames for all its sessions, so a writer pausing on the
  // disk does not make the worker drop frames (docs/performance.md), capped
  // at 16,384 frames (about 21 MB per worker and writer).
  const std::size_t writers = static_cast<std::size_t>(std::max(1, c.recordings.writer_threads));
  rec.ring_messages = std::clamp<std::size_t>(25 * static_cast<std::size_t>(s.max_sessions_per_worker) / writers, 512, 16384);
  out.recorder = rec;
  return out;
}

HttpResponse bad_session_id(const std::string& text) {
  return api::error_response(404, "not_found", "no media session \"" + text + "\"", {{"id", "not a media session id"}});
}

// Per-leg quality sampled by the workers' stats passes (jitter, MOS, RTT),
// kept as per-bucket counts per core; cumulated across buckets and cores at
// scrape time.
class QualityCollector final : public metrics::Collector {
 public:
  explicit QualityCollector(const dataplane::DataplaneCounters& c) : c_(c) {}
  std::vector<const metrics::MetricSpec*> describe() const override {
    using namespace metrics::catalogue;
    return {&dp_jitter, &dp_mos, &dp_rtt};
  }
  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    using namespace metrics::catalogue;
    histogram(out, dp_jitter, dataplane::kJitterBounds, dataplane::kJitterBucket0, dataplane::kJitterCount,
              dataplane::kJitterSumMicros, 1e-6);
    histogram(out, dp_mos, dataplane::kMosBounds, dataplane::kMosBucket0, dataplane::kMosCount,
              dataplane::kMosSumMilli, 1e-3);
    histogram(out, dp_rtt, dataplane::kRttBounds, dataplane::kRttBucket0, dataplane::kRttCount,
              dataplane::kRttSumMicros, 1e-6);
  }

 private:
  void histogram(std::vector<metrics::FamilySnapshot>& out, const metrics::MetricSpec& spec, const double (&bounds)[6],
                 std::size_t first_bucket, std::size_t count, std::size_t sum, double sum_scale) const {
    metrics::HistogramSample h;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < 6; ++b) {
      cumulative += c_.sum(first_bucket + b);
      h.upper_bounds.push_back(bounds[b]);
      h.bucket_counts.push_back(cumulative);
    }
    // The count is read after the buckets: a sample landing in between
    // only makes +Inf larger, never a bucket larger than +Inf.
    h.count = std::max(c_.sum(count), cumulative);
    h.sum = static_cast<double>(c_.sum(sum)) * sum_scale;
    metrics::add_family(out, spec).histograms.push_back(std::move(h));
  }
  const dataplane::DataplaneCounters& c_;
};

// The recorder's counters (relaxed atomics its writer threads and the
// workers' taps bump), read at scrape time.
class RecorderCollector final : public metrics::Collector {
 public:
  explicit RecorderCollector(const recording::RecorderCounters& c) : c_(c) {}
  std::vector<const metrics::MetricSpec*> describe() const override {
    using namespace metrics::catalogue;
    return {&rec_active, &rec_started, &rec_completed, &rec_failed, &rec_frames_dropped};
  }
  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    using namespace metrics::catalogue;
    auto one = [&](const metrics::MetricSpec& spec, const std::atomic<std::uint64_t>& v) {
      metrics::add_family(out, spec).samples.push_back({{}, static_cast<double>(v.load(std::memory_order_relaxed))});
    };
    one(rec_active, c_.active);
    one(rec_started, c_.started);
    one(rec_completed, c_.completed);
    one(rec_failed, c_.failed);
    one(rec_frames_dropped, c_.frames_dropped);
  }

 private:
  const recording::RecorderCounters& c_;
};

}  // namespace

dataplane::LegRequest leg_request(const api::MediaLegBody& b) {
  dataplane::LegRequest r;
  if (b.remote) r.remote = {b.remote->ip, b.remote->port};
  r.remote_rtcp_port = b.remote_rtcp_port;
  r.latch.nat_learning = b.nat_learning;
  if (b.mode == "inactive") r.mode = dataplane::LegMode::kInactive;
  else if (b.mode == "sendonly") r.mode = dataplane::LegMode::kSendOnly;
  else if (b.mode == "recvonly") r.mode = dataplane::LegMode::kRecvOnly;
  r.clock_rate = b.clock_rate;
  r.telephone_event_pt = b.telephone_event_pt;
  r.media_timeout_ms = b.media_timeout_ms;
  if (b.has_audio) {
    r.media.audio_pt = b.audio_payload_type;
    if (b.codec == "PCMA") r.media.codec = codecs::CodecId::kPcma;
    else if (b.codec == "G722") r.media.codec = codecs::CodecId::kG722;
    else if (b.codec == "opus") r.media.codec = codecs::CodecId::kOpus;
    else r.media.codec = codecs::CodecId::kPcmu;
    r.media.inband_dtmf = b.inband_dtmf;
    r.media.suppress_dtmf = b.suppress_dtmf;
  }
  return r;
}

// Session, room and party ids are 64-bit; JSON carries them as decimal
// strings (JavaScript numbers lose bits above 2^53).
std::optional<std::uint64_t> parse_media_id(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto next = id * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != id) return std::nullopt;  // overflow
    id = next;
  }
  return id;
}

DataplaneSubsystem::DataplaneSubsystem(DaemonContext& context) : ctx_(context) {}

DataplaneSubsystem::~DataplaneSubsystem() { stop(); }

Status DataplaneSubsystem::start(std::shared_ptr<const config::DaemonConfig> config) {
  auto cfg = dataplane_config(*config);
  if (!cfg) return cfg.status();
  std::error_code ec;
  std::filesystem::create_directories(config->recordings.directory, ec);
  if (ec)
    return io_error("recordings.directory: cannot create \"" + config->recordings.directory + "\": " + ec.message());
  auto dp = dataplane::Dataplane::start(*cfg, *ctx_.clock);
  if (!dp) return dp.status();
  dataplane_ = std::move(*dp);
  config_ = config;
  stop_.store(false, std::memory_order_relaxed);
  running_.store(true, std::memory_order_release);
  media_thread_ = std::thread([this] { run_media_thread(); });
  // Worker counters summed over cores at scrape time.
  using namespace metrics::catalogue;
  using Collector = metrics::PerCoreCounterCollector<dataplane::kCounterCount>;
  std::vector<Collector::Cell> cells = {{dataplane::kRxPackets, &dp_packets, {"rx"}},
                                        {dataplane::kTxPackets, &dp_packets, {"tx"}},
                                        {dataplane::kRxBytes, &dp_bytes, {"rx"}},
                                        {dataplane::kTxBytes, &dp_bytes, {"tx"}},
                                        {dataplane::kActiveSessions, &dp_sessions, {}},
                                        {dataplane::kActiveLegs, &dp_legs, {}},
                                        {dataplane::kMediaTimeouts, &dp_media_timeouts, {}},
                                        {dataplane::kRtpExpected, &dp_rtp_expected, {}},
                                        {dataplane::kRtpLost, &dp_rtp_lost, {}},
                                        {dataplane::kMixedIn, &dp_mixed_packets, {"in"}},
                                        {dataplane::kMixedOut, &dp_mixed_packets, {"out"}},
                                        {dataplane::kMixConcealed, &dp_mixed_concealed, {}},
                                        {dataplane::kMixTicks, &dp_mix_ticks, {}},
                                        {dataplane::kRtcpRelayed, &dp_rtcp, {"relayed"}},
                                        {dataplane::kRtcpGenerated, &dp_rtcp, {"generated"}}};
  for (std::size_t r = 0; r < static_cast<std::size_t>(dataplane::DropReason::kCount); ++r)
    cells.push_back({dataplane::drop_index(static_cast<dataplane::DropReason>(r)), &dp_drops,
                     {std::string(dataplane::kDropReasonLabels[r])}});
  collector_ = std::make_shared<Collector>(dataplane_->counters(), std::move(cells));
  if (ctx_.metrics) SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("dataplane", collector_));
  quality_collector_ = std::make_shared<QualityCollector>(dataplane_->counters());
  if (ctx_.metrics) SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("media_quality", quality_collector_));
  if (ctx_.metrics && dataplane_->recorder()) {
    recorder_collector_ = std::make_shared<RecorderCollector>(dataplane_->recorder()->counters());
    SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("recordings", recorder_collector_));
  }
  return Status::ok();
}

Status DataplaneSubsystem::check_reload(const config::DaemonConfig& current, const config::DaemonConfig& next,
                                       std::vector<std::string>& notes) {
  const auto& a = current.dataplane;
  const auto& b = next.dataplane;
  if (a.backend != b.backend || a.bind != b.bind || a.port_min != b.port_min || a.port_max != b.port_max ||
      a.cores != b.cores || a.workers != b.workers || a.max_sessions_per_worker != b.max_sessions_per_worker ||
      a.max_rooms_per_worker != b.max_rooms_per_worker || a.max_parties_per_worker != b.max_parties_per_worker ||
      a.rtcp_mux != b.rtcp_mux || a.busy_poll != b.busy_poll || a.socket_receive != b.socket_receive)
    notes.push_back("dataplane: the new settings take effect at the next restart (live media keeps flowing)");
  if (current.recordings.directory != next.recordings.directory)
    notes.push_back("recordings.directory: new recordings keep going to the old directory until a restart");
  return Status::ok();
}

bool DataplaneSubsystem::post(std::function<void(dataplane::MediaSessions&)> task) {
  // Acquire: pairs with the release in start()/stop(), so a task is only
  // queued while the media thread is there to run (or drain) it.
  if (!running_.load(std::memory_order_acquire)) return false;
  auto* t = new Task{std::move(task)};
  if (!tasks_.try_push(t)) {
    delete t;
    return false;
  }
  return true;
}

void DataplaneSubsystem::run_media_thread() {
  dataplane::MediaSessions& ms = dataplane_->sessions();
  std::array<Event, 256> events;
  // Relaxed: the flag only asks the loop to end; join() orders the rest.
  while (!stop_.load(std::memory_order_relaxed)) {
    bool busy = false;
    Task* t = nullptr;
    for (int i = 0; i < 64 && tasks_.try_pop(t); ++i) {
      t->fn(ms);
      delete t;
      busy = true;
    }
    const std::size_t n = ms.poll_events(events);
    for (std::size_t i = 0; i < n; ++i) {
      const dataplane::SessionId id = events[i].session;
      if (dataplane::is_room_id(id) || dataplane::is_party_id(id)) on_mix_event(events[i]);
      if (!pending_creates_.empty()) answer_create(events[i], ms);
      if (controller_) controller_->on_media_event(events[i], ms);
      publish(events[i]);
    }
    recording::RecorderEvent rec;
    for (int i = 0; i < 64 && dataplane_->recorder() && dataplane_->recorder()->poll_event(rec); ++i) {
      busy = true;
      if (controller_) controller_->on_recording_event(rec);
      if (ctx_.events)
        ctx_.events->publish(rec.kind == recording::RecorderEvent::kDone ? "recording.finished" : "recording.failed",
                             {{"recording", std::to_string(rec.id)}, {"error", std::string(rec.message)}});
    }
    if (controller_) controller_->on_tick(ms);
    sessions_.store(ms.active(), std::memory_order_relaxed);
    if (!busy && n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Tasks still queued get their answer (a dropped Responder sends a 500
  // "no response"; the task's own 503 is clearer): run them now, the
  // dataplane is still up.
  Task* t = nullptr;
  while (tasks_.try_pop(t)) {
    t->fn(ms);
    delete t;
  }
}

void DataplaneSubsystem::answer_create(const Event& e, dataplane::MediaSessions& ms) {
  if (e.kind != Event::kSessionCreated && e.kind != Event::kCommandFailed) return;
  const auto it = pending_creates_.find(e.session);
  if (it == pending_creates_.end()) return;
  auto responder = std::move(it->second);
  pending_creates_.erase(it);
  if (e.kind == Event::kSessionCreated) return (*responder)(HttpResponse::json(201, session_json(e.session)));
  // The worker refused (a port the OS would not give, say): nothing of the
  // session is left on the worker; release the control side too.
  ms.remove(e.session).ignore_error();
  live_.erase(e.session);
  (*responder)(api::error_response(503, "media_unavailable", std::string("the dataplane refused the session: ") + e.error));
}

void DataplaneSubsystem::publish(const Event& e) {
  if (!ctx_.events) return;
  const std::string id = std::to_string(e.session);
  switch (e.kind) {
    case Event::kDtmf:
      ctx_.events->publish("media.dtmf", {{"session", id},
                                          {"leg", e.leg},
                                          {"digit", std::string(1, e.digit)},
                                          {"duration_ms", e.duration_ms},
                                          {"source", e.dtmf_source == Event::kInband ? "inband" : "rfc4733"}});
      return;
    case Event::kMediaTimeout:
      ctx_.events->publish("media.timeout", {{"session", id}, {"leg", e.leg}});
      return;
    case Event::kFirstPacket:
      ctx_.events->publish("media.first_packet",
                           {{"session", id}, {"leg", e.leg}, {"from", dataplane::to_string(e.endpoint)}});
      return;
    case Event::kSourceLatched:
      ctx_.events->publish("media.source_latched",
                           {{"session", id}, {"leg", e.leg}, {"source", dataplane::to_string(e.endpoint)}});
      return;
    case Event::kPlaybackDone: {
      static constexpr const char* kEnds[] = {"finished", "stopped", "barge_in", "replaced", "ended"};
      nlohmann::json d = {{"session", id},
                          {"leg", e.leg},
                          {"playback_id", e.playback_id},
                          {"end", kEnds[static_cast<int>(e.playback_end)]}};
      if (e.digit) d["digit"] = std::string(1, e.digit);
      ctx_.events->publish("media.playback_done", std::move(d));
      return;
    }
    case Event::kCommandFailed:
      ctx_.events->publish("media.command_failed", {{"session", id}, {"leg", e.leg}, {"error", std::string(e.error)}});
      return;
    case Event::kSessionCreated:
    case Event::kSessionDeleted:
    case Event::kStats:
      return;
  }
}

void DataplaneSubsystem::route_async(
    api::Router& router, Method method, const std::string& path,
    std::function<HttpResponse(const HttpRequest&, dataplane::MediaSessions&)> fn, Status& status) {
  if (!status.is_ok()) return;
  status = router.add(method, path, [this, fn](const HttpRequest& req, api::Responder respond) {
    // The request is copied into the task: the handler returns before the
    // media thread runs it.
    auto request = std::make_shared<HttpRequest>(req);
    respond_on_media_thread(
        std::move(respond), [fn, request](dataplane::MediaSessions& ms) { return fn(*request, ms); }, "the dataplane");
  });
}

void DataplaneSubsystem::respond_on_media_thread(api::Responder respond,
                                                 std::function<HttpResponse(dataplane::MediaSessions&)> fn,
                                                 std::string_view who) {
  // Responder is move-only; std::function needs a copyable callable, hence
  // the shared_ptr.
  auto responder = std::make_shared<api::Responder>(std::move(respond));
  if (!post([responder, fn = std::move(fn)](dataplane::MediaSessions& ms) { (*responder)(fn(ms)); }))
    (*responder)(api::error_response(503, "unavailable", std::string(who) + " is not running or is busy; retry"));
}

Status DataplaneSubsystem::register_routes(api::Router& router) {
  Status st = router.add(Method::kPost, "/api/v1/media/sessions", [this](const HttpRequest& req, api::Responder respond) {
    auto body = api::parse_media_session_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    if (!accepting_.load(std::memory_order_relaxed))
      return respond(api::error_response(503, "draining", "the daemon is draining: no new media sessions"));
    auto responder = std::make_shared<api::Responder>(std::move(respond));
    auto legs = std::make_shared<api::MediaSessionBody>(std::get<api::MediaSessionBody>(std::move(body)));
    const bool queued = post([this, responder, legs](dataplane::MediaSessions& ms) {
      auto s = ms.create(leg_request(legs->legs[0]), leg_request(legs->legs[1]));
      if (!s) return (*responder)(api::status_error_response(s.status()));
      live_[s->id] = {*s, std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.clock->wall_now()).count()};
      sessions_.store(ms.active(), std::memory_order_relaxed);
      pending_creates_[s->id] = responder;  // answered by the worker's kSessionCreated / kCommandFailed
    });
    if (!queued) (*responder)(api::error_response(503, "unavailable", "the dataplane is not running or is busy; retry"));
  });
  route_async(router, Method::kGet, "/api/v1/media/sessions", [this](const HttpRequest&, dataplane::MediaSessions&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, live] : live_) list.push_back(session_json(id));
    return HttpResponse::json(200, {{"sessions", list}});
  }, st);
  route_async(router, Method::kGet, "/api/v1/media/sessions/{id}", [this](const HttpRequest& req, dataplane::MediaSessions&) {
    const auto id = parse_media_id(req.param("id"));
    if (!id || !live_.count(*id)) return bad_session_id(req.param("id"));
    return HttpResponse::json(200, session_json(*id));
  }, st);
  route_async(router, Method::kPut, "/api/v1/media/sessions/{id}/legs/{leg}",
              [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
    const auto id = parse_media_id(req.param("id"));
    if (!id || !live_.count(*id)) return bad_session_id(req.param("id"));
    const std::string& leg = req.param("leg");
    if (leg != "0" && leg != "1")
      return api::error_response(404, "not_found", "a media session has legs 0 and 1", {{"leg", "must be 0 or 1"}});
    auto body = api::parse_media_leg_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return std::move(*error);
    const Status s = ms.update(*id, leg == "0" ? 0 : 1, leg_request(std::get<api::MediaLegBody>(body)));
    if (!s.is_ok()) return api::status_error_response(s);
    return HttpResponse::json(200, session_json(*id));
  }, st);
  route_async(router, Method::kDelete, "/api/v1/media/sessions/{id}", [this](const HttpRequest& req, dataplane::MediaSessions& ms) {
    const auto id = parse_media_id(req.param("id"));
    if (!id || !live_.count(*id)) return bad_session_id(req.param("id"));
    const Status s = ms.remove(*id);
    if (!s.is_ok()) return api::status_error_response(s);
    live_.erase(*id);
    sessions_.store(ms.active(), std::memory_order_relaxed);
    return HttpResponse::json(200, {{"id", req.param("id")}, {"deleted", true}});
  }, st);
  register_room_routes(router, st);
  return st;
}

nlohmann::json DataplaneSubsystem::session_json(dataplane::SessionId id) const {
  const auto it = live_.find(id);
  if (it == live_.end()) return nullptr;
  const auto& info = it->second.info;
  const std::uint32_t ip = dataplane_ ? dataplane_->config().bind_ip : 0;
  nlohmann::json legs = nlohmann::json::array();
  for (int k = 0; k < 2; ++k) {
    nlohmann::json l = {{"leg", k}, {"local", dataplane::to_string({ip, info.local_port[k]})}, {"local_port", info.local_port[k]}};
    l["local_rtcp_port"] = info.local_rtcp_port[k] ? nlohmann::json(info.local_rtcp_port[k]) : nlohmann::json(nullptr);
    legs.push_back(std::move(l));
  }
  return {{"id", std::to_string(id)}, {"worker", info.worker}, {"created_unix_ms", it->second.created_unix_ms},
          {"legs", legs}};
}

void DataplaneSubsystem::stop() {
  if (!dataplane_) return;
  running_.store(false, std::memory_order_release);
  stop_.store(true, std::memory_order_relaxed);
  if (media_thread_.joinable()) media_thread_.join();
  if (ctx_.metrics) ctx_.metrics->remove_collector("dataplane").ignore_error();
  if (ctx_.metrics && recorder_collector_) ctx_.metrics->remove_collector("recordings").ignore_error();
  if (ctx_.metrics && quality_collector_) ctx_.metrics->remove_collector("media_quality").ignore_error();
  quality_collector_.reset();
  collector_.reset();
  recorder_collector_.reset();
  dataplane_->stop();
  dataplane_.reset();
  for (auto& [id, responder] : pending_creates_)
    (*responder)(api::error_response(503, "unavailable", "the dataplane stopped before the session was created"));
  pending_creates_.clear();
  for (auto& [id, responder] : pending_mix_)
    (*responder)(api::error_response(503, "unavailable", "the dataplane stopped before the room or party was made"));
  pending_mix_.clear();
  live_.clear();
  rooms_.clear();
}

std::vector<std::string> DataplaneSubsystem::banner() const {
  if (!dataplane_ || !config_) return {};
  const auto& s = config_->dataplane;
  const auto& c = dataplane_->config();
  std::string where = c.backend == dataplane::DataplaneConfig::Backend::kSockets
                          ? "kernel sockets on " + s.bind
                          : "DPDK port " + std::to_string(c.dpdk.port_id) + ", media address " + s.dpdk.media_ip;
  return {"media      " + where + ", RTP ports " + std::to_string(c.port_min) + "-" + std::to_string(c.port_max) + ", " +
          std::to_string(dataplane_->workers()) + (dataplane_->workers() == 1 ? " worker" : " workers")};
}

}  // namespace sb::daemon
