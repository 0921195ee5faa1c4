#include "control/sip/sdp/sdp.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <new>
#include <stdexcept>

namespace sb::sdp {

std::string_view addr_type_name(AddrType t) noexcept { return t == AddrType::kIp6 ? "IP6" : "IP4"; }

std::string_view direction_name(Direction d) noexcept {
  switch (d) {
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: return "inactive";
    case Direction::kSendRecv: break;
  }
  return "sendrecv";
}

Direction make_direction(bool send, bool recv) noexcept {
  if (send) return recv ? Direction::kSendRecv : Direction::kSendOnly;
  return recv ? Direction::kRecvOnly : Direction::kInactive;
}

Direction reverse(Direction d) noexcept { return make_direction(receives(d), sends(d)); }

std::optional<std::string_view> Fmtp::param(std::string_view k) const noexcept {
  for (const auto& [name, value] : params)
    if (iequals(name, k)) return std::string_view(value);
  return std::nullopt;
}

bool MediaDescription::is_rtp() const noexcept { return proto.find("RTP/") != std::string::npos; }

std::optional<RtpMap> MediaDescription::codec(int pt) const {
  for (const auto& r : rtpmaps)
    if (r.payload_type == pt) return r;
  return static_payload_type(pt);
}

const Fmtp* MediaDescription::fmtp(int pt) const noexcept {
  const std::string s = std::to_string(pt);
  for (const auto& f : fmtps)
    if (f.format == s) return &f;
  return nullptr;
}

const Attribute* MediaDescription::attribute(std::string_view n) const noexcept {
  for (const auto& a : attributes)
    if (a.name == n) return &a;
  return nullptr;
}

Direction SessionDescription::direction_of(const MediaDescription& m) const noexcept {
  if (m.direction) return *m.direction;
  return direction.value_or(Direction::kSendRecv);
}

const Connection* SessionDescription::connection_of(const MediaDescription& m) const noexcept {
  if (m.connection) return &*m.connection;
  return connection ? &*connection : nullptr;
}

const Attribute* SessionDescription::attribute(std::string_view n) const noexcept {
  for (const auto& a : attributes)
    if (a.name == n) return &a;
  return nullptr;
}

std::optional<RtpMap> static_payload_type(int pt) {
  // RFC 3551 tables 4 and 5. G.722's RTP clock is 8000 although it samples
  // at 16 kHz: an error in RFC 1890 kept for compatibility (RFC 3551 §4.5.2).
  struct Entry {
    int pt;
    std::string_view name;
    std::uint32_t rate;
    std::uint32_t channels;
  };
  static constexpr std::array<Entry, 24> kTable = {{
      {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
      {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
      {10, "L16", 44100, 2},  {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
      {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
      {18, "G729", 8000, 1},  {25, "CelB", 90000, 1}, {26, "JPEG", 90000, 1}, {28, "nv", 90000, 1},
      {31, "H261", 90000, 1}, {32, "MPV", 90000, 1},  {33, "MP2T", 90000, 1}, {34, "H263", 90000, 1},
  }};
  for (const auto& e : kTable)
    if (e.pt == pt) return RtpMap{pt, std::string(e.name), e.rate, e.channels};
  return std::nullopt;
}

namespace {

struct Line {
  std::size_t number;
  char type;
  std::string_view value;
};

std::string_view trim_trailing(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return trim_trailing(s);
}

// Tokens separated by runs of spaces.
std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <typename T>
std::optional<T> parse_uint(std::string_view s, T max = std::numeric_limits<T>::max()) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > static_cast<std::uint64_t>(max)) return std::nullopt;
  return static_cast<T>(v);
}

bool is_token_char(char c) {
  // RFC 4566 token-char: visible ASCII except the separators below.
  if (c <= 0x20 || c >= 0x7f) return false;
  return c != '"' && c != '(' && c != ')' && c != ',' && c != '/' && c != ':' && c != ';' && c != '<' &&
         c != '=' && c != '>' && c != '?' && c != '@' && c != '[' && c != '\\' && c != ']' && c != '{' &&
         c != '}';
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

bool is_visible(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_fqdn(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool has_alpha = false;
  for (char c : s) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    has_alpha |= alpha;
    if (!alpha && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  }
  return has_alpha;  // all digits and dots is a (bad) IPv4 address, not a name
}

bool valid_address(AddrType t, std::string_view a) {
  if (a.empty() || a.size() > 253) return false;
  const std::string s(a);
  if (t == AddrType::kIp4) {
    in_addr v4;
    return inet_pton(AF_INET, s.c_str(), &v4) == 1 || is_fqdn(a);
  }
  in6_addr v6;
  if (a.find(':') != std::string_view::npos) return inet_pton(AF_INET6, s.c_str(), &v6) == 1;
  return is_fqdn(a);
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : text_(text), limits_(limits) {}

  Result<SessionDescription> run() {
    SB_RETURN_IF_ERROR(split_lines());
    if (lines_.size() < 3) return invalid_argument("SDP: too short: v=, o= and s= lines are required");
    static constexpr char kFirst[3] = {'v', 'o', 's'};
    for (std::size_t i = 0; i < 3; ++i)
      if (lines_[i].type != kFirst[i])
        return error(lines_[i], std::string(1, lines_[i].type) + "=", std::string("expected ") + kFirst[i] +
                                                                    "= here (v=, o=, s= come first, in order)");
    SB_RETURN_IF_ERROR(version(lines_[0]));
    SB_RETURN_IF_ERROR(origin(lines_[1]));
    sdp_.session_name = std::string(lines_[2].value);

    std::size_t i = 3;
    for (; i < lines_.size() && lines_[i].type != 'm'; ++i) SB_RETURN_IF_ERROR(session_line(lines_[i]));
    if (sdp_.timings.empty()) return invalid_argument("SDP: no t= line in the session section");
    for (; i < lines_.size(); ++i) {
      const Line& l = lines_[i];
      if (l.type == 'm') {
        SB_RETURN_IF_ERROR(finish_media());
        SB_RETURN_IF_ERROR(media_line(l));
      } else {
        SB_RETURN_IF_ERROR(media_attribute_line(l));
      }
    }
    SB_RETURN_IF_ERROR(finish_media());
    return std::move(sdp_);
  }

 private:
  static Status error(const Line& l, std::string_view field, std::string_view what) {
    return invalid_argument("SDP line " + std::to_string(l.number) + " (" + std::string(field) + "): " +
                            std::string(what));
  }

  Status split_lines() {
    if (text_.size() > limits_.max_bytes)
      return resource_exhausted("SDP: " + std::to_string(text_.size()) + " bytes exceeds the limit of " +
                                std::to_string(limits_.max_bytes));
    std::size_t pos = 0, number = 0;
    while (pos < text_.size()) {
      std::size_t nl = text_.find('\n', pos);
      std::string_view raw = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text_.size() : nl + 1;
      ++number;
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      if (number > limits_.max_lines)
        return resource_exhausted("SDP: more than " + std::to_string(limits_.max_lines) + " lines");
      if (raw.size() > limits_.max_line_length)
        return resource_exhausted("SDP line " + std::to_string(number) + ": longer than " +
                                  std::to_string(limits_.max_line_length) + " bytes");
      lines_.push_back(Line{number, '\0', raw});
    }
    while (!lines_.empty() && lines_.back().value.empty()) lines_.pop_back();
    for (auto& l : lines_) {
      const std::string_view raw = l.value;
      if (raw.size() < 2 || raw[0] < 'a' || raw[0] > 'z' || raw[1] != '=')
        return invalid_argument("SDP line " + std::to_string(l.number) + ": not of the form <letter>=<value>");
      for (char c : raw)
        if (c == '\0' || c == '\r')
          return invalid_argument("SDP line " + std::to_string(l.number) + ": contains a NUL or a bare CR");
      l.type = raw[0];
      l.value = raw.substr(2);
    }
    if (lines_.empty()) return invalid_argument("SDP: empty");
    return Status::ok();
  }

  Status version(const Line& l) {
    if (trim_trailing(l.value) != "0") return error(l, "v=", "version must be 0");
    return Status::ok();
  }

  Status addr_type(const Line& l, std::string_view field, std::string_view net, std::string_view type,
                   AddrType& out) {
    if (net != "IN") return error(l, field, "network type must be IN");
    if (type == "IP4") {
      out = AddrType::kIp4;
    } else if (type == "IP6") {
      out = AddrType::kIp6;
    } else {
      return error(l, field, "address type must be IP4 or IP6");
    }
    return Status::ok();
  }

  Status origin(const Line& l) {
    const auto t = split_spaces(trim_trailing(l.value));
    if (t.size() != 6) return error(l, "o=", "expected <username> <sess-id> <sess-version> IN <addrtype> <address>");
    Origin& o = sdp_.origin;
    if (!is_visible(t[0])) return error(l, "o=", "bad username");
    o.username = std::string(t[0]);
    if (t[1].size() > 64 || !std::all_of(t[1].begin(), t[1].end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        t[1].empty())
      return error(l, "o=", "sess-id must be digits");
    o.session_id = std::string(t[1]);
    auto v = parse_uint<std::uint64_t>(t[2]);
    if (!v) return error(l, "o=", "sess-version must be a number below 2^64");
    o.session_version = *v;
    SB_RETURN_IF_ERROR(addr_type(l, "o=", t[3], t[4], o.addr_type));
    if (!valid_address(o.addr_type, t[5])) return error(l, "o=", "bad unicast address");
    o.address = std::string(t[5]);
    return Status::ok();
  }

  Result<Connection> connection(const Line& l, std::string_view field, std::string_view value) {
    const auto t = split_spaces(trim_trailing(value));
    if (t.size() != 3) return error(l, field, "expected IN <addrtype> <address>");
    Connection c;
    SB_RETURN_IF_ERROR(addr_type(l, field, t[0], t[1], c.addr_type));
    std::string_view a = t[2];
    const std::size_t slash = a.find('/');
    if (slash != std::string_view::npos) {
      std::string_view rest = a.substr(slash + 1);
      a = a.substr(0, slash);
      const std::size_t slash2 = rest.find('/');
      std::string_view first = rest.substr(0, slash2);
      auto n1 = parse_uint<std::uint32_t>(first, 65535);
      if (!n1 || (c.addr_type == AddrType::kIp4 && *n1 > 255))
        return error(l, field, "bad multicast TTL or address count");
      if (c.addr_type == AddrType::kIp6) {
        if (slash2 != std::string_view::npos) return error(l, field, "IP6 takes no TTL");
        c.count = *n1;
      } else {
        c.ttl = *n1;
        if (slash2 != std::string_view::npos) {
          auto n2 = parse_uint<std::uint32_t>(rest.substr(slash2 + 1), 65535);
          if (!n2 || *n2 == 0) return error(l, field, "bad multicast address count");
          c.count = *n2;
        }
      }
    }
    if (!valid_address(c.addr_type, a)) return error(l, field, "bad address");
    c.address = std::string(a);
    return c;
  }

  Result<Bandwidth> bandwidth(const Line& l) {
    const std::string_view v = trim_trailing(l.value);
    const std::size_t colon = v.find(':');
    if (colon == std::string_view::npos) return error(l, "b=", "expected <bwtype>:<bandwidth>");
    Bandwidth b;
    if (!is_token(v.substr(0, colon))) return error(l, "b=", "bad bandwidth type");
    auto n = parse_uint<std::uint64_t>(v.substr(colon + 1));
    if (!n) return error(l, "b=", "bandwidth must be a number");
    b.type = std::string(v.substr(0, colon));
    b.value = *n;
    return b;
  }

  Status once(const Line& l, std::string_view field, bool already) {
    return already ? error(l, field, "appears more than once") : Status::ok();
  }

  Status session_line(const Line& l) {
    const std::string field = std::string(1, l.type) + "=";
    switch (l.type) {
      case 'i':
        SB_RETURN_IF_ERROR(once(l, field, sdp_.info.has_value()));
        sdp_.info = std::string(l.value);
        break;
      case 'u':
        SB_RETURN_IF_ERROR(once(l, field, sdp_.uri.has_value()));
        sdp_.uri = std::string(l.value);
        break;
      case 'e': sdp_.emails.emplace_back(l.value); break;
      case 'p': sdp_.phones.emplace_back(l.value); break;
      case 'c': {
        SB_RETURN_IF_ERROR(once(l, field, sdp_.connection.has_value()));
        auto c = connection(l, field, l.value);
        if (!c) return c.status();
        sdp_.connection = std::move(*c);
        break;
      }
      case 'b': {
        auto b = bandwidth(l);
        if (!b) return b.status();
        sdp_.bandwidths.push_back(std::move(*b));
        break;
      }
      case 't': {
        const auto t = split_spaces(trim_trailing(l.value));
        std::optional<std::uint64_t> start, stop;
        if (t.size() == 2) start = parse_uint<std::uint64_t>(t[0]), stop = parse_uint<std::uint64_t>(t[1]);
        if (!start || !stop) return error(l, field, "expected <start-time> <stop-time>");
        sdp_.timings.push_back(Timing{*start, *stop, {}});
        break;
      }
      case 'r':
        if (sdp_.timings.empty() || (previous_type_ != 't' && previous_type_ != 'r'))
          return error(l, field, "must follow a t= line");
        sdp_.timings.back().repeats.emplace_back(l.value);
        break;
      case 'z':
        SB_RETURN_IF_ERROR(once(l, field, sdp_.zone_adjustments.has_value()));
        sdp_.zone_adjustments = std::string(l.value);
        break;
      case 'k':
        SB_RETURN_IF_ERROR(once(l, field, sdp_.key.has_value()));
        sdp_.key = std::string(l.value);
        break;
      case 'a': SB_RETURN_IF_ERROR(attribute(l, nullptr)); break;
      case 'v':
      case 'o':
      case 's': return error(l, field, "appears more than once");
      default: return error(l, field, "unknown line type (RFC 4566 says to reject the description)");
    }
    previous_type_ = l.type;
    return Status::ok();
  }

  Status media_line(const Line& l) {
    if (sdp_.media.size() == limits_.max_media)
      return resource_exhausted("SDP line " + std::to_string(l.number) + " (m=): more than " +
                                std::to_string(limits_.max_media) + " media sections");
    const auto t = split_spaces(trim_trailing(l.value));
    if (t.size() < 4) return error(l, "m=", "expected <media> <port>[/<count>] <proto> <fmt> ...");
    MediaDescription m;
    if (!is_token(t[0])) return error(l, "m=", "bad media type");
    m.media = std::string(t[0]);
    std::string_view port = t[1];
    const std::size_t slash = port.find('/');
    if (slash != std::string_view::npos) {
      auto n = parse_uint<std::uint16_t>(port.substr(slash + 1));
      if (!n || *n == 0) return error(l, "m=", "bad port count");
      m.port_count = *n;
      port = port.substr(0, slash);
    }
    auto p = parse_uint<std::uint32_t>(port);
    if (!p || *p > 65535) return error(l, "m=", "port " + std::string(port) + " is out of range");
    m.port = static_cast<std::uint16_t>(*p);
    for (char c : t[2])
      if (!is_token_char(c) && c != '/') return error(l, "m=", "bad transport protocol");
    m.proto = std::string(t[2]);
    if (t.size() - 3 > limits_.max_formats)
      return resource_exhausted("SDP line " + std::to_string(l.number) + " (m=): more than " +
                                std::to_string(limits_.max_formats) + " formats");
    for (std::size_t i = 3; i < t.size(); ++i) {
      if (!is_token(t[i])) return error(l, "m=", "bad format");
      if (std::find(m.formats.begin(), m.formats.end(), t[i]) != m.formats.end())
        return error(l, "m=", "format " + std::string(t[i]) + " is listed twice");
      m.formats.emplace_back(t[i]);
    }
    if (m.is_rtp()) {
      for (const auto& f : m.formats) {
        auto pt = parse_uint<std::uint32_t>(f, 1000);
        if (!pt || *pt > 127) return error(l, "m=", "payload type " + f + " is not in 0..127");
        m.payload_types.push_back(static_cast<int>(*pt));
      }
    }
    media_line_ = l;
    sdp_.media.push_back(std::move(m));
    return Status::ok();
  }

  Status finish_media() {
    if (sdp_.media.empty()) return Status::ok();
    const MediaDescription& m = sdp_.media.back();
    if (m.port != 0 && !sdp_.connection_of(m))
      return error(media_line_, "m=", "no c= line in the session or in this media section");
    return Status::ok();
  }

  Status media_attribute_line(const Line& l) {
    MediaDescription& m = sdp_.media.back();
    const std::string field = std::string(1, l.type) + "=";
    switch (l.type) {
      case 'i':
        SB_RETURN_IF_ERROR(once(l, field, m.info.has_value()));
        m.info = std::string(l.value);
        return Status::ok();
      case 'c': {
        SB_RETURN_IF_ERROR(once(l, field, m.connection.has_value()));
        auto c = connection(l, field, l.value);
        if (!c) return c.status();
        m.connection = std::move(*c);
        return Status::ok();
      }
      case 'b': {
        auto b = bandwidth(l);
        if (!b) return b.status();
        m.bandwidths.push_back(std::move(*b));
        return Status::ok();
      }
      case 'k':
        SB_RETURN_IF_ERROR(once(l, field, m.key.has_value()));
        m.key = std::string(l.value);
        return Status::ok();
      case 'a': return attribute(l, &m);
      case 'v': case 'o': case 's': case 'u': case 'e': case 'p': case 't': case 'r': case 'z':
        return error(l, field, "belongs in the session section, before the first m=");
      default: return error(l, field, "unknown line type (RFC 4566 says to reject the description)");
    }
  }

  // ms, as an integer or a decimal ("20", "20.0"); 1..5000.
  static std::optional<std::uint32_t> milliseconds(std::string_view v) {
    const std::size_t dot = v.find('.');
    std::string_view whole = v.substr(0, dot);
    if (dot != std::string_view::npos) {
      std::string_view frac = v.substr(dot + 1);
      if (frac.empty() || frac.size() > 6 || !std::all_of(frac.begin(), frac.end(), [](char c) {
            return c >= '0' && c <= '9';
          }))
        return std::nullopt;
    }
    auto n = parse_uint<std::uint32_t>(whole, 5000);
    if (!n || *n == 0) return std::nullopt;
    return n;
  }

  Status attribute(const Line& l, MediaDescription* m) {
    const std::string_view v = l.value;
    const std::size_t colon = v.find(':');
    const std::string_view name = v.substr(0, colon);
    const std::optional<std::string_view> value =
        colon == std::string_view::npos ? std::nullopt : std::optional<std::string_view>(v.substr(colon + 1));
    const std::string field = "a=" + std::string(name);
    if (!is_token(trim_trailing(name))) return error(l, "a=", "bad attribute name");
    const std::string_view key = trim_trailing(name);

    if (key == "sendrecv" || key == "sendonly" || key == "recvonly" || key == "inactive") {
      if (value) return error(l, field, "takes no value");
      std::optional<Direction>& d = m ? m->direction : sdp_.direction;
      if (d) return error(l, field, "more than one direction attribute");
      d = key == "sendrecv"   ? Direction::kSendRecv
          : key == "sendonly" ? Direction::kSendOnly
          : key == "recvonly" ? Direction::kRecvOnly
                              : Direction::kInactive;
      return Status::ok();
    }
    if (!m) {
      if (key == "rtpmap" || key == "fmtp" || key == "ptime" || key == "maxptime" || key == "rtcp" || key == "mid")
        return error(l, field, "only allowed in a media section");
      sdp_.attributes.push_back(Attribute{std::string(key), value ? std::optional<std::string>(*value) : std::nullopt});
      return Status::ok();
    }
    if (key == "rtpmap") return rtpmap(l, *m, value);
    if (key == "fmtp") return fmtp(l, *m, value);
    if (key == "ptime" || key == "maxptime") {
      std::optional<std::uint32_t>& slot = key == "ptime" ? m->ptime : m->maxptime;
      if (slot) return error(l, field, "appears more than once");
      auto ms = value ? milliseconds(trim_trailing(*value)) : std::nullopt;
      if (!ms) return error(l, field, "expected a duration of 1..5000 ms");
      slot = *ms;
      return Status::ok();
    }
    if (key == "rtcp") {
      if (m->rtcp) return error(l, field, "appears more than once");
      const std::string_view rv = value ? trim_trailing(*value) : std::string_view();
      const std::size_t sp = rv.find(' ');
      auto port = parse_uint<std::uint32_t>(rv.substr(0, sp));
      if (!port || *port == 0 || *port > 65535) return error(l, field, "port is out of range");
      RtcpAttribute r;
      r.port = static_cast<std::uint16_t>(*port);
      if (sp != std::string_view::npos) {
        auto c = connection(l, field, rv.substr(sp + 1));
        if (!c) return c.status();
        r.connection = std::move(*c);
      }
      m->rtcp = std::move(r);
      return Status::ok();
    }
    if (key == "rtcp-mux") {
      if (value) return error(l, field, "takes no value");
      m->rtcp_mux = true;
      return Status::ok();
    }
    if (key == "mid") {
      if (m->mid) return error(l, field, "appears more than once");
      if (!value || !is_visible(trim_trailing(*value))) return error(l, field, "expected an identifier");
      m->mid = std::string(trim_trailing(*value));
      return Status::ok();
    }
    m->attributes.push_back(Attribute{std::string(key), value ? std::optional<std::string>(*value) : std::nullopt});
    return Status::ok();
  }

  Status rtpmap(const Line& l, MediaDescription& m, std::optional<std::string_view> value) {
    if (!value) return error(l, "a=rtpmap", "expected <payload type> <encoding>/<clock rate>[/<channels>]");
    const auto t = split_spaces(trim_trailing(*value));
    if (t.size() != 2) return error(l, "a=rtpmap", "expected <payload type> <encoding>/<clock rate>[/<channels>]");
    auto pt = parse_uint<std::uint32_t>(t[0], 1000);
    if (!pt || *pt > 127) return error(l, "a=rtpmap", "payload type " + std::string(t[0]) + " is not in 0..127");
    for (const auto& r : m.rtpmaps)
      if (r.payload_type == static_cast<int>(*pt))
        return error(l, "a=rtpmap", "payload type " + std::string(t[0]) + " is mapped twice");
    const std::string_view enc = t[1];
    const std::size_t s1 = enc.find('/');
    if (s1 == std::string_view::npos) return error(l, "a=rtpmap", "missing /<clock rate>");
    RtpMap r;
    r.payload_type = static_cast<int>(*pt);
    if (!is_token(enc.substr(0, s1))) return error(l, "a=rtpmap", "bad encoding name");
    r.encoding = std::string(enc.substr(0, s1));
    const std::string_view rest = enc.substr(s1 + 1);
    const std::size_t s2 = rest.find('/');
    auto rate = parse_uint<std::uint32_t>(rest.substr(0, s2), 10'000'000);
    if (!rate || *rate == 0) return error(l, "a=rtpmap", "bad clock rate");
    r.clock_rate = *rate;
    if (s2 != std::string_view::npos) {
      auto ch = parse_uint<std::uint32_t>(rest.substr(s2 + 1), 255);
      if (!ch || *ch == 0) return error(l, "a=rtpmap", "bad channel count");
      r.channels = *ch;
    }
    m.rtpmaps.push_back(std::move(r));
    return Status::ok();
  }

  Status fmtp(const Line& l, MediaDescription& m, std::optional<std::string_view> value) {
    const std::string_view v = value ? *value : std::string_view();
    const std::size_t sp = v.find(' ');
    if (!value || sp == std::string_view::npos || trim(v.substr(sp + 1)).empty())
      return error(l, "a=fmtp", "expected <format> <parameters>");
    const std::string_view format = v.substr(0, sp);
    if (!is_token(format)) return error(l, "a=fmtp", "bad format");
    if (m.is_rtp()) {
      auto pt = parse_uint<std::uint32_t>(format, 1000);
      if (!pt || *pt > 127) return error(l, "a=fmtp", "payload type " + std::string(format) + " is not in 0..127");
    }
    for (const auto& f : m.fmtps)
      if (f.format == format) return error(l, "a=fmtp", "format " + std::string(format) + " has two fmtp lines");
    Fmtp f;
    f.format = std::string(format);
    f.raw = std::string(trim(v.substr(sp + 1)));
    std::string_view rest = f.raw;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      const std::string_view item = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      if (item.empty()) continue;
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos)
        f.params.emplace_back(std::string(item), std::string());
      else
        f.params.emplace_back(std::string(trim(item.substr(0, eq))), std::string(trim(item.substr(eq + 1))));
    }
    m.fmtps.push_back(std::move(f));
    return Status::ok();
  }

  std::string_view text_;
  const ParseLimits& limits_;
  std::vector<Line> lines_;
  SessionDescription sdp_;
  Line media_line_{0, 'm', {}};
  char previous_type_ = 's';
};

}  // namespace

Result<SessionDescription> parse(std::string_view text, const ParseLimits& limits) {
  // The limits bound every allocation, but a hostile body must not be able
  // to take the process down even if one is missed.
  try {
    return Parser(text, limits).run();
  } catch (const std::bad_alloc&) {
    return resource_exhausted("SDP: out of memory while parsing");
  } catch (const std::length_error&) {
    return resource_exhausted("SDP: out of memory while parsing");
  }
}

}  // namespace sb::sdp
