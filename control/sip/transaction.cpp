// What the four transaction machines share, and the TU's helpers: 2xx
// retransmission, ACK and CANCEL construction, the 491 retry delay.
#include "control/sip/transaction.hpp"

#include <algorithm>
#include <vector>

#include "control/sip/builder.hpp"
#include "control/sip/grammar.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip {

Result<OwnedMessage> OwnedMessage::parse(std::string bytes, const ParseLimits& limits) {
  OwnedMessage m;
  m.bytes_ = std::make_unique<std::string>(std::move(bytes));
  auto parsed = parse_sip_message(*m.bytes_, limits);
  if (!parsed) return parsed.status();
  m.message_ = std::move(*parsed);
  return m;
}

std::string_view transaction_state_name(TransactionState s) noexcept {
  switch (s) {
    case TransactionState::kCalling: return "calling";
    case TransactionState::kTrying: return "trying";
    case TransactionState::kProceeding: return "proceeding";
    case TransactionState::kCompleted: return "completed";
    case TransactionState::kConfirmed: return "confirmed";
    case TransactionState::kAccepted: return "accepted";
    case TransactionState::kTerminated: return "terminated";
  }
  return "?";
}

Transaction::Transaction(TransactionId id, OwnedMessage request, Peer peer, const TimerConfig& timers,
                         TransactionUser& tu)
    : id_(id),
      request_(std::move(request)),
      peer_(std::move(peer)),
      cfg_(timers),
      tu_(tu),
      state_(TransactionState::kTrying) {}

std::optional<Nanos> Transaction::next_deadline() const noexcept {
  std::optional<Nanos> best;
  for (const auto& t : timers_) {
    if (t && (!best || *t < *best)) best = t;
  }
  return best;
}

void Transaction::on_tick(Nanos now) {
  while (!terminated()) {
    std::size_t due = kMaxTimers;
    for (std::size_t i = 0; i < kMaxTimers; ++i) {
      if (timers_[i] && *timers_[i] <= now && (due == kMaxTimers || *timers_[i] < *timers_[due])) due = i;
    }
    if (due == kMaxTimers) return;
    const Nanos at = *timers_[due];
    timers_[due].reset();
    fire(due, at);
  }
}

Status Transaction::transmit(std::string_view bytes, bool retransmission, bool keep_state) {
  OutboundMessage out;
  out.transaction = id_;
  out.destination = &peer_;
  out.bytes = bytes;
  out.retransmission = retransmission;
  Status st = tu_.send(out);
  if (!st) {
    tu_.on_transport_error(id_, st);
    if (!keep_state) terminate();
  }
  return st;
}

void Transaction::terminate() {
  if (terminated()) return;
  state_ = TransactionState::kTerminated;
  for (auto& t : timers_) t.reset();
  tu_.on_terminated(id_);
}

void Transaction::linger(TransactionState next, std::size_t slot, Nanos wait, Nanos now) {
  state_ = next;
  if (wait <= Nanos{0}) {
    terminate();
  } else {
    arm(slot, now + wait);
  }
}

// ---- 2xx retransmission ---------------------------------------------------

TwoXxRetransmitter::TwoXxRetransmitter(TransactionId id, std::string response, Peer peer, const TimerConfig& timers,
                                       Nanos sent_at)
    : id_(id),
      response_(std::move(response)),
      peer_(std::move(peer)),
      t2_(timers.t2),
      next_(sent_at + timers.t1),
      interval_(timers.t1),
      give_up_at_(sent_at + timers.t1x64()) {}

TwoXxRetransmitter::Outcome TwoXxRetransmitter::on_tick(Nanos now, MessageSink& sink) {
  while (outcome_ == Outcome::kWaiting) {
    // Giving up wins a tie with a resend: at 64*T1 the 2xx has had its
    // chances and the call is torn down.
    if (give_up_at_ <= now && give_up_at_ <= next_) {
      outcome_ = Outcome::kGaveUp;
      break;
    }
    if (next_ > now) break;
    OutboundMessage out;
    out.transaction = id_;
    out.destination = &peer_;
    out.bytes = response_;
    out.retransmission = true;
    if (!sink.send(out)) {
      outcome_ = Outcome::kTransportError;
      break;
    }
    ++retransmissions_;
    interval_ = std::min(interval_ * 2, t2_);
    next_ += interval_;
  }
  return outcome_;
}

void TwoXxRetransmitter::on_ack() noexcept {
  if (outcome_ == Outcome::kWaiting) outcome_ = Outcome::kAcknowledged;
}

std::optional<Nanos> TwoXxRetransmitter::next_deadline() const noexcept {
  if (outcome_ != Outcome::kWaiting) return std::nullopt;
  return std::min(next_, give_up_at_);
}

// ---- requests built from an INVITE ---------------------------------------

namespace {

// The first Via value of the first Via row: the one the UAC itself added.
Result<std::string_view> top_via_value(const SipMessage& m) {
  const Header* h = m.find(HeaderId::kVia);
  if (h == nullptr) return invalid_argument("the INVITE has no Via");
  std::vector<std::string_view> parts;
  SB_RETURN_IF_ERROR(grammar::split_list(h->value, "Via", parts));
  return parts.front();
}

// ACK and CANCEL share their shape (§9.1, §17.1.1.3); they differ in the
// method and in where To comes from.
Result<std::string> request_from_invite(const SipMessage& invite, std::string_view method, std::string_view to_value) {
  if (!invite.is_request() || invite.method() != "INVITE") return invalid_argument("not an INVITE");
  auto via = top_via_value(invite);
  if (!via) return via.status();
  auto seq = cseq(invite);
  if (!seq) return seq.status();
  const Header* f = invite.find(HeaderId::kFrom);
  const Header* c = invite.find(HeaderId::kCallId);
  if (f == nullptr || c == nullptr) return invalid_argument("the INVITE lacks From or Call-ID");
  auto b = SipMessageBuilder::request(method, invite.request_uri());
  b.add_header("Via", *via);
  for (const auto& h : invite.headers()) {
    if (h.id == HeaderId::kRoute) b.add_header("Route", h.value);
  }
  b.add_header("Max-Forwards", "70");
  b.add_header("From", f->value);
  b.add_header("To", to_value);
  b.add_header("Call-ID", c->value);
  b.add_header("CSeq", std::to_string(seq->number) + " " + std::string(method));
  return b.build();
}

}  // namespace

Result<std::string> make_ack_for_non_2xx(const SipMessage& invite, const SipMessage& response) {
  if (!response.is_response() || response.status_code() < 300) {
    return invalid_argument("an ACK built by the transaction answers a 300-699 only");
  }
  const Header* t = response.find(HeaderId::kTo);
  if (t == nullptr) return invalid_argument("the response has no To");
  return request_from_invite(invite, "ACK", t->value);
}

Result<std::string> make_cancel(const SipMessage& invite) {
  const Header* t = invite.find(HeaderId::kTo);
  if (t == nullptr) return invalid_argument("the INVITE has no To");
  return request_from_invite(invite, "CANCEL", t->value);
}

Nanos glare_retry_delay(bool owns_call_id, std::uint64_t random) noexcept {
  // 10 ms units: 2.1..4.0 s is 191 values from 210, 0..2.0 s is 201 from 0.
  const std::uint64_t units = owns_call_id ? 210 + random % 191 : random % 201;
  return from_millis(static_cast<std::int64_t>(units) * 10);
}

}  // namespace sb::sip
