// Loads the ACD model (skills, queues, agents) from TOML. Every problem is
// reported with the file, line, column and dotted key so an operator can fix
// a file in one pass; nothing is defaulted silently (unknown keys are
// errors, because a misspelt key would otherwise mean "use the default").
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "acd/model.hpp"
#include "common/config_error.hpp"
#include "common/status.hpp"


namespace sb::acd {

// Reads the [acd] section of an already-parsed document. `errors`, when
// given, receives every error found (the Status carries them too).
Result<AcdModel> load_acd_model(const toml::table& root, const std::string& file,
                                std::vector<ConfigError>* errors = nullptr);

// The [acd] table itself (the daemon's config layer hands each module its
// section; positions must come from the parsed document, not a copy).
Result<AcdModel> load_acd_section(const toml::table& acd, const std::string& file,
                                  std::vector<ConfigError>* errors = nullptr);

// Parses `path` and loads its [acd] section; a TOML syntax error is reported
// with its position like any other error.
Result<AcdModel> load_acd_file(const std::string& path, std::vector<ConfigError>* errors = nullptr);

}  // namespace sb::acd
