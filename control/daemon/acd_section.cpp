#include "control/daemon/acd_section.hpp"

#include "acd/config.hpp"

namespace sb::daemon {

namespace {

nlohmann::json requirements_json(const acd::AcdModel& m, const std::vector<acd::SkillRequirement>& reqs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& r : reqs) j[m.skills.at(r.skill)] = r.min_proficiency;
  return j;
}

}  // namespace

nlohmann::json AcdSection::to_json() const {
  nlohmann::json j;
  j["max_consecutive_misses"] = model.max_consecutive_misses;
  j["skills"] = model.skills;
  j["queues"] = nlohmann::json::array();
  for (const auto& q : model.queues) {
    nlohmann::json qj;
    qj["name"] = q.name;
    qj["strategy"] = acd::strategy_name(q.strategy);
    qj["service_level_seconds"] = q.service_level_seconds;
    qj["service_level_target"] = q.service_level_target * 100;
    qj["max_wait_seconds"] = q.max_wait_seconds;
    if (q.overflow_target >= 0) qj["overflow"] = model.queues[static_cast<std::size_t>(q.overflow_target)].name;
    qj["weight"] = q.weight;
    qj["wrap_up_seconds"] = q.wrap_up_seconds;
    qj["priority"] = q.initial_priority;
    qj["priority_per_minute"] = q.priority_per_minute;
    qj["max_priority"] = q.max_priority;
    qj["short_abandon_seconds"] = q.short_abandon_seconds;
    qj["offer_timeout_seconds"] = q.offer_timeout_seconds;
    qj["requires"] = requirements_json(model, q.requirements);
    qj["expansions"] = nlohmann::json::array();
    for (const auto& e : q.expansions)
      qj["expansions"].push_back({{"after_seconds", e.after_seconds}, {"requires", requirements_json(model, e.requirements)}});
    j["queues"].push_back(std::move(qj));
  }
  j["agents"] = nlohmann::json::array();
  for (const auto& a : model.agents) {
    nlohmann::json aj;
    aj["id"] = a.id;
    aj["name"] = a.name;
    aj["skills"] = nlohmann::json::object();
    for (std::size_t s = 0; s < model.skills.size(); ++s)
      if (a.skills.level[s]) aj["skills"][model.skills[s]] = a.skills.level[s];
    aj["queues"] = nlohmann::json::array();
    for (int q : a.queues) aj["queues"].push_back(model.queues[static_cast<std::size_t>(q)].name);
    if (a.wrap_up_override_seconds >= 0) aj["wrap_up_seconds"] = a.wrap_up_override_seconds;
    j["agents"].push_back(std::move(aj));
  }
  return j;
}

void AcdSection::declare_names(config::NameTable& names) const {
  for (const auto& q : model.queues) {
    names.define("queue", q.name);
    // The IVR checks it has the words these queues' announcements use.
    if (q.announce_interval_seconds > 0) names.define("announcing queue", q.name);
  }
  for (const auto& s : model.skills) names.define("skill", s);
}

config::SectionParser acd_section_parser() {
  return {"acd", [](config::TableReader& t, const config::SectionContext&) -> std::shared_ptr<const config::ConfigSection> {
            // The ACD's loader reports unknown keys itself, with the same
            // positions; mark them here so they are not reported twice.
            for (const auto& [key, value] : t.table()) t.mark(key.str());
            std::vector<sb::ConfigError> errors;
            auto model = acd::load_acd_section(t.table(), t.diagnostics().file(), &errors);
            for (const auto& e : errors)
              t.diagnostics().error({static_cast<std::uint32_t>(e.line), static_cast<std::uint32_t>(e.column)}, e.key,
                                    e.message);
            auto section = std::make_shared<AcdSection>();
            if (model) section->model = std::move(*model);
            return section;
          }};
}

}  // namespace sb::daemon
