#include "control/sip/b2bua/registrar.hpp"

#include <algorithm>
#include <random>

#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

namespace {

std::string random_secret() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 4; ++i) s += std::to_string(rd()) + "-";
  return s;
}

}  // namespace

DigestAuthenticator::DigestAuthenticator(std::string realm, const Clock& clock, Nanos nonce_lifetime, std::string secret,
                                         std::vector<DigestAlgorithm> algorithms)
    : realm_(std::move(realm)),
      nonces_(secret.empty() ? random_secret() : std::move(secret), clock, nonce_lifetime),
      algorithms_(std::move(algorithms)) {}

void DigestAuthenticator::challenge(AuthOutcome& out, bool stale) const {
  out.code = 401;
  out.reason = "Unauthorized";
  out.headers.clear();
  const std::string nonce = nonces_.issue();
  // Both algorithms by default (RFC 8760), MD5 first: widely deployed
  // clients take the first challenge they see. Some (libre before 2.x,
  // hence Debian 12's baresip) fail on any challenge naming an algorithm
  // they lack: [sip] digest_algorithms = ["MD5"] serves them.
  for (const DigestAlgorithm a : algorithms_)
    out.headers.emplace_back("WWW-Authenticate", digest_challenge(a, realm_, nonce, stale));
}

bool DigestAuthenticator::check(const SipMessage& request, const std::optional<std::string>& password,
                                const DigestParams& d, AuthOutcome& out) const {
  const NonceCheck n = nonces_.check(d.nonce);
  if (d.realm != realm_ || n == NonceCheck::kInvalid) {
    // Not an answer to one of our challenges: challenge again, no failure
    // counted (a client that cached credentials of another realm).
    challenge(out, false);
    return false;
  }
  // Digest is computed even for unknown users, against a password nobody
  // has, so both paths take the same work.
  const bool ok = verify_digest(d, request.method(), password.value_or("\x01unknown-user\x01")) && password.has_value();
  if (!ok) {
    challenge(out, false);
    out.auth_failed = true;
    return false;
  }
  if (n == NonceCheck::kStale) {
    challenge(out, true);
    return false;
  }
  return true;
}

Registrar::Registrar(const Clock& clock, RegistrarOptions options)
    : clock_(clock),
      options_(std::move(options)),
      auth_(options_.realm, clock, options_.nonce_lifetime, options_.nonce_secret, options_.algorithms) {
  for (const auto& c : options_.agents) passwords_[c.user] = c.password;
}

AuthOutcome Registrar::on_register(const SipMessage& request, const Peer& source) {
  AuthOutcome out;
  auto to_value = to(request);
  if (!to_value || !to_value->uri.is_sip() || to_value->uri.user.empty()) {
    out.code = 400;
    out.reason = "Bad Request";
    out.headers = {{"Warning", "399 - \"To: needs a SIP URI with a user\""}};
    return out;
  }
  const std::string aor_user(to_value->uri.user);
  auto password_of = [&](const std::string& user) -> std::optional<std::string> {
    const auto it = passwords_.find(user);
    if (it == passwords_.end()) return std::nullopt;
    return it->second;
  };
  if (!auth_.authenticate(request, password_of, out)) return out;
  // Authenticated as `username`; it may only register its own AOR.
  const auto d = authorization(request);
  if (!d || d->username != aor_user) {
    out = {};
    out.code = 403;
    out.reason = "Forbidden";
    return out;
  }
  auto list = contacts(request);
  if (!list) {
    out.code = 400;
    out.reason = "Bad Request";
    return out;
  }
  const auto header_expires = expires(request);
  const Nanos now = clock_.now();
  for (const auto& c : *list) {
    std::uint32_t e = c.expires.value_or(header_expires ? *header_expires : options_.default_expires);
    if (c.star) {
      if (e != 0 || list->size() != 1) {
        out.code = 400;
        out.reason = "Bad Request";
        return out;
      }
      if (bindings_.erase(aor_user)) lapsed_.push_back(aor_user);
      continue;
    }
    if (e == 0) {
      if (bindings_.erase(aor_user)) lapsed_.push_back(aor_user);
      continue;
    }
    if (e < options_.min_expires) {
      out.code = 423;
      out.reason = "Interval Too Brief";
      out.headers = {{"Min-Expires", std::to_string(options_.min_expires)}};
      return out;
    }
    e = std::min(e, options_.max_expires);
    Binding b;
    b.agent = aor_user;
    b.contact = std::string(c.address.uri.text);
    b.peer = source;
    b.expires_at = now + std::chrono::seconds(e);
    bindings_[aor_user] = std::move(b);
  }
  out.code = 200;
  out.reason = "OK";
  out.headers.clear();
  if (auto it = bindings_.find(aor_user); it != bindings_.end()) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second.expires_at - now).count();
    out.headers.emplace_back("Contact", "<" + it->second.contact + ">;expires=" + std::to_string(left));
  }
  return out;
}

std::optional<Binding> Registrar::lookup(const std::string& agent) {
  const auto it = bindings_.find(agent);
  if (it == bindings_.end()) return std::nullopt;
  if (it->second.expires_at <= clock_.now()) {
    lapsed_.push_back(it->first);
    bindings_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

bool Registrar::is_registered_host(const std::string& host) const {
  const Nanos now = clock_.now();
  for (const auto& [id, b] : bindings_)
    if (b.peer.host == host && b.expires_at > now) return true;
  return false;
}

std::size_t Registrar::expire() {
  const Nanos now = clock_.now();
  std::size_t n = 0;
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    if (it->second.expires_at <= now) {
      lapsed_.push_back(it->first);
      it = bindings_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::vector<std::string> Registrar::take_lapsed() {
  std::vector<std::string> out;
  // A phone that moved (Expires: 0 for the old contact, then the new one)
  // is still registered.
  for (auto& agent : std::exchange(lapsed_, {}))
    if (!bindings_.count(agent) && std::find(out.begin(), out.end(), agent) == out.end()) out.push_back(std::move(agent));
  return out;
}

}  // namespace sb::sip::b2bua
