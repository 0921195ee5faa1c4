#include "control/sip/transport/protection.hpp"

#include <algorithm>
#include <cstring>

#include "control/sip/grammar.hpp"

namespace sb::sip {
namespace {

namespace ip = boost::asio::ip;

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive substring search; `needle` is already lower case.
bool contains_lower(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
  const std::string what = "CIDR '" + std::string(text) + "'";
  const auto slash = text.find('/');
  const std::string addr_text(text.substr(0, slash));
  boost::system::error_code ec;
  const auto addr = ip::make_address(addr_text, ec);
  if (ec) return invalid_argument(what + ": '" + addr_text + "' is not an IP address");
  Cidr c;
  c.v4_ = addr.is_v4();
  const unsigned bits = c.v4_ ? 32 : 128;
  c.prefix_ = bits;
  if (slash != std::string_view::npos) {
    const auto p = grammar::parse_decimal(text.substr(slash + 1), bits);
    if (!p) return invalid_argument(what + ": prefix length must be 0.." + std::to_string(bits));
    c.prefix_ = static_cast<unsigned>(*p);
  }
  if (c.v4_) {
    const auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), c.bytes_.begin());
  } else {
    c.bytes_ = addr.to_v6().to_bytes();
  }
  // Host bits below the prefix are almost always a typo (10.1.2.3/8 meant
  // 10.0.0.0/8, or /32): refuse rather than guess.
  for (unsigned bit = c.prefix_; bit < bits; ++bit) {
    if (c.bytes_[bit / 8] & (0x80u >> (bit % 8))) return invalid_argument(what + ": address has bits set beyond the prefix");
  }
  return c;
}

bool Cidr::contains(const ip::address& a) const noexcept {
  std::array<std::uint8_t, 16> b{};
  if (a.is_v4()) {
    if (!v4_) return false;
    const auto v4 = a.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), b.begin());
  } else {
    const auto v6 = a.to_v6();
    if (v4_) {
      if (!v6.is_v4_mapped()) return false;
      const auto v4 = ip::make_address_v4(ip::v4_mapped, v6).to_bytes();
      std::copy(v4.begin(), v4.end(), b.begin());
    } else {
      b = v6.to_bytes();
    }
  }
  const unsigned whole = prefix_ / 8;
  if (std::memcmp(b.data(), bytes_.data(), whole) != 0) return false;
  const unsigned rest = prefix_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - rest));
  return (b[whole] & mask) == (bytes_[whole] & mask);
}

std::string Cidr::to_string() const {
  std::string a;
  if (v4_) {
    a = ip::address_v4(ip::address_v4::bytes_type{bytes_[0], bytes_[1], bytes_[2], bytes_[3]}).to_string();
  } else {
    a = ip::address_v6(bytes_).to_string();
  }
  return a + "/" + std::to_string(prefix_);
}

std::vector<std::string> default_scanner_user_agents() {
  return {"friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sundayddr", "iwar", "sipsak"};
}

std::optional<DropReason> drop_reason(Verdict v) noexcept {
  switch (v) {
    case Verdict::kAllow: return std::nullopt;
    case Verdict::kAclDenied: return DropReason::kAclDenied;
    case Verdict::kBanned: return DropReason::kBanned;
    case Verdict::kRateLimited: return DropReason::kRateLimited;
    case Verdict::kScanner: return DropReason::kScanner;
  }
  return std::nullopt;
}

Result<SourceProtection> SourceProtection::create(ProtectionOptions options, const Clock& clock) {
  std::vector<Cidr> allow;
  for (const auto& text : options.allow) {
    auto c = Cidr::parse(text);
    if (!c) return c.status();
    allow.push_back(*c);
  }
  if (!(options.requests_per_second >= 0)) return invalid_argument("requests_per_second must be >= 0");
  if (!(options.burst >= 1)) return invalid_argument("burst must be >= 1");
  if (options.max_sources == 0) return invalid_argument("max_sources must be at least 1");
  if (options.violations_before_ban == 0) return invalid_argument("violations_before_ban must be at least 1");
  for (const auto& s : options.scanner_user_agents)
    if (s.empty()) return invalid_argument("an empty scanner User-Agent pattern would match every request");
  return SourceProtection(std::move(options), std::move(allow), clock);
}

SourceProtection::SourceProtection(ProtectionOptions options, std::vector<Cidr> allow, const Clock& clock)
    : options_(std::move(options)), allow_(std::move(allow)), clock_(&clock) {
  for (const auto& s : options_.scanner_user_agents) {
    std::string l(s);
    std::transform(l.begin(), l.end(), l.begin(), lower);
    scanners_lower_.push_back(std::move(l));
  }
}

std::size_t SourceProtection::KeyHash::operator()(const Key& k) const noexcept {
  // FNV-1a over the 16 bytes: sources are attacker-chosen, but the table
  // is bounded, so a crafted collision chain costs at most max_sources.
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : k) h = (h ^ b) * 1099511628211ull;
  return static_cast<std::size_t>(h);
}

SourceProtection::Key SourceProtection::key_of(const ip::address& a) noexcept {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

bool SourceProtection::acl_allows(const ip::address& a) const noexcept {
  if (allow_.empty()) return true;
  return std::any_of(allow_.begin(), allow_.end(), [&](const Cidr& c) { return c.contains(a); });
}

bool SourceProtection::banned(Source& s, Nanos now) {
  if (!s.banned_until) return false;
  if (now < *s.banned_until) return true;
  // The ban is served: start afresh with a full bucket.
  s.banned_until.reset();
  s.violations = 0;
  s.tokens = options_.burst;
  s.refilled_at = now;
  return false;
}

bool SourceProtection::is_banned(const ip::address& a) const {
  const auto it = table_.find(key_of(a));
  return it != table_.end() && it->second.banned_until && clock_->now() < *it->second.banned_until;
}

void SourceProtection::evict_one() {
  // The oldest few entries: prefer one that is not banned, so that a flood
  // of new sources cannot wash a banned one out of the table.
  constexpr int kLook = 8;
  const Nanos now = clock_->now();
  auto victim = std::prev(lru_.end());
  auto it = victim;
  for (int i = 0; i < kLook; ++i) {
    auto& s = table_.at(*it);
    if (!s.banned_until || now >= *s.banned_until) {
      victim = it;
      break;
    }
    if (it == lru_.begin()) break;
    --it;
  }
  table_.erase(*victim);
  lru_.erase(victim);
}

SourceProtection::Source& SourceProtection::touch(const Key& k, Nanos now) {
  auto it = table_.find(k);
  if (it != table_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (table_.size() >= options_.max_sources) evict_one();
  lru_.push_front(k);
  Source s;
  s.tokens = options_.burst;
  s.refilled_at = now;
  s.lru = lru_.begin();
  return table_.emplace(k, s).first->second;
}

Verdict SourceProtection::admit_source(const ip::address& a) {
  if (!acl_allows(a)) return Verdict::kAclDenied;
  if (options_.requests_per_second <= 0) return Verdict::kAllow;  // no buckets, no bans
  const auto it = table_.find(key_of(a));
  if (it != table_.end() && banned(it->second, clock_->now())) return Verdict::kBanned;
  return Verdict::kAllow;
}

Verdict SourceProtection::admit_request(const ip::address& a) {
  if (!acl_allows(a)) return Verdict::kAclDenied;
  if (options_.requests_per_second <= 0) return Verdict::kAllow;
  const Nanos now = clock_->now();
  Source& s = touch(key_of(a), now);
  if (banned(s, now)) return Verdict::kBanned;
  if (now > s.refilled_at) {
    s.tokens = std::min(options_.burst, s.tokens + options_.requests_per_second * to_seconds(now - s.refilled_at));
    s.refilled_at = now;
  }
  if (s.tokens >= 1) {
    s.tokens -= 1;
    return Verdict::kAllow;
  }
  if (s.violations > 0 && now - s.last_violation > options_.violation_window) s.violations = 0;
  ++s.violations;
  s.last_violation = now;
  if (s.violations >= options_.violations_before_ban) {
    s.banned_until = now + options_.ban_duration;
    s.violations = 0;
  }
  return Verdict::kRateLimited;
}

bool SourceProtection::is_scanner_user_agent(std::string_view user_agent) const noexcept {
  return std::any_of(scanners_lower_.begin(), scanners_lower_.end(),
                     [&](const std::string& s) { return contains_lower(user_agent, s); });
}

Verdict SourceProtection::inspect(const SipMessage& request) const {
  if (scanners_lower_.empty()) return Verdict::kAllow;
  // Every User-Agent row counts: a scanner gains nothing by adding a second.
  for (const auto& h : request.headers()) {
    if (h.id == HeaderId::kUserAgent && is_scanner_user_agent(h.value)) return Verdict::kScanner;
  }
  return Verdict::kAllow;
}

}  // namespace sb::sip
