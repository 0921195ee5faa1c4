#include "ivr/menu/menu_session.hpp"

namespace sb::ivr::menu {

std::string_view digit_source_name(DigitSource s) noexcept {
  switch (s) {
    case DigitSource::kRfc4733: return "rfc4733";
    case DigitSource::kInband: return "inband";
    case DigitSource::kSipInfo: return "sip_info";
    case DigitSource::kApi: return "api";
  }
  return "unknown";
}

std::string_view input_result_name(InputResult r) noexcept {
  switch (r) {
    case InputResult::kMatched: return "matched";
    case InputResult::kInvalid: return "invalid";
    case InputResult::kTimeout: return "timeout";
  }
  return "unknown";
}

MenuSession::MenuSession(std::shared_ptr<const IvrConfig> config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), language_(config_->default_language()) {}

std::string_view MenuSession::menu_name() const noexcept {
  return phase_ == Phase::kIdle ? std::string_view() : std::string_view(config_->menus[menu_].name);
}

std::string_view MenuSession::node_name() const noexcept {
  return phase_ == Phase::kIdle ? std::string_view() : std::string_view(node().name);
}

Status MenuSession::start(Actions& out, std::string_view menu) {
  if (phase_ != Phase::kIdle) return failed_precondition("the menu session has already started");
  const std::string_view name = menu.empty() ? std::string_view(config_->entry_menu) : menu;
  const auto index = config_->menu_index(name);
  if (!index) return not_found("no IVR menu named \"" + std::string(name) + "\"");
  const Menu& m = config_->menus[*index];
  if (m.entry.index == kUnresolved) return internal_error("menu \"" + m.name + "\" has no resolved entry node");
  phase_ = Phase::kPlaying;  // leaves kIdle; run() sets the real phase
  go(*index, m.entry.index, out);
  run(out);
  return Status::ok();
}

void MenuSession::go(std::uint32_t menu, std::uint32_t node, Actions& /*out*/) {
  menu_ = menu;
  node_ = node;
  pending_ = true;
}

void MenuSession::take(const Target& t, Actions& out) { go(menu_, t.index, out); }

void MenuSession::run(Actions& out) {
  steps_ = 0;
  while (pending_ && phase_ != Phase::kFinished) {
    pending_ = false;
    if (++steps_ > kMaxStepsPerEvent) {
      finish_with(Hangup{"ivr_loop"}, out);
      return;
    }
    const Node& n = node();
    out.push_back(NodeEntered{config_->menus[menu_].name, n.name});
    switch (n.type) {
      case NodeType::kPlay:
        if (n.barge_in && !collecting_) {
          out.push_back(StartDigitCollection{static_cast<int>(kMaxTypeAhead), 0});
          collecting_ = true;
        } else if (!n.barge_in && collecting_) {
          out.push_back(StopDigitCollection{});
          collecting_ = false;
        }
        play(n.prompts, n.barge_in, out);
        phase_ = Phase::kPlaying;
        break;
      case NodeType::kCollect:
        enter_collect(out);
        break;
      case NodeType::kSet:
        if (n.language) {
          language_ = *n.language;
          vars_["language"] = language_;
          out.push_back(SetVariable{"language", language_});
        }
        if (n.skills) {
          skills_ = *n.skills;
          std::string joined;
          for (const auto& s : skills_) joined += (joined.empty() ? "" : ",") + s;
          vars_["skills"] = joined;
          out.push_back(SetVariable{"skills", joined});
        }
        if (n.priority) {
          priority_ = *n.priority;
          vars_["priority"] = std::to_string(priority_);
          out.push_back(SetVariable{"priority", vars_["priority"]});
        }
        for (const auto& [k, v] : n.variables) {
          vars_[k] = v;
          out.push_back(SetVariable{k, v});
        }
        take(*n.next, out);
        break;
      case NodeType::kGoto:
        go(n.menu_index, config_->menus[n.menu_index].entry.index, out);
        break;
      case NodeType::kQueue:
      case NodeType::kCallback:
      case NodeType::kTransfer:
      case NodeType::kHangup:
        if (n.prompts.empty()) {
          act_terminal(out);
        } else {
          if (collecting_) {
            out.push_back(StopDigitCollection{});
            collecting_ = false;
          }
          play(n.prompts, false, out);
          phase_ = Phase::kTerminalPrompt;
        }
        break;
    }
  }
}

void MenuSession::enter_collect(Actions& out) {
  const Node& n = node();
  const CollectSpec& c = n.collect;
  digits_.clear();
  failures_ = 0;
  out.push_back(StartDigitCollection{c.max_digits, c.terminator});
  collecting_ = true;
  if (type_ahead_.empty()) {
    play(n.prompts, n.barge_in, out);
    phase_ = Phase::kPrompting;
    return;
  }
  // Digits pressed during an earlier barge-in prompt answer this node
  // without its prompt; what this node does not consume stays queued.
  std::string ahead;
  ahead.swap(type_ahead_);
  phase_ = Phase::kWaitingFirst;
  const std::uint32_t here_menu = menu_, here_node = node_;
  std::size_t used = 0;
  while (used < ahead.size() && !pending_ && phase_ != Phase::kFinished && menu_ == here_menu &&
         node_ == here_node && (phase_ == Phase::kWaitingFirst || phase_ == Phase::kCollecting)) {
    process_digit(ahead[used++], out);
  }
  if (pending_) type_ahead_ = ahead.substr(used);
  if (phase_ == Phase::kWaitingFirst) arm(c.first_digit_timeout, out);
}

bool MenuSession::could_take_more() const {
  const CollectSpec& c = node().collect;
  const auto max = static_cast<std::size_t>(c.max_digits);
  if (c.any && digits_.size() < max) return true;
  for (const auto& b : c.branches)
    if (b.pattern.could_extend(digits_, max)) return true;
  return false;
}

void MenuSession::process_digit(char d, Actions& out) {
  const CollectSpec& c = node().collect;
  disarm(out);
  if (c.terminator != 0 && d == c.terminator) {
    if (static_cast<int>(digits_.size()) >= c.min_digits) complete(out);
    else fail(Failure::kInvalid, out);
    return;
  }
  digits_.push_back(d);
  phase_ = Phase::kCollecting;
  if (static_cast<int>(digits_.size()) >= c.max_digits || !could_take_more()) {
    complete(out);
    return;
  }
  arm(c.inter_digit_timeout, out);
}

void MenuSession::complete(Actions& out) {
  const Node& n = node();
  const CollectSpec& c = n.collect;
  const Target* target = nullptr;
  if (static_cast<int>(digits_.size()) >= c.min_digits) {
    for (const auto& b : c.branches) {
      if (b.pattern.matches(digits_)) {
        target = &b.target;
        break;
      }
    }
    if (!target && c.any) target = &*c.any;
  }
  if (!target) {
    fail(Failure::kInvalid, out);
    return;
  }
  disarm(out);
  out.push_back(InputCollected{config_->menus[menu_].name, n.name, digits_, InputResult::kMatched});
  if (!c.store_as.empty()) {
    vars_[c.store_as] = digits_;
    out.push_back(SetVariable{c.store_as, digits_});
  }
  take(*target, out);
}

void MenuSession::fail(Failure f, Actions& out) {
  const Node& n = node();
  const CollectSpec& c = n.collect;
  disarm(out);
  out.push_back(InputCollected{config_->menus[menu_].name, n.name, digits_,
                               f == Failure::kInvalid ? InputResult::kInvalid : InputResult::kTimeout});
  digits_.clear();
  type_ahead_.clear();
  if (++failures_ > c.retries) {
    take(f == Failure::kInvalid ? *c.on_invalid : *c.on_timeout, out);
    return;
  }
  const auto& failure_prompt = f == Failure::kInvalid ? c.invalid_prompt : c.timeout_prompt;
  play2(failure_prompt, c.reprompt.empty() ? n.prompts : c.reprompt, n.barge_in, out);
  phase_ = Phase::kPrompting;
}

void MenuSession::act_terminal(Actions& out) {
  const Node& n = node();
  switch (n.type) {
    case NodeType::kQueue:
      finish_with(RouteToQueue{n.queue->value, n.priority.value_or(priority_), skills_, language_}, out);
      break;
    case NodeType::kCallback: {
      std::string number;
      if (!n.number_variable.empty()) {
        auto it = vars_.find(n.number_variable);
        if (it != vars_.end()) number = it->second;
      }
      finish_with(RequestCallback{n.queue->value, number, priority_, skills_, language_}, out);
      break;
    }
    case NodeType::kTransfer:
      finish_with(Transfer{n.destination}, out);
      break;
    default:
      finish_with(Hangup{n.cause}, out);
      break;
  }
}

void MenuSession::finish_with(Action a, Actions& out) {
  disarm(out);
  stop_playback(out);
  if (collecting_) {
    out.push_back(StopDigitCollection{});
    collecting_ = false;
  }
  out.push_back(std::move(a));
  phase_ = Phase::kFinished;
  pending_ = false;
}

void MenuSession::on_playback_done(std::uint64_t playback_id, Actions& out) {
  if (playback_id == 0 || playback_id != playback_id_) return;  // stopped or superseded
  playback_id_ = 0;
  switch (phase_) {
    case Phase::kPlaying:
      take(*node().next, out);
      break;
    case Phase::kPrompting:
      phase_ = Phase::kWaitingFirst;
      arm(node().collect.first_digit_timeout, out);
      break;
    case Phase::kTerminalPrompt:
      act_terminal(out);
      break;
    default:
      break;
  }
  run(out);
}

void MenuSession::on_digit(char digit, DigitSource /*source*/, Actions& out) {
  if (dtmf_key_index(digit) < 0) return;
  switch (phase_) {
    case Phase::kPlaying: {
      const Node& n = node();
      if (!n.barge_in) return;
      stop_playback(out);
      if (type_ahead_.size() < kMaxTypeAhead) type_ahead_.push_back(digit);
      take(*n.next, out);
      break;
    }
    case Phase::kPrompting:
      if (!playback_barge_in_) return;
      stop_playback(out);
      process_digit(digit, out);
      break;
    case Phase::kWaitingFirst:
    case Phase::kCollecting:
      process_digit(digit, out);
      break;
    default:
      return;
  }
  run(out);
}

void MenuSession::on_timer(std::uint64_t timer_id, Actions& out) {
  if (timer_id == 0 || timer_id != timer_id_) return;
  if (clock_.now() < deadline_) {
    out.push_back(StartTimer{timer_id_, deadline_});  // fired early: keep waiting
    return;
  }
  timer_id_ = 0;
  if (phase_ == Phase::kWaitingFirst) {
    fail(Failure::kTimeout, out);
  } else if (phase_ == Phase::kCollecting) {
    if (static_cast<int>(digits_.size()) >= node().collect.min_digits) complete(out);
    else fail(Failure::kInvalid, out);
  }
  run(out);
}

void MenuSession::abort(Actions& out) {
  if (phase_ == Phase::kFinished) return;
  disarm(out);
  stop_playback(out);
  if (collecting_) {
    out.push_back(StopDigitCollection{});
    collecting_ = false;
  }
  phase_ = Phase::kFinished;
  pending_ = false;
}

PlayItem MenuSession::resolve(const PromptRef& r) const {
  PlayItem item;
  switch (r.kind) {
    case PromptRef::Kind::kPrompt: {
      item.kind = PlayItem::Kind::kPrompt;
      item.name = r.name;
      auto it = config_->prompts.find(r.name);
      const bool has_own = it != config_->prompts.end() && it->second.text.count(language_);
      item.language = has_own ? language_ : config_->default_language();
      item.path = config_->prompt_path(r.name, item.language);
      break;
    }
    case PromptRef::Kind::kTone:
      item.kind = PlayItem::Kind::kTone;
      item.name = r.name;
      item.tone = r.tone;
      break;
    case PromptRef::Kind::kSilence:
      item.kind = PlayItem::Kind::kSilence;
      item.name = "silence";
      item.duration = r.silence;
      break;
  }
  return item;
}

void MenuSession::play(const std::vector<PromptRef>& refs, bool barge_in, Actions& out) {
  play2({}, refs, barge_in, out);
}

void MenuSession::play2(const std::vector<PromptRef>& a, const std::vector<PromptRef>& b, bool barge_in,
                        Actions& out) {
  stop_playback(out);
  Play p{next_playback_id_++, {}, barge_in};
  for (const auto& r : a) p.items.push_back(resolve(r));
  for (const auto& r : b) p.items.push_back(resolve(r));
  playback_id_ = p.playback_id;
  playback_barge_in_ = barge_in;
  out.push_back(std::move(p));
}

void MenuSession::stop_playback(Actions& out) {
  if (playback_id_ == 0) return;
  out.push_back(StopPlayback{playback_id_});
  playback_id_ = 0;
}

void MenuSession::arm(Nanos timeout, Actions& out) {
  disarm(out);
  timer_id_ = next_timer_id_++;
  deadline_ = clock_.now() + timeout;
  out.push_back(StartTimer{timer_id_, deadline_});
}

void MenuSession::disarm(Actions& out) {
  if (timer_id_ == 0) return;
  out.push_back(CancelTimer{timer_id_});
  timer_id_ = 0;
}

}  // namespace sb::ivr::menu
