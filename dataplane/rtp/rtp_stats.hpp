// Receive statistics for one RTP stream (RFC 3550 appendix A) and a call
// quality estimate (ITU-T G.107 E-model, simplified as in G.107 Annex and
// the common VoIP-monitoring practice).
//
// Per packet: sequence tracking with wrap-around and restart detection
// (A.1), loss (A.3), interarrival jitter (A.8), duplicates (a 128-packet
// window) and reordering. All O(1), no allocation; the worker calls
// on_packet() for every accepted RTP packet of a leg.
#pragma once

#include <cstdint>

namespace sb::rtp {

class RtpReceiveStats {
 public:
  // clock_rate: RTP timestamp units per second of the stream's codec.
  RtpReceiveStats() noexcept = default;
  explicit RtpReceiveStats(int clock_rate) noexcept : clock_rate_(clock_rate) {}

  enum class Verdict : std::uint8_t { kNew, kDuplicate, kReordered, kRestart };
  // arrival_ns: monotonic arrival time. Returns what the packet was.
  Verdict on_packet(std::uint16_t seq, std::uint32_t timestamp, std::int64_t arrival_ns) noexcept;
  void set_clock_rate(int rate) noexcept { clock_rate_ = rate; }

  std::uint64_t received() const noexcept { return received_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  std::uint64_t reordered() const noexcept { return reordered_; }
  // A.3: extended highest sequence number received, packets expected, lost.
  std::uint32_t extended_max() const noexcept { return cycles_ + max_seq_; }
  std::int64_t expected() const noexcept;
  std::int64_t lost() const noexcept;
  double loss_fraction() const noexcept;
  // A.8, in timestamp units and in seconds.
  double jitter_units() const noexcept { return jitter_; }
  double jitter_seconds() const noexcept { return jitter_ / clock_rate_; }
  // For an RTCP report block: fraction lost since the previous call (/256)
  // and the cumulative loss; advances the interval.
  std::uint8_t take_interval_fraction_lost() noexcept;

 private:
  int clock_rate_ = 8000;
  bool started_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;      // count of wraps, shifted by 16
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0x10001;
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t window_[2] = {0, 0};  // receipt bits for max_seq-127 .. max_seq
  double jitter_ = 0;
  bool have_transit_ = false;
  std::int64_t last_transit_ = 0;
  std::int64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
};

// E-model inputs and result. Defaults are G.711 with packet-loss
// concealment (Ie = 0, Bpl = 25.1, G.113 Appendix I).
struct MosInputs {
  double one_way_delay_ms = 0;   // mouth-to-ear: network + jitter buffer + codec
  double loss_fraction = 0;      // 0..1
  double ie = 0;                 // codec equipment impairment
  double bpl = 25.1;             // codec packet-loss robustness
};
// R factor (0-100) and MOS-CQE (1-4.5).
double e_model_r(const MosInputs& in) noexcept;
double mos_from_r(double r) noexcept;

}  // namespace sb::rtp
