// Waiting for a dataplane event in integration tests: polls MediaSessions
// (on the test's thread, its control thread) until an event of `kind`
// names `id`; a kCommandFailed naming it ends the wait as a test failure.
// Header-only: only the tests that link the dataplane include it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dataplane/media_sessions.hpp"

namespace sb::test {

inline bool wait_dataplane_event(dataplane::MediaSessions& ms, std::uint64_t id, dataplane::Event::Kind kind,
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  dataplane::Event ev[64];
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = ms.poll_events(ev);
    for (std::size_t i = 0; i < n; ++i) {
      if (ev[i].session != id) continue;
      if (ev[i].kind == kind) return true;
      if (ev[i].kind == dataplane::Event::kCommandFailed) {
        ADD_FAILURE() << "command failed: " << ev[i].error;
        return false;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

}  // namespace sb::test
