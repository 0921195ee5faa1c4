// One HTTP connection of the API server (see http_server.hpp for the rules
// it enforces).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "common/log.hpp"
#include "control/api/server_impl.hpp"
#include "control/api/url.hpp"

namespace sb::api {

namespace {

constexpr std::uint64_t kMaxLingerBytes = 64ull << 20;
constexpr std::size_t kDiscardChunk = 64 << 10;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

HttpResponse unauthorized(bool invalid) {
  HttpResponse r = invalid ? error_response(401, "unauthorized", "the bearer token is not valid")
                           : error_response(401, "unauthorized", "this endpoint needs Authorization: Bearer <token>");
  r.headers.emplace_back("WWW-Authenticate", invalid ? "Bearer realm=\"switchboard\", error=\"invalid_token\""
                                                     : "Bearer realm=\"switchboard\"");
  return r;
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, HttpServer::Impl& impl) : impl_(impl), stream_(std::move(socket)) {
  impl_.connections.fetch_add(1, std::memory_order_relaxed);
  if (impl_.metrics && impl_.metrics->connections) impl_.metrics->connections->add(1);
}

HttpSession::~HttpSession() {
  if (in_flight_) impl_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  impl_.connections.fetch_sub(1, std::memory_order_relaxed);
  if (impl_.metrics && impl_.metrics->connections) impl_.metrics->connections->add(-1);
}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::read_request, shared_from_this()));
}

void HttpSession::force_close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->stream_.socket().close(ignored);
  });
}

void HttpSession::read_request() {
  const auto limits = impl_.limits.load();
  answered_ = false;
  parser_.emplace();
  parser_->body_limit(limits->max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::uint64_t>(limits->max_header_bytes, UINT32_MAX)));
  // The whole request must arrive within the timeout, counted from here:
  // an idle keep-alive connection and a slow-loris sender both run out.
  stream_.expires_after(limits->request_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
      ec == net::error::operation_aborted) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return;
  }
  if (ec == beast::error::timeout) {
    impl_.count_rejected("timeout");
    return;  // tcp_stream closed the socket
  }
  if (ec) {
    version_ = parser_->is_header_done() ? parser_->get().version() : 11;
    keep_alive_ = false;
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::body_limit) {
      impl_.count_rejected("too_large");
      send(error_response(413, "body_too_large",
                          "the body is larger than " + std::to_string(impl_.limits.load()->max_body_bytes) + " bytes"),
           true);
    } else if (ec == http::error::header_limit) {
      impl_.count_rejected("too_large");
      send(error_response(431, "headers_too_large", "the request headers are too large"), true);
    } else {
      send(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()), true);
    }
    return;
  }
  // No timer while the handler works: a slow backend must not cut the
  // connection. Writing the answer gets its own deadline.
  stream_.expires_never();
  auto& msg = parser_->get();
  handle(msg);
}

bool HttpSession::authorize(const Route& route, HttpRequest& req) {
  if (!route.options.requires_auth) return true;
  std::optional<std::string_view> presented;
  if (const std::string* h = req.header("authorization")) presented = bearer_token(*h);
  // Browsers cannot set headers on a WebSocket; the event stream also
  // takes the token as a query parameter.
  if (!presented && route.options.websocket)
    if (const std::string* q = req.query_param("access_token")) presented = *q;
  const char* failure = nullptr;
  if (!presented) {
    failure = "missing";
  } else if (auto name = impl_.tokens.load()->match(*presented)) {
    req.principal = *name;
    return true;
  } else {
    failure = "invalid";
  }
  if (impl_.metrics && impl_.metrics->auth_failures) impl_.metrics->auth_failures->with({failure}).inc();
  SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::warn, "api: {} token from {} for {}", failure,
                     req.remote, req.path);
  send(unauthorized(std::string_view(failure) == "invalid"), false);
  return false;
}

void HttpSession::handle(http::request<http::string_body>& msg) {
  started_ = std::chrono::steady_clock::now();
  version_ = msg.version();
  keep_alive_ = msg.keep_alive();
  method_ = method_from(std::string_view(msg.method_string().data(), msg.method_string().size()));
  route_ = "unmatched";

  HttpRequest req;
  req.method = method_;
  req.target = std::string(msg.target());
  auto target = parse_target(req.target);
  if (!target) {
    keep_alive_ = false;
    send(error_response(400, "bad_target", target.status().message()), true);
    return;
  }
  req.path = target->path;
  req.query = std::move(target->query);
  for (const auto& field : msg) {
    std::string name = lower(std::string_view(field.name_string().data(), field.name_string().size()));
    const std::string_view value(field.value().data(), field.value().size());
    auto [it, inserted] = req.headers.emplace(name, std::string(value));
    if (!inserted) {
      it->second += ", ";
      it->second += value;
    }
  }
  req.body = std::move(msg.body());
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) req.remote = peer.address().to_string() + ":" + std::to_string(peer.port());

  Router::Match match;
  switch (impl_.router.match(method_, target->segments, match)) {
    case Router::Outcome::kNotFound:
      send(error_response(404, "not_found", "no endpoint " + req.path), false);
      return;
    case Router::Outcome::kMethodNotAllowed: {
      std::string allow;
      for (Method m : match.allowed) allow += (allow.empty() ? "" : ", ") + std::string(method_name(m));
      HttpResponse r = error_response(405, "method_not_allowed",
                                      std::string(method_name(method_)) + " is not allowed on " + req.path);
      r.headers.emplace_back("Allow", allow);
      send(std::move(r), false);
      return;
    }
    case Router::Outcome::kFound:
      break;
  }
  const Route& route = *match.route;
  route_ = route.pattern;
  req.route = route.pattern;
  req.path_params = std::move(match.params);

  const bool is_upgrade = websocket::is_upgrade(msg);
  if (is_upgrade != route.options.websocket) {
    HttpResponse r = route.options.websocket
                         ? error_response(426, "upgrade_required", req.path + " is a WebSocket endpoint")
                         : error_response(400, "bad_request", "no WebSocket at " + req.path);
    if (route.options.websocket) r.headers.emplace_back("Upgrade", "websocket");
    send(std::move(r), false);
    return;
  }
  if (!authorize(route, req)) return;
  if (route.options.websocket) {
    upgrade(req);
    return;
  }

  in_flight_ = true;
  impl_.in_flight.fetch_add(1, std::memory_order_relaxed);
  auto self = shared_from_this();
  Responder respond([self](HttpResponse r) {
    net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->send(std::move(r), false); });
  });
  try {
    route.handler(req, std::move(respond));
  } catch (const std::exception& e) {
    // The handler's Responder was destroyed unanswered on the way out and
    // has queued a 500 already.
    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::err, "api: handler for {} threw: {}", route.pattern,
                       e.what());
  }
}

void HttpSession::upgrade(const HttpRequest& req) {
  const auto limits = impl_.limits.load();
  if (!impl_.hub) {
    send(error_response(404, "not_found", "this listener has no event stream"), false);
    return;
  }
  if (impl_.ws_clients.load(std::memory_order_relaxed) >= limits->max_event_clients) {
    impl_.count_rejected("limit");
    send(error_response(503, "too_many_clients", "the event stream has its maximum number of clients"), false);
    return;
  }
  EventFilter filter;
  if (const std::string* types = req.query_param("types")) {
    auto f = EventFilter::parse_list(*types);
    if (!f) {
      send(error_response(400, "invalid_filter", f.status().message(), {{"types", f.status().message()}}), false);
      return;
    }
    filter = std::move(*f);
  }
  std::optional<std::uint64_t> since;
  if (const std::string* s = req.query_param("since")) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size()) {
      send(error_response(400, "invalid_since", "since must be an event sequence number",
                          {{"since", "must be a non-negative integer"}}),
           false);
      return;
    }
    since = v;
  }
  if (impl_.metrics && impl_.metrics->requests)
    impl_.metrics->requests->with({method_name(method_), route_, "101"}).inc();
  auto ws = std::make_shared<WsSession>(std::move(stream_), impl_, std::move(filter), since);
  impl_.register_ws(ws);
  ws->run(parser_->release());
}

void HttpSession::send(HttpResponse r, bool close) {
  if (answered_) return;
  answered_ = true;
  if (close) keep_alive_ = false;
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  if (impl_.metrics) {
    if (impl_.metrics->requests)
      impl_.metrics->requests->with({method_name(method_), route_, std::to_string(r.status)}).inc();
    if (impl_.metrics->duration)
      impl_.metrics->duration->with({route_}).observe(std::chrono::duration<double>(elapsed).count());
  }
  const bool keep = keep_alive_ && !close;
  auto decorate = [&](auto& res) {
    res.version(version_);
    res.result(static_cast<http::status>(r.status));
    res.set(http::field::server, "switchboard/" SB_VERSION);
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep);
  };
  stream_.expires_after(impl_.limits.load()->request_timeout);
  if (r.file) {
    auto res = std::make_shared<http::response<http::file_body>>();
    decorate(*res);
    beast::file f;
    f.native_handle(r.file->fd);  // the body owns the descriptor from here
    beast::error_code ec;
    res->body().reset(std::move(f), ec);
    if (ec) {
      answered_ = false;
      send(error_response(500, "internal", "cannot read the file: " + ec.message()), true);
      return;
    }
    res->prepare_payload();
    response_ = res;
    http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), !keep));
  } else {
    auto res = std::make_shared<http::response<http::string_body>>();
    decorate(*res);
    res->body() = std::move(r.body);
    res->prepare_payload();
    response_ = res;
    http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), !keep));
  }
}

void HttpSession::on_write(bool close, beast::error_code ec, std::size_t) {
  response_.reset();
  if (in_flight_) {
    in_flight_ = false;
    impl_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  }
  if (ec) return;  // the peer went away; the socket closes with this session
  if (close) {
    linger_close();
    return;
  }
  read_request();
}

// After an error answer the client may still be sending (a body we
// refused). Closing at once would make the kernel reset the connection,
// which can destroy the answer in the client's receive buffer before it
// reads it. So: stop sending, read and discard for a short while, close.
void HttpSession::linger_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  discard_ = std::make_unique<char[]>(kDiscardChunk);
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_read_some(net::buffer(discard_.get(), kDiscardChunk),
                          beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
}

void HttpSession::on_linger(beast::error_code ec, std::size_t bytes) {
  discarded_ += bytes;
  if (ec || discarded_ > kMaxLingerBytes) {
    stream_.close();
    return;
  }
  stream_.async_read_some(net::buffer(discard_.get(), kDiscardChunk),
                          beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
}

}  // namespace sb::api
