// Exposes per-core counters (common/per_core_counters.hpp) as Prometheus
// families: each cell maps to one series of a catalogue metric, and a
// scrape sums the cell over every core's row. The packet path keeps
// incrementing its own row with plain stores; nothing is copied or
// aggregated between scrapes.
//
//   PerCoreCounters<kCounterCount> counters(workers);       // owned by the dataplane
//   auto c = std::make_shared<PerCoreCounterCollector<kCounterCount>>(counters, {
//       {kRxPackets, &catalogue::dp_packets, {"rx"}},
//       {kTxPackets, &catalogue::dp_packets, {"tx"}},
//       {drop_index(DropReason::kNotRtp), &catalogue::dp_drops, {"not_rtp"}}});
//   registry.add_collector("dataplane", c);
//   // the owner removes the collector before it destroys `counters`
//
// Counter specs must be counters or gauges (a per-core gauge such as active
// sessions on a worker sums to the total).
#pragma once

#include <string>
#include <vector>

#include "common/per_core_counters.hpp"
#include "control/metrics/registry.hpp"

namespace sb::metrics {

template <std::size_t N>
class PerCoreCounterCollector final : public Collector {
 public:
  struct Cell {
    std::size_t index;                     // into the counter row
    const MetricSpec* spec;
    std::vector<std::string> label_values;  // in the spec's label order
  };

  PerCoreCounterCollector(const PerCoreCounters<N>& counters, std::vector<Cell> cells)
      : counters_(counters), cells_(std::move(cells)) {
    for (const Cell& c : cells_)
      if (std::find(specs_.begin(), specs_.end(), c.spec) == specs_.end()) specs_.push_back(c.spec);
  }

  std::vector<const MetricSpec*> describe() const override { return specs_; }

  void collect(std::vector<FamilySnapshot>& out) const override {
    for (const MetricSpec* spec : specs_) {
      FamilySnapshot f;
      f.spec = spec;
      f.label_names = label_names_of(*spec);
      for (const Cell& c : cells_)
        if (c.spec == spec && c.index < N)
          f.samples.push_back({c.label_values, static_cast<double>(counters_.sum(c.index))});
      out.push_back(std::move(f));
    }
  }

 private:
  const PerCoreCounters<N>& counters_;
  std::vector<Cell> cells_;
  std::vector<const MetricSpec*> specs_;
};

}  // namespace sb::metrics
