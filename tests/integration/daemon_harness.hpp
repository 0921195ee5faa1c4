// What the daemon's integration tests share: a config for a test daemon
// (any free API port, everything under a temporary directory), reading the
// API port from the start-up banner, and the token the config sets.
#pragma once

#include <fstream>
#include <regex>
#include <string>

#include "tests/support/background_process.hpp"
#include "tests/support/process.hpp"

namespace sb::test {

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A config for a test daemon: any free port, everything under `dir`.
inline std::string daemon_config(const TempDir& dir, const std::string& level, const std::string& rec_dir) {
  return "[server]\nstate_dir = \"" + dir.file("var") + "\"\ndrain_timeout = \"10s\"\n" +
         "[logging]\nlevel = \"" + level + "\"\n" +
         "[api]\nport = 0\nrequest_timeout = \"5s\"\n" +
         "[[api.tokens]]\nname = \"ops\"\ntoken = \"integration-token-0123\"\n" +
         "[recordings]\ndirectory = \"" + rec_dir + "\"\n" +
         // Any free SIP port, so parallel test daemons never meet on 5060.
         "[sip]\nlisten = [\"udp:127.0.0.1:0\"]\n" +
         "[ivr.prompts]\nhi.en = \"hello\"\n[ivr.menus.m]\nentry = \"a\"\n[ivr.menus.m.nodes.a]\n"
         "type = \"hangup\"\nprompts = [\"hi\"]\n";
}

inline std::uint16_t port_from_banner(BackgroundProcess& p) {
  const auto line = p.wait_for_line("  api ");
  if (!line) return 0;
  std::smatch m;
  if (!std::regex_search(*line, m, std::regex(R"(http://127\.0\.0\.1:([0-9]+)/api/v1)"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

inline const std::string kToken = "integration-token-0123";

}  // namespace sb::test
