// The first line of defence of the SIP transport: who may talk to us, how
// fast, and which well-known scanners are not worth a parse or an answer.
//
// The transport consults it three times:
//   admit_source(addr)   a new TCP connection, or a response: ACL and ban
//   admit_request(addr)  a request datagram or framed stream message, before
//                        parsing: ACL, ban, then the per-source token bucket
//   is_scanner(msg)      a parsed request: its User-Agent against the list
// and drops what they refuse silently (no answer: an answer would confirm
// to a scanner that something listens), counting each by reason.
//
// Rate limiting: each source address has a token bucket (`requests_per_second`
// refill, `burst` capacity). A request finding the bucket empty is dropped
// and is a violation; `violations_before_ban` violations, each within
// `violation_window` of the previous one, ban the source for `ban_duration`.
// Ports are ignored: a source is an address.
//
// Memory is bounded: at most `max_sources` addresses are tracked. A new one
// beyond that evicts the least recently seen source that is not banned
// (looking at a few of the oldest), or the least recently seen one.
//
// Time comes from the injected clock, so tests run in virtual time. Not
// thread-safe: the transport uses it from its one thread.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/sip/message.hpp"
#include "control/sip/transport/types.hpp"

namespace sb::sip {

// An address block: "10.0.0.0/8", "2001:db8::/32", or one address
// ("192.0.2.7" is /32, "::1" is /128). IPv4 blocks also match IPv4-mapped
// IPv6 addresses (::ffff:10.1.2.3).
class Cidr {
 public:
  // Errors: invalid-argument naming the text (bad address, prefix beyond
  // 32/128, host bits set below the prefix).
  static Result<Cidr> parse(std::string_view text);
  bool contains(const boost::asio::ip::address& a) const noexcept;
  std::string to_string() const;

 private:
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4
  unsigned prefix_ = 0;
  bool v4_ = true;
};

// The User-Agent substrings of common SIP scanners (matched
// case-insensitively).
std::vector<std::string> default_scanner_user_agents();

struct ProtectionOptions {
  std::vector<std::string> allow;  // CIDRs; empty = every source is allowed
  double requests_per_second = 0;  // per source; 0 disables rate limiting (and bans)
  double burst = 50;               // bucket capacity, >= 1
  std::uint32_t violations_before_ban = 20;
  Nanos violation_window = std::chrono::seconds(10);
  Nanos ban_duration = std::chrono::minutes(5);
  std::vector<std::string> scanner_user_agents = default_scanner_user_agents();
  std::size_t max_sources = 65536;
};

enum class Verdict : std::uint8_t { kAllow, kAclDenied, kBanned, kRateLimited, kScanner };
// The drop reason a refusal is counted under; nullopt for kAllow.
std::optional<DropReason> drop_reason(Verdict v) noexcept;

class SourceProtection {
 public:
  // Errors: invalid-argument for a bad CIDR, a burst below 1 or a negative
  // rate, a max_sources of 0, an empty scanner pattern.
  static Result<SourceProtection> create(ProtectionOptions options, const Clock& clock);

  SourceProtection(SourceProtection&&) noexcept = default;
  SourceProtection& operator=(SourceProtection&&) noexcept = default;

  bool acl_allows(const boost::asio::ip::address& a) const noexcept;
  // ACL, then ban. Takes no token.
  Verdict admit_source(const boost::asio::ip::address& a);
  // ACL, ban, then one token from the source's bucket.
  Verdict admit_request(const boost::asio::ip::address& a);
  // kScanner when the message's User-Agent contains a listed substring.
  Verdict inspect(const SipMessage& request) const;
  bool is_scanner_user_agent(std::string_view user_agent) const noexcept;

  bool is_banned(const boost::asio::ip::address& a) const;
  std::size_t tracked_sources() const noexcept { return table_.size(); }
  const ProtectionOptions& options() const noexcept { return options_; }

 private:
  using Key = std::array<std::uint8_t, 16>;  // IPv6 form; IPv4 as v4-mapped
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Source {
    double tokens = 0;
    Nanos refilled_at{0};
    std::uint32_t violations = 0;
    Nanos last_violation{0};
    std::optional<Nanos> banned_until;
    std::list<Key>::iterator lru;  // position in lru_ (front = most recent)
  };

  SourceProtection(ProtectionOptions options, std::vector<Cidr> allow, const Clock& clock);
  static Key key_of(const boost::asio::ip::address& a) noexcept;
  // The entry for `k`, created (evicting if full) when absent; marked recent.
  Source& touch(const Key& k, Nanos now);
  // Lifts an expired ban; true while banned.
  bool banned(Source& s, Nanos now);
  void evict_one();

  ProtectionOptions options_;
  std::vector<Cidr> allow_;
  std::vector<std::string> scanners_lower_;
  const Clock* clock_;
  std::unordered_map<Key, Source, KeyHash> table_;
  std::list<Key> lru_;
};

}  // namespace sb::sip
