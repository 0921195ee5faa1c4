// The API pieces that read the network, without sockets: request targets,
// routing, strict JSON, event filters and client commands, the event hub's
// ordering and replay, and the recordings directory reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "control/api/auth.hpp"
#include "control/api/endpoints/recordings_store.hpp"
#include "control/api/event_filter.hpp"
#include "control/api/event_hub.hpp"
#include "control/api/json_validation.hpp"
#include "control/api/router.hpp"
#include "control/api/url.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace sb {
namespace {

using namespace api;

TEST(Url, SplitsAndDecodes) {
  auto t = parse_target("/api/v1/recordings/call%2D1/audio?limit=5&q=a+b%26c&flag");
  ASSERT_TRUE(t) << t.status().to_string();
  EXPECT_EQ(t->segments, (std::vector<std::string>{"api", "v1", "recordings", "call-1", "audio"}));
  EXPECT_EQ(t->path, "/api/v1/recordings/call-1/audio");
  ASSERT_EQ(t->query.size(), 3u);
  EXPECT_EQ(t->query[1], (std::pair<std::string, std::string>{"q", "a b&c"}));
  EXPECT_EQ(t->query[2].first, "flag");
  EXPECT_TRUE(parse_target("/")->segments.empty());
  EXPECT_EQ(parse_target("/healthz/")->segments, std::vector<std::string>{"healthz"});
  // An encoded slash stays inside its segment.
  EXPECT_EQ(parse_target("/a/b%2Fc")->segments, (std::vector<std::string>{"a", "b/c"}));
}

TEST(Url, RejectsWhatIsNotAPlainPath) {
  for (const char* bad : {"", "api", "http://x/y", "/a/%", "/a/%4", "/a/%zz", "/a/%00", "/a/../b", "/a/%2e%2e/b",
                          "/a/./b", "/a?x=%", "/a\x01"})
    EXPECT_FALSE(parse_target(bad)) << bad;
  EXPECT_FALSE(parse_target("/" + std::string(kMaxTargetBytes, 'a')));
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "/a";
  EXPECT_FALSE(parse_target(deep));
  std::string many = "/a?";
  for (int i = 0; i < 70; ++i) many += "k=v&";
  EXPECT_FALSE(parse_target(many));
}

TEST(Router, ParametersLiteralsAndMethods) {
  Router r;
  auto h = sync([](const HttpRequest&) { return HttpResponse::json(200, {}); });
  ASSERT_TRUE(r.add(Method::kGet, "/api/v1/recordings/{id}", h).is_ok());
  ASSERT_TRUE(r.add(Method::kGet, "/api/v1/recordings/{id}/audio", h).is_ok());
  ASSERT_TRUE(r.add(Method::kGet, "/api/v1/recordings/latest", h).is_ok());
  ASSERT_TRUE(r.add(Method::kDelete, "/api/v1/recordings/{rid}", h).is_ok());
  EXPECT_EQ(r.add(Method::kGet, "/api/v1/recordings/{other}", h).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.add(Method::kGet, "no-slash", h).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.add(Method::kGet, "/a/{x}/{x}", h).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.add(Method::kGet, "/a b", h).code(), StatusCode::kInvalidArgument);

  Router::Match m;
  ASSERT_EQ(r.match(Method::kGet, {"api", "v1", "recordings", "call-7"}, m), Router::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/recordings/{id}");
  EXPECT_EQ(m.params.at("id"), "call-7");
  ASSERT_EQ(r.match(Method::kGet, {"api", "v1", "recordings", "latest"}, m), Router::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/recordings/latest");  // the literal wins
  ASSERT_EQ(r.match(Method::kDelete, {"api", "v1", "recordings", "x"}, m), Router::Outcome::kFound);
  EXPECT_EQ(m.params.at("rid"), "x");
  EXPECT_EQ(r.match(Method::kPost, {"api", "v1", "recordings", "x"}, m), Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kDelete}));
  EXPECT_EQ(r.match(Method::kGet, {"api", "v1", "nothing"}, m), Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, {"api", "v1", "recordings", ""}, m), Router::Outcome::kNotFound);
}

TEST(Router, ResponderAnswersOnceAndNeverLeavesARequestHanging) {
  std::vector<int> sent;
  {
    Responder r([&](HttpResponse resp) { sent.push_back(resp.status); });
    r(HttpResponse::json(201, {}));
    r(HttpResponse::json(202, {}));  // ignored
  }
  { Responder dropped([&](HttpResponse resp) { sent.push_back(resp.status); }); }
  EXPECT_EQ(sent, (std::vector<int>{201, 500}));
}

TEST(StrictJson, RefusesWhatLenientParsersAccept) {
  std::string why;
  EXPECT_TRUE(parse_strict_json(R"({"a":[1,2,{"b":null}],"c":"\u00e9"})", &why)) << why;
  EXPECT_FALSE(parse_strict_json(R"({"a":1,"a":2})", &why));
  EXPECT_NE(why.find("duplicate key \"a\""), std::string::npos) << why;
  EXPECT_FALSE(parse_strict_json(R"({"a":1} trailing)", &why));
  EXPECT_FALSE(parse_strict_json("{\"a\":1,}", &why));
  EXPECT_NE(why.find("byte "), std::string::npos) << why;
  EXPECT_FALSE(parse_strict_json("", &why));
  EXPECT_FALSE(parse_strict_json("{\"a\": 1 // comment\n}", &why));
  std::string deep(kMaxDepth + 1, '[');
  deep += std::string(kMaxDepth + 1, ']');
  EXPECT_FALSE(parse_strict_json(deep, &why));
  EXPECT_NE(why.find("nested deeper"), std::string::npos);
  std::string wide = "[";
  for (std::size_t i = 0; i < kMaxElements + 1; ++i) wide += "0,";
  wide += "0]";
  EXPECT_FALSE(parse_strict_json(wide, &why));
}

TEST(StrictJson, FieldsNamedInEveryProblem) {
  std::string why;
  auto j = parse_strict_json(
      R"({"name":5,"count":1.5,"big":99999999999999999999,"neg":-3,"mode":"fast","nested":{"x":"y"},"list":[1,"a"],"extra":true})",
      &why);
  ASSERT_TRUE(j) << why;
  FieldErrors errors;
  {
    ObjectReader r(*j, "", errors);
    r.string("name");
    r.integer("count", 0, 10);
    r.integer("big", 0, 10);
    r.integer("neg", 0, 10);
    r.choice<int>("mode", {{"slow", 1}, {"normal", 2}});
    r.string("required_one", Need::kRequired);
    if (auto n = r.object("nested")) n->integer("x", 0, 1);
    r.array("list", 10, Need::kOptional, [&](const nlohmann::json& e, const std::string& path) {
      if (!e.is_number_integer()) errors.add(path, "must be an integer");
    });
  }
  std::vector<std::string> fields;
  for (const auto& p : errors.problems()) fields.push_back(p.field + ": " + p.message);
  EXPECT_EQ(fields, (std::vector<std::string>{
                        "name: must be a string, found an integer",
                        "count: must be an integer from 0 to 10, found a floating-point number",
                        "big: must be an integer from 0 to 10, found a floating-point number",
                        "neg: must be an integer from 0 to 10",
                        "mode: must be one of \"slow\", \"normal\"",
                        "required_one: is required",
                        "nested.x: must be an integer from 0 to 1, found a string",
                        "list[1]: must be an integer",
                        "extra: is not a known field",
                    }));
  const HttpResponse r = errors.response();
  EXPECT_EQ(r.status, 422);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["field"], "name");
  EXPECT_EQ(body["error"]["message"], "name: must be a string, found an integer");
  EXPECT_EQ(body["error"]["problems"].size(), 9u);
}

TEST(StrictJson, BodyNeedsJsonContentType) {
  HttpRequest req;
  req.body = R"({"a":1})";
  EXPECT_EQ(parse_json_body(req).error().status, 415);
  req.headers["content-type"] = "Application/JSON; charset=utf-8";
  EXPECT_TRUE(parse_json_body(req));
  req.body = "{";
  EXPECT_EQ(parse_json_body(req).error().status, 400);
  req.body.clear();
  EXPECT_EQ(parse_json_body(req).error().status, 400);
  EXPECT_TRUE(parse_json_body(req, true));
}

TEST(EventFilter, Patterns) {
  auto f = EventFilter::parse_list("call.*, agent.state");
  ASSERT_TRUE(f) << f.status().to_string();
  EXPECT_TRUE(f->matches("call.created"));
  EXPECT_TRUE(f->matches("call.dtmf.end"));
  EXPECT_FALSE(f->matches("call"));
  EXPECT_FALSE(f->matches("callx.created"));
  EXPECT_TRUE(f->matches("agent.state"));
  EXPECT_FALSE(f->matches("agent.state.x"));
  EXPECT_EQ(f->patterns(), (std::vector<std::string>{"agent.state", "call.*"}));
  EXPECT_TRUE(EventFilter::parse_list("")->everything());
  EXPECT_TRUE(EventFilter::parse_list("call.*,*")->matches("anything"));
  for (const char* bad : {"Call.*", "call.", ".call", "call..x", "call.*.x", "call*", "a,,b", "a,", ",a", "a b"})
    EXPECT_FALSE(EventFilter::parse_list(bad)) << bad;
  std::string many;
  for (int i = 0; i < 40; ++i) many += "a" + std::to_string(i) + ",";
  many += "z";
  EXPECT_FALSE(EventFilter::parse_list(many));
  EXPECT_FALSE(EventFilter::parse_list(std::string(100, 'a')));
}

TEST(EventFilter, ClientCommands) {
  auto c = parse_client_command(R"({"op":"subscribe","types":["call.*"],"id":"r1"})");
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->op, ClientCommand::Op::kSubscribe);
  EXPECT_EQ(c->id, "r1");
  EXPECT_TRUE(c->filter.matches("call.x"));
  EXPECT_TRUE(parse_client_command(R"({"op":"ping"})"));
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b : {Bad{"nope", "not valid JSON"}, Bad{"[]", "must be an object"},
                       Bad{R"({"op":"dance"})", "op: must be one of"}, Bad{R"({"types":[]})", "op: is required"},
                       Bad{R"({"op":"subscribe"})", "types: is required"},
                       Bad{R"({"op":"subscribe","types":[1]})", "types[0]: must be a string"},
                       Bad{R"({"op":"subscribe","types":["BAD"]})", "types[0]:"},
                       Bad{R"({"op":"ping","types":["a"]})", "types: is not a known field"},
                       Bad{R"({"op":"ping","id":7})", "id: must be a string"}}) {
    auto r = parse_client_command(b.text);
    ASSERT_FALSE(r) << b.text;
    EXPECT_NE(r.status().message().find(b.says), std::string::npos) << b.text << " -> " << r.status().message();
  }
  EXPECT_FALSE(parse_client_command(std::string(kMaxClientMessageBytes + 1, ' ')));
}

TEST(Auth, BearerTokens) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_FALSE(bearer_token("Basic abc"));
  EXPECT_FALSE(bearer_token("Bearer "));
  TokenSet t({{"ops", "0123456789abcdef"}, {"wall", "fedcba9876543210"}});
  EXPECT_EQ(t.match("fedcba9876543210"), "wall");
  EXPECT_FALSE(t.match("fedcba987654321"));
  EXPECT_FALSE(t.match(""));
  const std::string a = generate_token(), b = generate_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
}

// Collects what the hub delivers, as a client's thread would.
class CollectingSink final : public EventSink {
 public:
  explicit CollectingSink(EventFilter f = {}) : filter_(std::move(f)) {}
  bool wants(std::string_view type) const override { return filter_.matches(type); }
  void deliver(std::vector<EventMessage> batch) override {
    std::lock_guard lock(mu_);
    for (auto& m : batch) got_.push_back(nlohmann::json::parse(*m));
  }
  std::vector<nlohmann::json> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  EventFilter filter_;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> got_;
};

TEST(EventHub, ManyProducersOneOrder) {
  ManualClock clock;
  EventHub hub(clock, {});
  ASSERT_TRUE(hub.start().is_ok());
  auto all = std::make_shared<CollectingSink>();
  auto calls = std::make_shared<CollectingSink>(*EventFilter::parse_list("call.*"));
  hub.subscribe(all, std::nullopt);
  hub.subscribe(calls, std::nullopt);
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&hub, t] {
      for (int i = 0; i < 500; ++i)
        EXPECT_TRUE(hub.publish(i % 2 ? "call.state" : "agent.state", {{"producer", t}, {"i", i}}));
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(test::eventually([&] { return all->got().size() == 2000; })) << all->got().size();
  const auto events = all->got();
  std::map<int, int> next_i;
  for (std::size_t k = 0; k < events.size(); ++k) {
    EXPECT_EQ(events[k]["seq"], k + 1);  // one global order, no gaps
    const int producer = events[k]["data"]["producer"];
    const int i = events[k]["data"]["i"];
    EXPECT_EQ(i, next_i[producer]) << "a producer's events stay in its order";
    next_i[producer] = i + 1;
  }
  EXPECT_EQ(events[0]["time"], "2023-11-14T22:13:20.000Z");  // ManualClock's wall epoch
  ASSERT_TRUE(test::eventually([&] { return calls->got().size() == 1000; }));
  for (const auto& e : calls->got()) EXPECT_EQ(e["type"], "call.state");
  EXPECT_FALSE(hub.publish("Not A Type", {}));
  hub.stop();
}

TEST(EventHub, ReplaySinceWithoutLossOrRepeat) {
  ManualClock clock;
  EventHub hub(clock, {.queue_capacity = 1024, .replay = 5});
  ASSERT_TRUE(hub.start().is_ok());
  for (int i = 1; i <= 8; ++i) ASSERT_TRUE(hub.publish("x.y", {{"i", i}}));
  ASSERT_TRUE(test::eventually([&] { return hub.last_seq() == 8; }));
  auto resumed = std::make_shared<CollectingSink>();
  auto sub = hub.subscribe(resumed, 5);
  EXPECT_FALSE(sub.gap);
  EXPECT_EQ(sub.last_seq, 8u);
  auto late = std::make_shared<CollectingSink>();
  auto sub2 = hub.subscribe(late, 1);  // 2 and 3 have left the 5-event buffer
  EXPECT_TRUE(sub2.gap);
  EXPECT_EQ(sub2.oldest_replayable, 4u);
  auto future = std::make_shared<CollectingSink>();
  EXPECT_TRUE(hub.subscribe(future, 1000).gap);  // from another run of the daemon
  ASSERT_TRUE(hub.publish("x.y", {{"i", 9}}));
  ASSERT_TRUE(test::eventually([&] { return resumed->got().size() == 4; }));
  std::vector<int> seqs;
  for (const auto& e : resumed->got()) seqs.push_back(e["seq"]);
  EXPECT_EQ(seqs, (std::vector<int>{6, 7, 8, 9}));
  ASSERT_TRUE(test::eventually([&] { return late->got().size() == 6; }));
  EXPECT_EQ(late->got().front()["seq"], 4);
  hub.unsubscribe(resumed.get());
  EXPECT_EQ(hub.subscriber_count(), 2u);
  hub.stop();
}

TEST(EventHub, FullQueueIsACountedDropNeverABlock) {
  ManualClock clock;
  EventHub hub(clock, {.queue_capacity = 4, .replay = 4});  // not started: nothing drains
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += hub.publish("x.y", {});
  EXPECT_LE(accepted, 5);  // Boost.Lockfree may keep one spare node
  EXPECT_GE(accepted, 4);
}

class RecordingsDir : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& content) { std::ofstream(dir.file(name)) << content; }
  test::TempDir dir;
};

TEST_F(RecordingsDir, ListsFinishedRecordingsWithSidecars) {
  write("call-1.wav", "RIFF1111");
  write("call-1.json", R"({"call_id":"c1","queue":"sales"})");
  write("call-2.opus", "OggS22");
  write("call-3.wav", "RIFF3");
  write("call-3.json", "{broken");
  write("call-4.wav.part", "in progress");
  write(".hidden.wav", "x");
  write("notes.txt", "x");
  ASSERT_EQ(symlink("/etc/hostname", dir.file("link.wav").c_str()), 0);
  auto list = list_recordings(dir.path());
  ASSERT_TRUE(list) << list.status().to_string();
  std::vector<std::string> ids;
  for (const auto& e : *list) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"call-1", "call-2", "call-3"}));
  auto one = find_recording(dir.path(), "call-1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->format, "wav");
  EXPECT_EQ(one->content_type, "audio/wav");
  EXPECT_EQ(one->size_bytes, 8u);
  EXPECT_EQ(one->metadata["queue"], "sales");
  auto opus = find_recording(dir.path(), "call-2");
  EXPECT_EQ(opus->content_type, "audio/ogg");
  EXPECT_TRUE(opus->metadata.is_null());
  auto broken = find_recording(dir.path(), "call-3");
  EXPECT_NE(broken->metadata_error.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(list_recordings(dir.file("missing"))->size());
}

TEST_F(RecordingsDir, NoIdReachesOutside) {
  write("ok.wav", "RIFF");
  ASSERT_EQ(symlink("/etc/passwd", dir.file("escape.wav").c_str()), 0);
  for (const char* id : {"../ok", "..", ".", "a/b", "/etc/passwd", "escape", "ok.wav/..", "", ".ok", "ok\n"})
    EXPECT_FALSE(find_recording(dir.path(), id)) << id;
  auto ok = find_recording(dir.path(), "ok");
  ASSERT_TRUE(ok);
  auto f = open_recording_audio(dir.path(), *ok);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size, 4u);
  close(f->fd);
}

}  // namespace
}  // namespace sb
