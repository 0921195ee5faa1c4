// Call control for talking calls: hold and unhold, transfer to a queue or
// to a named agent (CallControl::hold, CallControl::transfer).
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

namespace sb::calls {

Status CallControl::hold(CallId id, bool, const std::string&, dataplane::MediaSessions&) {
  if (!find(id)) return not_found("no live call " + std::to_string(id));
  return unsupported("hold is not built yet");
}

Status CallControl::transfer(CallId id, const TransferTarget&, const std::string&, dataplane::MediaSessions&) {
  if (!find(id)) return not_found("no live call " + std::to_string(id));
  return unsupported("transfer is not built yet");
}

Status CallControl::outbound_answered(CallId id, dataplane::Endpoint, dataplane::MediaSessions&) {
  if (!find(id)) return not_found("no live call " + std::to_string(id));
  return unsupported("callbacks are not built yet");
}

Status CallControl::outbound_failed(CallId id, const std::string&, dataplane::MediaSessions&) {
  if (!find(id)) return not_found("no live call " + std::to_string(id));
  return unsupported("callbacks are not built yet");
}

}  // namespace sb::calls
