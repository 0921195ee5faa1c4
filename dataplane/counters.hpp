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
  kRxBursts,
  kActiveSessions,   // gauge, set by the owning worker
  kActiveLegs,       // gauge
  kCommands,
  kEventsDropped,    // the event ring to the control plane was full
  kMediaTimeouts,
  kDuplicates,
  kLost,             // gauge-like: summed loss of live legs at last stats pass
  kPlaybackPackets,  // RTP packets of prompts sent to legs
  kWorkerCounterCount
};

inline constexpr std::size_t kCounterCount =
    static_cast<std::size_t>(kWorkerCounterCount) + static_cast<std::size_t>(DropReason::kCount);

inline constexpr std::size_t drop_index(DropReason r) noexcept {
  return static_cast<std::size_t>(kWorkerCounterCount) + static_cast<std::size_t>(r);
}

using DataplaneCounters = PerCoreCounters<kCounterCount>;

}  // namespace sb::dataplane
