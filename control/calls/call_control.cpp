#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

#include <arpa/inet.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "common/log.hpp"

namespace sb::calls {

namespace {

using dataplane::Event;
using dataplane::MediaSessions;

// Ended calls kept for GET /api/v1/calls/{id}.
constexpr std::size_t kEndedCallsKept = 2000;

std::int64_t unix_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall_now()).count();
}

// A stand-in for a prompt with no recording: one short tone per word, so
// the caller hears something as long as the words, and the operator a
// warning naming the file to record.
std::vector<std::int16_t> placeholder_speech(const std::string& text) {
  std::vector<std::int16_t> pcm;
  std::istringstream words(text);
  static constexpr double kTones[] = {440.0, 523.25, 587.33, 493.88};
  int n = 0;
  for (std::string w; words >> w; ++n) {
    const double f = kTones[n % 4];
    for (int i = 0; i < 8000 * 160 / 1000; ++i)
      pcm.push_back(static_cast<std::int16_t>(2500 * std::sin(2 * M_PI * f * i / 8000)));
    pcm.insert(pcm.end(), 8000 * 80 / 1000, 0);
  }
  if (pcm.size() < 4000) pcm.resize(4000, 0);
  return pcm;
}

// Music on hold: a slow arpeggio, rendered once.
std::vector<std::int16_t> hold_music() {
  std::vector<std::int16_t> pcm;
  for (double f : {523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46}) {
    for (int i = 0; i < 8000 * 400 / 1000; ++i) {
      const double envelope = std::min(1.0, std::min(i, 3200 - i) / 400.0);
      pcm.push_back(static_cast<std::int16_t>(2000 * envelope * std::sin(2 * M_PI * f * i / 8000)));
    }
  }
  return pcm;
}

std::uint32_t parse_ipv4(const std::string& text) {
  in_addr a{};
  return inet_pton(AF_INET, text.c_str(), &a) == 1 ? ntohl(a.s_addr) : 0;
}

}  // namespace

std::string_view call_state_name(CallState s) noexcept {
  switch (s) {
    case CallState::kIvr: return "ivr";
    case CallState::kQueued: return "queued";
    case CallState::kRinging: return "ringing";
    case CallState::kConnecting: return "connecting";
    case CallState::kTalking: return "talking";
    case CallState::kCallbackWaiting: return "callback_waiting";
    case CallState::kDialling: return "dialling";
    case CallState::kTransferring: return "transferring";
    case CallState::kEnded: return "ended";
  }
  return "unknown";
}

CallControl::CallControl(config::ConfigStore& config, daemon::AcdSubsystem& acd, api::EventHub* events,
                         const Clock& clock)
    : config_(config), acd_(acd), events_(events), clock_(clock) {}

CallControl::~CallControl() = default;

CallControl::Call* CallControl::find(CallId id) {
  const auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

const CallControl::Call* CallControl::find(CallId id) const {
  const auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

void CallControl::note(Call& c, const std::string& what, nlohmann::json data) {
  data["time_ms"] = unix_ms(clock_);
  data["event"] = what;
  c.history.push_back(std::move(data));
}

void CallControl::set_state(Call& c, CallState s) {
  if (c.state == s) return;
  counters_.by_state[static_cast<std::size_t>(c.state)].fetch_sub(1, std::memory_order_relaxed);
  counters_.by_state[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  c.state = s;
  note(c, "state", {{"state", call_state_name(s)}});
  // The ACD publishes queued/ringing/talking itself; these are ours.
  if (events_ && (s == CallState::kIvr || s == CallState::kConnecting || s == CallState::kCallbackWaiting ||
                  s == CallState::kDialling || s == CallState::kTransferring))
    events_->publish("call.state", {{"call_id", c.id}, {"state", call_state_name(s)}});
}

Result<nlohmann::json> CallControl::start_inbound(const InboundCall& in, MediaSessions& ms, MediaReady media_ready) {
  if (!accepting_) {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return unavailable("the daemon is draining: no new calls");
  }
  if (!in.caller_media.valid() && !in.caller_media_pending) return invalid_argument("caller media address is missing");
  const dataplane::Endpoint caller_media = in.caller_media_pending ? dataplane::Endpoint{} : in.caller_media;
  const auto cfg = config_.config();
  auto ivr = cfg->section_ptr<ivr::menu::IvrConfig>("ivr");
  if (!ivr) return failed_precondition("no [ivr] section: calls have nowhere to go");

  const dataplane::LegRequest caller =
      caller_leg_request(caller_media, kCallerMediaTimeoutMs, in.codec, in.payload_type, in.telephone_event_pt);
  dataplane::LegRequest agent;  // the agent's address comes with the answer
  auto session = ms.create(caller, agent);
  if (!session) {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return session.status();
  }
  auto c = std::make_unique<Call>();
  c->id = next_id_++;
  c->session = session->id;
  c->local_port = session->local_port[0];
  c->agent_local_port = session->local_port[1];
  c->local_ip = parse_ipv4(cfg->dataplane.bind);
  c->caller_media = caller_media;
  c->caller_id = in.caller_id;
  c->codec = in.codec;
  c->payload_type = in.payload_type;
  c->telephone_event_pt = in.telephone_event_pt;
  c->created_ms = unix_ms(clock_);
  c->menu = std::make_unique<ivr::menu::MenuSession>(ivr, clock_);
  Call& call = *c;
  calls_.emplace(call.id, std::move(c));
  by_session_[call.session] = call.id;
  counters_.started.fetch_add(1, std::memory_order_relaxed);
  counters_.by_state[static_cast<std::size_t>(CallState::kIvr)].fetch_add(1, std::memory_order_relaxed);
  live_.fetch_add(1, std::memory_order_relaxed);
  note(call, "created",
       {{"caller", in.caller_id}, {"media", in.caller_media_pending ? "pending" : dataplane::to_string(caller_media)}});
  if (events_)
    events_->publish("call.created", {{"call_id", call.id}, {"caller", in.caller_id}, {"direction", "inbound"}});
  if (events_) events_->publish("call.state", {{"call_id", call.id}, {"state", "ivr"}});

  ivr::menu::Actions actions;
  if (!in.queue.empty()) {
    // A DID that queues at once: the IVR is skipped.
    ivr::menu::RouteToQueue q;
    q.queue = in.queue;
    q.priority = 0;
    actions.push_back(std::move(q));
  } else {
    const Status st = call.menu->start(actions, in.menu);
    if (!st.is_ok()) {
      finish(call, "failed", ms);
      return st;
    }
  }
  run_actions(call, actions, ms);
  if (call.state == CallState::kEnded) return failed_precondition("the call ended at once: " + call.end_reason);
  if (call.state == CallState::kCallbackWaiting) {
    // A callback asked for before a word was played: the caller's media
    // is already gone, so there is nothing to wait for.
    if (media_ready) media_ready(started_json(call));
    return started_json(call);
  }
  // The worker reports kSessionCreated from its next loop at the earliest,
  // so the hand-off is armed before it can fire.
  call.media_ready = std::move(media_ready);
  return started_json(call);
}

nlohmann::json CallControl::started_json(const Call& c) const {
  return nlohmann::json{{"call_id", c.id},
                        {"session", std::to_string(c.session)},
                        {"media", dataplane::to_string({c.local_ip, c.local_port})}};
}

void CallControl::media_ready(Call& c, Result<nlohmann::json> r) {
  if (!c.media_ready) return;
  auto ready = std::move(c.media_ready);
  c.media_ready = nullptr;
  ready(std::move(r));
}

std::shared_ptr<const ivr::EncodedPrompt> CallControl::prompt_for(const ivr::menu::PlayItem& item, codecs::CodecId codec) {
  std::string key;
  switch (item.kind) {
    case ivr::menu::PlayItem::Kind::kPrompt: {
      key = item.path;
      if (prompts_.contains(key)) break;
      std::error_code ec;
      Status st = Status::ok();
      if (std::filesystem::exists(item.path, ec)) st = prompts_.add_file(key, item.path);
      if (!std::filesystem::exists(item.path, ec) || !st.is_ok()) {
        std::string text = item.name;
        if (auto ivr = config_.config()->section_ptr<ivr::menu::IvrConfig>("ivr")) {
          const auto p = ivr->prompts.find(item.name);
          if (p != ivr->prompts.end() && p->second.text.count(item.language)) text = p->second.text.at(item.language);
        }
        spdlog::warn("prompt \"{}\" ({}): {}; playing a tone per word instead", item.name, item.language,
                    st.is_ok() ? "no recording at " + item.path : st.to_string());
        st = prompts_.add_pcm(key, placeholder_speech(text), 8000);
      }
      if (!st.is_ok()) return nullptr;
      break;
    }
    case ivr::menu::PlayItem::Kind::kTone: {
      key = "tone:" + item.name;
      if (!prompts_.contains(key) &&
          !prompts_.add_tone(key, item.tone, ivr::ToneRegion::kNorthAmerica, item.tone == ivr::ToneKind::kBeep ? 300 : 2000)
               .is_ok())
        return nullptr;
      break;
    }
    case ivr::menu::PlayItem::Kind::kSilence: {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(item.duration).count();
      key = "silence:" + std::to_string(ms);
      if (!prompts_.contains(key) &&
          !prompts_.add_pcm(key, std::vector<std::int16_t>(static_cast<std::size_t>(std::max<std::int64_t>(ms, 20)) * 8, 0), 8000)
               .is_ok())
        return nullptr;
      break;
    }
  }
  auto enc = prompts_.encoded(key, {codec});
  return enc ? *enc : nullptr;
}

void CallControl::play(Call& c, const ivr::menu::Play& p, MediaSessions& ms) {
  std::vector<std::shared_ptr<const ivr::EncodedPrompt>> list;
  for (const auto& item : p.items) {
    if (list.size() == dataplane::PlaybackSetup::kMaxPrompts) break;
    if (auto e = prompt_for(item, c.codec)) list.push_back(std::move(e));
  }
  c.menu_playback = p.playback_id;
  if (list.empty()) {
    // Nothing playable: the menu goes on as if it had been heard.
    ivr::menu::Actions more;
    c.menu->on_playback_done(p.playback_id, more);
    run_actions(c, more, ms);
    return;
  }
  // Barge-in is the menu's decision (it answers a digit with StopPlayback).
  auto id = ms.play(c.session, 0, list, {.payload_type = c.payload_type, .loop = false, .barge_in = false});
  if (!id) {
    note(c, "playback_failed", {{"error", id.status().to_string()}});
    ivr::menu::Actions more;
    c.menu->on_playback_done(p.playback_id, more);
    run_actions(c, more, ms);
    return;
  }
  c.ivr_playback = *id;
}

void CallControl::start_hold_music(Call& c, MediaSessions& ms) {
  if (!prompts_.contains("moh")) prompts_.add_pcm("moh", hold_music(), 8000).ignore_error();
  auto enc = prompts_.encoded("moh", {c.codec});
  if (!enc) return;
  const std::shared_ptr<const ivr::EncodedPrompt> list[] = {*enc};
  auto id = ms.play(c.session, 0, list, {.payload_type = c.payload_type, .loop = true, .barge_in = false});
  if (!id) note(c, "hold_music_failed", {{"error", id.status().to_string()}});
}

void CallControl::route_to_queue(Call& c, const std::string& queue, int priority, MediaSessions& ms,
                                 const std::string& language) {
  const auto index = acd_.queue_index(queue);
  if (!index) {
    note(c, "route_failed", {{"queue", queue}, {"error", "no such queue in the ACD"}});
    return finish(c, "failed", ms);
  }
  acd::Request r = acd::Request::make(acd::Request::kEnqueue, 0, c.id, *index);
  if (priority != 0) r.priority = priority;
  if (!acd_.submit(r)) {
    note(c, "route_failed", {{"queue", queue}, {"error", "the ACD is not running or its inbox is full"}});
    return finish(c, "failed", ms);
  }
  c.queue = queue;
  c.acd_knows = true;
  if (!language.empty()) c.language = language;
  note(c, "queued", {{"queue", queue}, {"priority", priority}, {"language", language}});
  set_state(c, CallState::kQueued);
  start_hold_music(c, ms);
  start_announcements(c);
}

void CallControl::run_actions(Call& c, ivr::menu::Actions& actions, MediaSessions& ms) {
  namespace m = ivr::menu;
  // Actions may append more (a playback with nothing to play completes at
  // once); index, not iterators.
  for (std::size_t i = 0; i < actions.size() && c.state != CallState::kEnded; ++i) {
    m::Action a = std::move(actions[i]);
    if (auto* p = std::get_if<m::Play>(&a)) {
      play(c, *p, ms);
    } else if (std::get_if<m::StopPlayback>(&a)) {
      ms.stop_playback(c.session, 0).ignore_error();
      c.ivr_playback = 0;
    } else if (auto* t = std::get_if<m::StartTimer>(&a)) {
      c.timer_id = t->timer_id;
      timers_.push({t->deadline.count(), c.id, t->timer_id});
    } else if (std::get_if<m::CancelTimer>(&a)) {
      c.timer_id = 0;
    } else if (auto* v = std::get_if<m::SetVariable>(&a)) {
      note(c, "variable", {{"name", v->name}, {"value", v->value}});
    } else if (auto* n = std::get_if<m::NodeEntered>(&a)) {
      note(c, "ivr.node", {{"menu", n->menu}, {"node", n->node}});
      if (events_) events_->publish("ivr.node", {{"call_id", c.id}, {"menu", n->menu}, {"node", n->node}});
    } else if (auto* in = std::get_if<m::InputCollected>(&a)) {
      const nlohmann::json d = {{"menu", in->menu}, {"node", in->node}, {"digits", in->digits},
                                {"result", m::input_result_name(in->result)}};
      note(c, "ivr.input", d);
      if (events_) {
        nlohmann::json e = d;
        e["call_id"] = c.id;
        events_->publish("ivr.input", std::move(e));
      }
    } else if (auto* q = std::get_if<m::RouteToQueue>(&a)) {
      route_to_queue(c, q->queue, q->priority, ms, q->language);
    } else if (auto* cb = std::get_if<m::RequestCallback>(&a)) {
      request_callback(c, *cb, ms);
      return;
    } else if (auto* tr = std::get_if<m::Transfer>(&a)) {
      transfer_from_ivr(c, tr->destination, ms);
    } else if (auto* h = std::get_if<m::Hangup>(&a)) {
      note(c, "ivr_hangup", {{"cause", h->cause}});
      finish(c, "completed_in_ivr", ms);
      return;
    }
    // StartDigitCollection / StopDigitCollection: the caller's leg detects
    // in-band digits for the whole call, so there is nothing to switch.
  }
}

Status CallControl::answer(CallId id, const std::string& agent, dataplane::Endpoint agent_media, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state != CallState::kRinging || c->agent_id != agent)
    return failed_precondition("call " + std::to_string(id) + " is not ringing agent " + agent);
  if (!agent_media.valid()) return invalid_argument("the agent's media address is missing");
  dataplane::LegRequest leg;
  leg.remote = agent_media;
  leg.media_timeout_ms = kCallerMediaTimeoutMs;
  SB_RETURN_IF_ERROR(ms.update(c->session, 1, leg));
  if (!acd_.submit(acd::Request::make(acd::Request::kAccept, *c->agent, c->id)))
    return unavailable("the ACD's inbox is full; retry");
  c->agent_media = agent_media;
  c->answered_ms = unix_ms(clock_);
  note(*c, "answered", {{"agent", agent}, {"media", dataplane::to_string(agent_media)}});
  set_state(*c, CallState::kConnecting);
  // The whisper: a beep to the agent alone (the worker holds the caller's
  // audio back from the agent's leg while it plays), then the bridge.
  ivr::menu::PlayItem beep;
  beep.kind = ivr::menu::PlayItem::Kind::kTone;
  beep.name = "beep";
  beep.tone = ivr::ToneKind::kBeep;
  auto prompt = prompt_for(beep, c->codec);
  if (prompt) {
    const std::shared_ptr<const ivr::EncodedPrompt> list[] = {prompt};
    auto pid = ms.play(c->session, 1, list, {.payload_type = c->payload_type, .loop = false, .barge_in = false});
    if (pid) {
      c->whisper_playback = *pid;
      return Status::ok();
    }
  }
  bridge(*c, ms);
  return Status::ok();
}

void CallControl::bridge(Call& c, MediaSessions& ms) {
  ms.stop_playback(c.session, 0).ignore_error();  // hold music
  const auto cfg = config_.config();
  const auto& rc = cfg->recordings;
  recording::RecordingSpec spec;
  // Call ids restart with the daemon; the start time keeps names unique
  // across restarts (the recorder refuses to replace a file).
  {
    const std::time_t t = static_cast<std::time_t>(c.created_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    spec.name = "call-" + std::string(stamp) + "-" + std::to_string(c.id);
    // After a transfer each agent's part is its own file.
    if (!c.recordings.empty()) spec.name += "-part" + std::to_string(c.recordings.size() + 1);
  }
  const std::string name = spec.name;
  spec.format = rc.format == "wav-ulaw"   ? recording::RecordingFormat::kWavUlaw
                : rc.format == "ogg-opus" ? recording::RecordingFormat::kOggOpus
                                          : recording::RecordingFormat::kWavPcm16;
  spec.sample_rate = rc.sample_rate;
  spec.channels = rc.channels;
  spec.metadata = {{"call_id", c.id},
                   {"caller", c.caller_id},
                   {"queue", c.queue},
                   {"agent", c.agent_id},
                   {"legs", {{"left", "caller"}, {"right", "agent"}}}};
  if (!c.previous_agents.empty()) {
    spec.metadata["transferred_from"] = c.previous_agents;
    spec.metadata["previous_recordings"] = c.recordings;
  }
  const dataplane::RecordLeg legs[2] = {{c.payload_type, c.codec, 0}, {c.payload_type, c.codec, 0}};
  auto rec = ms.start_recording(c.session, std::move(spec), legs);
  if (rec) {
    c.recording = *rec;
    c.recording_name = name;
    c.recordings.push_back(name);
    note(c, "recording_started", {{"recording", std::to_string(*rec)}, {"file", name}});
  } else {
    note(c, "recording_failed", {{"error", rec.status().to_string()}});
  }
  set_state(c, CallState::kTalking);
}

void CallControl::on_digit(Call& c, char digit, ivr::menu::DigitSource source, std::uint32_t duration_ms,
                           MediaSessions& ms) {
  note(c, "dtmf", {{"digit", std::string(1, digit)}, {"source", ivr::menu::digit_source_name(source)}});
  if (events_)
    events_->publish("call.dtmf", {{"call_id", c.id},
                                   {"digit", std::string(1, digit)},
                                   {"duration_ms", duration_ms},
                                   {"source", ivr::menu::digit_source_name(source)}});
  if (c.state == CallState::kIvr) {
    ivr::menu::Actions actions;
    c.menu->on_digit(digit, source, actions);
    run_actions(c, actions, ms);
  }
}

Status CallControl::digit(CallId id, char digit, ivr::menu::DigitSource source, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  const std::string_view valid = "0123456789*#ABCD";
  if (valid.find(digit) == std::string_view::npos) return invalid_argument("not a DTMF digit");
  on_digit(*c, digit, source, 0, ms);
  return Status::ok();
}

Status CallControl::reject_offer(CallId id, const std::string& agent, const std::string& why) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state != CallState::kRinging || c->agent_id != agent || !c->agent)
    return failed_precondition("call " + std::to_string(id) + " is not ringing agent " + agent);
  if (!acd_.submit(acd::Request::make(acd::Request::kReject, *c->agent, c->id)))
    return unavailable("the ACD's inbox is full; retry");
  note(*c, "agent_declined", {{"agent", agent}, {"why", why}});
  // The ACD answers with kCancelOffer (back to queued) or a new offer.
  return Status::ok();
}

Status CallControl::update_media(CallId id, int leg, dataplane::Endpoint remote, bool hold, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (leg != 0 && leg != 1) return invalid_argument("leg must be 0 or 1");
  const std::uint32_t timeout = hold ? 0 : kCallerMediaTimeoutMs;  // a held phone may go silent
  dataplane::LegRequest r;
  if (leg == 0) {
    r = caller_leg_request(remote, timeout, c->codec, c->payload_type, c->telephone_event_pt);
  } else {
    r.remote = remote;
    r.media_timeout_ms = timeout;
  }
  if (remote.valid()) SB_RETURN_IF_ERROR(ms.update(c->session, leg, r));
  note(*c, hold ? "hold" : "media_updated", {{"leg", leg == 0 ? "caller" : "agent"}, {"media", dataplane::to_string(remote)}});
  if (leg == 0) c->caller_media = remote;
  else c->agent_media = remote;
  return Status::ok();
}

Status CallControl::hangup(CallId id, const std::string& by, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  note(*c, "hangup", {{"by", by}});
  c->ended_by = by;
  switch (c->state) {
    case CallState::kIvr: {
      ivr::menu::Actions ignored;
      c->menu->abort(ignored);
      finish(*c, "abandoned", ms);
      break;
    }
    case CallState::kQueued:
    case CallState::kRinging:
    case CallState::kCallbackWaiting:
    case CallState::kDialling:
      // The ACD releases an agent reserved for a callback without a miss.
      acd_.submit(acd::Request::make(acd::Request::kAbandon, 0, c->id)) ? void() : note(*c, "acd_unreachable");
      finish(*c, "abandoned", ms);
      break;
    case CallState::kTransferring:
      // The ACD's part is over; signalling cancels the dial (on_call_ended).
      finish(*c, c->previous_agents.empty() ? "abandoned" : "completed", ms);
      break;
    case CallState::kConnecting:
    case CallState::kTalking:
      // A call transferred out talks to its dialled party, not to an agent
      // of the ACD.
      if (!c->transferred_out && !acd_.submit(acd::Request::make(acd::Request::kHangup, c->agent.value_or(0), c->id)))
        note(*c, "acd_unreachable");
      finish(*c, "completed", ms);
      break;
    case CallState::kEnded:
      break;
  }
  return Status::ok();
}

void CallControl::finish(Call& c, const std::string& reason, MediaSessions& ms) {
  if (c.state == CallState::kEnded) return;
  media_ready(c, unavailable("the call ended (" + reason + ") before its media was ready"));
  drop_supervisor(c, "call_ended", ms);
  if (c.session != 0) {  // a callback waiting has no media
    if (c.recording) ms.stop_recording(c.session).ignore_error();
    ms.remove(c.session).ignore_error();
    by_session_.erase(c.session);
  }
  c.end_reason = reason;
  c.ended_ms = unix_ms(clock_);
  c.timer_id = 0;
  set_state(c, CallState::kEnded);
  note(c, "ended", {{"reason", reason}});
  if (reason == "completed") counters_.completed.fetch_add(1, std::memory_order_relaxed);
  else if (reason == "abandoned") counters_.abandoned.fetch_add(1, std::memory_order_relaxed);
  else if (reason == "failed" || reason == "shutdown") counters_.failed.fetch_add(1, std::memory_order_relaxed);
  else counters_.completed.fetch_add(1, std::memory_order_relaxed);  // ended in the IVR or with a callback: served
  live_.fetch_sub(1, std::memory_order_relaxed);
  if (events_ && !c.acd_knows) events_->publish("call.ended", {{"call_id", c.id}, {"reason", reason}});
  if (signalling_) signalling_->on_call_ended(c.id, reason, c.ended_by);
  c.menu.reset();
  ended_order_.push_back(c.id);
  while (ended_order_.size() > kEndedCallsKept) {
    calls_.erase(ended_order_.front());
    ended_order_.erase(ended_order_.begin());
  }
}

void CallControl::on_media_event(const Event& e, MediaSessions& ms) {
  if (dataplane::is_party_id(e.session)) return on_supervisor_event(e, ms);
  const auto it = by_session_.find(e.session);
  if (it == by_session_.end()) return;
  Call* c = find(it->second);
  if (!c || c->state == CallState::kEnded) return;
  ivr::menu::Actions actions;
  switch (e.kind) {
    case Event::kSessionCreated:
      media_ready(*c, started_json(*c));
      return;
    case Event::kPlaybackDone:
      if (e.leg == 0 && c->state == CallState::kIvr && e.playback_id == c->ivr_playback &&
          e.playback_end == dataplane::PlaybackEnd::kFinished) {
        c->ivr_playback = 0;
        c->menu->on_playback_done(c->menu_playback, actions);
        run_actions(*c, actions, ms);
      } else if (e.leg == 1 && c->state == CallState::kConnecting && e.playback_id == c->whisper_playback) {
        bridge(*c, ms);
      } else if (e.leg == 0 && c->announce_playback != 0 && e.playback_id == c->announce_playback) {
        announcement_done(*c, ms);
      }
      return;
    case Event::kDtmf: {
      if (e.leg != 0) return;
      (void)actions;
      const auto source = e.dtmf_source == Event::kInband ? ivr::menu::DigitSource::kInband : ivr::menu::DigitSource::kRfc4733;
      on_digit(*c, e.digit, source, e.duration_ms, ms);
      return;
    }
    case Event::kMediaTimeout:
      note(*c, "media_timeout", {{"leg", e.leg == 0 ? "caller" : "agent"}});
      hangup(c->id, e.leg == 0 ? "caller-media-timeout" : "agent-media-timeout", ms).ignore_error();
      return;
    case Event::kCommandFailed:
      note(*c, "media_command_failed", {{"leg", e.leg}, {"error", std::string(e.error)}});
      if (c->media_ready) {
        // The worker could not open the ports: the call never had media.
        media_ready(*c, unavailable("the media worker could not open the call's ports: " + std::string(e.error)));
        finish(*c, "failed", ms);
      }
      return;
    default:
      return;
  }
}

void CallControl::on_recording_event(const recording::RecorderEvent& e) {
  for (auto& [id, c] : calls_) {
    if (c->recording != e.id) continue;
    note(*c, e.kind == recording::RecorderEvent::kDone ? "recording_finished" : "recording_failed",
         {{"error", std::string(e.message)}});
    return;
  }
}

void CallControl::on_tick(MediaSessions& ms) {
  const std::int64_t now = clock_.now().count();
  while (!timers_.empty() && timers_.top().deadline_ns <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    Call* c = find(t.call);
    if (t.kind == Timer::Kind::kTransferDial) {
      if (c && c->state == CallState::kTransferring && c->transfer_timer == t.timer_id) {
        signalling_->cancel_outbound(c->id);
        transfer_failed(*c, "no answer within the transfer dial timeout (dial-timeout)", ms);
      }
      continue;
    }
    if (t.kind == Timer::Kind::kAnnouncement) {
      // Stale when superseded (the call entered another queue).
      if (c && c->state != CallState::kEnded && c->announce_timer == t.timer_id) {
        c->announce_timer = 0;
        announcement_due(*c);
      }
      continue;
    }
    // Stale: superseded, cancelled, or the call left the IVR.
    if (!c || c->state != CallState::kIvr || c->timer_id != t.timer_id) continue;
    c->timer_id = 0;
    ivr::menu::Actions actions;
    c->menu->on_timer(t.timer_id, actions);
    run_actions(*c, actions, ms);
  }
}

void CallControl::on_acd_output(const acd::Output& o, MediaSessions& ms) {
  Call* c = find(o.call);
  if (!c || c->state == CallState::kEnded) return;
  using K = acd::Output::Kind;
  switch (o.kind) {
    case K::kPlaceCallback:
      return place_callback(*c, o, ms);
    case K::kCallPosition:
      return announce_position(*c, o, ms);
    case K::kOfferCall:
      c->transfer_agent.clear();
      c->agent = o.agent;
      c->agent_id = acd_.agent_id(o.agent);
      note(*c, "offered", {{"agent", c->agent_id}});
      set_state(*c, CallState::kRinging);
      if (signalling_)
        signalling_->on_agent_offered({c->id, c->agent_id, c->caller_id, {c->local_ip, c->agent_local_port}, c->codec,
                                       c->payload_type, c->telephone_event_pt});
      return;
    case K::kCancelOffer:
      if (c->state == CallState::kDialling) {
        // The engine gave up on the dial (callback_dial_seconds); other
        // cancellations of a dialling call follow our own requests.
        if (c->agent == o.agent && std::string_view(o.text) == "dial-timeout")
          fail_callback(*c, "the dialled party did not answer in time (dial-timeout)", false, ms);
        return;
      }
      note(*c, "offer_cancelled", {{"agent", acd_.agent_id(o.agent)}, {"reason", std::string(o.text)}});
      if (signalling_) signalling_->on_offer_cancelled(c->id, acd_.agent_id(o.agent));
      if (c->state == CallState::kRinging && c->agent == o.agent) {
        c->agent.reset();
        c->agent_id.clear();
        set_state(*c, CallState::kQueued);
        if (c->announce_timer == 0 && c->announce_playback == 0) start_announcements(*c);
      }
      return;
    case K::kCallOverflowed:
      c->queue = acd_.queue_name(o.queue);
      note(*c, "overflowed", {{"queue", c->queue}, {"from_queue", acd_.queue_name(o.from_queue)}});
      return;
    case K::kCallConnected:
      note(*c, "connected", {{"agent", acd_.agent_id(o.agent)}});
      return;
    case K::kCallAbandoned:
      // The ACD gave up on the call (longest wait reached, queue removed).
      note(*c, "removed_from_queue", {{"reason", std::string(o.text)}});
      finish(*c, "abandoned", ms);
      return;
    case K::kRequestRejected:
      note(*c, "acd_rejected", {{"reason", std::string(o.text)}});
      if (c->state == CallState::kQueued && !c->transfer_agent.empty() && std::string_view(o.text) == "agent-not-ready") {
        // The named agent left "ready" between our check and the ACD's:
        // the caller, already on music, waits in the call's queue instead.
        note(*c, "transfer_to_queue_instead", {{"agent", c->transfer_agent}, {"queue", c->queue}});
        c->transfer_agent.clear();
        const auto queue = acd_.queue_index(c->queue);
        if (!queue || !acd_.submit(acd::Request::make(acd::Request::kTransferToQueue, o.agent, c->id, *queue)))
          note(*c, "acd_unreachable");
        return;
      }
      if (c->state == CallState::kConnecting) {
        // The answer lost a race with the offer's timeout: back to waiting.
        ms.stop_playback(c->session, 1).ignore_error();
        ms.update(c->session, 1, dataplane::LegRequest{}).ignore_error();
        c->agent.reset();
        c->agent_id.clear();
        set_state(*c, CallState::kQueued);
      }
      return;
    default:
      return;
  }
}

nlohmann::json CallControl::call_json(const Call& c, bool with_history) const {
  nlohmann::json j = {{"id", c.id},
                      {"state", call_state_name(c.state)},
                      {"caller", c.caller_id},
                      {"queue", c.queue},
                      {"agent", c.agent_id},
                      {"session", std::to_string(c.session)},
                      {"media", {{"caller_side", dataplane::to_string({c.local_ip, c.local_port})},
                                 {"agent_side", dataplane::to_string({c.local_ip, c.agent_local_port})}}},
                      {"created_unix_ms", c.created_ms}};
  if (c.answered_ms) j["answered_unix_ms"] = c.answered_ms;
  if (c.ended_ms) {
    j["ended_unix_ms"] = c.ended_ms;
    j["end_reason"] = c.end_reason;
  }
  if (!c.recording_name.empty()) j["recording"] = c.recording_name;
  if (c.recordings.size() > 1) j["recordings"] = c.recordings;
  if (c.state == CallState::kTalking) j["on_hold"] = c.held;
  if (!c.previous_agents.empty()) j["previous_agents"] = c.previous_agents;
  if (!c.callback_number.empty()) {
    j["callback"] = {{"number", c.callback_number}};
    if (!c.callback_failure.empty()) j["callback"]["failure"] = c.callback_failure;
  }
  if (c.announcements) j["announcements"] = c.announcements;
  if (!c.transfer_number.empty()) {
    j["transfer"] = {{"number", c.transfer_number}, {"answered", c.transferred_out}};
    if (!c.transfer_failure.empty()) j["transfer"]["failure"] = c.transfer_failure;
  }
  if (c.supervision) j["supervision"] = supervision_json(c);
  if (c.menu && c.state == CallState::kIvr) {
    j["ivr"] = {{"menu", std::string(c.menu->menu_name())}, {"node", std::string(c.menu->node_name())}};
  }
  if (with_history) j["history"] = c.history;
  return j;
}

nlohmann::json CallControl::list() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, c] : calls_)
    if (c->state != CallState::kEnded) out.push_back(call_json(*c, false));
  return out;
}

std::optional<nlohmann::json> CallControl::show(CallId id) const {
  const Call* c = find(id);
  if (!c) return std::nullopt;
  return call_json(*c, true);
}

}  // namespace sb::calls
