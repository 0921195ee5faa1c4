// Typed header readers: Via, name-addr values, Contact, CSeq and the
// scalars, Digest parameters, token lists, Date.
#include <gtest/gtest.h>

#include <string>

#include "control/sip/headers.hpp"

namespace sb::sip {
namespace {

TEST(SipHeaders, ViaWithParams) {
  auto v = parse_via("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKabc;received=198.51.100.7;rport=40000, "
                     "SIP/2.0/TLS [2001:db8::2];branch=z9hG4bKdef;rport");
  ASSERT_TRUE(v) << v.status().message();
  ASSERT_EQ(v->size(), 2u);
  const Via& a = (*v)[0];
  EXPECT_EQ(a.protocol_name, "SIP");
  EXPECT_EQ(a.protocol_version, "2.0");
  EXPECT_EQ(a.transport, "UDP");
  EXPECT_EQ(a.host, "192.0.2.1");
  EXPECT_EQ(a.port, 5062);
  EXPECT_EQ(a.branch, "z9hG4bKabc");
  EXPECT_TRUE(a.has_rfc3261_branch());
  EXPECT_EQ(a.received, "198.51.100.7");
  EXPECT_TRUE(a.has_rport);
  EXPECT_EQ(a.rport, 40000);
  const Via& b = (*v)[1];
  EXPECT_EQ(b.host, "[2001:db8::2]");
  EXPECT_TRUE(b.has_rport);
  EXPECT_FALSE(b.rport.has_value());
}

TEST(SipHeaders, ViaErrors) {
  const char* bad[] = {"SIP/2.0 host",          "SIP/2.0/UDP",         "SIP/2.0/UDPhost",
                       "SIP/2.0/UDP host:99999", "SIP/2.0/UDP host;",   "SIP/2.0/UDP host;branch",
                       "SIP/2.0/UDP host;rport=x", "SIP/2.0/UDP host,,", "SIP/2.0/UDP host;received=not valid",
                       "SIP/2.0/UDP ho_st"};
  for (const char* b : bad) EXPECT_FALSE(parse_via(b)) << b;
  EXPECT_NE(parse_via("SIP/2.0/UDP h;;").status().message().find("Via"), std::string::npos);
}

TEST(SipHeaders, NameAddrForms) {
  auto q = parse_name_addr("\"Alice \\\"A\\\" Smith\" <sip:alice@example.com;transport=tcp>;tag=12ab;x", "From");
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->display_name, "Alice \"A\" Smith");
  EXPECT_TRUE(q->angle_brackets);
  EXPECT_EQ(q->tag, "12ab");
  EXPECT_NE(q->uri.param("transport"), nullptr);
  EXPECT_EQ(q->params.size(), 2u);

  auto token = parse_name_addr("Bob  Jones <sip:bob@example.com>", "To");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->display_name, "Bob  Jones");

  auto spec = parse_name_addr("sip:carol@example.com;tag=x1", "To");
  ASSERT_TRUE(spec);
  EXPECT_FALSE(spec->angle_brackets);
  EXPECT_FALSE(spec->has_display_name);
  EXPECT_EQ(spec->tag, "x1");
  EXPECT_TRUE(spec->uri.params.empty());  // ;tag is a header parameter here

  auto tel = parse_name_addr("<tel:+15551234>", "To");
  ASSERT_TRUE(tel);
  EXPECT_EQ(tel->uri.scheme, SipUri::Scheme::kOther);

  const char* bad[] = {"", "\"unterminated <sip:a@b>", "<sip:a@b", "< sip:a@b>", "A, B <sip:a@b>",
                       "sip:a@b?x=y", "<sip:a@b> junk", "<sip:a@b>;tag", "\"x\" sip:a@b"};
  for (const char* b : bad) EXPECT_FALSE(parse_name_addr(b, "To")) << b;
  EXPECT_NE(parse_name_addr("\"x <sip:a@b>", "To").status().message().find("To:"), std::string::npos);
}

TEST(SipHeaders, Contact) {
  auto c = parse_contact("<sip:a@192.0.2.1>;expires=3600;q=0.7, \"B\" <sip:b@h>;q=1, sip:c@h;q=0");
  ASSERT_TRUE(c) << c.status().message();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].expires, 3600u);
  EXPECT_EQ((*c)[0].q_thousandths, 700);
  EXPECT_EQ((*c)[1].q_thousandths, 1000);
  EXPECT_EQ((*c)[2].q_thousandths, 0);
  auto star = parse_contact("*");
  ASSERT_TRUE(star);
  EXPECT_TRUE(star->front().star);
  // A comma inside <> or quotes does not split.
  auto commas = parse_contact("\"a, b\" <sip:x,y@h>");
  ASSERT_TRUE(commas) << commas.status().message();
  EXPECT_EQ(commas->size(), 1u);
  const char* bad[] = {"*, <sip:a@h>", "<sip:a@h>;q=1.5", "<sip:a@h>;q=2", "<sip:a@h>;q=0.1234",
                       "<sip:a@h>;expires=4294967296", "<sip:a@h>;expires=x", "<sip:a@h>,"};
  for (const char* b : bad) EXPECT_FALSE(parse_contact(b)) << b;
}

TEST(SipHeaders, RoutesMustBeNameAddr) {
  auto r = parse_route("<sip:p1.example.com;lr>, <sip:p2.example.com;lr>", "Route");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 2u);
  EXPECT_NE((*r)[1].uri.param("lr"), nullptr);
  EXPECT_FALSE(parse_route("sip:p1.example.com", "Record-Route"));
}

TEST(SipHeaders, Scalars) {
  EXPECT_EQ(parse_cseq("  0009   INVITE ")->number, 9u);
  EXPECT_EQ(parse_cseq("2147483647 ACK")->number, 2147483647u);
  EXPECT_FALSE(parse_cseq("2147483648 ACK"));
  EXPECT_FALSE(parse_cseq("1INVITE"));
  EXPECT_FALSE(parse_cseq("1 INVITE x"));
  EXPECT_FALSE(parse_cseq("-1 INVITE"));
  EXPECT_FALSE(parse_cseq("INVITE"));
  EXPECT_EQ(*parse_max_forwards("0"), 0);
  EXPECT_EQ(*parse_max_forwards("255"), 255);
  EXPECT_FALSE(parse_max_forwards("256"));
  EXPECT_FALSE(parse_max_forwards(""));
  EXPECT_EQ(*parse_expires("4294967295"), 4294967295u);
  EXPECT_FALSE(parse_expires("4294967296"));
  EXPECT_EQ(*parse_call_id("a84b4c76e66710@pc33.atlanta.com"), "a84b4c76e66710@pc33.atlanta.com");
  EXPECT_FALSE(parse_call_id(""));
  EXPECT_FALSE(parse_call_id("a@b@c"));
  EXPECT_FALSE(parse_call_id("a b"));
  EXPECT_FALSE(parse_call_id("@b"));
  auto mt = parse_media_type("multipart/mixed ; boundary=\"7a9c\"");
  ASSERT_TRUE(mt);
  EXPECT_EQ(mt->type, "multipart");
  EXPECT_EQ(mt->subtype, "mixed");
  EXPECT_TRUE(find_param(mt->params, "boundary")->quoted);
  EXPECT_FALSE(parse_media_type("application"));
}

TEST(SipHeaders, TokenLists) {
  auto allow = parse_token_list("INVITE, ACK,OPTIONS ,  BYE", "Allow");
  ASSERT_TRUE(allow);
  EXPECT_EQ(allow->size(), 4u);
  EXPECT_EQ((*allow)[2], "OPTIONS");
  EXPECT_TRUE(parse_token_list("", "Supported")->empty());
  EXPECT_FALSE(parse_token_list("timer,,100rel", "Supported"));
  EXPECT_FALSE(parse_token_list("a b", "Supported"));
}

TEST(SipHeaders, DigestCredentials) {
  auto d = parse_digest(
      "Digest username=\"bob\", realm=\"biloxi.com\",nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
      "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
      "algorithm=MD5, x-extra=\"q\\\"uoted\"",
      "Authorization");
  ASSERT_TRUE(d) << d.status().message();
  EXPECT_EQ(d->username, "bob");
  EXPECT_EQ(d->realm, "biloxi.com");
  EXPECT_EQ(d->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_EQ(d->uri, "sip:bob@biloxi.com");
  EXPECT_EQ(d->qop, "auth");
  EXPECT_EQ(d->nc, "00000001");
  EXPECT_EQ(d->cnonce, "0a4f113b");
  EXPECT_EQ(d->response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(d->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(d->algorithm, "MD5");
  ASSERT_EQ(d->other.size(), 1u);
  EXPECT_EQ(d->other[0].second, "q\"uoted");

  auto ch = parse_digest("digest realm=\"a\", qop=\"auth,auth-int\", stale=TRUE, nonce=\"n\"", "WWW-Authenticate");
  ASSERT_TRUE(ch) << ch.status().message();
  EXPECT_EQ(ch->qop, "auth,auth-int");
  EXPECT_TRUE(ch->stale);

  EXPECT_EQ(parse_digest("Basic QWxhZGRpbjpvcGVu", "Authorization").status().code(), StatusCode::kUnsupported);
  const char* bad[] = {"Digest", "Digest ", "Digest realm", "Digest realm=", "Digest realm=\"a",
                       "Digest realm=a,,nonce=b", "Digest realm=a realm=b", "Digest realm=a, realm=b",
                       "Digest stale=maybe"};
  for (const char* b : bad) EXPECT_FALSE(parse_digest(b, "Authorization")) << b;
}

TEST(SipHeaders, Date) {
  EXPECT_EQ(*parse_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(*parse_date("Sat, 13 Nov 2010 23:29:00 GMT"), 1289690940);
  EXPECT_FALSE(parse_date("Fri, 01 Jan 2010 16:00:00 EST"));
  EXPECT_FALSE(parse_date("Fri, 1 Jan 2010 16:00:00 GMT"));
  EXPECT_FALSE(parse_date("Fri, 01 Foo 2010 16:00:00 GMT"));
}

TEST(SipHeaders, MessageAccessorsReportMissingAndRepeated) {
  const std::string bytes =
      "REGISTER sip:example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/TCP h2;branch=z9hG4bK2\r\n"
      "v: SIP/2.0/UDP h3;branch=z9hG4bK3\r\n"
      "To: <sip:a@example.com>\r\nf: <sip:a@example.com>;tag=1\r\nf: <sip:b@example.com>;tag=2\r\n"
      "Call-ID: x\r\nCSeq: 1 REGISTER\r\n"
      "Contact: <sip:a@h1>;expires=60\r\nm: <sip:a@h2>\r\n"
      "Allow: INVITE, ACK\r\nAllow: BYE\r\nSupported: path, gruu\r\nUser-Agent: softphone/1.0 (test)\r\n"
      "Authorization: Digest username=\"a\", realm=\"r\"\r\n"
      "\r\n";
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(vias(*m)->size(), 3u);
  EXPECT_EQ(vias(*m)->at(2).host, "h3");
  EXPECT_EQ(from(*m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(from(*m).status().message().find("From: more than one"), std::string::npos);
  EXPECT_EQ(max_forwards(*m).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(expires(*m).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(contacts(*m)->size(), 2u);
  EXPECT_EQ(token_list(*m, HeaderId::kAllow)->size(), 3u);
  EXPECT_EQ(token_list(*m, HeaderId::kSupported)->at(1), "gruu");
  EXPECT_EQ(*user_agent(*m), "softphone/1.0 (test)");
  EXPECT_EQ(authorization(*m)->realm, "r");
  EXPECT_EQ(proxy_authorization(*m).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(routes(*m)->empty());
}

}  // namespace
}  // namespace sb::sip
