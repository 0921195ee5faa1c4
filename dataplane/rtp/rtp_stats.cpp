#include "dataplane/rtp/rtp_stats.hpp"

#include <algorithm>
#include <cmath>

namespace sb::rtp {

namespace {
constexpr std::uint32_t kMaxDropout = 3000;   // A.1 defaults
constexpr std::uint32_t kMaxMisorder = 100;
constexpr std::uint32_t kSeqMod = 1u << 16;
}  // namespace

RtpReceiveStats::Verdict RtpReceiveStats::on_packet(std::uint16_t seq, std::uint32_t ts, std::int64_t arrival_ns) noexcept {
  Verdict verdict = Verdict::kNew;
  if (!started_) {
    started_ = true;
    max_seq_ = seq;
    base_seq_ = seq;
    cycles_ = 0;
    window_[0] = 1;
    window_[1] = 0;
  } else {
    const std::uint16_t udelta = static_cast<std::uint16_t>(seq - max_seq_);
    if (udelta == 0) {
      ++duplicates_;
      return Verdict::kDuplicate;
    }
    if (udelta < kMaxDropout) {
      // In order, possibly with a gap: slide the window.
      if (seq < max_seq_) cycles_ += kSeqMod;
      if (udelta >= 128) {
        window_[0] = window_[1] = 0;
      } else if (udelta >= 64) {
        window_[1] = window_[0] << (udelta - 64);
        window_[0] = 0;
      } else {
        window_[1] = (window_[1] << udelta) | (window_[0] >> (64 - udelta));
        window_[0] <<= udelta;
      }
      window_[0] |= 1;
      max_seq_ = seq;
    } else if (udelta <= kSeqMod - kMaxMisorder) {
      // A very large jump: the source restarted (A.1). Two sequential packets
      // confirm it; until then the packet is not counted.
      if (seq == bad_seq_) {
        // A.1 init_seq: the counts start over with the new sequence.
        started_ = false;
        have_transit_ = false;
        received_ = 0;
        expected_prior_ = 0;
        received_prior_ = 0;
        on_packet(seq, ts, arrival_ns);
        return Verdict::kRestart;
      }
      bad_seq_ = (static_cast<std::uint32_t>(seq) + 1) & (kSeqMod - 1);
      return Verdict::kRestart;
    } else {
      // Older than max_seq: a duplicate or a late (reordered) packet.
      const std::uint16_t back = static_cast<std::uint16_t>(max_seq_ - seq);
      if (back < 128) {
        std::uint64_t& word = back < 64 ? window_[0] : window_[1];
        const std::uint64_t bit = std::uint64_t{1} << (back % 64);
        if (word & bit) {
          ++duplicates_;
          return Verdict::kDuplicate;
        }
        word |= bit;
      }
      ++reordered_;
      verdict = Verdict::kReordered;
    }
  }
  ++received_;
  // A.8: J += (|D| - J)/16, with transit times in timestamp units.
  const std::int64_t arrival_units = arrival_ns / 1000 * clock_rate_ / 1'000'000;
  const std::int64_t transit = arrival_units - static_cast<std::int64_t>(ts);
  if (have_transit_) {
    std::int64_t d = transit - last_transit_;
    // Timestamps wrap at 2^32; bring the difference back into range.
    d = static_cast<std::int32_t>(static_cast<std::uint32_t>(d));
    jitter_ += (std::fabs(static_cast<double>(d)) - jitter_) / 16.0;
  }
  last_transit_ = transit;
  have_transit_ = true;
  return verdict;
}

std::int64_t RtpReceiveStats::expected() const noexcept {
  if (!started_) return 0;
  return static_cast<std::int64_t>(extended_max()) - static_cast<std::int64_t>(base_seq_) + 1;
}

std::int64_t RtpReceiveStats::lost() const noexcept {
  // Duplicates are not counted as received, so this cannot go negative from
  // them; reordered packets filled their own gaps.
  return expected() - static_cast<std::int64_t>(received_);
}

double RtpReceiveStats::loss_fraction() const noexcept {
  const std::int64_t e = expected();
  if (e <= 0) return 0.0;
  return std::clamp(static_cast<double>(lost()) / static_cast<double>(e), 0.0, 1.0);
}

std::uint8_t RtpReceiveStats::take_interval_fraction_lost() noexcept {
  const std::int64_t e = expected();
  const std::int64_t expected_interval = e - expected_prior_;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  expected_prior_ = e;
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval <= 0 || lost_interval <= 0) return 0;
  return static_cast<std::uint8_t>(std::min<std::int64_t>(255, (lost_interval << 8) / expected_interval));
}

double e_model_r(const MosInputs& in) noexcept {
  // G.107 with default values except delay and loss: R0 - Is = 93.2.
  const double d = std::max(0.0, in.one_way_delay_ms);
  const double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
  const double ppl = std::clamp(in.loss_fraction, 0.0, 1.0) * 100.0;
  const double ie_eff = in.ie + (95.0 - in.ie) * ppl / (ppl + in.bpl);
  return std::clamp(93.2 - id - ie_eff, 0.0, 100.0);
}

double mos_from_r(double r) noexcept {
  if (r <= 0) return 1.0;
  if (r >= 100) return 4.5;
  return 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
}

}  // namespace sb::rtp
