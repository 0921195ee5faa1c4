#include "control/metrics/exposition.hpp"

#include <charconv>
#include <cmath>

namespace sb::metrics {

void append_escaped_help(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_escaped_label_value(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc{} ? end : buf);
  }
}

namespace {

void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const char* extra_name = nullptr, std::string_view extra_value = {}) {
  if (names.empty() && !extra_name) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_escaped_label_value(out, values[i]);
    out += '"';
  }
  if (extra_name) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

std::string render_text(const std::vector<FamilySnapshot>& families) {
  std::string out;
  out.reserve(4096);
  for (const auto& f : families) {
    const MetricSpec& spec = *f.spec;
    out += "# HELP ";
    out += spec.name;
    out += ' ';
    append_escaped_help(out, spec.help);
    out += "\n# TYPE ";
    out += spec.name;
    out += ' ';
    out += metric_type_name(spec.type);
    out += '\n';
    if (spec.type == MetricType::kHistogram) {
      for (const auto& h : f.histograms) {
        for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
          std::string le;
          append_value(le, h.upper_bounds[i]);
          out += spec.name;
          out += "_bucket";
          append_labels(out, f.label_names, h.label_values, "le", le);
          out += ' ';
          append_u64(out, h.bucket_counts[i]);
          out += '\n';
        }
        out += spec.name;
        out += "_bucket";
        append_labels(out, f.label_names, h.label_values, "le", "+Inf");
        out += ' ';
        append_u64(out, h.count);
        out += '\n';
        out += spec.name;
        out += "_sum";
        append_labels(out, f.label_names, h.label_values);
        out += ' ';
        append_value(out, h.sum);
        out += '\n';
        out += spec.name;
        out += "_count";
        append_labels(out, f.label_names, h.label_values);
        out += ' ';
        append_u64(out, h.count);
        out += '\n';
      }
    } else {
      for (const auto& s : f.samples) {
        out += spec.name;
        append_labels(out, f.label_names, s.label_values);
        out += ' ';
        append_value(out, s.value);
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace sb::metrics
