#include "dataplane/media/mixer.hpp"

#include <algorithm>
#include <cstring>

namespace sb::media {

namespace {
constexpr std::uint64_t bit(int p) { return std::uint64_t{1} << p; }

std::int16_t saturate(std::int32_t v) {
  return static_cast<std::int16_t>(std::clamp<std::int32_t>(v, -32768, 32767));
}
}  // namespace

MixRoom::MixRoom(int sample_rate) noexcept
    : rate_(sample_rate == 16000 ? 16000 : 8000), frame_(rate_ / 50) {}

int MixRoom::add_party() noexcept {
  for (int p = 0; p < kMaxParties; ++p) {
    if (active_ & bit(p)) continue;
    active_ |= bit(p);
    restricted_ &= ~bit(p);
    has_input_ &= ~bit(p);
    ++count_;
    return p;
  }
  return -1;
}

void MixRoom::remove_party(int p) noexcept {
  if (p < 0 || p >= kMaxParties || !(active_ & bit(p))) return;
  active_ &= ~bit(p);
  restricted_ &= ~bit(p);
  has_input_ &= ~bit(p);
  --count_;
}

bool MixRoom::active(int p) const noexcept { return p >= 0 && p < kMaxParties && (active_ & bit(p)); }

void MixRoom::set_listeners(int speaker, std::uint64_t listeners) noexcept {
  if (!active(speaker)) return;
  listeners_[speaker] = listeners & ~bit(speaker);
  restricted_ |= bit(speaker);
}

void MixRoom::hear_all(int speaker) noexcept {
  if (!active(speaker)) return;
  restricted_ &= ~bit(speaker);
}

std::uint64_t MixRoom::listeners(int speaker) const noexcept {
  if (!active(speaker)) return 0;
  return (restricted_ & bit(speaker)) ? (listeners_[speaker] & active_) : (active_ & ~bit(speaker));
}

void MixRoom::put(int party, std::span<const std::int16_t> frame) noexcept {
  if (!active(party)) return;
  const std::size_t n = std::min<std::size_t>(frame.size(), static_cast<std::size_t>(frame_));
  std::memcpy(in_[party], frame.data(), n * sizeof(std::int16_t));
  if (n < static_cast<std::size_t>(frame_)) std::memset(in_[party] + n, 0, (static_cast<std::size_t>(frame_) - n) * 2);
  has_input_ |= bit(party);
}

void MixRoom::mix() noexcept {
  std::int32_t total[kMaxFrame] = {};
  const std::uint64_t speaking = active_ & has_input_;
  const std::uint64_t everyone_hears = speaking & ~restricted_;
  for (std::uint64_t m = everyone_hears; m; m &= m - 1) {
    const int p = __builtin_ctzll(m);
    for (int i = 0; i < frame_; ++i) total[i] += in_[p][i];
  }
  for (std::uint64_t m = active_; m; m &= m - 1) {
    const int l = __builtin_ctzll(m);
    std::int32_t acc[kMaxFrame];
    // Mix-minus: the public sum without the listener's own voice.
    if (everyone_hears & bit(l)) {
      for (int i = 0; i < frame_; ++i) acc[i] = total[i] - in_[l][i];
    } else {
      std::memcpy(acc, total, sizeof(std::int32_t) * static_cast<std::size_t>(frame_));
    }
    // Speakers with a restricted audience that includes this listener.
    for (std::uint64_t r = speaking & restricted_; r; r &= r - 1) {
      const int s = __builtin_ctzll(r);
      if (s == l || !(listeners_[s] & bit(l))) continue;
      for (int i = 0; i < frame_; ++i) acc[i] += in_[s][i];
    }
    for (int i = 0; i < frame_; ++i) out_[l][i] = saturate(acc[i]);
  }
  has_input_ = 0;
}

std::span<const std::int16_t> MixRoom::output(int party) const noexcept {
  if (!active(party)) return {};
  return {out_[party], static_cast<std::size_t>(frame_)};
}

void supervise(MixRoom& room, int caller, int agent, int supervisor, SupervisorMode mode) noexcept {
  const auto b = [](int p) { return std::uint64_t{1} << p; };
  room.set_listeners(caller, b(agent) | b(supervisor));
  room.set_listeners(agent, b(caller) | b(supervisor));
  switch (mode) {
    case SupervisorMode::kListen: room.set_listeners(supervisor, 0); break;
    case SupervisorMode::kWhisper: room.set_listeners(supervisor, b(agent)); break;
    case SupervisorMode::kBarge: room.set_listeners(supervisor, b(agent) | b(caller)); break;
  }
}

}  // namespace sb::media
