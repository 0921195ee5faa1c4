// The request bodies of the endpoints implemented so far, parsed and
// validated apart from their handlers: the part of each endpoint that reads
// the network, fuzzed on its own (tests/fuzz/api_request_fuzz.cpp). Each
// returns the request, or the 4xx response naming what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "control/api/http_types.hpp"

namespace sb::api {

template <typename T>
using Parsed = std::variant<T, HttpResponse>;

// PUT /api/v1/logging: {"level": "trace|debug|info|warn|error|critical|off"}
struct LogLevelRequest {
  std::string level;
};
Parsed<LogLevelRequest> parse_log_level_request(const HttpRequest& req);

// POST /api/v1/ivr/menus/{menu}/simulate:
// {"input": ["1", "1234#", ""], "max_events": 500}, both optional.
struct SimulateRequest {
  std::vector<std::string> input;  // DTMF keys only, at most 32 per entry, 64 entries
  std::size_t max_events = 500;
};
Parsed<SimulateRequest> parse_simulate_request(const HttpRequest& req);

// POST /api/v1/agents/{id}/not-ready: {"reason": "lunch"} (optional; 1-31
// characters of [A-Za-z0-9_-]; default "not-ready").
struct NotReadyRequest {
  std::string reason = "not-ready";
};
Parsed<NotReadyRequest> parse_not_ready_request(const HttpRequest& req);

// POST /api/v1/config/reload: no body, or {}.
struct EmptyRequest {};
Parsed<EmptyRequest> parse_empty_request(const HttpRequest& req);

}  // namespace sb::api
