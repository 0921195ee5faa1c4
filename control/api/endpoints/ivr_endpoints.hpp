// IVR endpoints over the running config: the menus as loaded, and a
// dry run of a menu in virtual time (ivr/menu/menu_simulator.hpp).
#pragma once

#include "common/status.hpp"
#include "control/api/router.hpp"
#include "control/config/config_store.hpp"

namespace sb::api {

// GET /api/v1/ivr/menus, GET /api/v1/ivr/menus/{menu},
// POST /api/v1/ivr/menus/{menu}/simulate.
Status add_ivr_routes(Router& router, const config::ConfigStore& store);

}  // namespace sb::api
