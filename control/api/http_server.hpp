// The HTTP/JSON API server (Boost.Beast on Asio threads): routes from a
// Router, bearer-token auth, the /api/v1/events WebSocket, and the limits
// that keep a bad client from hurting the daemon:
//  * request bodies over max_body_bytes get 413, headers over
//    max_header_bytes 431, malformed requests 400, each with a JSON error
//    and the connection closed (after draining what the client still sends,
//    so it can read the answer);
//  * a request must arrive completely within request_timeout of the
//    connection opening or of the previous response: idle keep-alive
//    connections and slow-loris senders are closed;
//  * at most max_connections connections; more get 503 and are closed;
//  * handler exceptions become 500s; a handler that never answers gets a
//    500 when its Responder is dropped.
//
//   Router router;  ... add routes (all before start()) ...
//   HttpServer server({.bind = "127.0.0.1", .port = 8080, .threads = 2, .limits = {...}}, router, &hub, &metrics);
//   server.set_tokens(std::make_shared<TokenSet>(...));
//   auto st = server.start();             // binds; port 0 picks a free one: server.port()
//   ...
//   server.stop_accepting();              // drain: no new connections
//   while (server.in_flight() > 0) ...;
//   server.stop();
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/api/api_metrics.hpp"
#include "control/api/auth.hpp"
#include "control/api/event_hub.hpp"
#include "control/api/router.hpp"

namespace sb::api {

struct ServerLimits {
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint64_t max_header_bytes = 16 << 10;
  std::uint32_t max_connections = 1024;
  Nanos request_timeout = std::chrono::seconds(10);
  std::uint32_t event_queue_limit = 1024;  // per WebSocket client
  std::uint32_t max_event_clients = 256;
};

struct ServerOptions {
  std::string name = "api";  // for logs
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;
  int threads = 2;
  ServerLimits limits;
};

class HttpServer {
 public:
  // `router` must outlive the server and not change after start();
  // `hub` and `metrics` may be null (no event stream / no metrics).
  HttpServer(ServerOptions options, const Router& router, EventHub* hub, const ApiMetrics* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Unavailable when the address
  // cannot be bound (with the OS's reason).
  Status start();
  std::uint16_t port() const noexcept;
  std::string endpoint() const;  // "127.0.0.1:8080", "[::1]:8080"

  // Both take effect for new connections and requests; any thread.
  void set_limits(const ServerLimits& limits);
  void set_tokens(std::shared_ptr<const TokenSet> tokens);

  void stop_accepting();
  // Requests read and not yet answered: what a drain waits for.
  std::uint64_t in_flight() const noexcept;
  std::uint32_t connections() const noexcept;
  // Closes every connection (WebSocket clients get "going away") and joins
  // the threads. Idempotent.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb::api
