#include "control/api/url.hpp"

namespace sb::api {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return invalid_argument("truncated percent escape");
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return invalid_argument("bad percent escape");
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return invalid_argument("NUL byte in the request target");
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return invalid_argument("control character in the request target");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<ParsedTarget> parse_target(std::string_view target) {
  if (target.size() > kMaxTargetBytes) return invalid_argument("request target too long");
  if (target.empty() || target[0] != '/') return invalid_argument("request target must start with '/'");
  ParsedTarget out;
  const auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);

  std::string_view rest = path.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    auto seg = percent_decode(raw, false);
    if (!seg) return seg.status();
    if (*seg == "." || *seg == "..") return invalid_argument("dot segments are not allowed in the path");
    out.segments.push_back(std::move(*seg));
    if (out.segments.size() > kMaxSegments) return invalid_argument("too many path segments");
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  // "/" and "/a/" have a trailing empty segment; the router treats "/a/" as "/a".
  if (out.segments.size() > 1 && out.segments.back().empty()) out.segments.pop_back();
  if (out.segments.size() == 1 && out.segments[0].empty()) out.segments.clear();
  for (const auto& s : out.segments) {
    out.path += '/';
    out.path += s;
  }
  if (out.path.empty()) out.path.push_back('/');

  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto k = percent_decode(pair.substr(0, eq), true);
      if (!k) return k.status();
      auto v = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!v) return v.status();
      out.query.emplace_back(std::move(*k), std::move(*v));
      if (out.query.size() > kMaxQueryParams) return invalid_argument("too many query parameters");
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

}  // namespace sb::api
