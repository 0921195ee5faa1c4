#include "dataplane/media_sessions.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "dataplane/io/packet_ring_io.hpp"
#include "dataplane/io/socket_io.hpp"
#ifdef SB_HAVE_URING
#include "dataplane/io/uring_io.hpp"
#endif
#ifdef SB_HAVE_DPDK
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dataplane/io/dpdk_io.hpp"
#endif

namespace sb::dataplane {

Result<std::unique_ptr<PacketIo>> create_socket_io(const SocketIoConfig& sc, DataplaneConfig::SocketRx rx) {
  if (rx == DataplaneConfig::SocketRx::kPacketRing) {
    auto ring = PacketRingIo::create(sc);
    if (ring) return std::unique_ptr<PacketIo>(std::move(*ring));
    spdlog::warn("dataplane: worker {} receives with epoll: {}", sc.worker_index, ring.status().message());
  }
#ifdef SB_HAVE_URING
  if (rx != DataplaneConfig::SocketRx::kEpoll) {
    auto uring = UringIo::create(sc);
    if (uring) return std::unique_ptr<PacketIo>(std::move(*uring));
    if (rx == DataplaneConfig::SocketRx::kUring) return uring.status();
  }
#else
  if (rx == DataplaneConfig::SocketRx::kUring) return unavailable("this build has no io_uring support (liburing)");
#endif
  auto io = SocketIo::create(sc);
  if (!io) return io.status();
  return std::unique_ptr<PacketIo>(std::move(*io));
}


namespace {

LegSetup to_setup(const LegRequest& r, std::uint16_t port, std::uint16_t rtcp_port) {
  LegSetup s;
  s.local_port = port;
  s.local_rtcp_port = rtcp_port;
  s.remote = r.remote;
  s.remote_rtcp_port = r.remote_rtcp_port;
  s.latch = r.latch;
  s.mode = r.mode;
  s.clock_rate = r.clock_rate;
  s.telephone_event_pt = r.telephone_event_pt;
  s.media_timeout_ms = r.media_timeout_ms;
  s.media = r.media;
  return s;
}

SessionId make_id(std::uint32_t worker, std::uint32_t generation, std::uint32_t slot) {
  return static_cast<SessionId>(worker) << 56 | static_cast<SessionId>(generation & 0xffffff) << 32 | slot;
}

}  // namespace

Dataplane::Dataplane(const DataplaneConfig& cfg, const Clock& clock) : cfg_(cfg), clock_(clock), sessions_(*this) {}

Result<std::unique_ptr<Dataplane>> Dataplane::start(const DataplaneConfig& cfg, const Clock& clock) {
  if (cfg.port_min == 0 || cfg.port_min >= cfg.port_max)
    return invalid_argument("dataplane: port range " + std::to_string(cfg.port_min) + "-" + std::to_string(cfg.port_max) +
                            " is empty");
  const std::size_t nworkers = cfg.cores.empty() ? std::max<std::size_t>(1, cfg.workers) : cfg.cores.size();
  if (nworkers > 255) return invalid_argument("dataplane: at most 255 workers");
  for (int core : cfg.cores)
    if (core < 0 || core >= CPU_SETSIZE) return invalid_argument("dataplane: core " + std::to_string(core) + " is out of range");

  std::unique_ptr<Dataplane> dp(new Dataplane(cfg, clock));
  dp->counters_ = std::make_unique<DataplaneCounters>(nworkers);
  if (cfg.recorder) dp->recorder_ = std::make_unique<recording::RecorderService>(*cfg.recorder, nworkers, clock);
  dp->workers_.resize(nworkers);
#ifdef SB_HAVE_DPDK
  std::shared_ptr<DpdkPort> dpdk_port;
  if (cfg.backend == DataplaneConfig::Backend::kDpdk) {
    SB_RETURN_IF_ERROR(dpdk_init(cfg.dpdk.eal_args));
    auto port = dpdk_open_port(cfg.dpdk, static_cast<std::uint32_t>(nworkers));
    if (!port) return port.status();
    dpdk_port = *port;
    dp->dpdk_port_ = dpdk_port;
  }
#endif
  for (std::size_t w = 0; w < nworkers; ++w) {
    auto& slot = dp->workers_[w];
    if (cfg.backend == DataplaneConfig::Backend::kSockets) {
      SocketIoConfig sc;
      sc.bind_ip = cfg.bind_ip;
      sc.port_min = cfg.port_min;
      sc.port_max = cfg.port_max;
      sc.worker_index = static_cast<std::uint32_t>(w);
      sc.workers = static_cast<std::uint32_t>(nworkers);
      sc.counters = dp->counters_.get();
      auto io = create_socket_io(sc, cfg.socket_rx);
      if (!io) return unavailable("dataplane: " + io.status().message());
      slot.io = std::move(*io);
    } else {
#ifdef SB_HAVE_DPDK
      auto io = create_dpdk_io(dpdk_port, static_cast<std::uint32_t>(w), *dp->counters_);
      if (!io) return io.status();
      slot.io = std::move(*io);
#else
      return unavailable("dataplane: this build has no DPDK support");
#endif
    }
    slot.commands = std::make_unique<SpscRing<Command>>(cfg.command_ring);
    slot.events = std::make_unique<SpscRing<Event>>(cfg.event_ring);
    WorkerConfig wc;
    wc.index = static_cast<std::uint32_t>(w);
    if (dp->recorder_) wc.recorder_tap = &dp->recorder_->tap(w);
    wc.max_sessions = cfg.max_sessions_per_worker;
    wc.max_rooms = cfg.max_rooms_per_worker;
    wc.max_parties = cfg.max_parties_per_worker;
    wc.busy_poll = cfg.busy_poll;
    wc.stats_interval_ns = cfg.stats_interval_ns;
    slot.worker = std::make_unique<Worker>(wc, *slot.io, *slot.commands, *slot.events, *dp->counters_, clock);
  }

  // Port pairs and session slots, per owning worker.
  auto& ports = dp->sessions_.ports_;
  ports.resize(nworkers);
  const std::uint16_t first = static_cast<std::uint16_t>(cfg.port_min + (cfg.port_min & 1));
  for (std::uint32_t p = first; p + 1 <= cfg.port_max; p += 2) {
    const std::size_t owner = port_owner(static_cast<std::uint16_t>(p), static_cast<std::uint32_t>(nworkers));
    ports[owner].free_pairs.push_back(static_cast<std::uint16_t>(p));
  }
  for (auto& wp : ports) {
    std::reverse(wp.free_pairs.begin(), wp.free_pairs.end());  // hand out low ports first
    wp.generation.assign(cfg.max_sessions_per_worker, 1);
    for (std::uint32_t s = cfg.max_sessions_per_worker; s > 0; --s) wp.free_slots.push_back(s - 1);
    wp.room_generation.assign(cfg.max_rooms_per_worker, 1);
    for (std::uint32_t s = cfg.max_rooms_per_worker; s > 0; --s) wp.free_rooms.push_back(s - 1);
    wp.party_generation.assign(cfg.max_parties_per_worker, 1);
    for (std::uint32_t s = cfg.max_parties_per_worker; s > 0; --s) wp.free_parties.push_back(s - 1);
  }

  for (std::size_t w = 0; w < nworkers; ++w) {
    auto& slot = dp->workers_[w];
    Worker* worker = slot.worker.get();
    const std::atomic<bool>* stop = &dp->stop_;
#ifdef SB_HAVE_DPDK
    // Under DPDK a worker whose core is an EAL worker lcore is launched by
    // the EAL on it; other cores get a plain thread that registers itself
    // with the EAL on its first burst.
    if (cfg.backend == DataplaneConfig::Backend::kDpdk && !cfg.cores.empty()) {
      const unsigned core = static_cast<unsigned>(cfg.cores[w]);
      if (rte_lcore_is_enabled(core) && core != rte_get_main_lcore()) {
        slot.eal_lcore = static_cast<int>(core);
        struct Launch {
          Worker* worker;
          const std::atomic<bool>* stop;
        };
        auto* arg = new Launch{worker, stop};
        if (rte_eal_remote_launch(
                [](void* a) -> int {
                  std::unique_ptr<Launch> l(static_cast<Launch*>(a));
                  l->worker->run(*l->stop);
                  return 0;
                },
                arg, core) != 0) {
          delete arg;
          dp->stop();
          return unavailable("dataplane: cannot launch a worker on lcore " + std::to_string(core));
        }
        continue;
      }
    }
#endif
    slot.thread = std::thread([worker, stop] { worker->run(*stop); });
    if (!cfg.cores.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cfg.cores[w], &set);
      if (pthread_setaffinity_np(slot.thread.native_handle(), sizeof set, &set) != 0) {
        dp->stop();
        return invalid_argument("dataplane: cannot pin a worker to core " + std::to_string(cfg.cores[w]));
      }
    }
  }
  return dp;
}

void Dataplane::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Release: every command pushed before this is visible to the workers'
  // acquire load, and they execute it before exiting.
  stop_.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    if (w.thread.joinable()) w.thread.join();
#ifdef SB_HAVE_DPDK
    if (w.eal_lcore >= 0) rte_eal_wait_lcore(static_cast<unsigned>(w.eal_lcore));
#endif
  }
  // The backends go before the port they use.
  for (auto& w : workers_) {
    w.worker.reset();
    w.io.reset();
  }
  dpdk_port_.reset();
}

Dataplane::~Dataplane() { stop(); }

Status MediaSessions::send(std::uint32_t worker, const Command& c) {
  if (!dp_.workers_[worker].commands->try_push(c))
    return unavailable("dataplane worker " + std::to_string(worker) + " command ring is full");
  return Status::ok();
}

MediaSessions::Live* MediaSessions::find(SessionId id) {
  for (auto& l : live_)
    if (l.id == id) return &l;
  return nullptr;
}

Result<SessionInfo> MediaSessions::create(const LegRequest& a, const LegRequest& b) {
  const std::uint32_t n = static_cast<std::uint32_t>(ports_.size());
  // Round-robin over workers that have two port pairs and a slot.
  for (std::uint32_t tries = 0; tries < n; ++tries) {
    const std::uint32_t w = (next_worker_ + tries) % n;
    auto& wp = ports_[w];
    if (wp.free_pairs.size() < 2 || wp.free_slots.empty()) continue;
    next_worker_ = (w + 1) % n;
    const std::uint16_t pa = wp.free_pairs.back();
    wp.free_pairs.pop_back();
    const std::uint16_t pb = wp.free_pairs.back();
    wp.free_pairs.pop_back();
    const std::uint32_t slot = wp.free_slots.back();
    wp.free_slots.pop_back();
    SessionInfo info;
    info.id = make_id(w, wp.generation[slot], slot);
    info.worker = w;
    const bool mux = dp_.cfg_.rtcp_mux;
    info.local_port[0] = pa;
    info.local_port[1] = pb;
    info.local_rtcp_port[0] = mux ? 0 : static_cast<std::uint16_t>(pa + 1);
    info.local_rtcp_port[1] = mux ? 0 : static_cast<std::uint16_t>(pb + 1);
    Command c;
    c.kind = Command::kCreateSession;
    c.session = info.id;
    c.legs[0] = to_setup(a, info.local_port[0], info.local_rtcp_port[0]);
    c.legs[1] = to_setup(b, info.local_port[1], info.local_rtcp_port[1]);
    const Status st = send(w, c);
    if (!st.is_ok()) {
      wp.free_pairs.push_back(pb);
      wp.free_pairs.push_back(pa);
      wp.free_slots.push_back(slot);
      return st;
    }
    live_.push_back({info.id, {pa, pb}});
    return info;
  }
  return resource_exhausted("no dataplane worker has media ports and a session slot left");
}

Status MediaSessions::update(SessionId id, int leg, const LegRequest& r) {
  if (leg < 0 || leg > 1) return invalid_argument("leg must be 0 or 1");
  Live* l = find(id);
  if (!l) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = Command::kUpdateLeg;
  c.session = id;
  c.leg = static_cast<std::uint8_t>(leg);
  c.legs[leg] = to_setup(r, l->pairs[leg], dp_.cfg_.rtcp_mux ? 0 : static_cast<std::uint16_t>(l->pairs[leg] + 1));
  return send(session_worker(id), c);
}

Result<recording::RecordingId> MediaSessions::start_recording(SessionId id, recording::RecordingSpec spec,
                                                              const RecordLeg (&legs)[2]) {
  if (!dp_.recorder_) return failed_precondition("this dataplane has no recorder");
  if (!find(id)) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = Command::kStartRecording;
  c.session = id;
  c.recording.channels = static_cast<std::uint8_t>(spec.channels);
  c.recording.sample_rate = spec.sample_rate;
  c.recording.legs[0] = legs[0];
  c.recording.legs[1] = legs[1];
  // The recorder publishes the recording before the worker hears of it
  // (the command ring orders the two), so its first frame finds the file.
  auto rec = dp_.recorder_->start(std::move(spec));
  if (!rec) return rec.status();
  c.recording.id = *rec;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  return *rec;
}

Status MediaSessions::session_command(SessionId id, Command::Kind kind) {
  if (!find(id)) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = kind;
  c.session = id;
  return send(session_worker(id), c);
}

Status MediaSessions::pause_recording(SessionId id) { return session_command(id, Command::kPauseRecording); }
Status MediaSessions::resume_recording(SessionId id) { return session_command(id, Command::kResumeRecording); }
Status MediaSessions::stop_recording(SessionId id) { return session_command(id, Command::kStopRecording); }

Status MediaSessions::set_mode(SessionId id, int leg, LegMode mode) {
  if (leg < 0 || leg > 1) return invalid_argument("leg must be 0 or 1");
  if (!find(id)) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = Command::kSetLegMode;
  c.session = id;
  c.leg = static_cast<std::uint8_t>(leg);
  c.legs[leg].mode = mode;
  return send(session_worker(id), c);
}

Status MediaSessions::request_stats(std::uint64_t id) {
  const bool known = is_party_id(id)  ? find_party(id) != nullptr
                     : is_room_id(id) ? find_room(id) != nullptr
                                      : find(id) != nullptr;
  if (!known) return not_found("no media session, mix room or party " + std::to_string(id));
  Command c;
  c.kind = Command::kRequestStats;
  c.session = id;
  return send(session_worker(id), c);
}

Status MediaSessions::remove(SessionId id) {
  Live* l = find(id);
  if (!l) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = Command::kDeleteSession;
  c.session = id;
  const std::uint32_t w = session_worker(id);
  SB_RETURN_IF_ERROR(send(w, c));
  // The worker runs its commands in order: a later create that reuses these
  // ports or this slot reaches it after this delete.
  auto& wp = ports_[w];
  wp.free_pairs.push_back(l->pairs[1]);
  wp.free_pairs.push_back(l->pairs[0]);
  const std::uint32_t slot = session_slot(id);
  wp.generation[slot] = (wp.generation[slot] + 1) & 0xffffff;
  if (wp.generation[slot] == 0) wp.generation[slot] = 1;
  wp.free_slots.push_back(slot);
  if (!l->prompts.empty()) retiring_.push_back({id, std::move(l->prompts)});
  // The worker ends the supervision with the session.
  if (l->supervisor) {
    const LiveParty* p = find_party(l->supervisor);
    if (p) release_room(p->room);
    release_party(l->supervisor);
  }
  *l = std::move(live_.back());
  live_.pop_back();
  return Status::ok();
}

Result<std::uint32_t> MediaSessions::play(SessionId id, int leg,
                                          std::span<const std::shared_ptr<const ivr::EncodedPrompt>> prompts,
                                          const PlayOptions& options) {
  if (leg < 0 || leg > 1) return invalid_argument("leg must be 0 or 1");
  if (prompts.empty() || prompts.size() > PlaybackSetup::kMaxPrompts)
    return invalid_argument("play: between 1 and " + std::to_string(PlaybackSetup::kMaxPrompts) + " prompts");
  Live* l = find(id);
  if (!l) return not_found("no media session " + std::to_string(id));
  Command c;
  c.kind = Command::kPlay;
  c.session = id;
  c.leg = static_cast<std::uint8_t>(leg);
  c.playback.count = static_cast<std::uint8_t>(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) c.playback.prompts[i] = prompts[i].get();
  c.playback.payload_type = options.payload_type;
  c.playback.loop = options.loop;
  c.playback.barge_in = options.barge_in;
  if (!LegPlayback::valid(c.playback))
    return invalid_argument("play: a prompt is missing or empty, or the prompts differ in codec or frame size");
  c.playback.id = next_playback_id_++;
  if (next_playback_id_ == 0) next_playback_id_ = 1;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  for (const auto& p : prompts) {
    if (std::find(l->prompts.begin(), l->prompts.end(), p) == l->prompts.end()) l->prompts.push_back(p);
  }
  return c.playback.id;
}

Status MediaSessions::check_playable_leg(SessionId id, int leg) {
  if (leg < 0 || leg > (is_party_id(id) ? 0 : 1)) return invalid_argument("leg must be 0 or 1 (0 for a party)");
  if (is_party_id(id) ? find_party(id) == nullptr : find(id) == nullptr)
    return not_found("no media session or party " + std::to_string(id));
  return Status::ok();
}

Result<std::uint32_t> MediaSessions::send_dtmf(SessionId id, int leg, std::string_view digits,
                                               const DtmfOptions& options) {
  SB_RETURN_IF_ERROR(check_playable_leg(id, leg));
  Command c;
  c.kind = Command::kSendDtmf;
  c.session = id;
  c.leg = static_cast<std::uint8_t>(leg);
  const std::size_t n = std::min(digits.size(), DtmfSendSetup::kMaxDigits);
  std::copy_n(digits.begin(), n, c.dtmf.digits);
  c.dtmf.count = static_cast<std::uint8_t>(n);
  c.dtmf.duration_ms = options.duration_ms;
  c.dtmf.gap_ms = options.gap_ms;
  c.dtmf.audio = options.audio;
  c.dtmf.inband = options.inband;
  if (digits.size() > DtmfSendSetup::kMaxDigits || !LegDtmfSender::valid(c.dtmf))
    return invalid_argument("send DTMF: 1 to 32 digits of 0-9 * # A-D, 40..5000 ms each, gaps up to 5000 ms");
  c.dtmf.id = next_playback_id_++;
  if (next_playback_id_ == 0) next_playback_id_ = 1;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  return c.dtmf.id;
}

Status MediaSessions::stop_playback(SessionId id, int leg) {
  // A party's leg 0 too: what plays to it is a DTMF send.
  SB_RETURN_IF_ERROR(check_playable_leg(id, leg));
  Command c;
  c.kind = Command::kStopPlayback;
  c.session = id;
  c.leg = static_cast<std::uint8_t>(leg);
  return send(session_worker(id), c);
}

std::size_t MediaSessions::poll_events(std::span<Event> out) {
  std::size_t n = 0;
  const std::size_t workers = dp_.workers_.size();
  // Visit workers round-robin from where the last call stopped, so one busy
  // worker cannot starve the others' events.
  for (std::size_t k = 0; k < workers && n < out.size(); ++k) {
    const std::size_t w = (event_cursor_ + k) % workers;
    n += dp_.workers_[w].events->pop_burst(out.subspan(n));
  }
  event_cursor_ = (event_cursor_ + 1) % workers;
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = out[i];
    if (e.kind == Event::kCommandFailed) {
      on_mix_failure(e);
    } else if (e.kind == Event::kSessionCreated) {
      if (LiveParty* p = is_party_id(e.session) ? find_party(e.session) : nullptr) p->confirmed = true;
      if (LiveRoom* r = is_room_id(e.session) ? find_room(e.session) : nullptr) r->confirmed = true;
    }
  }
  if (!retiring_.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i].kind != Event::kSessionDeleted) continue;
      std::erase_if(retiring_, [&](const Retiring& r) { return r.id == out[i].session; });
    }
  }
  return n;
}

// ---- mixing -------------------------------------------------------------------

MediaSessions::LiveRoom* MediaSessions::find_room(RoomId id) {
  for (auto& r : rooms_)
    if (r.id == id) return &r;
  return nullptr;
}

MediaSessions::LiveParty* MediaSessions::find_party(PartyId id) {
  for (auto& p : parties_)
    if (p.id == id) return &p;
  return nullptr;
}

Result<RoomId> MediaSessions::reserve_room(std::uint32_t worker) {
  auto& wp = ports_[worker];
  if (wp.free_rooms.empty()) return resource_exhausted("dataplane worker " + std::to_string(worker) + " has no mix room left");
  const std::uint32_t slot = wp.free_rooms.back();
  wp.free_rooms.pop_back();
  return make_id(worker, wp.room_generation[slot], slot | kRoomIdFlag);
}

Result<MediaSessions::LiveParty> MediaSessions::reserve_party(std::uint32_t worker, std::uint64_t owner, RoomId room) {
  auto& wp = ports_[worker];
  if (wp.free_parties.empty() || wp.free_pairs.empty())
    return resource_exhausted("dataplane worker " + std::to_string(worker) + " has no party slot or media port left");
  const std::uint32_t slot = wp.free_parties.back();
  wp.free_parties.pop_back();
  const std::uint16_t pair = wp.free_pairs.back();
  wp.free_pairs.pop_back();
  return LiveParty{make_id(worker, wp.party_generation[slot], slot | kPartyIdFlag), owner, room, pair};
}

namespace {
void bump(std::uint32_t& generation) {
  generation = (generation + 1) & 0xffffff;
  if (generation == 0) generation = 1;
}
}  // namespace

void MediaSessions::release_room(RoomId id) {
  auto& wp = ports_[session_worker(id)];
  bump(wp.room_generation[room_slot(id)]);
  wp.free_rooms.push_back(room_slot(id));
  std::erase_if(rooms_, [&](const LiveRoom& r) { return r.id == id; });
}

void MediaSessions::release_party(PartyId id) {
  const LiveParty* p = find_party(id);
  if (!p) return;
  auto& wp = ports_[session_worker(id)];
  wp.free_pairs.push_back(p->pair);
  bump(wp.party_generation[party_slot(id)]);
  wp.free_parties.push_back(party_slot(id));
  std::erase_if(parties_, [&](const LiveParty& q) { return q.id == id; });
}

LegSetup MediaSessions::party_setup(const LiveParty& p, const LegRequest& r) const {
  return to_setup(r, p.pair, dp_.cfg_.rtcp_mux ? 0 : static_cast<std::uint16_t>(p.pair + 1));
}

Result<RoomInfo> MediaSessions::create_room(int sample_rate) {
  if (sample_rate != 8000 && sample_rate != 16000) return invalid_argument("a mix room runs at 8000 or 16000 Hz");
  const auto n = static_cast<std::uint32_t>(ports_.size());
  for (std::uint32_t tries = 0; tries < n; ++tries) {
    const std::uint32_t w = (next_room_worker_ + tries) % n;
    auto id = reserve_room(w);
    if (!id) continue;
    next_room_worker_ = (w + 1) % n;
    Command c;
    c.kind = Command::kCreateRoom;
    c.session = *id;
    c.mix.room = *id;
    c.mix.sample_rate = sample_rate;
    rooms_.push_back({*id, 0, false, sample_rate, std::nullopt});
    if (Status st = send(w, c); !st.is_ok()) {
      release_room(*id);
      return st;
    }
    return RoomInfo{*id, w};
  }
  return resource_exhausted("no dataplane worker has a mix room left");
}

Result<PartyInfo> MediaSessions::add_party(RoomId room, const PartyRequest& request) {
  const LiveRoom* r = find_room(room);
  if (!r) return not_found("no mix room " + std::to_string(room));
  if (r->supervised) return failed_precondition("mix room " + std::to_string(room) + " supervises a call");
  const std::uint32_t w = session_worker(room);
  auto party = reserve_party(w, room, room);
  if (!party) return party.status();
  Command c;
  c.kind = Command::kAddParty;
  c.session = party->id;
  c.party = party->id;
  c.mix.room = room;
  c.mix.party = request.codec;
  c.legs[0] = party_setup(*party, request.leg);
  parties_.push_back(*party);
  if (Status st = send(w, c); !st.is_ok()) {
    release_party(party->id);
    return st;
  }
  return PartyInfo{party->id, room, w, c.legs[0].local_port, c.legs[0].local_rtcp_port};
}

Status MediaSessions::remove_party(PartyId id) {
  const LiveParty* p = find_party(id);
  if (!p) return not_found("no mix party " + std::to_string(id));
  if (!is_room_id(p->owner)) return not_found("mix party " + std::to_string(id) + " is a supervisor: remove_supervisor");
  Command c;
  c.kind = Command::kRemoveParty;
  c.session = id;
  c.party = id;
  c.mix.room = p->room;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  release_party(id);
  return Status::ok();
}

Status MediaSessions::remove_room(RoomId id) {
  const LiveRoom* r = find_room(id);
  if (!r || r->supervised) return not_found("no mix room " + std::to_string(id));
  Command c;
  c.kind = Command::kDeleteRoom;
  c.session = id;
  c.mix.room = id;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  std::vector<PartyId> gone;
  for (const auto& p : parties_)
    if (p.room == id) gone.push_back(p.id);
  for (PartyId p : gone) release_party(p);
  release_room(id);
  return Status::ok();
}

Result<recording::RecordingId> MediaSessions::start_room_recording(RoomId room, recording::RecordingSpec spec,
                                                                   PartyId left_party) {
  if (!dp_.recorder_) return failed_precondition("this dataplane has no recorder");
  LiveRoom* r = find_room(room);
  if (!r) return not_found("no mix room " + std::to_string(room));
  if (r->supervised) return failed_precondition("mix room " + std::to_string(room) + " supervises a call: record the call");
  if (r->recording) return already_exists("mix room " + std::to_string(room) + " is already being recorded");
  if (spec.channels != 1 && spec.channels != 2) return invalid_argument("channels must be 1 or 2");
  if (spec.sample_rate != r->sample_rate && spec.sample_rate != 8000)
    return invalid_argument("sample_rate must be the room's (" + std::to_string(r->sample_rate) + ") or 8000");
  if (spec.channels == 2) {
    const LiveParty* p = find_party(left_party);
    if (!p || p->room != room)
      return invalid_argument("left_party " + std::to_string(left_party) + " is not a party of mix room " +
                              std::to_string(room));
  }
  Command c;
  c.kind = Command::kStartRecording;
  c.session = room;
  c.recording.channels = static_cast<std::uint8_t>(spec.channels);
  c.recording.sample_rate = spec.sample_rate;
  c.recording.left_party = spec.channels == 2 ? left_party : 0;
  // As for sessions: the recorder publishes the recording before the
  // worker hears of it (the command ring orders the two).
  auto rec = dp_.recorder_->start(std::move(spec));
  if (!rec) return rec.status();
  c.recording.id = *rec;
  SB_RETURN_IF_ERROR(send(session_worker(room), c));
  r->recording = *rec;
  return *rec;
}

Status MediaSessions::room_recording_command(RoomId id, Command::Kind kind) {
  LiveRoom* r = find_room(id);
  if (!r || r->supervised) return not_found("no mix room " + std::to_string(id));
  if (!r->recording) return failed_precondition("mix room " + std::to_string(id) + " is not being recorded");
  Command c;
  c.kind = kind;
  c.session = id;
  SB_RETURN_IF_ERROR(send(session_worker(id), c));
  if (kind == Command::kStopRecording) r->recording.reset();
  return Status::ok();
}

std::optional<recording::RecordingId> MediaSessions::room_recording(RoomId room) const noexcept {
  for (const auto& r : rooms_)
    if (r.id == room) return r.recording;
  return std::nullopt;
}

Status MediaSessions::pause_room_recording(RoomId id) { return room_recording_command(id, Command::kPauseRecording); }
Status MediaSessions::resume_room_recording(RoomId id) { return room_recording_command(id, Command::kResumeRecording); }
Status MediaSessions::stop_room_recording(RoomId id) { return room_recording_command(id, Command::kStopRecording); }

Result<PartyInfo> MediaSessions::add_supervisor(SessionId call, const SupervisorRequest& request) {
  if (request.sample_rate != 8000 && request.sample_rate != 16000)
    return invalid_argument("a mix room runs at 8000 or 16000 Hz");
  Live* l = find(call);
  if (!l) return not_found("no media session " + std::to_string(call));
  if (l->supervisor) return already_exists("media session " + std::to_string(call) + " already has a supervisor");
  // The call's worker owns its ports: the room and the supervisor's leg go there.
  const std::uint32_t w = session_worker(call);
  auto room = reserve_room(w);
  if (!room) return room.status();
  rooms_.push_back({*room, call, false, request.sample_rate, std::nullopt});
  auto party = reserve_party(w, call, *room);
  if (!party) {
    release_room(*room);
    return party.status();
  }
  Command c;
  c.kind = Command::kAddSupervisor;
  c.session = call;
  c.party = party->id;
  c.mix.room = *room;
  c.mix.sample_rate = request.sample_rate;
  c.mix.party = request.supervisor.codec;
  c.mix.call[0] = request.call_legs[0];
  c.mix.call[1] = request.call_legs[1];
  c.mix.mode = request.mode;
  c.legs[0] = party_setup(*party, request.supervisor.leg);
  parties_.push_back(*party);
  if (Status st = send(w, c); !st.is_ok()) {
    release_party(party->id);
    release_room(*room);
    return st;
  }
  l->supervisor = party->id;
  return PartyInfo{party->id, call, w, c.legs[0].local_port, c.legs[0].local_rtcp_port};
}

Status MediaSessions::set_supervisor_mode(SessionId call, media::SupervisorMode mode) {
  const Live* l = find(call);
  if (!l) return not_found("no media session " + std::to_string(call));
  if (!l->supervisor) return failed_precondition("media session " + std::to_string(call) + " has no supervisor");
  Command c;
  c.kind = Command::kSetSupervisorMode;
  c.session = call;
  c.mix.mode = mode;
  return send(session_worker(call), c);
}

Status MediaSessions::remove_supervisor(SessionId call) {
  Live* l = find(call);
  if (!l) return not_found("no media session " + std::to_string(call));
  if (!l->supervisor) return failed_precondition("media session " + std::to_string(call) + " has no supervisor");
  Command c;
  c.kind = Command::kRemoveSupervisor;
  c.session = call;
  SB_RETURN_IF_ERROR(send(session_worker(call), c));
  if (const LiveParty* p = find_party(l->supervisor)) release_room(p->room);
  release_party(l->supervisor);
  l->supervisor = 0;
  return Status::ok();
}

void MediaSessions::on_mix_failure(const Event& e) {
  if (is_party_id(e.session)) {
    const LiveParty* p = find_party(e.session);
    if (!p || p->confirmed) return;
    // A refused supervisor: its call is not supervised, and its room was
    // never made.
    if (!is_room_id(p->owner)) {
      if (Live* l = find(p->owner); l && l->supervisor == p->id) l->supervisor = 0;
      release_room(p->room);
    }
    release_party(e.session);
  } else if (is_room_id(e.session)) {
    const LiveRoom* r = find_room(e.session);
    if (!r || r->confirmed || r->supervised) return;
    release_room(e.session);
  }
}

}  // namespace sb::dataplane
