// The API server over real loopback connections: every implemented
// endpoint, auth, bad input, limits, misbehaving clients, and the event
// stream WebSocket. The server, router, endpoints, hub and metrics are the
// daemon's own; only the config comes from a string.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <thread>

#include "control/api/endpoints/ivr_endpoints.hpp"
#include "control/api/endpoints/recordings_endpoints.hpp"
#include "control/api/endpoints/system_endpoints.hpp"
#include "control/api/http_server.hpp"
#include "control/config/default_config.hpp"
#include "control/metrics/metric_catalogue.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/daemon/config_test_util.hpp"

namespace sb {
namespace {

using namespace api;
using test::bearer;
using test::eventually;
using test::http_request;
using test::json_with;

const std::string kToken = "test-token-0123456789";

class ApiServer : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(ServerLimits limits) {
    // The embedded default (without the ACD part) with the recordings in
    // the test's directory.
    std::string cfg_text(config::embedded_core_part());
    const std::string line = "directory = \"./var/recordings\"";
    cfg_text.replace(cfg_text.find(line), line.size(), "directory = \"" + dir.file("rec") + "\"");
    auto loaded = test::load(cfg_text);
    ASSERT_TRUE(loaded.ok()) << test::joined(test::error_lines(loaded));
    store = std::make_unique<config::ConfigStore>(loaded.config, SteadyClock::instance());
    auto m = ApiMetrics::register_in(registry);
    ASSERT_TRUE(m);
    api_metrics = *m;
    hub = std::make_unique<EventHub>(SteadyClock::instance(), EventHub::Options{}, &api_metrics);
    ASSERT_TRUE(hub->start().is_ok());
    ASSERT_TRUE(add_health_route(router, [this] { return draining.load(); }).is_ok());
    ASSERT_TRUE(add_metrics_route(router, "/metrics", registry).is_ok());
    ASSERT_TRUE(add_system_routes(router, {.config = store.get(), .reload = nullptr}).is_ok());
    ASSERT_TRUE(add_ivr_routes(router, *store).is_ok());
    ASSERT_TRUE(add_recordings_routes(router, *store).is_ok());
    ASSERT_TRUE(router.add(Method::kGet, "/api/v1/events", nullptr, {.requires_auth = true, .websocket = true}).is_ok());
    ASSERT_TRUE(router.add(Method::kGet, "/test/throws", [](const HttpRequest&, Responder) -> void {
                  throw std::runtime_error("handler bug");
                }).is_ok());
    ASSERT_TRUE(router.add(Method::kGet, "/test/later", [](const HttpRequest&, Responder r) {
                  std::thread([r = std::move(r)]() mutable { r(HttpResponse::json(202, {{"later", true}})); }).detach();
                }).is_ok());
    limits.request_timeout = limits.request_timeout == ServerLimits{}.request_timeout ? std::chrono::seconds(5)
                                                                                      : limits.request_timeout;
    server = std::make_unique<HttpServer>(ServerOptions{"api", "127.0.0.1", 0, 2, limits}, router, hub.get(),
                                          &api_metrics);
    server->set_tokens(std::make_shared<TokenSet>(std::vector<TokenSet::Entry>{{"tester", kToken}}));
    ASSERT_TRUE(server->start().is_ok());
    port = server->port();
    ASSERT_NE(port, 0);
  }

  void TearDown() override {
    if (server) server->stop();
    if (hub) hub->stop();
  }

  test::HttpResult get(const std::string& target) { return http_request(port, "GET", target, "", bearer(kToken)); }
  test::HttpResult send_json(const std::string& method, const std::string& target, const std::string& body) {
    return http_request(port, method, target, body, json_with(kToken));
  }

  test::TempDir dir;
  std::unique_ptr<config::ConfigStore> store;
  metrics::MetricsRegistry registry;
  ApiMetrics api_metrics;
  std::unique_ptr<EventHub> hub;
  Router router;
  std::unique_ptr<HttpServer> server;
  std::atomic<bool> draining{false};
  std::uint16_t port = 0;
};

TEST_F(ApiServer, HealthAndMetricsNeedNoToken) {
  auto r = http_request(port, "GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.json()["status"], "ok");
  EXPECT_EQ(r.header("content-type"), "application/json");
  draining = true;
  r = http_request(port, "GET", "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json()["status"], "draining");
  r = http_request(port, "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("switchboard_api_requests_total{method=\"GET\",route=\"/healthz\",code=\"503\"} 1"),
            std::string::npos)
      << r.body;
}

TEST_F(ApiServer, TokensAreRequiredAndChecked) {
  auto r = http_request(port, "GET", "/api/v1/config");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"switchboard\"");
  EXPECT_EQ(r.json()["error"]["code"], "unauthorized");
  r = http_request(port, "GET", "/api/v1/config", "", bearer("wrong-token-000000000"));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos);
  r = http_request(port, "GET", "/api/v1/config", "", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(r.status, 401);
  const std::string scrape = registry.scrape();
  EXPECT_NE(scrape.find("switchboard_api_auth_failures_total{reason=\"missing\"} 2"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_api_auth_failures_total{reason=\"invalid\"} 1"), std::string::npos);
  // Tokens replaced at run time (a reload) apply to the next request.
  server->set_tokens(std::make_shared<TokenSet>(std::vector<TokenSet::Entry>{{"new", "another-token-0123456"}}));
  EXPECT_EQ(get("/api/v1/config").status, 401);
  EXPECT_EQ(http_request(port, "GET", "/api/v1/config", "", bearer("another-token-0123456")).status, 200);
}

TEST_F(ApiServer, RunningConfigWithoutSecrets) {
  auto r = get("/api/v1/config");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["generation"], 1);
  EXPECT_EQ(j["source"], "test.toml");
  EXPECT_EQ(j["config"]["api"]["bind"], "127.0.0.1");
  EXPECT_EQ(j["config"]["recordings"]["directory"], dir.file("rec"));
  EXPECT_EQ(j["config"]["ivr"]["entry_menu"], "main");
  EXPECT_EQ(r.body.find(kToken), std::string::npos);
  EXPECT_EQ(get("/api/v1/config?x=1").status, 422);
}

TEST_F(ApiServer, UnknownPathsAndMethods) {
  auto r = get("/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"]["code"], "not_found");
  r = http_request(port, "DELETE", "/api/v1/config", "", bearer(kToken));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET");
  r = get("/api/v1/../etc/passwd");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], "bad_target");
}

TEST_F(ApiServer, LogLevelValidation) {
  struct Case {
    std::string body;
    int status;
    std::string code, field;
  };
  for (const Case& c : {Case{"{\"level\": ", 400, "malformed_json", ""},
                        Case{"{\"level\":\"debug\",\"level\":\"info\"}", 400, "malformed_json", ""},
                        Case{"[]", 422, "invalid_request", ""},
                        Case{"{}", 422, "invalid_request", "level"},
                        Case{"{\"level\": 3}", 422, "invalid_request", "level"},
                        Case{"{\"level\": \"loud\"}", 422, "invalid_request", "level"},
                        Case{"{\"level\": \"debug\", \"colour\": true}", 422, "invalid_request", "colour"}}) {
    auto r = send_json("PUT", "/api/v1/logging", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.json()["error"]["code"], c.code) << c.body;
    if (!c.field.empty()) {
      EXPECT_EQ(r.json()["error"]["field"], c.field) << c.body;
    }
  }
  auto r = http_request(port, "PUT", "/api/v1/logging", "{\"level\":\"debug\"}",
                        {{"Authorization", "Bearer " + kToken}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  r = send_json("PUT", "/api/v1/logging", "{\"level\":\"warn\"}");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(get("/api/v1/logging").json()["level"], "warn");
  send_json("PUT", "/api/v1/logging", "{\"level\":\"info\"}");
}

TEST_F(ApiServer, IvrMenusAndSimulation) {
  auto r = get("/api/v1/ivr/menus");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["entry_menu"], "main");
  EXPECT_EQ(r.json()["menus"].size(), 2u);
  r = get("/api/v1/ivr/menus/support");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["entry"], "account");
  EXPECT_EQ(get("/api/v1/ivr/menus/nope").status, 404);

  r = send_json("POST", "/api/v1/ivr/menus/main/simulate", R"({"input": ["2", "12345#", "2"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_TRUE(j["finished"]);
  EXPECT_EQ(j["outcome"]["action"], "request_callback");
  EXPECT_EQ(j["outcome"]["queue"], "support");
  EXPECT_EQ(j["variables"]["account"], "12345");
  EXPECT_EQ(j["entries_used"], 3);
  r = send_json("POST", "/api/v1/ivr/menus/main/simulate", "");  // silent caller: retries, then the failure route
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["outcome"]["action"], "route_to_queue");
  EXPECT_EQ(r.json()["outcome"]["queue"], "support");

  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"input": "1"})", "input"},
           {R"({"input": ["1", 2]})", "input[1]"},
           {R"({"input": ["1x"]})", "input[0]"},
           {R"({"max_events": 0})", "max_events"},
           {R"({"max_events": "10"})", "max_events"},
           {R"({"inputs": []})", "inputs"}}) {
    r = send_json("POST", "/api/v1/ivr/menus/main/simulate", body);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(r.json()["error"]["field"], field) << body << " -> " << r.body;
  }
  EXPECT_EQ(send_json("POST", "/api/v1/ivr/menus/nope/simulate", "{}").status, 404);
}

TEST_F(ApiServer, Recordings) {
  std::filesystem::create_directories(dir.file("rec"));
  std::string audio(100000, '\0');
  for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = static_cast<char>(i * 7);
  std::ofstream(dir.file("rec/call-9.wav"), std::ios::binary) << audio;
  std::ofstream(dir.file("rec/call-9.json")) << R"({"call_id":"9","agent":"1001"})";
  std::ofstream(dir.file("rec/call-10.opus"), std::ios::binary) << "OggS";
  std::ofstream(dir.file("rec/call-11.wav.part")) << "partial";
  ASSERT_EQ(symlink("/etc/passwd", dir.file("rec/passwd.wav").c_str()), 0);

  auto r = get("/api/v1/recordings");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["total"], 2);
  std::set<std::string> ids;
  for (const auto& e : j["recordings"]) ids.insert(e["id"]);
  EXPECT_EQ(ids, (std::set<std::string>{"call-9", "call-10"}));
  EXPECT_EQ(get("/api/v1/recordings?limit=1&offset=1").json()["recordings"].size(), 1u);
  EXPECT_EQ(get("/api/v1/recordings?limit=0").json()["error"]["field"], "limit");
  EXPECT_EQ(get("/api/v1/recordings?limit=abc").status, 422);
  EXPECT_EQ(get("/api/v1/recordings?sort=size").json()["error"]["field"], "sort");

  r = get("/api/v1/recordings/call-9");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["metadata"]["agent"], "1001");
  EXPECT_EQ(r.json()["size_bytes"], 100000);

  r = get("/api/v1/recordings/call-9/audio");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("content-type"), "audio/wav");
  EXPECT_EQ(r.header("content-disposition"), "attachment; filename=\"call-9.wav\"");
  EXPECT_EQ(r.body, audio);
  EXPECT_EQ(get("/api/v1/recordings/call-10/audio").header("content-type"), "audio/ogg");

  for (const char* bad : {"/api/v1/recordings/passwd/audio", "/api/v1/recordings/..%2Fcall-9/audio",
                          "/api/v1/recordings/%2Fetc%2Fpasswd/audio", "/api/v1/recordings/call-11/audio",
                          "/api/v1/recordings/call-11.wav.part/audio", "/api/v1/recordings/.hidden"}) {
    r = get(bad);
    EXPECT_EQ(r.status, 404) << bad << " " << r.body;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
  }
  EXPECT_EQ(get("/api/v1/recordings/%2e%2e/audio").status, 400);
}

TEST_F(ApiServer, HandlersThatThrowOrAnswerLater) {
  auto r = get("/test/throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json()["error"]["code"], "internal");
  r = get("/test/later");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(get("/healthz").status, 200);  // still serving
}

TEST_F(ApiServer, ManyConcurrentClients) {
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ok += get("/api/v1/config").status == 200;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 320);
  EXPECT_TRUE(eventually([&] { return server->in_flight() == 0 && server->connections() == 0; }));
}

class ApiServerLimits : public ApiServer {
 protected:
  void SetUp() override {
    ServerLimits l;
    l.max_body_bytes = 64 << 10;
    l.max_header_bytes = 4 << 10;
    l.max_connections = 8;
    l.request_timeout = std::chrono::milliseconds(300);
    l.event_queue_limit = 16;
    l.max_event_clients = 4;
    start(l);
  }
};

TEST_F(ApiServerLimits, HugeBodyGets413) {
  auto r = send_json("PUT", "/api/v1/logging", "{\"level\":\"" + std::string(1 << 20, 'x') + "\"}");
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(r.json()["error"]["code"], "body_too_large");
  // Announced too large: refused from the header, before any body is read.
  test::RawConnection c(port);
  ASSERT_TRUE(c.send("PUT /api/v1/logging HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                     "\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{"));
  std::string got;
  EXPECT_TRUE(c.read_until_closed(std::chrono::seconds(10), &got));
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(ApiServerLimits, HugeHeadersGet431) {
  auto r = http_request(port, "GET", "/healthz", "", {{"X-Filler", std::string(8 << 10, 'a')}});
  EXPECT_EQ(r.status, 431) << r.error;
}

TEST_F(ApiServerLimits, MalformedRequestsGet400) {
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET /healthz HTTP/9.9\r\n\r\n", "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                          "GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n"}) {
    test::RawConnection c(port);
    ASSERT_TRUE(c.send(raw));
    std::string got;
    EXPECT_TRUE(c.read_until_closed(std::chrono::seconds(10), &got)) << raw;
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << raw << " -> " << got;
  }
}

TEST_F(ApiServerLimits, SlowLorisAndIdleConnectionsAreClosed) {
  test::RawConnection slow(port), idle(port);
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finishes its headers
  std::thread drip([&] {
    for (int i = 0; i < 20; ++i) {
      if (!slow.send("X-Drip: 1\r\n")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  EXPECT_TRUE(slow.read_until_closed(std::chrono::seconds(10)));
  EXPECT_TRUE(idle.read_until_closed(std::chrono::seconds(10)));
  drip.join();
  EXPECT_NE(registry.scrape().find("switchboard_api_connections_rejected_total{reason=\"timeout\"}"),
            std::string::npos);
  EXPECT_TRUE(eventually([&] { return server->connections() == 0; }));
}

TEST_F(ApiServerLimits, ConnectionLimit) {
  std::vector<std::unique_ptr<test::RawConnection>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<test::RawConnection>(port));
  ASSERT_TRUE(eventually([&] { return server->connections() == 8; }));
  test::RawConnection extra(port);
  std::string got;
  EXPECT_TRUE(extra.read_until_closed(std::chrono::seconds(10), &got));
  EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
  const auto body = nlohmann::json::parse(got.substr(got.find("\r\n\r\n") + 4), nullptr, false);
  EXPECT_EQ(body["error"]["code"], "too_many_connections") << got;
  held.clear();
  EXPECT_TRUE(eventually([&] { return get("/healthz").status == 200; }));
}

TEST_F(ApiServer, EventStreamInOrderWithFilters) {
  test::WsClient all, calls;
  ASSERT_EQ(all.connect(port, "/api/v1/events", bearer(kToken)), "");
  ASSERT_EQ(calls.connect(port, "/api/v1/events?types=call.*&access_token=" + kToken), "");
  auto hello = all.read_json();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["op"], "hello");
  EXPECT_EQ((*calls.read_json())["types"], nlohmann::json::array({"call.*"}));
  ASSERT_TRUE(eventually([&] { return hub->subscriber_count() == 2; }));
  for (int i = 0; i < 50; ++i) hub->publish(i % 5 == 0 ? "agent.state" : "call.state", {{"i", i}});
  std::uint64_t last = 0;
  for (int i = 0; i < 50; ++i) {
    auto e = all.read_json();
    ASSERT_TRUE(e) << "event " << i;
    EXPECT_EQ((*e)["data"]["i"], i);
    EXPECT_EQ((*e)["seq"].get<std::uint64_t>(), last + 1);
    last = (*e)["seq"];
    EXPECT_TRUE((*e)["time"].is_string());
  }
  for (int i = 0; i < 50; ++i) {
    if (i % 5 == 0) continue;
    auto e = calls.read_json();
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)["type"], "call.state");
    EXPECT_EQ((*e)["data"]["i"], i);
  }
  // Change the filter at run time.
  ASSERT_TRUE(calls.write(R"({"op":"subscribe","types":["agent.*"],"id":"s1"})"));
  auto ack = calls.read_json();
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["op"], "subscribed");
  EXPECT_EQ((*ack)["id"], "s1");
  hub->publish("call.state", {{"i", 100}});
  hub->publish("agent.state", {{"i", 101}});
  auto e = calls.read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["data"]["i"], 101);
  // A bad command gets an error reply; the stream stays up.
  ASSERT_TRUE(calls.write(R"({"op":"subscribe","types":["NOPE"]})"));
  auto err = calls.read_json();
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["op"], "error");
  ASSERT_TRUE(calls.write(R"({"op":"ping"})"));
  EXPECT_EQ((*calls.read_json())["op"], "pong");
}

TEST_F(ApiServer, EventStreamResumesWithSince) {
  for (int i = 1; i <= 5; ++i) hub->publish("call.state", {{"i", i}});
  ASSERT_TRUE(eventually([&] { return hub->last_seq() == 5; }));
  test::WsClient c;
  ASSERT_EQ(c.connect(port, "/api/v1/events?since=2", bearer(kToken)), "");
  auto hello = c.read_json();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["last_seq"], 5);
  EXPECT_EQ((*hello)["gap"], false);
  for (int seq = 3; seq <= 5; ++seq) EXPECT_EQ((*c.read_json())["seq"], seq);
}

TEST_F(ApiServer, EventStreamRefusals) {
  test::WsClient c;
  EXPECT_NE(c.connect(port, "/api/v1/events").find("401"), std::string::npos);
  test::WsClient bad_filter;
  EXPECT_NE(bad_filter.connect(port, "/api/v1/events?types=NO", bearer(kToken)).find("400"), std::string::npos);
  test::WsClient bad_since;
  EXPECT_NE(bad_since.connect(port, "/api/v1/events?since=-1", bearer(kToken)).find("400"), std::string::npos);
  auto r = get("/api/v1/events");
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.header("upgrade"), "websocket");
}

TEST_F(ApiServerLimits, SlowConsumerIsDisconnected) {
  test::WsClient slow, fine;
  slow.shrink_receive_buffer();
  ASSERT_EQ(slow.connect(port, "/api/v1/events", bearer(kToken)), "");
  ASSERT_EQ(fine.connect(port, "/api/v1/events?types=agent.*", bearer(kToken)), "");
  ASSERT_TRUE(eventually([&] { return hub->subscriber_count() == 2; }));
  const std::string payload(64 << 10, 'x');
  // The slow client reads nothing: its socket buffers fill, writes stall,
  // and past 16 pending events the server cuts it off.
  for (int i = 0; i < 400 && hub->subscriber_count() == 2; ++i) {
    hub->publish("call.state", {{"i", i}, {"pad", payload}});
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(eventually([&] { return hub->subscriber_count() == 1; }));
  EXPECT_NE(registry.scrape().find("switchboard_event_clients_disconnected_total{reason=\"slow\"} 1"),
            std::string::npos)
      << registry.scrape();
  // The other client is unaffected.
  hub->publish("agent.state", {{"still", "here"}});
  auto hello = fine.read_json();
  ASSERT_TRUE(hello);
  auto e = fine.read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["data"]["still"], "here");
  // The slow client finds its stream ended once it reads what was in flight.
  int read_after = 0;
  while (slow.read(std::chrono::seconds(10)) && read_after < 10000) ++read_after;
  EXPECT_TRUE(slow.ended());
}

TEST_F(ApiServerLimits, EventClientLimit) {
  std::vector<std::unique_ptr<test::WsClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<test::WsClient>());
    ASSERT_EQ(clients.back()->connect(port, "/api/v1/events", bearer(kToken)), "");
  }
  ASSERT_TRUE(eventually([&] { return hub->subscriber_count() == 4; }));
  test::WsClient extra;
  EXPECT_NE(extra.connect(port, "/api/v1/events", bearer(kToken)).find("503"), std::string::npos);
}

TEST_F(ApiServer, StopSaysGoingAway) {
  test::WsClient c;
  ASSERT_EQ(c.connect(port, "/api/v1/events", bearer(kToken)), "");
  ASSERT_TRUE(c.read_json());
  server->stop();
  EXPECT_FALSE(c.read(std::chrono::seconds(10)));
  EXPECT_EQ(c.close_code(), 1001);
  EXPECT_EQ(hub->subscriber_count(), 0u);
}

}  // namespace
}  // namespace sb
