#include "ivr/rfc4733.hpp"

#include <algorithm>

namespace sb::ivr {

namespace {
constexpr char kDigits[] = "0123456789*#ABCD";
constexpr int kEndRetransmissions = 3;  // RFC 4733 §2.5.1.4
}  // namespace

char event_to_digit(std::uint8_t event) noexcept { return event < 16 ? kDigits[event] : 0; }

int digit_to_event(char digit) noexcept {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (int i = 0; i < 16; ++i)
    if (kDigits[i] == digit) return i;
  return -1;
}

int parse_telephone_events(std::span<const std::uint8_t> payload, std::span<TelephoneEvent> out) noexcept {
  if (payload.empty() || payload.size() % kTelephoneEventSize != 0) return -1;
  const std::size_t blocks = payload.size() / kTelephoneEventSize;
  if (blocks > out.size()) return -1;
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::uint8_t* b = payload.data() + i * kTelephoneEventSize;
    out[i].event = b[0];
    out[i].end = (b[1] & 0x80) != 0;
    out[i].volume = b[1] & 0x3f;
    out[i].duration = static_cast<std::uint16_t>((b[2] << 8) | b[3]);
  }
  return static_cast<int>(blocks);
}

std::size_t build_telephone_event(const TelephoneEvent& ev, std::span<std::uint8_t> out) noexcept {
  if (out.size() < kTelephoneEventSize || ev.volume > 63) return 0;
  out[0] = ev.event;
  out[1] = static_cast<std::uint8_t>((ev.end ? 0x80 : 0) | ev.volume);
  out[2] = static_cast<std::uint8_t>(ev.duration >> 8);
  out[3] = static_cast<std::uint8_t>(ev.duration & 0xff);
  return kTelephoneEventSize;
}

std::uint32_t Rfc4733Receiver::to_ms(std::uint32_t units) const noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(units) * 1000 / static_cast<std::uint64_t>(clock_rate_));
}

bool Rfc4733Receiver::recently_ended(std::uint32_t ts, std::uint8_t event) const noexcept {
  for (const auto& e : ended_)
    if (e.valid && e.ts == ts && e.event == event) return true;
  return false;
}

void Rfc4733Receiver::remember_ended(std::uint32_t ts, std::uint8_t event) noexcept {
  ended_[ended_next_] = {ts, event, true};
  ended_next_ = (ended_next_ + 1) % std::size(ended_);
}

void Rfc4733Receiver::start(std::uint32_t ts, const TelephoneEvent& ev, Nanos now) noexcept {
  active_ = true;
  current_event_ = ev.event;
  current_ = {};
  current_.digit = event_to_digit(ev.event);
  current_.rtp_timestamp = ts;
  current_.duration_ts = ev.duration;
  current_.volume = ev.volume;
  last_packet_ = now;
}

Rfc4733Digit Rfc4733Receiver::conclude(bool end_received) noexcept {
  active_ = false;
  current_.end_received = end_received;
  current_.duration_ms = to_ms(current_.duration_ts);
  remember_ended(current_.rtp_timestamp, current_event_);
  return current_;
}

Rfc4733Result Rfc4733Receiver::on_packet(std::uint32_t ts, std::span<const std::uint8_t> payload, Nanos now) noexcept {
  Rfc4733Result r;
  TelephoneEvent events[kMaxEventsPerPayload];
  const int n = parse_telephone_events(payload, events);
  if (n < 0) {
    ++malformed_;
    r.malformed = true;
    return r;
  }
  // Several blocks in one packet (RFC 4733 §2.5.1.5) carry events that have
  // already finished, followed by the current one. Only the last block
  // carries the packet's timestamp; earlier ones were reported when their
  // own packets arrived, so they are used only if nothing else was heard.
  const TelephoneEvent& ev = events[n - 1];
  if (event_to_digit(ev.event) == 0) {
    ++non_dtmf_;
    return r;
  }

  if (active_ && ts == current_.rtp_timestamp && ev.event == current_event_) {
    last_packet_ = now;
    // Duration only grows; a reordered older packet must not shrink it.
    current_.duration_ts = std::max<std::uint32_t>(current_.duration_ts, ev.duration);
    if (ev.end) {
      current_.duration_ts = ev.duration;  // the End packet's duration is final
      r.ended = true;
      r.digit = conclude(true);
    }
    return r;
  }

  if (recently_ended(ts, ev.event)) {
    ++duplicates_;
    return r;
  }
  // A packet older than the active event (reordered across events) is stale.
  if (active_ && static_cast<std::int32_t>(ts - current_.rtp_timestamp) < 0) {
    ++duplicates_;
    return r;
  }

  if (active_) {
    // A new event while the previous one never got an End: all its End
    // packets were lost. Report it now, with the last duration seen.
    r.ended = true;
    r.digit = conclude(false);
  }
  start(ts, ev, now);
  r.began = true;
  r.began_digit = current_.digit;
  if (ev.end) {
    // Only the End packets survived; the digit is complete on arrival.
    if (r.ended) {
      // Two digits in one call: the caller gets the first now; the second
      // stays active and is concluded by the next packet or poll().
      return r;
    }
    r.ended = true;
    r.digit = conclude(true);
  }
  return r;
}

Rfc4733Result Rfc4733Receiver::poll(Nanos now) noexcept {
  Rfc4733Result r;
  if (active_ && now - last_packet_ >= quiet_timeout_) {
    r.ended = true;
    r.digit = conclude(false);
  }
  return r;
}

bool Rfc4733Sender::start(char digit, std::uint32_t duration_ms) noexcept {
  const int ev = digit_to_event(digit);
  if (ev < 0) return false;
  event_ = static_cast<std::uint8_t>(ev);
  const std::uint64_t units = static_cast<std::uint64_t>(duration_ms) * static_cast<std::uint64_t>(clock_rate_) / 1000;
  total_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::max<std::uint64_t>(units, step_), 0xffff));
  sent_ = 0;
  end_repeats_ = 0;
  first_ = true;
  state_ = State::kTone;
  return true;
}

bool Rfc4733Sender::next(Rfc4733Packet& out) noexcept {
  if (state_ == State::kIdle) return false;
  TelephoneEvent ev;
  ev.event = event_;
  ev.volume = volume_;
  out = {};
  out.marker = first_;
  first_ = false;
  if (state_ == State::kTone) {
    sent_ = std::min(sent_ + step_, total_);
    ev.duration = static_cast<std::uint16_t>(sent_);
    if (sent_ >= total_) state_ = State::kEnd;
    // The packet that reaches the full duration is already the first End.
    if (state_ == State::kEnd) {
      ev.end = true;
      ++end_repeats_;
    }
  } else {
    ev.duration = static_cast<std::uint16_t>(total_);
    ev.end = true;
    ++end_repeats_;
  }
  if (end_repeats_ >= kEndRetransmissions) {
    out.last = true;
    state_ = State::kIdle;
  }
  build_telephone_event(ev, out.payload);
  return true;
}

}  // namespace sb::ivr
