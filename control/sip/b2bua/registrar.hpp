// The registrar agents' phones REGISTER with (RFC 3261 §10): Digest
// authentication against the [[sip.agents]] credentials, one binding per
// agent (the latest contact wins: an agent has one phone), expiry on the
// injected clock, and the lookup the B2BUA uses to ring an agent.
//
// Bounded by construction: only configured agents can hold a binding, so
// the table never grows past the credential list. Unknown users and wrong
// passwords get the same 401 with fresh challenges, so the answers do not
// tell which agent ids exist.
//
//   Registrar reg(clock, {.realm = "switchboard.local", .agents = creds});
//   auto out = reg.on_register(request, source);   // 200, 401, 400, 403, 423
//   respond(out.code, out.reason, out.headers);
//   if (auto b = reg.lookup("1001")) invite(b->contact, b->peer);
//
// Not thread-safe: the SIP thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "control/sip/b2bua/digest.hpp"
#include "control/sip/message.hpp"
#include "control/sip/transaction.hpp"

namespace sb::sip::b2bua {

struct Credential {
  std::string user;
  std::string password;
};

struct RegistrarOptions {
  std::string realm = "switchboard.local";
  std::vector<Credential> agents;
  std::uint32_t default_expires = 3600;   // when the client names none
  std::uint32_t max_expires = 3600;       // longer requests are shortened
  std::uint32_t min_expires = 60;         // shorter ones get 423 Interval Too Brief
  Nanos nonce_lifetime = std::chrono::minutes(5);
  std::string nonce_secret;               // empty: drawn from std::random_device
  // Challenges offered, in order ([sip] digest_algorithms).
  std::vector<DigestAlgorithm> algorithms = {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256};
};

struct Binding {
  std::string agent;
  std::string contact;    // the Contact URI, the Request-URI of INVITEs to the agent
  Peer peer;              // where the REGISTER came from: where requests go (NAT-safe)
  Nanos expires_at{0};
};

// Headers and status for the response to a request that needed auth.
struct AuthOutcome {
  int code = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> headers;
  bool auth_failed = false;  // a credential was given and was wrong
};

// Checks Authorization against one user's password (the challenge side of
// both the registrar and trunk INVITE auth). kOk leaves `out` untouched.
class DigestAuthenticator {
 public:
  DigestAuthenticator(std::string realm, const Clock& clock, Nanos nonce_lifetime, std::string secret,
                      std::vector<DigestAlgorithm> algorithms = {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256});
  // `password_of` returns nullopt for an unknown user; the 401 is then the
  // same as for a wrong password.
  template <typename Lookup>
  bool authenticate(const SipMessage& request, Lookup password_of, AuthOutcome& out) const;
  void challenge(AuthOutcome& out, bool stale) const;
  const std::string& realm() const noexcept { return realm_; }

 private:
  bool check(const SipMessage& request, const std::optional<std::string>& password, const DigestParams& d,
             AuthOutcome& out) const;
  std::string realm_;
  NonceIssuer nonces_;
  std::vector<DigestAlgorithm> algorithms_;
};

class Registrar {
 public:
  Registrar(const Clock& clock, RegistrarOptions options);

  // A REGISTER (validated by the transaction layer) from `source`.
  AuthOutcome on_register(const SipMessage& request, const Peer& source);
  // The live binding of `agent`, if any (expired ones are dropped here too).
  std::optional<Binding> lookup(const std::string& agent);
  // Whether `host` is the address of a live binding (registered agents may
  // place calls).
  bool is_registered_host(const std::string& host) const;
  // Drops expired bindings; returns how many.
  std::size_t expire();
  // Agents whose binding lapsed (expired, or removed with Expires: 0)
  // since the last call; a binding replaced by a fresh one is not lapsed.
  std::vector<std::string> take_lapsed();
  std::size_t active() const noexcept { return bindings_.size(); }
  const DigestAuthenticator& authenticator() const noexcept { return auth_; }

 private:
  const Clock& clock_;
  RegistrarOptions options_;
  DigestAuthenticator auth_;
  std::map<std::string, std::string, std::less<>> passwords_;
  std::map<std::string, Binding, std::less<>> bindings_;
  std::vector<std::string> lapsed_;
};

// ---- template ----
template <typename Lookup>
bool DigestAuthenticator::authenticate(const SipMessage& request, Lookup password_of, AuthOutcome& out) const {
  if (!request.find(HeaderId::kAuthorization)) {
    challenge(out, false);
    return false;
  }
  auto d = authorization(request);
  if (!d) {
    out.code = 400;
    out.reason = "Bad Request";
    out.headers = {{"Warning", "399 - \"Authorization: unreadable\""}};
    return false;
  }
  return check(request, password_of(d->username), *d, out);
}

}  // namespace sb::sip::b2bua
