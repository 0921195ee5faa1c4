// `switchboard prompts generate [--config FILE] [--overwrite]`: speaks every
// IVR prompt's configured text with espeak-ng (Debian package espeak-ng)
// into <prompts_dir>/<language>/<name>.wav, so a fresh installation (and
// the demo) plays words rather than the tone-per-word stand-in until real
// recordings replace them. Existing files are kept unless --overwrite.
// Exit codes: 0 all written (or present), 1 espeak-ng failed or is
// missing, 2 the config is invalid.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include "control/commands/commands.hpp"
#include "control/config/config_loader.hpp"
#include "control/config/default_config.hpp"
#include "control/daemon/sections.hpp"
#include "ivr/menu/menu_model.hpp"

extern char** environ;

namespace sb::control {

namespace {

// Runs argv without a shell (the text is data, never parsed as a command);
// true when it exited 0.
bool run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int run_prompts_generate(const PromptsGenerateOptions& o) {
  const config::LoadResult r =
      o.config_path.empty()
          ? config::load_config_text(config::embedded_default_config(), std::string(config::kEmbeddedDefaultName),
                                     daemon::daemon_sections())
          : config::load_config_file(o.config_path, daemon::daemon_sections());
  if (!r.ok()) {
    for (const auto& d : r.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 2;
  }
  auto ivr = r.config->section_ptr<ivr::menu::IvrConfig>("ivr");
  if (!ivr) {
    std::fprintf(stderr, "switchboard prompts generate: the configuration has no [ivr] section\n");
    return 2;
  }
  int written = 0, kept = 0, failed = 0;
  for (const auto& [name, prompt] : ivr->prompts) {
    for (const auto& [language, text] : prompt.text) {
      const std::string path = ivr->prompt_path(name, language);
      std::error_code ec;
      if (!o.overwrite && std::filesystem::exists(path, ec)) {
        ++kept;
        continue;
      }
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
      if (ec) {
        std::fprintf(stderr, "%s: cannot create the directory: %s\n", path.c_str(), ec.message().c_str());
        ++failed;
        continue;
      }
      if (!run_program({"espeak-ng", "-v", language, "-s", "160", "-w", path, text})) {
        std::fprintf(stderr, "%s: espeak-ng failed (is the Debian package espeak-ng installed?)\n", path.c_str());
        ++failed;
        continue;
      }
      std::printf("%s\n", path.c_str());
      ++written;
    }
  }
  std::printf("prompts: %d written, %d kept, %d failed\n", written, kept, failed);
  return failed ? 1 : 0;
}

}  // namespace sb::control
