// The client machines: RFC 3261 Figures 5 and 6, and RFC 6026's
// Accepted state, in which an INVITE client transaction stays for 64*T1
// after a 2xx so that the 2xx retransmissions (and the 2xx of other forks)
// reach the TU, which alone can ACK them.
#include <algorithm>

#include "control/sip/transaction.hpp"

namespace sb::sip {

// ---- INVITE ---------------------------------------------------------------

InviteClientTransaction::InviteClientTransaction(TransactionId id, OwnedMessage request, Peer peer,
                                                 const TimerConfig& timers, TransactionUser& tu)
    : ClientTransaction(id, std::move(request), std::move(peer), timers, tu) {
  set_state(TransactionState::kCalling);
}

Status InviteClientTransaction::start(Nanos now) {
  SB_RETURN_IF_ERROR(transmit(request_.bytes(), false));
  // A reliable transport retransmits for us; B runs either way, it is the
  // bound on how long the peer may stay silent.
  if (!peer_.reliable) {
    a_interval_ = cfg_.t1;
    arm(kTimerA, now + a_interval_);
  }
  arm(kTimerB, now + cfg_.t1x64());
  return Status::ok();
}

void InviteClientTransaction::fire(std::size_t slot, Nanos at) {
  switch (slot) {
    case kTimerA:
      if (state_ != TransactionState::kCalling) return;
      if (!transmit(request_.bytes(), true)) return;
      a_interval_ *= 2;  // no cap for INVITE: B ends it first
      arm(kTimerA, at + a_interval_);
      return;
    case kTimerB:
      if (state_ != TransactionState::kCalling) return;
      tu_.on_timeout(id_);
      terminate();
      return;
    default:  // D in Completed, M in Accepted
      terminate();
      return;
  }
}

void InviteClientTransaction::on_response(const SipMessage& response, Nanos now) {
  const int code = response.status_code();
  switch (state_) {
    case TransactionState::kCalling:
    case TransactionState::kProceeding:
      disarm(kTimerA);
      disarm(kTimerB);
      if (code < 200) {
        set_state(TransactionState::kProceeding);
        tu_.on_response(id_, response);
      } else if (code < 300) {
        set_state(TransactionState::kAccepted);
        arm(kTimerDorM, now + cfg_.t1x64());
        tu_.on_response(id_, response);
      } else {
        set_state(TransactionState::kCompleted);
        tu_.on_response(id_, response);
        if (terminated()) return;
        // A response the ACK cannot be built from (validated responses
        // always have a To) still completes the transaction.
        if (auto ack = make_ack_for_non_2xx(request_.message(), response)) {
          ack_ = std::move(*ack);
          if (!transmit(ack_, false)) return;
        }
        linger(TransactionState::kCompleted, kTimerDorM, peer_.reliable ? Nanos{0} : cfg_.timer_d, now);
      }
      return;
    case TransactionState::kCompleted:
      // The peer did not get our ACK: send it again, and keep the duplicate
      // final from the TU.
      if (code >= 300 && !ack_.empty()) transmit(ack_, true).ignore_error();
      return;
    case TransactionState::kAccepted:
      if (code >= 200 && code < 300) tu_.on_response(id_, response);
      return;
    default:
      return;
  }
}

// ---- non-INVITE -----------------------------------------------------------

NonInviteClientTransaction::NonInviteClientTransaction(TransactionId id, OwnedMessage request, Peer peer,
                                                       const TimerConfig& timers, TransactionUser& tu)
    : ClientTransaction(id, std::move(request), std::move(peer), timers, tu) {
  set_state(TransactionState::kTrying);
}

Status NonInviteClientTransaction::start(Nanos now) {
  SB_RETURN_IF_ERROR(transmit(request_.bytes(), false));
  if (!peer_.reliable) {
    e_interval_ = cfg_.t1;
    arm(kTimerE, now + e_interval_);
  }
  arm(kTimerF, now + cfg_.t1x64());
  return Status::ok();
}

void NonInviteClientTransaction::fire(std::size_t slot, Nanos at) {
  switch (slot) {
    case kTimerE:
      if (state_ != TransactionState::kTrying && state_ != TransactionState::kProceeding) return;
      if (!transmit(request_.bytes(), true)) return;
      // Trying doubles up to T2; once a provisional arrived the peer is
      // known to be working on it, so Proceeding resends at T2 flat.
      e_interval_ = state_ == TransactionState::kTrying ? std::min(e_interval_ * 2, cfg_.t2) : cfg_.t2;
      arm(kTimerE, at + e_interval_);
      return;
    case kTimerF:
      if (state_ != TransactionState::kTrying && state_ != TransactionState::kProceeding) return;
      tu_.on_timeout(id_);
      terminate();
      return;
    default:  // K
      terminate();
      return;
  }
}

void NonInviteClientTransaction::on_response(const SipMessage& response, Nanos now) {
  if (state_ != TransactionState::kTrying && state_ != TransactionState::kProceeding) {
    return;  // Completed absorbs retransmitted finals
  }
  if (response.status_code() < 200) {
    set_state(TransactionState::kProceeding);
    tu_.on_response(id_, response);
    return;
  }
  disarm(kTimerE);
  disarm(kTimerF);
  set_state(TransactionState::kCompleted);
  tu_.on_response(id_, response);
  if (terminated()) return;
  linger(TransactionState::kCompleted, kTimerK, peer_.reliable ? Nanos{0} : cfg_.t4, now);
}

}  // namespace sb::sip
