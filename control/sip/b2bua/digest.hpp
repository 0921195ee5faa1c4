// HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 2617,
// RFC 7616 and RFC 8760 for SHA-256): the hashes, the response a client
// computes, and the nonces the server hands out.
//
// Agents authenticate their REGISTERs (and trunks, when configured, their
// INVITEs) with it. The server offers two challenges, MD5 and SHA-256
// (RFC 8760), and accepts an answer to either (see registrar.cpp for the
// order).
//
// Nonces are stateless: "<issue time hex>.<HMAC-like tag hex>", the tag a
// SHA-256 over a per-process secret and the time, so the server keeps no
// table of issued nonces (nothing to flood) yet can tell a forged nonce
// (invalid: a fresh challenge) from an expired one (stale=true, RFC 2617
// §3.2.1: the client retries with the same credentials, no prompt).
//
//   NonceIssuer nonces(secret, clock, std::chrono::minutes(5));
//   auto nonce = nonces.issue();
//   ... later, with the client's Authorization parsed (headers.hpp):
//   if (nonces.check(d.nonce) == NonceCheck::kStale) challenge(stale=true)
//   bool ok = verify_digest(d, "REGISTER", password);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

// Lower-case hex digests.
std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

enum class DigestAlgorithm : std::uint8_t { kMd5, kSha256 };
// "MD5" / "SHA-256"; nullopt for anything else (MD5-sess and the -sess
// variants are not offered, so answers using them are refused).
std::optional<DigestAlgorithm> digest_algorithm(std::string_view name) noexcept;
std::string_view digest_algorithm_name(DigestAlgorithm a) noexcept;
std::string digest_hash(DigestAlgorithm a, std::string_view data);

// The request-digest (RFC 2617 §3.2.2.1): with qop "auth",
// H(H(A1):nonce:nc:cnonce:qop:H(A2)); without qop (RFC 2069 clients),
// H(H(A1):nonce:H(A2)). A1 = user:realm:password, A2 = method:uri.
std::string digest_response(DigestAlgorithm a, std::string_view user, std::string_view realm,
                            std::string_view password, std::string_view method, std::string_view uri,
                            std::string_view nonce, std::string_view nc, std::string_view cnonce, std::string_view qop);

// Whether `credentials` answer correctly for `method` with `password`.
// Refuses unknown algorithms and qop values other than "auth" or none. The
// comparison takes the same time wherever the strings differ.
bool verify_digest(const DigestParams& credentials, std::string_view method, std::string_view password);

enum class NonceCheck : std::uint8_t { kValid, kStale, kInvalid };

class NonceIssuer {
 public:
  NonceIssuer(std::string secret, const Clock& clock, Nanos lifetime);
  std::string issue() const;
  NonceCheck check(std::string_view nonce) const;

 private:
  std::string tag(std::uint64_t issued_ns) const;
  std::string secret_;
  const Clock& clock_;
  Nanos lifetime_;
};

// A WWW-Authenticate value: Digest realm, nonce, algorithm, qop="auth",
// and stale=true when asked.
std::string digest_challenge(DigestAlgorithm a, std::string_view realm, std::string_view nonce, bool stale);

}  // namespace sb::sip::b2bua
