// Dataplane counters: drop reasons (from drop_reasons.def) and worker
// counters, one per-core row each (common/per_core_counters.hpp), summed
// when read. Workers add once per burst where they can.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "common/per_core_counters.hpp"

namespace sb::dataplane {

enum class DropReason : std::size_t {
#define SB_DROP_REASON(name, label) name,
#include "dataplane/drop_reasons.def"
#undef SB_DROP_REASON
  kCount
};

inline constexpr std::array<std::string_view, static_cast<std::size_t>(DropReason::kCount)> kDropReasonLabels = {
#define SB_DROP_REASON(name, label) label,
#include "dataplane/drop_reasons.def"
#undef SB_DROP_REASON
};

enum WorkerCounter : std::size_t {
  kRxPackets,
  kRxBytes,
  kTxPackets,
  kTxBytes,
  kRtpRelayed,
  kRtcpRelayed,
  kRtcpGenerated,    // RTCP compound packets the worker made for legs it terminates
  kRxBursts,
  kActiveSessions,   // gauge, set by the owning worker
  kActiveLegs,       // gauge
  kCommands,
  kEventsDropped,    // the event ring to the control plane was full
  kMediaTimeouts,
  kDuplicates,
  kPlaybackPackets,  // RTP packets of prompts sent to legs
  kMixedIn,          // RTP audio packets taken into mix rooms' jitter buffers
  kMixedOut,         // RTP packets of mixes sent to parties
  kMixConcealed,     // frames a mixed leg's decoder concealed (lost or late packets)
  kMixTicks,         // room ticks (20 ms each)
  // The stats pass (each live leg sampled every stats interval):
  kRtpExpected,      // RFC 3550 A.3 packets expected, summed deltas
  kRtpLost,          // packets lost, summed deltas (never negative)
  // Histograms as per-bucket (not cumulative) counts plus count and sum;
  // bounds in kJitterBounds / kMosBounds / kRttBounds.
  kJitterBucket0,
  kJitterCount = kJitterBucket0 + 6,
  kJitterSumMicros,
  kMosBucket0,
  kMosCount = kMosBucket0 + 6,
  kMosSumMilli,
  kRttBucket0,
  kRttCount = kRttBucket0 + 6,
  kRttSumMicros,
  kWorkerCounterCount
};

inline constexpr double kJitterBounds[6] = {0.005, 0.01, 0.02, 0.03, 0.05, 0.1};   // seconds
inline constexpr double kMosBounds[6] = {2.5, 3.1, 3.5, 4.0, 4.2, 4.4};  // 3.5: the MosLow alert
inline constexpr double kRttBounds[6] = {0.01, 0.05, 0.1, 0.2, 0.4, 1.0};        // seconds

inline constexpr std::size_t kCounterCount =
    static_cast<std::size_t>(kWorkerCounterCount) + static_cast<std::size_t>(DropReason::kCount);

inline constexpr std::size_t drop_index(DropReason r) noexcept {
  return static_cast<std::size_t>(kWorkerCounterCount) + static_cast<std::size_t>(r);
}

using DataplaneCounters = PerCoreCounters<kCounterCount>;

}  // namespace sb::dataplane
