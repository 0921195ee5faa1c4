#include "control/sip/transaction_layer.hpp"

#include "control/sip/grammar.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/validate.hpp"

namespace sb::sip {
namespace {

void append_hex(std::string& out, std::uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(v >> (i * 4)) & 0xf]);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Fields are joined with spaces: none of them (token, word, URI, host) may
// contain one, so distinct tuples give distinct keys.
std::string sent_by(const Via& via) {
  std::string s = lower(via.host);
  s.push_back(':');
  if (via.port) s += std::to_string(*via.port);
  return s;
}

// §17.1.3: the branch we generated, and the CSeq method (an INVITE and its
// CANCEL share the branch).
std::string client_key(std::string_view branch, std::string_view method) {
  std::string k(branch);
  k.push_back(' ');
  k.append(method);
  return k;
}

// §17.2.3. With the magic cookie: branch, sent-by and method. Without it
// (RFC 2543 peers): Request-URI, From tag, Call-ID, CSeq number and method,
// and the top Via; the To tag is compared by the caller, because for an
// ACK it is the tag of our response rather than of the request. The
// Request-URI is compared as written: a retransmission repeats it byte for
// byte.
Result<std::string> server_key(const SipMessage& m, const Via& top, std::string_view method) {
  if (top.has_rfc3261_branch()) {
    return "3 " + std::string(top.branch) + " " + sent_by(top) + " " + std::string(method);
  }
  auto f = from(m);
  if (!f) return f.status();
  auto id = call_id(m);
  if (!id) return id.status();
  auto seq = cseq(m);
  if (!seq) return seq.status();
  return "2 " + std::string(m.request_uri()) + " " + std::string(f->tag) + " " + std::string(*id) + " " +
         std::to_string(seq->number) + " " + std::string(method) + " " + lower(top.transport) + " " + sent_by(top) +
         " " + std::string(top.branch);
}

std::string to_tag_of(const SipMessage& m) {
  auto t = to(m);
  return t ? std::string(t->tag) : std::string();
}

}  // namespace

TransactionLayer::TransactionLayer(const Clock& clock, TransactionUser& tu, TransactionLayerConfig config)
    : clock_(clock), tu_(tu), cfg_(config), rng_(config.seed != 0 ? config.seed : std::random_device{}()) {}

TransactionLayer::~TransactionLayer() = default;

std::string TransactionLayer::new_branch() {
  std::string b(kBranchMagicCookie);
  append_hex(b, random64(), 16);
  b.push_back('.');
  append_hex(b, ++branch_counter_, 8);
  return b;
}

std::string TransactionLayer::new_tag() {
  std::string t;
  append_hex(t, random64(), 16);
  return t;
}

// ---- transport side -------------------------------------------------------

Status TransactionLayer::on_bytes(std::string bytes, const Peer& source, const ParseLimits& limits) {
  auto m = OwnedMessage::parse(std::move(bytes), limits);
  if (!m) {
    ++stats_.unparsable;
    return m.status();
  }
  on_message(std::move(*m), source);
  return Status::ok();
}

void TransactionLayer::on_message(OwnedMessage message, const Peer& source) {
  Guard guard(*this);
  const Nanos now = clock_.now();
  if (message->is_request()) {
    handle_request(std::move(message), source, now);
  } else {
    handle_response(message.message(), now);
  }
}

TransactionId TransactionLayer::match_server(const SipMessage& request, std::string_view method) const {
  auto v = vias(request);
  if (!v) return kNoTransaction;
  auto key = server_key(request, v->front(), method);
  if (!key) return kNoTransaction;
  const auto it = server_index_.find(*key);
  if (it == server_index_.end()) return kNoTransaction;
  const Entry& e = txns_.at(it->second);
  if (e.txn->terminated()) return kNoTransaction;
  if (e.legacy) {
    const std::string tag = to_tag_of(request);
    if (request.method() == "ACK") {
      const OwnedMessage* last = e.server->last_response();
      if (last == nullptr || to_tag_of(last->message()) != tag) return kNoTransaction;
    } else if (tag != e.request_to_tag) {
      return kNoTransaction;
    }
  }
  return it->second;
}

void TransactionLayer::handle_request(OwnedMessage message, const Peer& source, Nanos now) {
  const SipMessage& m = message.message();
  const bool is_ack = m.method() == "ACK";
  if (auto st = validate_request(m); !st) {
    ++stats_.bad_requests;
    if (!is_ack) {
      if (auto r = make_bad_request_response(m, st.message())) send_stateless(*r, source);
    }
    return;
  }
  auto v = vias(m);
  if (!v) {
    ++stats_.bad_requests;  // validate_request reads Via, so this is only defensive
    return;
  }

  // An ACK belongs to the INVITE transaction it acknowledges (§17.2.3).
  if (const TransactionId id = match_server(m, is_ack ? std::string_view("INVITE") : m.method())) {
    Entry& e = txns_.at(id);
    if (!is_ack) {
      ++stats_.retransmissions_absorbed;
    } else if (e.txn->state() == TransactionState::kAccepted) {
      ++stats_.acks_to_tu;
    } else {
      ++stats_.acks_absorbed;
    }
    e.server->on_request(m, now);
    reschedule(id, e);
    return;
  }
  if (is_ack) {
    // The ACK of a 2xx has a branch of its own, so it matches nothing here:
    // it is the dialog's (§13.3.1.4).
    ++stats_.acks_to_tu;
    tu_.on_request(kNoTransaction, m);
    return;
  }
  if (txns_.size() >= cfg_.max_transactions) {
    ++stats_.rejected_overload;
    ResponseOptions opt;
    const std::string retry = std::to_string(cfg_.retry_after_seconds);
    opt.headers.emplace_back("Retry-After", retry);
    if (auto r = make_response(m, 503, "Service Unavailable", opt)) send_stateless(*r, source);
    return;
  }

  auto key = server_key(m, v->front(), m.method());
  if (!key) {
    ++stats_.bad_requests;
    return;
  }
  const TransactionId id = next_id_++;
  Entry e;
  e.key = std::move(*key);
  e.legacy = !v->front().has_rfc3261_branch();
  e.request_to_tag = to_tag_of(m);
  const bool is_cancel = m.method() == "CANCEL";
  std::unique_ptr<ServerTransaction> t;
  // `m` views `message`, which the transaction takes over: read it through
  // the transaction from here on.
  if (m.method() == "INVITE") {
    t = std::make_unique<InviteServerTransaction>(id, std::move(message), source, cfg_.timers, relay_);
  } else {
    t = std::make_unique<NonInviteServerTransaction>(id, std::move(message), source, cfg_.timers, relay_);
  }
  e.server = t.get();
  e.txn = std::move(t);
  if (server_index_.emplace(e.key, id).second) e.indexed = true;
  Entry& ref = txns_.emplace(id, std::move(e)).first->second;
  ++stats_.server_transactions;
  if (is_cancel) {
    handle_cancel(id, ref.txn->request().message(), now);
  } else {
    ref.server->start(now);
  }
  reschedule(id, ref);
}

void TransactionLayer::handle_cancel(TransactionId cancel_id, const SipMessage& cancel, Nanos) {
  // §9.2: the CANCEL matches the transaction it cancels by the INVITE's
  // branch/sent-by (or the RFC 2543 fields), and the layer answers it: 200
  // whatever state the INVITE is in, 481 when there is none.
  const TransactionId invite = match_server(cancel, "INVITE");
  if (invite == kNoTransaction) {
    ++stats_.cancels_unmatched;
    const std::string tag = new_tag();
    respond(cancel_id, 481, "Call/Transaction Does Not Exist", {.to_tag = tag}).ignore_error();
    return;
  }
  // The 200 should carry the To tag of the INVITE's responses; before any
  // tagged response there is none to reuse, and a fresh one is used.
  std::string tag;
  if (const OwnedMessage* last = txns_.at(invite).server->last_response()) tag = to_tag_of(last->message());
  if (tag.empty()) tag = new_tag();
  respond(cancel_id, 200, "OK", {.to_tag = tag}).ignore_error();
  tu_.on_cancel(invite, cancel);
}

void TransactionLayer::handle_response(const SipMessage& m, Nanos now) {
  if (!validate_response(m)) {
    ++stats_.bad_responses;
    return;
  }
  auto v = vias(m);
  auto seq = cseq(m);
  if (!v || !seq) {
    ++stats_.bad_responses;
    return;
  }
  const auto it = client_index_.find(client_key(v->front().branch, seq->method));
  if (it != client_index_.end()) {
    const TransactionId id = it->second;
    Entry& e = txns_.at(id);
    if (!e.txn->terminated()) {
      e.client->on_response(m, now);
      reschedule(id, e);
      return;
    }
  }
  // A 2xx to INVITE without its transaction (after Timer M, or an unknown
  // fork) is the dialog layer's to judge: it may need an ACK, or an ACK
  // and a BYE.
  if (m.status_code() >= 200 && m.status_code() < 300 && seq->method == "INVITE") {
    ++stats_.stray_2xx_to_tu;
    tu_.on_response(kNoTransaction, m);
    return;
  }
  ++stats_.stray_responses;
}

void TransactionLayer::send_stateless(const std::string& bytes, const Peer& to) {
  OutboundMessage out;
  out.destination = &to;
  out.bytes = bytes;
  // A stateless answer has no one to report a transport error to.
  tu_.send(out).ignore_error();
}

// ---- TU side ----------------------------------------------------------------

Result<TransactionId> TransactionLayer::send_request(std::string request, const Peer& destination) {
  Guard guard(*this);
  auto owned = OwnedMessage::parse(std::move(request));
  if (!owned) return invalid_argument("request does not parse: " + owned.status().message());
  const SipMessage& m = owned->message();
  if (!m.is_request()) return invalid_argument("not a request");
  if (m.method() == "ACK") return failed_precondition("an ACK is sent without a transaction");
  if (auto st = validate_request(m); !st) return invalid_argument("request: " + st.message());
  auto v = vias(m);
  if (!v) return v.status();
  if (!v->front().has_rfc3261_branch()) return invalid_argument("the top Via needs a branch from new_branch()");
  std::string key = client_key(v->front().branch, m.method());
  if (client_index_.contains(key)) return already_exists("a client transaction has this branch and method");
  if (txns_.size() >= cfg_.max_transactions) return resource_exhausted("transaction limit reached");

  const TransactionId id = next_id_++;
  Entry e;
  e.key = std::move(key);
  e.indexed = true;
  std::unique_ptr<ClientTransaction> t;
  if (m.method() == "INVITE") {
    t = std::make_unique<InviteClientTransaction>(id, std::move(*owned), destination, cfg_.timers, relay_);
  } else {
    t = std::make_unique<NonInviteClientTransaction>(id, std::move(*owned), destination, cfg_.timers, relay_);
  }
  e.client = t.get();
  e.txn = std::move(t);
  client_index_.emplace(e.key, id);
  Entry& ref = txns_.emplace(id, std::move(e)).first->second;
  ++stats_.client_transactions;
  ref.client->start(clock_.now()).ignore_error();  // reported through the TU
  reschedule(id, ref);
  return id;
}

Status TransactionLayer::respond(TransactionId id, std::string response) {
  Guard guard(*this);
  const auto it = txns_.find(id);
  if (it == txns_.end() || it->second.server == nullptr || it->second.txn->terminated()) {
    return not_found("no live server transaction " + std::to_string(id));
  }
  Entry& e = it->second;
  auto owned = OwnedMessage::parse(std::move(response));
  if (!owned) return invalid_argument("response does not parse: " + owned.status().message());
  Status st = e.server->respond(std::move(*owned), clock_.now());
  reschedule(id, e);
  return st;
}

Status TransactionLayer::respond(TransactionId id, int code, std::string_view reason, const ResponseOptions& options) {
  const auto it = txns_.find(id);
  if (it == txns_.end() || it->second.server == nullptr) return not_found("no server transaction " + std::to_string(id));
  auto r = make_response(it->second.txn->request().message(), code, reason, options);
  if (!r) return r.status();
  return respond(id, std::move(*r));
}

// ---- timers -----------------------------------------------------------------

std::optional<Nanos> TransactionLayer::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

void TransactionLayer::on_tick(Nanos now) {
  Guard guard(*this);
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const TransactionId id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    const auto it = txns_.find(id);
    if (it == txns_.end()) continue;
    // A reference, not the iterator: the TU may start transactions from
    // its callbacks, and a rehash keeps references but not iterators.
    Entry& e = it->second;
    e.scheduled.reset();
    e.txn->on_tick(now);
    reschedule(id, e);
  }
}

void TransactionLayer::reschedule(TransactionId id, Entry& e) {
  const auto next = e.txn->next_deadline();
  if (next == e.scheduled) return;
  if (e.scheduled) deadlines_.erase({*e.scheduled, id});
  e.scheduled = next;
  if (next) deadlines_.emplace(*next, id);
}

void TransactionLayer::sweep() {
  while (!dead_.empty()) {
    const TransactionId id = dead_.back();
    dead_.pop_back();
    const auto it = txns_.find(id);
    if (it == txns_.end()) continue;
    Entry& e = it->second;
    if (e.scheduled) deadlines_.erase({*e.scheduled, id});
    if (e.indexed) {
      auto& index = e.client != nullptr ? client_index_ : server_index_;
      if (const auto f = index.find(e.key); f != index.end() && f->second == id) index.erase(f);
    }
    txns_.erase(it);
  }
}

const Transaction* TransactionLayer::find(TransactionId id) const {
  const auto it = txns_.find(id);
  return it == txns_.end() ? nullptr : it->second.txn.get();
}

}  // namespace sb::sip
