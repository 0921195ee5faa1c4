#include "control/metrics/metric_catalogue.hpp"

namespace sb::metrics::catalogue {

const MetricSpec* find(std::string_view name) noexcept {
  for (const MetricSpec* s : kAll)
    if (s->name == name) return s;
  return nullptr;
}

}  // namespace sb::metrics::catalogue
