// MD5 (RFC 1321) and SHA-256 (FIPS 180-4) written out here: Digest needs
// only these two one-shot hashes over short strings, and no crypto library
// is otherwise a dependency of the control plane.
#include "control/sip/b2bua/digest.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstring>

#include "control/sip/grammar.hpp"

namespace sb::sip::b2bua {

namespace {

std::uint32_t rotl(std::uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
std::uint32_t rotr(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

std::string hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

// Both hashes pad the same way: 0x80, zeros, the bit length in 64 bits
// (little-endian for MD5, big-endian for SHA-256), to a 64-byte multiple.
std::string pad(std::string_view data, bool big_endian) {
  std::string m(data);
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  for (int i = 0; i < 8; ++i) {
    const int shift = big_endian ? (7 - i) * 8 : i * 8;
    m.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
  return m;
}

}  // namespace

std::string md5_hex(std::string_view data) {
  static constexpr std::uint32_t kS[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  static const std::array<std::uint32_t, 64> kK = [] {
    std::array<std::uint32_t, 64> k{};
    // K[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 §3.4.
    for (int i = 0; i < 64; ++i) k[i] = static_cast<std::uint32_t>(std::fabs(std::sin(i + 1.0)) * 4294967296.0);
    return k;
  }();
  std::uint32_t a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
  const std::string m = pad(data, false);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(m.data() + off + 4 * i);
      w[i] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
    }
    std::uint32_t a = a0, b = b0, c = c0, d = d0;
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f = f + a + kK[i] + w[g];
      a = d;
      d = c;
      c = b;
      b = b + rotl(f, kS[i]);
    }
    a0 += a;
    b0 += b;
    c0 += c;
    d0 += d;
  }
  std::uint8_t out[16];
  const std::uint32_t words[4] = {a0, b0, c0, d0};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(words[i] >> (8 * j));
  return hex(out, 16);
}

std::string sha256_hex(std::string_view data) {
  static constexpr std::uint32_t kK[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const std::string m = pad(data, true);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(m.data() + off + 4 * i);
      w[i] = (static_cast<std::uint32_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + S1 + ch + kK[i] + w[i];
      const std::uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = S0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  std::uint8_t out[32];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
  return hex(out, 32);
}

std::optional<DigestAlgorithm> digest_algorithm(std::string_view name) noexcept {
  // RFC 2617: an absent algorithm means MD5.
  if (name.empty() || grammar::iequals(name, "MD5")) return DigestAlgorithm::kMd5;
  if (grammar::iequals(name, "SHA-256")) return DigestAlgorithm::kSha256;
  return std::nullopt;
}

std::string_view digest_algorithm_name(DigestAlgorithm a) noexcept { return a == DigestAlgorithm::kMd5 ? "MD5" : "SHA-256"; }

std::string digest_hash(DigestAlgorithm a, std::string_view data) {
  return a == DigestAlgorithm::kMd5 ? md5_hex(data) : sha256_hex(data);
}

std::string digest_response(DigestAlgorithm a, std::string_view user, std::string_view realm,
                            std::string_view password, std::string_view method, std::string_view uri,
                            std::string_view nonce, std::string_view nc, std::string_view cnonce,
                            std::string_view qop) {
  auto join = [](std::initializer_list<std::string_view> parts) {
    std::string s;
    bool first = true;
    for (auto p : parts) {
      if (!first) s += ':';
      first = false;
      s += p;
    }
    return s;
  };
  const std::string ha1 = digest_hash(a, join({user, realm, password}));
  const std::string ha2 = digest_hash(a, join({method, uri}));
  if (qop.empty()) return digest_hash(a, join({ha1, nonce, ha2}));
  return digest_hash(a, join({ha1, nonce, nc, cnonce, qop, ha2}));
}

bool verify_digest(const DigestParams& d, std::string_view method, std::string_view password) {
  const auto alg = digest_algorithm(d.algorithm);
  if (!alg) return false;
  if (!d.qop.empty() && !grammar::iequals(d.qop, "auth")) return false;
  if (!d.qop.empty() && (d.nc.empty() || d.cnonce.empty())) return false;
  const std::string expected =
      digest_response(*alg, d.username, d.realm, password, method, d.uri, d.nonce, d.nc, d.cnonce, d.qop);
  if (expected.size() != d.response.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned>(expected[i] ^ static_cast<char>(std::tolower(static_cast<unsigned char>(d.response[i]))));
  return diff == 0;
}

NonceIssuer::NonceIssuer(std::string secret, const Clock& clock, Nanos lifetime)
    : secret_(std::move(secret)), clock_(clock), lifetime_(lifetime) {}

std::string NonceIssuer::tag(std::uint64_t issued_ns) const {
  return sha256_hex(secret_ + ":" + std::to_string(issued_ns) + ":" + secret_).substr(0, 32);
}

std::string NonceIssuer::issue() const {
  const auto now = static_cast<std::uint64_t>(clock_.now().count());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(now));
  return std::string(buf) + "." + tag(now);
}

NonceCheck NonceIssuer::check(std::string_view nonce) const {
  if (nonce.size() != 16 + 1 + 32 || nonce[16] != '.') return NonceCheck::kInvalid;
  std::uint64_t issued = 0;
  for (char c : nonce.substr(0, 16)) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else return NonceCheck::kInvalid;
    issued = issued * 16 + static_cast<std::uint64_t>(v);
  }
  if (tag(issued) != nonce.substr(17)) return NonceCheck::kInvalid;
  const auto now = clock_.now().count();
  if (static_cast<std::int64_t>(issued) > now) return NonceCheck::kInvalid;
  return now - static_cast<std::int64_t>(issued) > lifetime_.count() ? NonceCheck::kStale : NonceCheck::kValid;
}

std::string digest_challenge(DigestAlgorithm a, std::string_view realm, std::string_view nonce, bool stale) {
  std::string v = "Digest realm=\"" + std::string(realm) + "\", nonce=\"" + std::string(nonce) +
                  "\", algorithm=" + std::string(digest_algorithm_name(a)) + ", qop=\"auth\"";
  if (stale) v += ", stale=true";
  return v;
}

}  // namespace sb::sip::b2bua
