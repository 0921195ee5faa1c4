// Internals of HttpServer shared by its connection classes (not a public
// header): the Asio context, the live settings, the counters, and the two
// kinds of connection, plain HTTP and the event-stream WebSocket.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "control/api/event_filter.hpp"
#include "control/api/http_server.hpp"

namespace sb::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class WsSession;
class HttpSession;

struct HttpServer::Impl {
  Impl(ServerOptions o, const Router& r, EventHub* h, const ApiMetrics* m)
      : options(std::move(o)), router(r), hub(h), metrics(m),
        limits(std::make_shared<const ServerLimits>(options.limits)),
        tokens(std::make_shared<const TokenSet>(std::vector<TokenSet::Entry>{})) {}

  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void reject(tcp::socket socket);
  void count_rejected(const char* reason) const;
  void register_ws(const std::shared_ptr<WsSession>& s);
  void register_http(const std::shared_ptr<HttpSession>& s);

  ServerOptions options;
  const Router& router;
  EventHub* hub;
  const ApiMetrics* metrics;
  // Read per request or per connection by any I/O thread, replaced on reload.
  std::atomic<std::shared_ptr<const ServerLimits>> limits;
  std::atomic<std::shared_ptr<const TokenSet>> tokens;
  // Relaxed counters: read for drain decisions and metrics, never used to
  // publish other data.
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint32_t> connections{0};
  std::atomic<std::uint32_t> ws_clients{0};
  std::atomic<bool> accepting{false};
  std::mutex sessions_mu;  // the lists below, for closing everything at stop()
  std::vector<std::weak_ptr<WsSession>> ws_sessions;
  std::vector<std::weak_ptr<HttpSession>> http_sessions;
  std::uint16_t bound_port = 0;

  // Declared after everything the connections touch: destroying the
  // context destroys pending handlers, and with them connections whose
  // destructors update the counters above.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  bool stopped = false;
};

// One HTTP connection: read a request, answer it, repeat while keep-alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, HttpServer::Impl& impl);
  ~HttpSession();
  void run();
  // Server stop: close the socket whatever the session is doing.
  void force_close();

 private:
  void read_request();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(http::request<http::string_body>& msg);
  bool authorize(const Route& route, HttpRequest& req);
  void upgrade(const HttpRequest& req);
  void send(HttpResponse response, bool close);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void linger_close();
  void on_linger(beast::error_code ec, std::size_t bytes);

  HttpServer::Impl& impl_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> response_;  // the message being written
  std::unique_ptr<char[]> discard_;
  std::uint64_t discarded_ = 0;
  // The request being answered.
  unsigned version_ = 11;
  bool keep_alive_ = true;
  Method method_ = Method::kOther;
  std::string route_ = "unmatched";
  std::chrono::steady_clock::time_point started_;
  bool in_flight_ = false;
  bool answered_ = false;
};

// One /api/v1/events client.
class WsSession : public EventSink, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream&& stream, HttpServer::Impl& impl, EventFilter filter, std::optional<std::uint64_t> since);
  ~WsSession() override;
  void run(http::request<http::string_body> request);
  // Server stop: close with "going away"; force_close() when the client
  // does not complete the closing handshake in time.
  void shut_down();
  void force_close();

  bool wants(std::string_view type) const override;
  void deliver(std::vector<EventMessage> batch) override;

 private:
  void on_accept(beast::error_code ec);
  void read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void enqueue(EventMessage m, bool counted);
  void write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void close_slow();
  void start_close(websocket::close_reason reason, const char* metric_reason);
  void finish(const char* reason);

  websocket::stream<beast::tcp_stream> ws_;
  HttpServer::Impl& impl_;
  std::atomic<std::shared_ptr<const EventFilter>> filter_;
  std::optional<std::uint64_t> since_;
  beast::flat_buffer read_buffer_;
  struct Out {
    EventMessage message;
    bool counted;  // an event (counts against the limit), not a control reply
  };
  std::deque<Out> queue_;
  bool writing_ = false;
  bool closing_ = false;            // strand only
  bool finished_ = false;           // strand only
  std::optional<websocket::close_reason> close_after_write_;
  const char* close_metric_ = "closed";
  net::steady_timer close_timer_;
  // Events accepted by deliver() and not yet written. Relaxed: a pure count
  // for flow control; the events themselves reach the strand through
  // net::post, which orders them.
  std::atomic<std::uint64_t> pending_{0};
  std::atomic<bool> slow_{false};
  std::uint64_t limit_;
};

}  // namespace sb::api
