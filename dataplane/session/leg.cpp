#include "dataplane/session/leg.hpp"

namespace sb::dataplane {

namespace {
// A sequence jump this large on one SSRC means the sender restarted.
constexpr std::int32_t kSeqRestart = 3000;
}  // namespace

void OutputStream::map(std::uint32_t in_ssrc, std::uint16_t in_seq, std::uint32_t in_ts, std::int64_t now_ns,
                       std::uint16_t& out_seq, std::uint32_t& out_ts) noexcept {
  bool rebase = !started || in_ssrc != source_ssrc;
  if (!rebase) {
    const auto predicted = static_cast<std::uint16_t>(in_seq + seq_delta);
    const std::int32_t jump = static_cast<std::int16_t>(static_cast<std::uint16_t>(predicted - last_seq));
    if (jump > kSeqRestart || jump < -kSeqRestart) rebase = true;
  }
  if (rebase) {
    if (!started) {
      // Start where the output would start anyway: the input's own values
      // (no reason to disguise them) but under our SSRC.
      seq_delta = 0;
      ts_delta = 0;
      started = true;
      last_seq = static_cast<std::uint16_t>(in_seq - 1);
      last_ts = in_ts;
      last_ts_ns = now_ns;
    } else {
      // Continue: next sequence number, and the timestamp moved on by the
      // wall-clock time since the last packet (at least one unit).
      std::int64_t elapsed = (now_ns - last_ts_ns) / 1000 * clock_rate / 1'000'000;
      const std::int64_t one_packet = last_step ? last_step : clock_rate / 50;  // else 20 ms
      if (elapsed < one_packet) elapsed = one_packet;
      seq_delta = static_cast<std::uint16_t>(static_cast<std::uint16_t>(last_seq + 1) - in_seq);
      ts_delta = static_cast<std::uint32_t>(last_ts + static_cast<std::uint32_t>(elapsed)) - in_ts;
    }
    source_ssrc = in_ssrc;
  }
  out_seq = static_cast<std::uint16_t>(in_seq + seq_delta);
  out_ts = in_ts + ts_delta;
  // Track the newest packet sent (reordered older ones do not move it back).
  if (static_cast<std::int16_t>(static_cast<std::uint16_t>(out_seq - last_seq)) > 0) {
    // Consecutive packets of one source: their timestamp step is the audio
    // a packet carries (bounded to a second, so a bogus jump is ignored).
    const std::uint32_t step = out_ts - last_ts;
    if (!rebase && out_seq == static_cast<std::uint16_t>(last_seq + 1) && step > 0 && step <= clock_rate) last_step = step;
    last_seq = out_seq;
    if (out_ts != last_ts) last_ts_ns = now_ns;
    last_ts = out_ts;
  }
}

void Leg::negotiate(const Endpoint& remote, std::uint16_t remote_rtcp_port, const LatchConfig& cfg,
                    std::int64_t now_ns) noexcept {
  latch_config = cfg;
  negotiated = remote;
  accepted = remote;
  accepted_rtcp = remote.valid() ? Endpoint{remote.ip, remote_rtcp_port ? remote_rtcp_port
                                                         : static_cast<std::uint16_t>(local_rtcp_port ? remote.port + 1 : remote.port)}
                                 : Endpoint{};
  candidate = {};
  candidate_count = 0;
  if (cfg.nat_learning) {
    latch = LatchState::kLearning;
    learning_until_ns = now_ns + cfg.window_ns;
  } else {
    latch = LatchState::kStrict;
    learning_until_ns = 0;
  }
}

Leg::SourceVerdict Leg::check_rtp_source(const Endpoint& src, std::uint16_t seq, std::int64_t now_ns) noexcept {
  if (accepted.valid() && src == accepted) {
    // The negotiated address itself sends: nothing to learn, close the
    // window so nobody else can take the leg over.
    latch = LatchState::kStrict;
    return SourceVerdict::kAccept;
  }
  if (latch != LatchState::kLearning) return SourceVerdict::kMismatch;
  if (now_ns > learning_until_ns) {
    // The window closed without a winner: strict from now on.
    latch = LatchState::kStrict;
    return SourceVerdict::kMismatch;
  }
  if (src != candidate || seq != candidate_next_seq) {
    candidate = src;
    candidate_count = 1;
  } else {
    ++candidate_count;
  }
  candidate_next_seq = static_cast<std::uint16_t>(seq + 1);
  if (candidate_count < latch_config.packets_to_win) return SourceVerdict::kLearning;
  // Won: this address is now where media comes from and goes to, and the
  // leg is strict.
  accepted = src;
  accepted_rtcp = Endpoint{src.ip, local_rtcp_port ? static_cast<std::uint16_t>(src.port + 1) : src.port};
  latch = LatchState::kStrict;
  latched_event_pending = true;
  return SourceVerdict::kWon;
}

bool Leg::check_rtcp_source(const Endpoint& src, std::uint32_t sender_ssrc, std::int64_t now_ns) noexcept {
  if (!accepted.valid() || src.ip != accepted.ip) return false;
  if (src.port == accepted_rtcp.port) return true;
  // Behind NAT the RTCP port is rarely RTP port + 1, so it may be learnt
  // within the window: but only from RTCP that speaks for the RTP stream
  // this leg already accepted (same sender SSRC). The same IP alone proves
  // nothing (CGNAT, shared hosts).
  if (latch_config.nat_learning && in_ssrc != 0 && sender_ssrc == in_ssrc &&
      now_ns <= learning_until_ns + latch_config.window_ns) {
    accepted_rtcp.port = src.port;
    return true;
  }
  return false;
}

}  // namespace sb::dataplane
