#include "control/config/default_config.hpp"

#include <string>

namespace sb::config {

namespace {

constexpr std::string_view kCore = R"toml(# Switchboard: the embedded default configuration.
# Everything listens on 127.0.0.1 and writes under ./var, so it runs on any
# machine. Print it with `switchboard config show-default`; see
# docs/config.md for every key.

[server]
state_dir = "./var"
drain_timeout = "30s"          # SIGTERM: how long live calls may take to end

[logging]
level = "info"

[api]
bind = "127.0.0.1"
port = 8080
# No tokens here: a random one is generated at start-up and written to
# ./var/api-token (mode 0600). Production configs list their own:
# tokens = [{ name = "wallboard", token_file = "/etc/switchboard/wallboard.token" }]

[metrics]
enabled = true
path = "/metrics"              # served by the API listener, without a token

[recordings]
directory = "./var/recordings"
format = "wav-pcm16"
sample_rate = 8000
channels = "stereo"            # caller left, agent right

[dataplane]
backend = "socket"             # kernel UDP sockets: no NIC needs binding to DPDK
bind = "127.0.0.1"
port_min = 20000
port_max = 29999
workers = 1

[sip]
listen = ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"]
# Callbacks are dialled through [sip.outbound] (address = "host:port",
# transport, user, password, caller_id, domain); without it they fail.

# ---------------------------------------------------------------- IVR
[ivr]
prompts_dir = "./var/prompts"  # <prompts_dir>/<language>/<prompt>.wav
languages = ["en", "es"]       # the first is the default
entry_menu = "main"

[ivr.prompts]
welcome.en = "Thank you for calling Example Corporation."
welcome.es = "Gracias por llamar a Example Corporation."
main_menu.en = "For sales, press 1. For support, press 2. For billing, press 3. Para espanol, oprima 9. To end this call, press star."
main_menu.es = "Para ventas, oprima 1. Para soporte, oprima 2. Para facturacion, oprima 3. Para terminar, oprima asterisco."
invalid.en = "Sorry, that is not a valid choice."
invalid.es = "Lo siento, esa opcion no es valida."
no_input.en = "Sorry, I did not hear a choice."
no_input.es = "Lo siento, no escuche ninguna opcion."
please_hold.en = "Please hold while we connect you to an agent."
please_hold.es = "Por favor espere mientras le comunicamos con un agente."
enter_account.en = "Please enter your account number, followed by the hash key."
enter_account.es = "Por favor marque su numero de cuenta, seguido de la tecla numeral."
wait_or_callback.en = "To wait for the next agent, press 1. To be called back instead, press 2."
wait_or_callback.es = "Para esperar al proximo agente, oprima 1. Para que le devolvamos la llamada, oprima 2."
callback_confirm.en = "Thank you. An agent will call you back shortly. Goodbye."
callback_confirm.es = "Gracias. Un agente le devolvera la llamada en breve. Adios."
goodbye.en = "Thank you for calling. Goodbye."
goodbye.es = "Gracias por llamar. Adios."
# Queue announcements (position and expected wait, [[acd.queues]]
# announce_interval_seconds): phrases and numbers played one after another.
announce_position.en = "You are caller number"
announce_position.es = "Usted es la llamada numero"
announce_wait.en = "Your expected wait is about"
announce_wait.es = "Su tiempo de espera estimado es de"
less_than.en = "less than"
less_than.es = "menos de"
more_than.en = "more than"
more_than.es = "mas de"
one_minute.en = "one minute"
one_minute.es = "un minuto"
minutes.en = "minutes"
minutes.es = "minutos"
number_1.en = "one"
number_1.es = "uno"
number_2.en = "two"
number_2.es = "dos"
number_3.en = "three"
number_3.es = "tres"
number_4.en = "four"
number_4.es = "cuatro"
number_5.en = "five"
number_5.es = "cinco"
number_6.en = "six"
number_6.es = "seis"
number_7.en = "seven"
number_7.es = "siete"
number_8.en = "eight"
number_8.es = "ocho"
number_9.en = "nine"
number_9.es = "nueve"
number_10.en = "ten"
number_10.es = "diez"
number_11.en = "eleven"
number_11.es = "once"
number_12.en = "twelve"
number_12.es = "doce"
number_13.en = "thirteen"
number_13.es = "trece"
number_14.en = "fourteen"
number_14.es = "catorce"
number_15.en = "fifteen"
number_15.es = "quince"
number_16.en = "sixteen"
number_16.es = "dieciseis"
number_17.en = "seventeen"
number_17.es = "diecisiete"
number_18.en = "eighteen"
number_18.es = "dieciocho"
number_19.en = "nineteen"
number_19.es = "diecinueve"
number_20.en = "twenty"
number_20.es = "veinte"
number_30.en = "thirty"
number_30.es = "treinta"
number_40.en = "forty"
number_40.es = "cuarenta"
number_50.en = "fifty"
number_50.es = "cincuenta"
number_60.en = "sixty"
number_60.es = "sesenta"
number_70.en = "seventy"
number_70.es = "setenta"
number_80.en = "eighty"
number_80.es = "ochenta"
number_90.en = "ninety"
number_90.es = "noventa"
number_100.en = "one hundred"
number_100.es = "cien"

[ivr.menus.main]
description = "Greeting and department choice"
entry = "welcome"

[ivr.menus.main.nodes.welcome]
type = "play"
prompts = ["welcome"]
barge_in = true                # callers who know the menu may press ahead
next = "choose"

[ivr.menus.main.nodes.choose]
type = "collect"
prompts = ["main_menu"]
max_digits = 1
first_digit_timeout = "5s"
retries = 2
invalid_prompt = ["invalid"]
timeout_prompt = ["no_input"]
branches = [
  { match = "1", next = "sales" },
  { match = "2", next = "support" },
  { match = "3", next = "billing" },
  { match = "9", next = "spanish" },
  { match = "*", next = "goodbye" },
]
on_failure = "general"

[ivr.menus.main.nodes.sales]
type = "queue"
queue = "sales"
prompts = ["please_hold"]

[ivr.menus.main.nodes.support]
type = "goto"
menu = "support"

[ivr.menus.main.nodes.billing]
type = "queue"
queue = "billing"
prompts = ["please_hold"]

[ivr.menus.main.nodes.spanish]
type = "set"
language = "es"
skills = ["spanish"]
next = "choose"

[ivr.menus.main.nodes.general]
type = "queue"
queue = "support"
priority = 0

[ivr.menus.main.nodes.goodbye]
type = "hangup"
prompts = ["goodbye"]

[ivr.menus.support]
description = "Account identification, then wait or take a callback"
entry = "account"

[ivr.menus.support.nodes.account]
type = "collect"
prompts = ["enter_account"]
min_digits = 4
max_digits = 8
terminator = "#"
inter_digit_timeout = "4s"
retries = 1
invalid_prompt = ["invalid"]
timeout_prompt = ["no_input"]
store_as = "account"
next = "identified"
on_failure = "offer"

[ivr.menus.support.nodes.identified]
type = "set"
priority = 5
variables = { identified = "yes" }
next = "offer"

[ivr.menus.support.nodes.offer]
type = "collect"
prompts = ["wait_or_callback"]
max_digits = 1
retries = 1
invalid_prompt = ["invalid"]
branches = [
  { match = "1", next = "wait" },
  { match = "2", next = "callback" },
]
on_failure = "wait"

[ivr.menus.support.nodes.wait]
type = "queue"
queue = "support"
prompts = ["please_hold"]

[ivr.menus.support.nodes.callback]
type = "callback"
queue = "support"
prompts = ["callback_confirm"]
)toml";

// The ACD's skills, queues and agents (acd/config.cpp reads them; the
// format is in docs/acd.md).
constexpr std::string_view kAcd = R"toml(
# ---------------------------------------------------------------- ACD
[acd]
max_consecutive_misses = 3
skills = ["sales", "support", "billing", "spanish"]

[[acd.queues]]
name = "sales"
strategy = "longest-idle"
service_level_seconds = 20
service_level_target = 80
max_wait_seconds = 600
overflow = "support"
wrap_up_seconds = 10
requires = { sales = 1 }

[[acd.queues]]
name = "support"
strategy = "longest-idle"
service_level_seconds = 30
max_wait_seconds = 900
wrap_up_seconds = 15
priority_per_minute = 1
max_priority = 5
requires = { support = 5 }
expansions = [
  { after_seconds = 60, requires = { support = 1 } },
  { after_seconds = 120, requires = { sales = 5 } },
]

[[acd.queues]]
name = "billing"
strategy = "least-talk-time"
service_level_seconds = 60
service_level_target = 70
max_wait_seconds = 1200
wrap_up_seconds = 20
requires = { billing = 1 }

[[acd.agents]]
id = "1001"
name = "Alice"
skills = { sales = 8, spanish = 7 }
queues = ["sales", "support"]

[[acd.agents]]
id = "1002"
name = "Bob"
skills = { support = 9, billing = 4 }
queues = ["support", "billing"]

[[acd.agents]]
id = "1003"
name = "Carmen"
skills = { support = 6, spanish = 10, sales = 5 }
queues = ["support", "sales"]

[[acd.agents]]
id = "1004"
name = "Dmitri"
skills = { billing = 9 }
queues = ["billing"]
wrap_up_seconds = 30
)toml";

}  // namespace

std::string_view embedded_core_part() { return kCore; }
std::string_view embedded_acd_part() { return kAcd; }

std::string_view embedded_default_config() {
  static const std::string whole = std::string(kCore) + std::string(kAcd);
  return whole;
}

}  // namespace sb::config
