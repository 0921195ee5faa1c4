// RFC 4475 torture messages: every message in tests/data/sip/rfc4475 gets
// the outcome expected.txt gives it, and the messages that exercise a
// particular reader get their fields checked.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/message.hpp"
#include "control/sip/validate.hpp"

namespace sb::sip {
namespace {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("SB_TEST_DATA")) return std::filesystem::path(env) / "sip" / "rfc4475";
  return std::filesystem::path(SB_SIP_TEST_DATA) / "rfc4475";
}

std::string read(const std::string& name) {
  std::ifstream f(data_dir() / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct Expectation {
  std::string file, verdict, outcome, reason;
};

std::vector<Expectation> manifest() {
  std::ifstream f(data_dir() / "expected.txt");
  std::vector<Expectation> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    Expectation e;
    is >> e.file >> e.verdict >> e.outcome;
    std::getline(is, e.reason);
    out.push_back(e);
  }
  return out;
}

// Parses and validates `bytes`; "parse", "validate" or "accept".
std::string outcome(const std::string& bytes, std::string* error) {
  auto m = parse_sip_message(bytes, ParseLimits{});
  if (!m) {
    *error = m.status().message();
    return "parse";
  }
  const Status st = m->is_request() ? validate_request(*m) : validate_response(*m);
  if (!st) {
    *error = st.message();
    return "validate";
  }
  return "accept";
}

TEST(Rfc4475, ManifestCoversEveryMessageFile) {
  const auto entries = manifest();
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir())) {
    if (e.path().extension() != ".dat") continue;
    ++files;
    bool listed = false;
    for (const auto& x : entries) listed = listed || x.file == e.path().filename().string();
    EXPECT_TRUE(listed) << e.path().filename() << " is not in expected.txt";
  }
  EXPECT_EQ(files, entries.size());
  EXPECT_EQ(entries.size(), 49u);
}

TEST(Rfc4475, EveryMessageHasItsExpectedOutcome) {
  for (const auto& e : manifest()) {
    std::string error;
    const auto got = outcome(read(e.file), &error);
    EXPECT_EQ(got, e.outcome) << e.file << ":" << e.reason << "\n  error: " << error;
    if (e.verdict == "valid") {
      EXPECT_EQ(e.outcome, "accept") << e.file;
    }
  }
}

TEST(Rfc4475, Wsinv) {
  const auto bytes = read("wsinv.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->method(), "INVITE");
  auto t = to(*m);
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t->tag, "1918181833n");
  EXPECT_EQ(t->uri.host, "chair-dnrc.example.com");
  auto f = from(*m);
  ASSERT_TRUE(f) << f.status().message();
  EXPECT_EQ(f->display_name, "J Rosenberg \\\"");
  EXPECT_EQ(f->tag, "98asjd8");
  EXPECT_EQ(*max_forwards(*m), 68);
  EXPECT_EQ(cseq(*m)->number, 9u);
  EXPECT_EQ(cseq(*m)->method, "INVITE");
  auto v = vias(*m);
  ASSERT_TRUE(v) << v.status().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].transport, "UDP");
  EXPECT_EQ((*v)[0].host, "192.0.2.2");
  EXPECT_EQ((*v)[0].branch, "390skdjuw");
  EXPECT_FALSE((*v)[0].has_rfc3261_branch());
  EXPECT_EQ((*v)[1].transport, "TCP");
  EXPECT_EQ((*v)[1].host, "spindle.example.com");
  EXPECT_EQ((*v)[1].branch, "z9hG4bK9ikj8");
  EXPECT_EQ((*v)[2].host, "192.168.255.111");
  EXPECT_EQ((*v)[2].branch, "z9hG4bK30239");
  ASSERT_NE(m->find(HeaderId::kSubject), nullptr);
  EXPECT_EQ(m->find(HeaderId::kSubject)->value, "");
  ASSERT_NE(m->find("NewFangledHeader"), nullptr);
  EXPECT_EQ(m->find("newfangledheader")->value, "newfangled value continued newfangled value");
  EXPECT_EQ(m->find("UnknownHeaderWithUnusualValue")->value, ";;,,;;,;");
  auto c = contacts(*m);
  ASSERT_TRUE(c) << c.status().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].address.display_name, "Quoted string \"\"");
  EXPECT_EQ((*c)[0].q_thousandths, 330);
  ASSERT_NE(find_param((*c)[0].address.params, "newparam"), nullptr);
  EXPECT_EQ(find_param((*c)[0].address.params, "newparam")->value, "newvalue");
  EXPECT_FALSE(find_param((*c)[0].address.params, "secondparam")->has_value);
  auto r = routes(*m);
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_NE((*r)[0].uri.param("lr"), nullptr);
  EXPECT_EQ(m->body().size(), 150u);
  EXPECT_EQ(content_type(*m)->subtype, "sdp");
}

TEST(Rfc4475, Intmeth) {
  const auto bytes = read("intmeth.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->method(), "!interesting-Method0123456789_*+`.%indeed'~");
  auto uri = parse_uri(m->request_uri());
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(uri->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  auto t = to(*m);
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t->display_name, std::string("BEL:\x07 NUL:\0 DEL:\x7f", 17));
  auto f = from(*m);
  ASSERT_TRUE(f) << f.status().message();
  EXPECT_EQ(f->display_name, "token1~` token2'+_ token3*%!.-");
  EXPECT_EQ(f->tag, "_token~1'+`*%!-.");
  EXPECT_EQ(*call_id(*m), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  EXPECT_EQ(*max_forwards(*m), 255);
}

TEST(Rfc4475, EscapesAreKeptAndDecodable) {
  const auto bytes = read("esc01.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m);
  auto uri = parse_uri(m->request_uri());
  ASSERT_TRUE(uri);
  EXPECT_EQ(*percent_decode(uri->user), "sips:user@example.com");
  EXPECT_EQ(*percent_decode(to(*m)->uri.user), "user");
  auto c = contacts(*m);
  ASSERT_TRUE(c);
  EXPECT_EQ(*percent_decode((*c)[0].address.uri.params[1].value), "value%41");

  const auto nul = read("escnull.dat");
  auto n = parse_sip_message(nul, {});
  ASSERT_TRUE(n);
  EXPECT_EQ(*percent_decode(to(*n)->uri.user), std::string("null-\0-null", 11));
  EXPECT_EQ(contacts(*n)->size(), 2u);
}

TEST(Rfc4475, Esc02PercentIsNotAnEscapeOutsideUris) {
  const auto bytes = read("esc02.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), "RE%47IST%45R");
  EXPECT_EQ(to(*m)->display_name, "%Z%45");
  // C%6Fntact is an unknown header, not a third Contact row.
  EXPECT_EQ(contacts(*m)->size(), 2u);
  EXPECT_NE(m->find("C%6Fntact"), nullptr);
}

TEST(Rfc4475, LongreqAndTransports) {
  const auto bytes = read("longreq.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(vias(*m)->size(), 34u);
  EXPECT_EQ(vias(*m)->back().received, "192.0.2.5");

  const auto t = read("transports.dat");
  auto tm = parse_sip_message(t, {});
  ASSERT_TRUE(tm);
  auto v = vias(*tm);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 5u);
  EXPECT_EQ((*v)[1].transport, "SCTP");
  EXPECT_EQ((*v)[3].transport, "UNKNOWN");
}

TEST(Rfc4475, DblreqTakesTheFirstRequestOnly) {
  const auto bytes = read("dblreq.dat");
  auto m = parse_sip_message(bytes, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), "REGISTER");
  EXPECT_TRUE(m->body().empty());
  EXPECT_LT(m->wire_size(), bytes.size());
  // Over a stream the rest is the next message (after an empty line, which
  // a stream reader skips as a keep-alive).
  ParseLimits stream;
  stream.transport = ParseLimits::Transport::kStream;
  auto next = parse_sip_message(std::string_view(bytes).substr(m->wire_size()), stream);
  ASSERT_TRUE(next) << next.status().message();
  EXPECT_EQ(next->method(), "INVITE");
  EXPECT_EQ(next->body().size(), 150u);
}

TEST(Rfc4475, ResponsesWithOddReasons) {
  const auto u = read("unreason.dat");
  auto m = parse_sip_message(u, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status_code(), 200);
  EXPECT_EQ(m->reason().substr(0, 15), "= 2**3 * 5**2 \xd0");
  const auto n = read("noreason.dat");
  auto r = parse_sip_message(n, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_code(), 100);
  EXPECT_EQ(r->reason(), "");
}

TEST(Rfc4475, InvalidMessagesFailWhereAndWhyExpected) {
  auto error_of = [](const std::string& file) {
    std::string e;
    outcome(read(file), &e);
    return e;
  };
  EXPECT_NE(error_of("clerr.dat").find("Content-Length"), std::string::npos);
  EXPECT_NE(error_of("ncl.dat").find("Content-Length"), std::string::npos);
  EXPECT_NE(error_of("mcl01.dat").find("more than one"), std::string::npos);
  EXPECT_NE(error_of("scalar02.dat").find("CSeq"), std::string::npos);
  EXPECT_NE(error_of("scalarlg.dat").find("CSeq"), std::string::npos);
  EXPECT_NE(error_of("quotbal.dat").find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("ltgtruri.dat").find("Request-URI"), std::string::npos);
  EXPECT_NE(error_of("escruri.dat").find("headers"), std::string::npos);
  EXPECT_NE(error_of("baddate.dat").find("GMT"), std::string::npos);
  EXPECT_NE(error_of("regbadct.dat").find("Contact"), std::string::npos);
  EXPECT_NE(error_of("badaspec.dat").find("whitespace"), std::string::npos);
  EXPECT_NE(error_of("badvers.dat").find("SIP/2.0"), std::string::npos);
  EXPECT_NE(error_of("mismatch01.dat").find("does not match"), std::string::npos);
  EXPECT_NE(error_of("mismatch02.dat").find("does not match"), std::string::npos);
  EXPECT_NE(error_of("bigcode.dat").find("three digits"), std::string::npos);
  EXPECT_NE(error_of("badinv01.dat").find("Via"), std::string::npos);
  EXPECT_NE(error_of("insuf.dat").find("missing"), std::string::npos);
  EXPECT_NE(error_of("multi01.dat").find("more than one"), std::string::npos);
  EXPECT_NE(error_of("baddn.dat").find("empty line"), std::string::npos);

  // baddn with its header block terminated: the display name is the fault.
  std::string e;
  EXPECT_EQ(outcome(read("baddn.dat") + "\r\n", &e), "validate");
  EXPECT_NE(e.find("display name"), std::string::npos) << e;

  // scalar02: each overlarge field is reported by its own reader.
  const auto s2 = read("scalar02.dat");
  auto m = parse_sip_message(s2, {});
  ASSERT_TRUE(m);
  EXPECT_FALSE(max_forwards(*m));
  EXPECT_FALSE(expires(*m));
  EXPECT_FALSE(contacts(*m));
}

TEST(Rfc4475, SemanticCasesExposeWhatTheLaterLayersNeed) {
  const auto bb = read("badbranch.dat");
  auto b = parse_sip_message(bb, {});
  ASSERT_TRUE(b);
  EXPECT_EQ(vias(*b)->front().branch, "z9hG4bK");
  EXPECT_FALSE(vias(*b)->front().has_rfc3261_branch());

  const auto us = read("unkscm.dat");
  auto u = parse_sip_message(us, {});
  ASSERT_TRUE(u);
  EXPECT_EQ(parse_uri(u->request_uri())->scheme, SipUri::Scheme::kOther);

  const auto u2 = read("unksm2.dat");
  auto m2 = parse_sip_message(u2, {});
  ASSERT_TRUE(m2);
  EXPECT_EQ(to(*m2)->uri.scheme_text, "isbn");
  EXPECT_EQ(from(*m2)->uri.scheme_text, "http");
  EXPECT_EQ(contacts(*m2)->front().address.uri.opaque, "John_Smith");

  const auto ra = read("regaut01.dat");
  auto r = parse_sip_message(ra, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(authorization(*r).status().code(), StatusCode::kUnsupported);

  const auto bx = read("bext01.dat");
  auto x = parse_sip_message(bx, {});
  ASSERT_TRUE(x);
  EXPECT_EQ(token_list(*x, HeaderId::kRequire)->size(), 2u);
  EXPECT_EQ(token_list(*x, HeaderId::kProxyRequire)->size(), 2u);

  const auto zm = read("zeromf.dat");
  auto z = parse_sip_message(zm, {});
  ASSERT_TRUE(z);
  EXPECT_EQ(*max_forwards(*z), 0);

  const auto c1 = read("cparam01.dat");
  auto p1 = parse_sip_message(c1, {});
  ASSERT_TRUE(p1);
  EXPECT_NE(find_param(contacts(*p1)->front().address.params, "unknownparam"), nullptr);
  const auto c2 = read("cparam02.dat");
  auto p2 = parse_sip_message(c2, {});
  ASSERT_TRUE(p2);
  EXPECT_TRUE(contacts(*p2)->front().address.params.empty());
  EXPECT_NE(contacts(*p2)->front().address.uri.param("unknownparam"), nullptr);

  const auto rr = read("regescrt.dat");
  auto re = parse_sip_message(rr, {});
  ASSERT_TRUE(re);
  EXPECT_EQ(contacts(*re)->front().address.uri.headers.size(), 1u);

  const auto legacy = read("inv2543.dat");
  auto l = parse_sip_message(legacy, {});
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->content_length().has_value());
  EXPECT_TRUE(vias(*l)->front().branch.empty());
  EXPECT_EQ(max_forwards(*l).status().code(), StatusCode::kNotFound);
}

TEST(Rfc4475, EveryAcceptedRequestCanBeAnswered) {
  for (const auto& e : manifest()) {
    if (e.outcome != "accept") continue;
    const auto bytes = read(e.file);
    auto m = parse_sip_message(bytes, {});
    ASSERT_TRUE(m) << e.file;
    if (!m->is_request()) continue;
    auto resp = make_response(*m, 200, "OK", {.to_tag = "s1"});
    ASSERT_TRUE(resp) << e.file << ": " << resp.status().message();
    auto back = parse_sip_message(*resp, {});
    ASSERT_TRUE(back) << e.file << ": " << back.status().message();
    EXPECT_TRUE(validate_response(*back)) << e.file;
    EXPECT_EQ(*call_id(*back), *call_id(*m)) << e.file;
    EXPECT_EQ(vias(*back)->size(), vias(*m)->size()) << e.file;
  }
}

TEST(Rfc4475, RejectedRequestsGetA400WhenTheyCanBeMatched) {
  for (const auto& e : manifest()) {
    if (e.outcome == "accept") continue;
    const auto bytes = read(e.file);
    std::string why;
    outcome(bytes, &why);
    auto m = parse_sip_message(bytes, {});
    Result<std::string> resp = m ? (m->is_request() ? make_bad_request_response(*m, why, "t1")
                                                    : Result<std::string>(failed_precondition("response")))
                                 : salvage_bad_request_response(bytes, why, {});
    if (!resp) continue;  // not a request, or nothing to match a response on
    auto back = parse_sip_message(*resp, {});
    ASSERT_TRUE(back) << e.file << ": " << back.status().message() << "\n" << *resp;
    EXPECT_EQ(back->status_code(), 400) << e.file;
    EXPECT_NE(back->find("Warning"), nullptr) << e.file;
  }
  // insuf has no From/To/Call-ID: it is dropped, not answered.
  const auto insuf = read("insuf.dat");
  auto m = parse_sip_message(insuf, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(make_bad_request_response(*m, "x").status().code(), StatusCode::kFailedPrecondition);
  // clerr cannot be parsed, but Via, From, To, Call-ID and CSeq are readable.
  EXPECT_TRUE(salvage_bad_request_response(read("clerr.dat"), "Content-Length", {}));
}

}  // namespace
}  // namespace sb::sip
