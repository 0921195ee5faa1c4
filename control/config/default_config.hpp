// The configuration compiled into the binary: what `switchboard run` and
// `switchboard demo` use without --config, and what
// `switchboard config show-default` prints. It works on any machine:
// everything binds to 127.0.0.1 and writes under ./var.
//
// Two parts: the daemon's own sections plus the sample IVR, and the ACD's
// queues, skills and agents, kept apart so the ACD part can follow the ACD
// module's section format without touching the rest.
#pragma once

#include <string_view>

namespace sb::config {

inline constexpr std::string_view kEmbeddedDefaultName = "<embedded default>";

// The whole default document: core_part() followed by acd_part().
std::string_view embedded_default_config();
std::string_view embedded_core_part();
std::string_view embedded_acd_part();

}  // namespace sb::config
