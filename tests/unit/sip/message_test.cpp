// The message parser: framing, start lines, header rows (compact forms,
// folding, order), bodies and limits.
#include <gtest/gtest.h>

#include <string>

#include "control/sip/message.hpp"

namespace sb::sip {
namespace {

const std::string kOptions =
    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: <sip:alice@example.com>;tag=a\r\n"
    "Call-ID: c1@192.0.2.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

TEST(SipMessage, ParsesARequest) {
  auto m = parse_sip_message(kOptions, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method(), "OPTIONS");
  EXPECT_EQ(m->request_uri(), "sip:bob@example.com");
  EXPECT_EQ(m->headers().size(), 7u);
  EXPECT_EQ(m->headers()[0].id, HeaderId::kVia);
  EXPECT_EQ(m->find(HeaderId::kCallId)->value, "c1@192.0.2.1");
  EXPECT_EQ(m->content_length(), 0u);
  EXPECT_EQ(m->wire_size(), kOptions.size());
  // Zero copy: values point into the caller's buffer.
  const auto v = m->find(HeaderId::kCSeq)->value;
  EXPECT_GE(v.data(), kOptions.data());
  EXPECT_LT(v.data(), kOptions.data() + kOptions.size());
}

TEST(SipMessage, ParsesAResponse) {
  auto m = parse_sip_message("SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n", {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_TRUE(m->is_response());
  EXPECT_EQ(m->status_code(), 180);
  EXPECT_EQ(m->reason(), "Ringing");
}

TEST(SipMessage, StartLineErrors) {
  const char* bad[] = {
      "SIP/2.0 99 Low\r\n\r\n",          "SIP/2.0 700 High\r\n\r\n",       "SIP/2.0 2000 OK\r\n\r\n",
      "SIP/2.0 200\r\n\r\n",             "SIP/3.0 200 OK\r\n\r\n",         "INVITE sip:a@b SIP/2.1\r\n\r\n",
      "INVITE sip:a@b\r\n\r\n",          "INV ITE sip:a@b SIP/2.0\r\n\r\n", "INVITE  sip:a@b SIP/2.0\r\n\r\n",
      "INVITE sip:a@b SIP/2.0 \r\n\r\n", "INVITE <sip:a@b> SIP/2.0\r\n\r\n", "INVITE sip:a@b?x=y SIP/2.0\r\n\r\n",
      "\r\n",                            "INVITE sip:a@b SIP/2.0",         "SIP/2.0 200 O\x01K\r\n\r\n",
  };
  for (const char* b : bad) EXPECT_FALSE(parse_sip_message(b, {})) << b;
  // The version is case-insensitive (RFC 3261 §7.1).
  EXPECT_TRUE(parse_sip_message("INVITE sip:a@b sip/2.0\r\n\r\n", {}));
}

TEST(SipMessage, CompactFormsMapToFullNames) {
  const std::string msg =
      "INVITE sip:a@b SIP/2.0\r\n"
      "i: x\r\nv: SIP/2.0/UDP h\r\nf: <sip:f@h>\r\nt: <sip:t@h>\r\nm: <sip:m@h>\r\nl: 0\r\nc: text/plain\r\n"
      "k: timer\r\ns: hi\r\ne: gzip\r\no: presence\r\nr: <sip:r@h>\r\nb: <sip:b@h>\r\nu: talk\r\nx: 90\r\n"
      "y: abc\r\n\r\n";
  auto m = parse_sip_message(msg, {});
  ASSERT_TRUE(m) << m.status().message();
  const HeaderId ids[] = {HeaderId::kCallId,        HeaderId::kVia,         HeaderId::kFrom,
                          HeaderId::kTo,            HeaderId::kContact,     HeaderId::kContentLength,
                          HeaderId::kContentType,   HeaderId::kSupported,   HeaderId::kSubject,
                          HeaderId::kContentEncoding, HeaderId::kEvent,     HeaderId::kReferTo,
                          HeaderId::kReferredBy,    HeaderId::kAllowEvents, HeaderId::kSessionExpires,
                          HeaderId::kIdentity};
  ASSERT_EQ(m->headers().size(), std::size(ids));
  for (std::size_t i = 0; i < std::size(ids); ++i) EXPECT_EQ(m->headers()[i].id, ids[i]) << i;
  EXPECT_EQ(header_id("CALL-ID"), HeaderId::kCallId);
  EXPECT_EQ(header_id("I"), HeaderId::kCallId);
  EXPECT_EQ(header_id("q"), HeaderId::kOther);
  EXPECT_EQ(header_name(HeaderId::kWwwAuthenticate), "WWW-Authenticate");
  EXPECT_NE(m->find("Call-ID"), nullptr);
  EXPECT_NE(m->find("i"), nullptr);
}

TEST(SipMessage, FoldedValuesAreUnfoldedIntoOwnedStorage) {
  const std::string msg =
      "OPTIONS sip:a@b SIP/2.0\r\n"
      "Subject: first   \r\n \t second\r\n\tthird\r\n"
      "X-Plain: untouched\r\n"
      "To:\r\n <sip:t@h>\r\n"
      "\r\n";
  auto m = parse_sip_message(msg, {});
  ASSERT_TRUE(m) << m.status().message();
  const Header* s = m->find(HeaderId::kSubject);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->folded);
  EXPECT_EQ(s->value, "first second third");
  EXPECT_EQ(m->find(HeaderId::kTo)->value, "<sip:t@h>");
  EXPECT_FALSE(m->find("X-Plain")->folded);
  // Moving the message keeps the unfolded views valid.
  SipMessage moved = std::move(*m);
  EXPECT_EQ(moved.find(HeaderId::kSubject)->value, "first second third");
}

TEST(SipMessage, UnknownHeadersAreKeptInOrder) {
  auto m = parse_sip_message("OPTIONS sip:a@b SIP/2.0\r\nX-B: 2\r\nX-A: 1\r\nX-B: 3\r\n\r\n", {});
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 3u);
  EXPECT_EQ(m->headers()[0].value, "2");
  EXPECT_EQ(m->headers()[1].name, "X-A");
  EXPECT_EQ(m->headers()[2].value, "3");
  EXPECT_EQ(m->find("x-b")->value, "2");
}

TEST(SipMessage, HeaderRowErrors) {
  const char* bad[] = {
      "OPTIONS sip:a@b SIP/2.0\r\n continuation first\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\n: empty name\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nBad\x01Name: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nTo: x\n\r\n",          // bare LF
      "OPTIONS sip:a@b SIP/2.0\r\nTo: x\ry\r\n\r\n",     // bare CR
      "OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n",            // no empty line
  };
  for (const char* b : bad) EXPECT_FALSE(parse_sip_message(b, {})) << b;
}

TEST(SipMessage, BodyFraming) {
  const std::string head = "MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\n";
  auto exact = parse_sip_message(head + "Content-Length: 5\r\n\r\nhello", {});
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->body(), "hello");
  // Datagram: longer than Content-Length is truncated, no Content-Length
  // takes the rest.
  auto longer = parse_sip_message(head + "Content-Length: 3\r\n\r\nhello", {});
  ASSERT_TRUE(longer);
  EXPECT_EQ(longer->body(), "hel");
  auto none = parse_sip_message(head + "\r\nhello", {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->body(), "hello");
  EXPECT_FALSE(none->content_length().has_value());
  // Shorter, negative, non-numeric, repeated: errors.
  EXPECT_FALSE(parse_sip_message(head + "Content-Length: 9\r\n\r\nhello", {}));
  EXPECT_FALSE(parse_sip_message(head + "Content-Length: -1\r\n\r\nhello", {}));
  EXPECT_FALSE(parse_sip_message(head + "Content-Length: 5x\r\n\r\nhello", {}));
  EXPECT_FALSE(parse_sip_message(head + "Content-Length: 99999999999\r\n\r\nhello", {}));
  EXPECT_FALSE(parse_sip_message(head + "l: 5\r\nContent-Length: 5\r\n\r\nhello", {}));
  // Stream: Content-Length is required; what follows is the next message.
  ParseLimits stream;
  stream.transport = ParseLimits::Transport::kStream;
  EXPECT_FALSE(parse_sip_message(head + "\r\nhello", stream));
  auto s = parse_sip_message(head + "Content-Length: 2\r\n\r\nhello", stream);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->body(), "he");
  EXPECT_EQ(s->wire_size(), head.size() + 21 + 2);
}

TEST(SipMessage, LeadingKeepAliveCrlfsAreSkipped) {
  auto m = parse_sip_message("\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\n\r\n", {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->wire_size(), 4u + 27u);
}

TEST(SipMessage, LimitsGivePreciseErrors) {
  ParseLimits small;
  small.max_message_bytes = 40;
  auto big = parse_sip_message(kOptions, small);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(big.status().message().find("limit is 40"), std::string::npos);

  ParseLimits few;
  few.max_headers = 3;
  auto many = parse_sip_message(kOptions, few);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(many.status().message().find("more than 3 header fields"), std::string::npos);

  ParseLimits narrow;
  narrow.max_line_bytes = 40;
  auto wide = parse_sip_message(kOptions, narrow);
  ASSERT_FALSE(wide);
  EXPECT_EQ(wide.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(wide.status().message().find("line 2 is 42 bytes"), std::string::npos) << wide.status().message();
}

}  // namespace
}  // namespace sb::sip
