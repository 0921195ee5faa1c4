// Recordings over the configured recordings directory: list with metadata,
// one recording's details, and the audio download.
#pragma once

#include "common/status.hpp"
#include "control/api/router.hpp"
#include "control/config/config_store.hpp"

namespace sb::api {

// GET /api/v1/recordings?limit=&offset=, GET /api/v1/recordings/{id},
// GET /api/v1/recordings/{id}/audio. The directory is read from the running
// config on every request, so a reload that moves it takes effect at once.
Status add_recordings_routes(Router& router, const config::ConfigStore& store);

}  // namespace sb::api
