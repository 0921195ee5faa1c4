// Load-time checks of the IVR menu graph, so a menu that would strand or
// loop a caller is a config error, not a live-call incident:
//  * every target names an existing node of its menu (no dangling edges),
//    every goto an existing menu;
//  * every node is reachable from its menu's entry node;
//  * no loop runs without caller input: every cycle must pass a collect
//    node's digit branch (`branches`, `next`, `on_invalid`). Prompts,
//    set nodes, gotos and timeout branches do not count, since a silent
//    caller would go round forever;
//  * every branch pattern can match the node's digit count, and no branch
//    is shadowed by an earlier one that takes every input it would.
// Together with the parser's "every non-terminal node has its exits", every
// path from any node ends at a terminal node or waits for caller input.
//
// Resolves target names to indices in place; errors go to `diag` with the
// key path and position of the offending target or node.
#pragma once

#include "control/config/diagnostics.hpp"
#include "ivr/menu/menu_model.hpp"

namespace sb::ivr::menu {

void check_menu_graph(IvrConfig& cfg, config::Diagnostics& diag);

}  // namespace sb::ivr::menu
