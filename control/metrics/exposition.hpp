// The Prometheus text exposition format, version 0.0.4: HELP and TYPE
// lines, escaped label values and help text, histogram buckets with `le`,
// and float values as Prometheus parses them (+Inf, -Inf, NaN).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/metrics/registry.hpp"

namespace sb::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_text(const std::vector<FamilySnapshot>& families);

// Escaping rules of the format: HELP escapes backslash and newline; label
// values also escape the double quote.
void append_escaped_help(std::string& out, std::string_view text);
void append_escaped_label_value(std::string& out, std::string_view text);
// Shortest representation that reads back to the same double.
void append_value(std::string& out, double v);

}  // namespace sb::metrics
