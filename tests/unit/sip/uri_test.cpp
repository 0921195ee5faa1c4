// SIP URI parsing: the parts a server routes and matches on.
#include <gtest/gtest.h>

#include <string>

#include "control/sip/uri.hpp"

namespace sb::sip {
namespace {

TEST(SipUri, AllParts) {
  auto u = parse_uri("sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&priority=urgent");
  ASSERT_TRUE(u) << u.status().message();
  EXPECT_EQ(u->scheme, SipUri::Scheme::kSips);
  EXPECT_EQ(u->user, "alice");
  EXPECT_TRUE(u->has_password);
  EXPECT_EQ(u->password, "secret");
  EXPECT_EQ(u->host, "Example.COM");
  EXPECT_EQ(u->port, 5061);
  ASSERT_EQ(u->params.size(), 2u);
  EXPECT_EQ(u->param("TRANSPORT")->value, "tcp");
  EXPECT_FALSE(u->param("lr")->has_value);
  ASSERT_EQ(u->headers.size(), 2u);
  EXPECT_EQ(u->headers[1].name, "priority");
  EXPECT_EQ(u->headers[1].value, "urgent");
}

TEST(SipUri, HostForms) {
  auto v6 = parse_uri("sip:[2001:db8::10]:5070");
  ASSERT_TRUE(v6) << v6.status().message();
  EXPECT_TRUE(v6->host_is_ipv6);
  EXPECT_EQ(v6->host, "[2001:db8::10]");
  EXPECT_EQ(v6->port, 5070);
  auto v4 = parse_uri("sip:192.0.2.1");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "192.0.2.1");
  EXPECT_TRUE(v4->user.empty());
  EXPECT_FALSE(v4->port.has_value());
  auto v6mapped = parse_uri("sip:bob@[::ffff:192.0.2.1]");
  ASSERT_TRUE(v6mapped) << v6mapped.status().message();
}

TEST(SipUri, EscapesAndUserCharacters) {
  auto u = parse_uri("sip:user;par=u%40example.net@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "user;par=u%40example.net");
  EXPECT_EQ(*percent_decode(u->user), "user;par=u@example.net");
  auto tel = parse_uri("sip:+1-212-555-1212@gw.example.com;user=phone");
  ASSERT_TRUE(tel);
  EXPECT_EQ(tel->param("user")->value, "phone");
  EXPECT_FALSE(percent_decode("a%4"));
  EXPECT_FALSE(percent_decode("a%zz"));
  EXPECT_EQ(*percent_decode("%41%62c"), "Abc");
}

TEST(SipUri, OtherSchemesAreOpaque) {
  auto tel = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
  ASSERT_TRUE(tel);
  EXPECT_EQ(tel->scheme, SipUri::Scheme::kOther);
  EXPECT_FALSE(tel->is_sip());
  EXPECT_EQ(tel->scheme_text, "tel");
  EXPECT_EQ(tel->opaque, "+1-201-555-0123;phone-context=example.com");
  EXPECT_TRUE(parse_uri("soap.beep://192.0.2.103:3002"));
  EXPECT_TRUE(parse_uri("SIP:bob@example.com"));
}

TEST(SipUri, Errors) {
  const char* bad[] = {
      "",                    "bob@example.com",         "sip:",           "sip:@example.com",
      "sip:bob@",            "sip:bob@exa mple.com",    "sip:bob@-a.com", "sip:bob@a..com",
      "sip:bob@h:",          "sip:bob@h:65536",         "sip:bob@h:5x",   "sip:bob@[2001:db8::1",
      "sip:bob@[zz::1]",     "sip:b%zzob@h",            "sip:bob@h;=x",   "sip:bob@h;a=",
      "sip:bob@h?",          "sip:bob@h?a",             "sip:bo<b@h",     "tel:",
      "1sip:bob@h",          "mailto:a b",
  };
  for (const char* b : bad) EXPECT_FALSE(parse_uri(b)) << b;
  auto e = parse_uri("sip:bob@h:70000");
  EXPECT_NE(e.status().message().find("port 70000"), std::string::npos);
}

}  // namespace
}  // namespace sb::sip
