// The serializer: responses copy what the client transaction matches on,
// requests are built from checked parts, and every output parses back.
#include <gtest/gtest.h>

#include <string>

#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/validate.hpp"

namespace sb::sip {
namespace {

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\r\n"
    "v: SIP/2.0/TCP p0.example.com;branch=z9hG4bK0\r\n"
    "Max-Forwards: 70\r\n"
    "Record-Route: <sip:p1.example.com;lr>\r\n"
    "t: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

TEST(SipBuilder, ResponseCopiesMatchingFieldsAndAddsTag) {
  auto req = parse_sip_message(kInvite, {});
  ASSERT_TRUE(req) << req.status().message();
  ASSERT_TRUE(validate_request(*req));
  ResponseOptions opt;
  opt.to_tag = "a6c85cf";
  opt.copy_record_route = true;
  opt.headers = {{"Contact", "<sip:bob@192.0.2.4>"}, {"Allow", "INVITE, ACK, BYE"}};
  opt.content_type = "application/sdp";
  opt.body = "v=0\r\n";
  auto resp = make_response(*req, 200, "OK", opt);
  ASSERT_TRUE(resp) << resp.status().message();
  EXPECT_EQ(resp->substr(0, 17), "SIP/2.0 200 OK\r\nV");
  auto back = parse_sip_message(*resp, {});
  ASSERT_TRUE(back) << back.status().message() << "\n" << *resp;
  ASSERT_TRUE(validate_response(*back));
  auto v = vias(*back);
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].host, "pc33.atlanta.example.com");
  EXPECT_EQ((*v)[2].host, "p0.example.com");
  EXPECT_EQ(to(*back)->tag, "a6c85cf");
  EXPECT_EQ(to(*back)->display_name, "Bob");
  EXPECT_EQ(from(*back)->tag, "1928301774");
  EXPECT_EQ(*call_id(*back), "a84b4c76e66710");
  EXPECT_EQ(cseq(*back)->number, 314159u);
  EXPECT_EQ(record_routes(*back)->size(), 1u);
  EXPECT_EQ(back->body(), "v=0\r\n");
  EXPECT_EQ(back->content_length(), 5u);
  EXPECT_EQ(token_list(*back, HeaderId::kAllow)->size(), 3u);
}

TEST(SipBuilder, ExistingToTagIsKept) {
  std::string in = kInvite;
  in.replace(in.find("t: Bob <sip:bob@biloxi.example.com>"), 35, "t: Bob <sip:bob@biloxi.example.com>;tag=old");
  auto req = parse_sip_message(in, {});
  ASSERT_TRUE(req);
  auto resp = make_response(*req, 180, "Ringing", {.to_tag = "new"});
  ASSERT_TRUE(resp);
  auto back = parse_sip_message(*resp, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(to(*back)->tag, "old");
  // 100 Trying: no tag asked, none added; Record-Route not copied by default.
  auto trying = make_response(*req, 100, "Trying");
  ASSERT_TRUE(trying);
  EXPECT_EQ(trying->find("Record-Route"), std::string::npos);
}

TEST(SipBuilder, RejectsInjectionAndBadParts) {
  auto req = parse_sip_message(kInvite, {});
  ASSERT_TRUE(req);
  EXPECT_FALSE(make_response(*req, 99, "x"));
  EXPECT_FALSE(make_response(*req, 200, "OK\r\nX: y"));
  EXPECT_FALSE(make_response(*req, 200, "OK", {.to_tag = "a b"}));
  ResponseOptions inject;
  inject.headers = {{"X-Note", "a\r\nVia: evil"}};
  EXPECT_FALSE(make_response(*req, 200, "OK", inject));
  ResponseOptions own_length;
  own_length.headers = {{"l", "0"}};
  EXPECT_FALSE(make_response(*req, 200, "OK", own_length));
  ResponseOptions body_without_type;
  body_without_type.body = "x";
  EXPECT_FALSE(make_response(*req, 200, "OK", body_without_type));

  auto ack = parse_sip_message(
      "ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\n"
      "Call-ID: c\r\nCSeq: 1 ACK\r\n\r\n",
      {});
  ASSERT_TRUE(ack);
  EXPECT_EQ(make_response(*ack, 200, "OK").status().code(), StatusCode::kFailedPrecondition);
}

TEST(SipBuilder, Requests) {
  auto bye = SipMessageBuilder::request("BYE", "sip:alice@pc33.atlanta.example.com")
                 .add_header("Via", "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10")
                 .add_header("Max-Forwards", "70")
                 .add_header("From", "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf")
                 .add_header("To", "Alice <sip:alice@atlanta.example.com>;tag=1928301774")
                 .add_header("Call-ID", "a84b4c76e66710")
                 .add_header("CSeq", "231 BYE")
                 .build();
  ASSERT_TRUE(bye) << bye.status().message();
  auto back = parse_sip_message(*bye, {});
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_TRUE(validate_request(*back));
  EXPECT_EQ(back->content_length(), 0u);
  EXPECT_TRUE(back->body().empty());

  auto msg = SipMessageBuilder::request("MESSAGE", "sip:bob@h").set_body("text/plain;charset=utf-8", "hi").build();
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("Content-Type: text/plain;charset=utf-8\r\nContent-Length: 2\r\n\r\nhi"), std::string::npos);

  EXPECT_FALSE(SipMessageBuilder::request("BAD METHOD", "sip:b@h").build());
  EXPECT_FALSE(SipMessageBuilder::request("BYE", "<sip:b@h>").build());
  EXPECT_FALSE(SipMessageBuilder::request("BYE", "sip:b@h").add_header("Bad Name", "x").build());
  EXPECT_FALSE(SipMessageBuilder::request("BYE", "sip:b@h").set_body("nonsense", "x").build());
  EXPECT_TRUE(SipMessageBuilder::response(486, "Busy Here").build());
}

TEST(SipBuilder, BadRequestForAnInvalidRequest) {
  std::string in = kInvite;
  in.replace(in.find("CSeq: 314159 INVITE"), 19, "CSeq: 314159 BYE   ");
  auto req = parse_sip_message(in, {});
  ASSERT_TRUE(req);
  const Status st = validate_request(*req);
  ASSERT_FALSE(st);
  auto resp = make_bad_request_response(*req, st.message() + " (\"quoted\")", "t9");
  ASSERT_TRUE(resp) << resp.status().message();
  auto back = parse_sip_message(*resp, {});
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(back->status_code(), 400);
  EXPECT_EQ(back->reason(), "Bad Request");
  EXPECT_EQ(to(*back)->tag, "t9");
  EXPECT_EQ(vias(*back)->size(), 3u);
  ASSERT_NE(back->find("Warning"), nullptr);
  EXPECT_NE(back->find("Warning")->value.find("does not match"), std::string_view::npos);
  EXPECT_NE(back->find("Warning")->value.find("\\\""), std::string_view::npos);  // quotes escaped
}

TEST(SipBuilder, BadRequestFromUnparseableBytes) {
  std::string in = kInvite;
  in.replace(in.find("Content-Length: 4"), 17, "Content-Length: 9");
  ParseLimits limits;
  ASSERT_FALSE(parse_sip_message(in, limits));
  auto resp = salvage_bad_request_response(in, "Content-Length: larger than the body", limits);
  ASSERT_TRUE(resp) << resp.status().message();
  auto back = parse_sip_message(*resp, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status_code(), 400);
  EXPECT_TRUE(validate_response(*back));
  EXPECT_EQ(*call_id(*back), "a84b4c76e66710");
  // Nothing to match on: no answer.
  EXPECT_FALSE(salvage_bad_request_response("INVITE sip:b@h SIP/2.0\r\nTo: <sip:b@h>\r\n", "x", limits));
  EXPECT_FALSE(salvage_bad_request_response("SIP/2.0 200 OK\r\n", "x", limits));
  EXPECT_FALSE(salvage_bad_request_response("garbage", "x", limits));
}

}  // namespace
}  // namespace sb::sip
