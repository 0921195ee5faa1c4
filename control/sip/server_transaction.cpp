// The server machines: RFC 3261 Figures 7 and 8, and RFC 6026's
// Accepted state, in which an INVITE server transaction that sent a 2xx
// absorbs retransmitted INVITEs for 64*T1 (Timer L) instead of handing them
// to the TU as new requests, and passes ACKs up.
#include <algorithm>

#include "control/sip/builder.hpp"
#include "control/sip/transaction.hpp"

namespace sb::sip {

Status ServerTransaction::check_response(const OwnedMessage& response) const {
  if (!response->is_response()) return invalid_argument("a server transaction sends responses only");
  return Status::ok();
}

// ---- INVITE ---------------------------------------------------------------

InviteServerTransaction::InviteServerTransaction(TransactionId id, OwnedMessage request, Peer peer,
                                                 const TimerConfig& timers, TransactionUser& tu)
    : ServerTransaction(id, std::move(request), std::move(peer), timers, tu) {
  set_state(TransactionState::kProceeding);
}

void InviteServerTransaction::start(Nanos now) {
  // §17.2.1: 100 Trying unless the TU answers within 200 ms; armed before
  // the TU sees the request, because it may answer from on_request.
  arm(kTimerTrying, now + cfg_.trying_delay);
  tu_.on_request(id_, request_.message());
}

void InviteServerTransaction::fire(std::size_t slot, Nanos at) {
  switch (slot) {
    case kTimerTrying: {
      if (state_ != TransactionState::kProceeding || last_) return;
      ResponseOptions opt;
      // §8.2.6.1: a Timestamp in the request is echoed in the 100.
      if (const Header* ts = request_->find("Timestamp")) opt.headers.emplace_back("Timestamp", ts->value);
      auto trying = make_response(request_.message(), 100, "Trying", opt);
      if (!trying) return;
      auto owned = OwnedMessage::parse(std::move(*trying));
      if (!owned) return;
      last_ = std::move(*owned);
      transmit(last_->bytes(), false).ignore_error();
      return;
    }
    case kTimerGorL:
      if (state_ == TransactionState::kCompleted) {  // G
        if (!transmit(last_->bytes(), true)) return;
        g_interval_ = std::min(g_interval_ * 2, cfg_.t2);
        arm(kTimerGorL, at + g_interval_);
      } else if (state_ == TransactionState::kAccepted) {  // L
        terminate();
      }
      return;
    default:
      if (state_ == TransactionState::kCompleted) {  // H: the ACK never came
        tu_.on_timeout(id_);
        terminate();
      } else if (state_ == TransactionState::kConfirmed) {  // I
        terminate();
      }
      return;
  }
}

void InviteServerTransaction::on_request(const SipMessage& request, Nanos now) {
  if (request.method() == "ACK") {
    switch (state_) {
      case TransactionState::kCompleted:
        // The ACK of our non-2xx: it ends the retransmissions and is the
        // transaction's business alone.
        disarm(kTimerGorL);
        disarm(kTimerHorI);
        linger(TransactionState::kConfirmed, kTimerHorI, peer_.reliable ? Nanos{0} : cfg_.t4, now);
        return;
      case TransactionState::kAccepted:
        tu_.on_request(id_, request);  // RFC 6026: the TU's ACK
        return;
      default:
        return;  // Confirmed absorbs; an ACK before any final is meaningless
    }
  }
  switch (state_) {
    case TransactionState::kProceeding:
    case TransactionState::kCompleted:
      if (last_) transmit(last_->bytes(), true).ignore_error();
      return;
    default:
      return;  // Confirmed and Accepted absorb: the TU must not see it again
  }
}

Status InviteServerTransaction::respond(OwnedMessage response, Nanos now) {
  SB_RETURN_IF_ERROR(check_response(response));
  const int code = response->status_code();
  if (state_ == TransactionState::kAccepted) {
    // The TU's 2xx retransmissions (§13.3.1.4) pass through; a transport
    // error is reported but the state stays, so retransmitted INVITEs are
    // still absorbed until L.
    if (code < 200 || code >= 300) return failed_precondition("the INVITE was answered 2xx");
    return transmit(response.bytes(), true, true);
  }
  if (state_ != TransactionState::kProceeding) return failed_precondition("the INVITE already has a final response");
  disarm(kTimerTrying);
  last_ = std::move(response);
  if (code < 200) return transmit(last_->bytes(), false);
  if (code < 300) {
    set_state(TransactionState::kAccepted);
    arm(kTimerGorL, now + cfg_.t1x64());
    return transmit(last_->bytes(), false, true);
  }
  SB_RETURN_IF_ERROR(transmit(last_->bytes(), false));
  set_state(TransactionState::kCompleted);
  if (!peer_.reliable) {
    g_interval_ = cfg_.t1;
    arm(kTimerGorL, now + g_interval_);
  }
  arm(kTimerHorI, now + cfg_.t1x64());
  return Status::ok();
}

// ---- non-INVITE -----------------------------------------------------------

NonInviteServerTransaction::NonInviteServerTransaction(TransactionId id, OwnedMessage request, Peer peer,
                                                       const TimerConfig& timers, TransactionUser& tu)
    : ServerTransaction(id, std::move(request), std::move(peer), timers, tu) {
  set_state(TransactionState::kTrying);
}

void NonInviteServerTransaction::start(Nanos) { tu_.on_request(id_, request_.message()); }

void NonInviteServerTransaction::fire(std::size_t, Nanos) {
  if (state_ == TransactionState::kCompleted) terminate();  // J
}

void NonInviteServerTransaction::on_request(const SipMessage&, Nanos) {
  // Trying has nothing to resend: the TU is still working on it.
  if ((state_ == TransactionState::kProceeding || state_ == TransactionState::kCompleted) && last_) {
    transmit(last_->bytes(), true).ignore_error();
  }
}

Status NonInviteServerTransaction::respond(OwnedMessage response, Nanos now) {
  SB_RETURN_IF_ERROR(check_response(response));
  if (state_ != TransactionState::kTrying && state_ != TransactionState::kProceeding) {
    return failed_precondition("the request already has a final response");
  }
  const bool final = response->status_code() >= 200;
  last_ = std::move(response);
  if (!final) {
    set_state(TransactionState::kProceeding);
    return transmit(last_->bytes(), false);
  }
  set_state(TransactionState::kCompleted);
  SB_RETURN_IF_ERROR(transmit(last_->bytes(), false));
  linger(TransactionState::kCompleted, kTimerJ, peer_.reliable ? Nanos{0} : cfg_.t1x64(), now);
  return Status::ok();
}

}  // namespace sb::sip
