// Digest hashes and responses against values computed independently
// (RFC 1321/FIPS 180-4 test strings, the RFC 2617 §3.5 example, and
// responses for our realm computed with Python's hashlib), nonces on a
// ManualClock, and the registrar's answers.
#include <gtest/gtest.h>

#include "control/sip/b2bua/digest.hpp"
#include "control/sip/b2bua/registrar.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {
namespace {

TEST(Digest, HashesMatchKnownVectors) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Crosses the 56-byte padding boundary.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Digest, ResponsesMatchIndependentlyComputedValues) {
  // RFC 2617 §3.5.
  EXPECT_EQ(digest_response(DigestAlgorithm::kMd5, "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
                            "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth"),
            "6629fae49393a05397450978507c4ef1");
  // hashlib: user 1001, realm switchboard.local, password secret-1001,
  // REGISTER sip:switchboard.local, nonce abc123nonce, nc 00000001, cnonce 0a4f113b.
  EXPECT_EQ(digest_response(DigestAlgorithm::kMd5, "1001", "switchboard.local", "secret-1001", "REGISTER",
                            "sip:switchboard.local", "abc123nonce", "00000001", "0a4f113b", "auth"),
            "96f8b6e5ef6b16c535ed0c7fe74ba50e");
  EXPECT_EQ(digest_response(DigestAlgorithm::kSha256, "1001", "switchboard.local", "secret-1001", "REGISTER",
                            "sip:switchboard.local", "abc123nonce", "00000001", "0a4f113b", "auth"),
            "db14986506b7b46c7f578d3d4c94a2a5df5c3691f018bbc5463a86f46f484755");
  // Without qop (RFC 2069 form).
  EXPECT_EQ(digest_response(DigestAlgorithm::kMd5, "1001", "switchboard.local", "secret-1001", "REGISTER",
                            "sip:switchboard.local", "abc123nonce", "", "", ""),
            "d06fc55331085a3f5edb21be80444edd");
  EXPECT_EQ(digest_response(DigestAlgorithm::kSha256, "1001", "switchboard.local", "secret-1001", "REGISTER",
                            "sip:switchboard.local", "abc123nonce", "", "", ""),
            "718acbc32189875f05ebf99d29d91269295b1a57522bb60e035f3273a4c75294");
}

TEST(Digest, NoncesExpireAndForgeriesAreRefused) {
  ManualClock clock(std::chrono::seconds(100));
  NonceIssuer nonces("secret", clock, std::chrono::minutes(5));
  const std::string n = nonces.issue();
  EXPECT_EQ(nonces.check(n), NonceCheck::kValid);
  clock.advance(std::chrono::minutes(6));
  EXPECT_EQ(nonces.check(n), NonceCheck::kStale);
  std::string forged = n;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(nonces.check(forged), NonceCheck::kInvalid);
  EXPECT_EQ(nonces.check("short"), NonceCheck::kInvalid);
  NonceIssuer other("another-secret", clock, std::chrono::minutes(5));
  EXPECT_EQ(other.check(nonces.issue()), NonceCheck::kInvalid);
}

OwnedMessage register_request(const std::string& user, const std::string& auth, const std::string& expires = "600") {
  std::string m = "REGISTER sip:switchboard.local SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-reg1\r\n"
                  "Max-Forwards: 70\r\n"
                  "From: <sip:" + user + "@switchboard.local>;tag=a1\r\n"
                  "To: <sip:" + user + "@switchboard.local>\r\n"
                  "Call-ID: reg-" + user + "\r\n"
                  "CSeq: 2 REGISTER\r\n"
                  "Contact: <sip:" + user + "@127.0.0.1:5062>;expires=" + expires + "\r\n";
  if (!auth.empty()) m += "Authorization: " + auth + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return *OwnedMessage::parse(m);
}

std::string nonce_of(const AuthOutcome& out) {
  auto d = parse_digest(out.headers.at(0).second, "WWW-Authenticate");
  return d ? d->nonce : "";
}

std::string credentials(DigestAlgorithm a, const std::string& user, const std::string& password, const std::string& nonce) {
  const std::string r = digest_response(a, user, "switchboard.local", password, "REGISTER", "sip:switchboard.local", nonce,
                                        "00000001", "c0ffee", "auth");
  return "Digest username=\"" + user + "\", realm=\"switchboard.local\", nonce=\"" + nonce +
         "\", uri=\"sip:switchboard.local\", response=\"" + r + "\", algorithm=" +
         std::string(digest_algorithm_name(a)) + ", qop=auth, nc=00000001, cnonce=\"c0ffee\"";
}

TEST(Registrar, ChallengesAuthenticatesAndExpires) {
  ManualClock clock(std::chrono::seconds(1000));
  RegistrarOptions o;
  o.agents = {{"1001", "secret-1001"}};
  o.max_expires = 300;
  o.nonce_secret = "test";
  Registrar reg(clock, o);
  const Peer phone{"127.0.0.1", 5062, "UDP", false};

  auto first = reg.on_register(register_request("1001", "").message(), phone);
  ASSERT_EQ(first.code, 401);
  ASSERT_EQ(first.headers.size(), 2u);
  EXPECT_NE(first.headers[0].second.find("algorithm=MD5"), std::string::npos);
  EXPECT_NE(first.headers[1].second.find("algorithm=SHA-256"), std::string::npos);
  const std::string nonce = nonce_of(first);

  // Wrong password and unknown user: the same answer.
  auto wrong = reg.on_register(register_request("1001", credentials(DigestAlgorithm::kMd5, "1001", "nope", nonce)).message(), phone);
  auto unknown = reg.on_register(register_request("9999", credentials(DigestAlgorithm::kMd5, "9999", "nope", nonce)).message(), phone);
  EXPECT_EQ(wrong.code, 401);
  EXPECT_EQ(unknown.code, 401);
  EXPECT_TRUE(wrong.auth_failed);
  EXPECT_TRUE(unknown.auth_failed);
  EXPECT_EQ(wrong.headers.size(), unknown.headers.size());
  EXPECT_FALSE(reg.lookup("1001"));

  for (auto a : {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256}) {
    auto ok = reg.on_register(register_request("1001", credentials(a, "1001", "secret-1001", nonce)).message(), phone);
    ASSERT_EQ(ok.code, 200) << ok.reason;
    ASSERT_EQ(ok.headers.size(), 1u);
    // 600 asked, 300 granted.
    EXPECT_EQ(ok.headers[0].second, "<sip:1001@127.0.0.1:5062>;expires=300");
  }
  auto b = reg.lookup("1001");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->contact, "sip:1001@127.0.0.1:5062");
  EXPECT_EQ(b->peer.port, 5062);
  EXPECT_TRUE(reg.is_registered_host("127.0.0.1"));
  EXPECT_EQ(reg.active(), 1u);

  clock.advance(std::chrono::seconds(301));
  EXPECT_FALSE(reg.lookup("1001"));
  EXPECT_EQ(reg.active(), 0u);

  // An old nonce with good credentials: stale=true, no failure counted.
  auto stale = reg.on_register(register_request("1001", credentials(DigestAlgorithm::kMd5, "1001", "secret-1001", nonce)).message(), phone);
  EXPECT_EQ(stale.code, 401);
  EXPECT_FALSE(stale.auth_failed);
  EXPECT_NE(stale.headers[0].second.find("stale=true"), std::string::npos);

  // Too short, and removal with expires=0.
  const std::string fresh = nonce_of(stale);
  EXPECT_EQ(reg.on_register(register_request("1001", credentials(DigestAlgorithm::kMd5, "1001", "secret-1001", fresh), "10").message(), phone).code, 423);
  EXPECT_EQ(reg.on_register(register_request("1001", credentials(DigestAlgorithm::kMd5, "1001", "secret-1001", fresh)).message(), phone).code, 200);
  EXPECT_EQ(reg.on_register(register_request("1001", credentials(DigestAlgorithm::kMd5, "1001", "secret-1001", fresh), "0").message(), phone).code, 200);
  EXPECT_FALSE(reg.lookup("1001"));
}

}  // namespace
}  // namespace sb::sip::b2bua
