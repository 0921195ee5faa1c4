// Position and expected-wait announcements for callers waiting in a queue:
// on entry to the queue and then every `announce_interval_seconds` of the
// queue ([[acd.queues]]; 0 turns them off), the caller's hold music stops,
// "you are caller number N, your expected wait is about M minutes" plays
// in the caller's language (ivr/menu/queue_announcement.hpp picks the
// prompts), and the music resumes.
//
// Where a call stands is the ACD engine's knowledge, on its own thread:
// call control asks with a kPositionQuery request and the answer
// (kCallPosition) comes back in the engine's ordered output stream, like
// every other ACD decision. No lock, no scan of the queue, and an answer
// can never overtake the offer of the same call (a call already ringing
// is answered "position 0" and nothing is played).
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

#include <cmath>

#include "control/daemon/acd_section.hpp"
#include "ivr/menu/queue_announcement.hpp"

namespace sb::calls {

using dataplane::MediaSessions;

double CallControl::announce_interval_seconds(const std::string& queue) const {
  const auto cfg = config_.config();
  const auto* acd = cfg->section<daemon::AcdSection>("acd");
  if (!acd) return 0;
  const int index = acd->model.find_queue(queue);
  return index < 0 ? 0 : acd->model.queues[static_cast<std::size_t>(index)].announce_interval_seconds;
}

void CallControl::start_announcements(Call& c) {
  // A new queue supersedes any timer of the previous one.
  c.announce_timer = 0;
  if (announce_interval_seconds(c.queue) <= 0) return;
  arm_announcement(c, 0);
}

void CallControl::arm_announcement(Call& c, double after_seconds) {
  c.announce_timer = next_announcement_timer_++;
  const auto after = std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(after_seconds));
  timers_.push({(clock_.now() + after).count(), c.id, c.announce_timer, Timer::Kind::kAnnouncement});
}

void CallControl::announcement_due(Call& c) {
  const double interval = announce_interval_seconds(c.queue);
  if (interval <= 0) return;  // turned off by a reload
  if (c.state == CallState::kRinging) return arm_announcement(c, interval);  // an agent is about to take it
  if (c.state != CallState::kQueued) return;
  if (!acd_.submit(acd::Request::make(acd::Request::kPositionQuery, 0, c.id))) {
    note(c, "announcement_skipped", {{"error", "the ACD's inbox is full"}});
    arm_announcement(c, interval);
  }
  // The answer arrives as kCallPosition (announce_position).
}

void CallControl::announce_position(Call& c, const acd::Output& o, MediaSessions& ms) {
  const double interval = announce_interval_seconds(c.queue);
  const bool waiting = c.state == CallState::kQueued || c.state == CallState::kRinging;
  if (c.state != CallState::kQueued || o.position == 0 || c.announce_playback != 0 || c.session == 0) {
    // Not waiting in line any more (ringing, talking): try again later
    // while the caller still waits.
    if (waiting && c.announce_timer == 0 && c.announce_playback == 0 && interval > 0) arm_announcement(c, interval);
    return;
  }
  const auto words = ivr::menu::queue_announcement(o.position, o.wait_seconds);
  const auto ivr = config_.config()->section_ptr<ivr::menu::IvrConfig>("ivr");
  std::vector<std::shared_ptr<const ivr::EncodedPrompt>> list;
  for (const auto& word : words) {
    ivr::menu::PlayItem item;
    item.kind = ivr::menu::PlayItem::Kind::kPrompt;
    item.name = word;
    // The caller's language where the prompt has it, else the default.
    item.language = ivr ? ivr->default_language() : "en";
    if (ivr && !c.language.empty()) {
      const auto p = ivr->prompts.find(word);
      if (p != ivr->prompts.end() && p->second.text.count(c.language)) item.language = c.language;
    }
    item.path = ivr ? ivr->prompt_path(word, item.language) : word;
    if (auto e = prompt_for(item, c.codec)) list.push_back(std::move(e));
  }
  const double minutes = std::ceil(std::max(0.0, o.wait_seconds) / 60.0);
  const nlohmann::json what = {{"queue", c.queue},
                               {"position", o.position},
                               {"expected_wait_seconds", std::lround(o.wait_seconds)},
                               {"expected_wait_minutes", static_cast<long>(minutes)}};
  if (list.empty()) {
    note(c, "announcement_failed", {{"error", "no announcement prompt could be prepared"}});
    return arm_announcement(c, interval);
  }
  // The music stops; the announcement plays on the caller's leg alone.
  ms.stop_playback(c.session, 0).ignore_error();
  auto id = ms.play(c.session, 0, list, {.payload_type = c.payload_type, .loop = false, .barge_in = false});
  if (!id) {
    note(c, "announcement_failed", {{"error", id.status().to_string()}});
    start_hold_music(c, ms);
    return arm_announcement(c, interval);
  }
  c.announce_playback = *id;
  ++c.announcements;
  counters_.announcements.fetch_add(1, std::memory_order_relaxed);
  nlohmann::json history = what;
  history["prompts"] = words;
  note(c, "announcement", std::move(history));
  if (events_) {
    nlohmann::json e = what;
    e["call_id"] = c.id;
    events_->publish("call.announcement", std::move(e));
  }
}

void CallControl::announcement_done(Call& c, MediaSessions& ms) {
  c.announce_playback = 0;
  if (c.state != CallState::kQueued && c.state != CallState::kRinging) return;  // the bridge took over
  start_hold_music(c, ms);
  note(c, "hold_music_resumed");
  const double interval = announce_interval_seconds(c.queue);
  if (interval > 0) arm_announcement(c, interval);
}

}  // namespace sb::calls
