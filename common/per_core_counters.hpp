// Per-core counters (VPP vlib/counter.h style): each core owns a
// cache-aligned row of 64-bit cells that only it writes; readers sum the
// rows when they scrape.
//
// The packet path increments with a plain load+store on its own row: no
// atomic read-modify-write, no shared cache line, no lock. A reader may see
// a value a few increments stale, never a torn one (aligned 64-bit stores are
// single-copy atomic on x86-64, and std::atomic with relaxed order makes
// that a guarantee instead of an assumption).
//
//   enum Counter : std::size_t { kRxPackets, kTxPackets, kCount };
//   PerCoreCounters<kCount> c(num_workers);
//   c.add(worker, kRxPackets, burst_size);   // once per burst, not per packet
//   uint64_t total = c.sum(kRxPackets);      // any thread
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/compiler.hpp"

namespace sb {

template <std::size_t N>
class PerCoreCounters {
 public:
  explicit PerCoreCounters(std::size_t cores) : cores_(cores), rows_(new Row[cores]) {}

  std::size_t cores() const noexcept { return cores_; }
  static constexpr std::size_t size() noexcept { return N; }

  // Only the owning core calls this for `core`. Relaxed load and store: the
  // single writer needs no RMW, and readers only need a untorn value.
  SB_ALWAYS_INLINE void add(std::size_t core, std::size_t idx, std::uint64_t n = 1) noexcept {
    auto& cell = rows_[core].cells[idx];
    cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  // For gauges owned by one core (active sessions on that worker).
  SB_ALWAYS_INLINE void set(std::size_t core, std::size_t idx, std::uint64_t v) noexcept {
    rows_[core].cells[idx].store(v, std::memory_order_relaxed);
  }

  std::uint64_t get(std::size_t core, std::size_t idx) const noexcept {
    return rows_[core].cells[idx].load(std::memory_order_relaxed);
  }

  // Any thread. Relaxed: each cell is independent; a scrape is a snapshot of
  // approximately-now, not a consistent cut across cells.
  std::uint64_t sum(std::size_t idx) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t c = 0; c < cores_; ++c) total += rows_[c].cells[idx].load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct SB_CACHE_ALIGNED Row {
    std::atomic<std::uint64_t> cells[N] = {};
  };
  std::size_t cores_;
  std::unique_ptr<Row[]> rows_;
};

}  // namespace sb
