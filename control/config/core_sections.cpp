#include "control/config/core_sections.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include "control/config/config_paths.hpp"

namespace sb::config::detail {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

void parse_server(TableReader& t, ServerSection& out) {
  out.drain_timeout = t.duration_or("drain_timeout", seconds(0), hours(24), out.drain_timeout);
  if (auto d = t.string("state_dir")) {
    if (d->empty()) t.error("state_dir", "must not be empty");
    else out.state_dir = *d;
  }
}

void parse_logging(TableReader& t, LoggingSection& out) {
  if (auto level = t.choice<std::string_view>("level", {{"trace", "trace"},
                                                       {"debug", "debug"},
                                                       {"info", "info"},
                                                       {"warn", "warn"},
                                                       {"error", "error"},
                                                       {"critical", "critical"},
                                                       {"off", "off"}}))
    out.level = std::string(*level);
}

namespace {

bool acceptable_token(std::string_view s) {
  return s.size() >= 16 && s.size() <= 256 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string read_secret_file(const std::string& path, std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *error = "cannot read token file " + path;
    return {};
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void parse_api(TableReader& t, const std::string& config_dir, ApiSection& out) {
  out.enabled = t.boolean_or("enabled", out.enabled);
  if (auto b = t.ip_address("bind")) out.bind = *b;
  out.port = static_cast<std::uint16_t>(t.integer_or("port", 0, 65535, out.port));
  out.threads = static_cast<int>(t.integer_or("threads", 1, 64, out.threads));
  if (auto f = t.string("generated_token_file")) {
    if (f->empty()) t.error("generated_token_file", "must not be empty");
    else out.generated_token_file = *f;
  }
  out.max_body_bytes = t.byte_size_or("max_body_size", 1024, 64ull << 20, out.max_body_bytes);
  out.max_header_bytes = t.byte_size_or("max_header_size", 1024, 1ull << 20, out.max_header_bytes);
  out.max_connections = static_cast<std::uint32_t>(t.integer_or("max_connections", 1, 100000, out.max_connections));
  out.request_timeout = t.duration_or("request_timeout", milliseconds(100), seconds(3600), out.request_timeout);
  out.event_queue_limit =
      static_cast<std::uint32_t>(t.integer_or("event_queue_limit", 16, 1 << 20, out.event_queue_limit));
  out.max_event_clients =
      static_cast<std::uint32_t>(t.integer_or("max_event_clients", 1, 100000, out.max_event_clients));

  if (auto tokens = t.tables("tokens")) {
    for (auto& tok : *tokens) {
      ApiToken token;
      if (auto n = tok.identifier("name", Need::kRequired)) token.name = *n;
      const bool inline_token = tok.has("token");
      const bool file_token = tok.has("token_file");
      if (inline_token == file_token) {
        tok.error("", "give exactly one of 'token' or 'token_file'");
        tok.mark("token");
        tok.mark("token_file");
        continue;
      }
      if (inline_token) {
        if (auto v = tok.string("token")) {
          token.token = *v;
          token.origin = "inline";
          if (!acceptable_token(token.token))
            tok.error("token", "must be 16 to 256 printable characters without spaces");
        }
      } else if (auto f = tok.string("token_file")) {
        const std::string path = resolve_relative(config_dir, *f);
        std::string err;
        token.token = read_secret_file(path, &err);
        token.origin = path;
        if (!err.empty()) tok.error("token_file", err);
        else if (!acceptable_token(token.token))
          tok.error("token_file", path + " must hold 16 to 256 printable characters without spaces");
      }
      for (const auto& other : out.tokens) {
        if (!token.name.empty() && other.name == token.name) tok.error("name", "token name \"" + token.name + "\" is used twice");
        if (!token.token.empty() && other.token == token.token)
          tok.error("", "the same secret is configured twice (as \"" + other.name + "\" and \"" + token.name + "\")");
      }
      out.tokens.push_back(std::move(token));
    }
  }
}

void parse_metrics(TableReader& t, MetricsSection& out) {
  out.enabled = t.boolean_or("enabled", out.enabled);
  if (auto p = t.string("path")) {
    if (p->size() < 2 || (*p)[0] != '/' || p->find_first_of("?# ") != std::string::npos)
      t.error("path", "must be an absolute URL path such as \"/metrics\"");
    else if (p->rfind("/api/", 0) == 0 || *p == "/healthz")
      t.error("path", "\"" + *p + "\" collides with the API's own paths");
    else
      out.path = *p;
  }
  out.bind = t.ip_address("bind");
  if (auto port = t.integer("port", 0, 65535)) out.port = static_cast<std::uint16_t>(*port);
  if (out.bind.has_value() != out.port.has_value()) {
    t.error(out.bind ? "port" : "bind", "a separate metrics listener needs both 'bind' and 'port'");
    out.bind.reset();
    out.port.reset();
  }
  out.process_metrics = t.boolean_or("process_metrics", out.process_metrics);
}

void parse_recordings(TableReader& t, RecordingsSection& out) {
  if (auto d = t.string("directory")) {
    if (d->empty()) t.error("directory", "must not be empty");
    else out.directory = *d;
  }
  if (auto f = t.choice<std::string_view>("format",
                                          {{"wav-pcm16", "wav-pcm16"}, {"wav-ulaw", "wav-ulaw"}, {"ogg-opus", "ogg-opus"}}))
    out.format = std::string(*f);
  if (auto r = t.integer("sample_rate", 8000, 48000)) {
    if (*r != 8000 && *r != 16000) t.error("sample_rate", "must be 8000 or 16000, got " + std::to_string(*r));
    else out.sample_rate = static_cast<int>(*r);
  }
  if (auto c = t.choice<int>("channels", {{"stereo", 2}, {"mixed", 1}})) out.channels = *c;
  out.opus_bitrate = static_cast<int>(t.integer_or("opus_bitrate", 6000, 510000, out.opus_bitrate));
  out.writer_threads = static_cast<int>(t.integer_or("writer_threads", 1, 64, out.writer_threads));
  out.flush_interval = t.duration_or("flush_interval", milliseconds(20), seconds(60), out.flush_interval);
  if (out.format == "wav-ulaw" && out.sample_rate != 8000)
    t.error("sample_rate", "wav-ulaw recordings are 8000 Hz (G.711)");
}

namespace {

bool valid_mac(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < 17; ++i) {
    const char c = s[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void parse_dataplane(TableReader& t, DataplaneSection& out) {
  if (auto b = t.choice<DataplaneBackend>("backend", {{"socket", DataplaneBackend::kSocket},
                                                      {"dpdk", DataplaneBackend::kDpdk}}))
    out.backend = *b;
  if (auto b = t.ip_address("bind")) out.bind = *b;
  if (auto r = t.choice<SocketReceive>("socket_receive", {{"epoll", SocketReceive::kEpoll},
                                                          {"io-uring", SocketReceive::kUring},
                                                          {"packet-ring", SocketReceive::kPacketRing}}))
    out.socket_receive = *r;
  const auto pmin = t.integer("port_min", 1024, 65534);
  const auto pmax = t.integer("port_max", 1025, 65535);
  if (pmin) out.port_min = static_cast<std::uint16_t>(*pmin);
  if (pmax) out.port_max = static_cast<std::uint16_t>(*pmax);
  if (out.port_min % 2 != 0) t.error("port_min", "must be even: RTP uses the even port of each pair");
  if (out.port_max < out.port_min + 1)
    t.error(pmax ? "port_max" : "port_min", "the media port range " + std::to_string(out.port_min) + "-" +
                                                std::to_string(out.port_max) + " holds no RTP/RTCP pair");
  if (auto cores = t.node("cores")) {
    const auto* arr = cores->as_array();
    if (!arr) {
      t.error("cores", "expected an array of CPU numbers, found " + std::string(describe_type(*cores)));
    } else {
      const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        const std::string key = "cores[" + std::to_string(i) + "]";
        const auto* n = e.as_integer();
        if (!n || n->get() < 0 || n->get() > 4095) {
          t.error("cores", key + " must be a CPU number between 0 and 4095");
          continue;
        }
        const int core = static_cast<int>(n->get());
        if (std::find(out.cores.begin(), out.cores.end(), core) != out.cores.end())
          t.error("cores", key + ": CPU " + std::to_string(core) + " is listed twice");
        else
          out.cores.push_back(core);
        if (static_cast<unsigned>(core) >= cpus)
          t.warning("cores", key + ": CPU " + std::to_string(core) + " does not exist on this machine (" +
                                 std::to_string(cpus) + " CPUs)");
      }
    }
  }
  if (auto w = t.integer("workers", 1, 1024)) {
    if (!out.cores.empty()) t.error("workers", "give either 'workers' or 'cores', not both");
    else out.workers = static_cast<int>(*w);
  }
  if (!out.cores.empty()) out.workers = static_cast<int>(out.cores.size());
  out.max_sessions_per_worker =
      static_cast<std::uint32_t>(t.integer_or("max_sessions_per_worker", 1, 1 << 22, out.max_sessions_per_worker));
  // Each room and party slot is a table entry until used (a room's buffers
  // and a party's codecs are allocated when they are made); the caps keep a
  // typo from reserving gigabytes of tables.
  out.max_rooms_per_worker =
      static_cast<std::uint32_t>(t.integer_or("max_rooms_per_worker", 1, 1 << 16, out.max_rooms_per_worker));
  out.max_parties_per_worker =
      static_cast<std::uint32_t>(t.integer_or("max_parties_per_worker", 1, 1 << 20, out.max_parties_per_worker));
  out.rtcp_mux = t.boolean_or("rtcp_mux", out.rtcp_mux);
  out.busy_poll = t.boolean_or("busy_poll", out.busy_poll);
  out.command_ring = static_cast<std::uint32_t>(t.integer_or("command_ring", 16, 1 << 20, out.command_ring));
  out.event_ring = static_cast<std::uint32_t>(t.integer_or("event_ring", 16, 1 << 22, out.event_ring));
  out.stats_interval = t.duration_or("stats_interval", std::chrono::milliseconds(100), std::chrono::hours(1), out.stats_interval);

  if (auto d = t.table("dpdk")) {
    DpdkSection& dp = out.dpdk;
    if (auto args = d->strings("eal_args", Need::kOptional, 256))
      for (auto& a : *args) dp.eal_args.push_back(std::move(a.value));
    dp.port_id = static_cast<std::uint16_t>(d->integer_or("port_id", 0, 1023, dp.port_id));
    if (auto ip = d->ip_address("media_ip")) {
      unsigned char buf[4];
      if (inet_pton(AF_INET, ip->c_str(), buf) != 1) d->error("media_ip", "the DPDK backend answers ARP for IPv4 only");
      else dp.media_ip = *ip;
    }
    if (auto mac = d->string("gateway_mac")) {
      if (!valid_mac(*mac)) d->error("gateway_mac", "\"" + *mac + "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
      else dp.gateway_mac = *mac;
    }
    dp.mbufs = static_cast<std::uint32_t>(d->integer_or("mbufs", 1023, 1 << 24, dp.mbufs));
    dp.rx_descriptors = static_cast<std::uint16_t>(d->integer_or("rx_descriptors", 64, 32768, dp.rx_descriptors));
    dp.tx_descriptors = static_cast<std::uint16_t>(d->integer_or("tx_descriptors", 64, 32768, dp.tx_descriptors));
    dp.verify_udp_checksum = d->boolean_or("verify_udp_checksum", dp.verify_udp_checksum);
  }
  if (out.backend == DataplaneBackend::kDpdk && out.dpdk.media_ip.empty())
    t.error("backend", "backend \"dpdk\" needs dataplane.dpdk.media_ip (the address the NIC answers for)");
}

namespace {

// "udp:127.0.0.1:5060", "tcp:[::1]:5060".
// "address:port" with an IPv6 address in brackets; `example` shows the
// expected form in messages.
bool parse_host_port(std::string_view rest, std::string_view example, bool port_zero_ok, SipListen& l, std::string* why) {
  std::string_view host, port;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find("]:");
    if (close == std::string_view::npos) {
      *why = "an IPv6 address goes in brackets: \"" + std::string(example) + "\"";
      return false;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto c = rest.rfind(':');
    if (c == std::string_view::npos) {
      *why = "missing port: expected \"" + std::string(example) + "\"";
      return false;
    }
    host = rest.substr(0, c);
    port = rest.substr(c + 1);
    if (host.find(':') != std::string_view::npos) {
      *why = "an IPv6 address goes in brackets: \"" + std::string(example) + "\"";
      return false;
    }
  }
  l.address = std::string(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, l.address.c_str(), buf) != 1 && inet_pton(AF_INET6, l.address.c_str(), buf) != 1) {
    *why = "\"" + l.address + "\" is not an IPv4 or IPv6 address";
    return false;
  }
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) {
      p = -1;
      break;
    }
    p = p * 10 + (c - '0');
  }
  const int lowest = port_zero_ok ? 0 : 1;
  if (port.empty() || p < lowest || p > 65535) {
    *why = "port \"" + std::string(port) + "\" is not between " + std::to_string(lowest) + " and 65535";
    return false;
  }
  l.port = static_cast<std::uint16_t>(p);
  return true;
}

std::optional<SipListen> parse_listen(std::string_view s, std::string* why) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) {
    *why = "expected transport:address:port such as \"udp:127.0.0.1:5060\"";
    return std::nullopt;
  }
  SipListen l;
  l.transport = std::string(s.substr(0, colon));
  if (l.transport != "udp" && l.transport != "tcp") {
    *why = "transport \"" + l.transport + "\" is not udp or tcp";
    return std::nullopt;
  }
  // Port 0 binds any free port (tests; the banner names the one bound).
  if (!parse_host_port(s.substr(colon + 1), "udp:[::1]:5060", true, l, why)) return std::nullopt;
  return l;
}

// A host name fit for a SIP URI's host part (no DNS is done here).
bool valid_sip_domain(const std::string& d) {
  return !d.empty() && d.size() <= 253 && d.find_first_of(" \t\r\n\"<>;,@:?") == std::string::npos;
}

void parse_outbound(TableReader& o, SipOutbound& out) {
  if (auto transport = o.choice<std::string_view>("transport", {{"udp", "udp"}, {"tcp", "tcp"}}))
    out.target.transport = std::string(*transport);
  else
    out.target.transport = "udp";
  if (auto address = o.string("address", Need::kRequired)) {
    std::string why;
    if (!parse_host_port(*address, "192.0.2.10:5060", false, out.target, &why)) o.error("address", why);
  }
  out.user = o.string_or("user", "");
  out.password = o.string_or("password", "");
  if (!out.password.empty() && out.user.empty()) o.error("password", "is set without 'user'");
  if (!out.user.empty() && out.password.empty()) o.error("user", "is set without 'password'");
  if (out.user.find_first_of("\"\\\r\n") != std::string::npos) o.error("user", "must not hold quotes, backslashes or line breaks");
  if (auto id = o.string("caller_id")) {
    if (id->empty() || id->size() > 64 ||
        id->find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+*#._-") != std::string::npos)
      o.error("caller_id", "must be 1-64 digits, letters or + * # . _ -");
    else
      out.caller_id = *id;
  }
  if (auto d = o.string("domain")) {
    if (!valid_sip_domain(*d)) o.error("domain", "must be a host name without spaces or SIP punctuation");
    else out.domain = *d;
  }
}

}  // namespace

namespace {

// "a.b.c.d[/n]" or "v6[/n]"; the transport's Cidr re-checks host bits.
bool valid_cidr(const std::string& text) {
  const auto slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  unsigned char buf[16];
  const bool v4 = inet_pton(AF_INET, addr.c_str(), buf) == 1;
  if (!v4 && inet_pton(AF_INET6, addr.c_str(), buf) != 1) return false;
  if (slash == std::string::npos) return true;
  const std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 || prefix.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(prefix) <= (v4 ? 32 : 128);
}

}  // namespace

void parse_sip(TableReader& t, SipSection& out) {
  if (auto listen = t.strings("listen", Need::kOptional, 64)) {
    out.listen.clear();
    for (const auto& item : *listen) {
      std::string why;
      auto l = parse_listen(item.value, &why);
      if (!l) {
        t.diagnostics().error(item.position, item.key, why);
        continue;
      }
      for (const auto& other : out.listen)
        if (other.to_string() == l->to_string())
          t.diagnostics().error(item.position, item.key, l->to_string() + " is listed twice");
      out.listen.push_back(*l);
    }
  }
  if (auto d = t.string("domain")) {
    if (!valid_sip_domain(*d))
      t.error("domain", "must be a host name without spaces or SIP punctuation");
    else
      out.domain = *d;
  }
  if (auto ua = t.string("user_agent")) {
    if (ua->empty() || ua->size() > 128 || ua->find_first_of("\r\n") != std::string::npos)
      t.error("user_agent", "must be 1-128 characters on one line");
    else
      out.user_agent = *ua;
  }
  if (auto trunks = t.tables("trunks", Need::kOptional)) {
    out.trunks.clear();
    for (auto& tr : *trunks) {
      SipTrunk trunk;
      if (auto n = tr.identifier("name", Need::kRequired)) trunk.name = *n;
      if (auto cidrs = tr.strings("cidrs", Need::kRequired, 256)) {
        for (const auto& c : *cidrs) {
          if (!valid_cidr(c.value)) {
            t.diagnostics().error(c.position, c.key, "\"" + c.value + "\" is not an address or address/prefix");
            continue;
          }
          trunk.cidrs.push_back(c.value);
        }
      }
      trunk.user = tr.string_or("user", "");
      trunk.password = tr.string_or("password", "");
      if (trunk.user.empty() != trunk.password.empty()) tr.error("", "give both 'user' and 'password', or neither");
      for (const auto& other : out.trunks)
        if (other.name == trunk.name) tr.error("name", "trunk \"" + trunk.name + "\" is defined twice");
      out.trunks.push_back(std::move(trunk));
    }
  }
  if (auto dids = t.table("dids")) {
    for (const auto& [key, node] : dids->table()) {
      const std::string did(key.str());
      dids->mark(did);
      const auto* v = node.as_string();
      if (!v || v->get().empty()) {
        dids->error(did, "must name an IVR menu or \"queue:<name>\"");
        continue;
      }
      out.dids[did] = v->get();
    }
  }
  if (auto agents = t.tables("agents", Need::kOptional)) {
    for (auto& a : *agents) {
      SipAgent agent;
      if (auto id = a.identifier("id", Need::kRequired)) agent.id = *id;
      if (auto pw = a.string("password", Need::kRequired)) {
        if (pw->size() < 8) a.error("password", "must be at least 8 characters");
        agent.password = *pw;
      }
      for (const auto& other : out.agents)
        if (other.id == agent.id) a.error("id", "agent \"" + agent.id + "\" has two credentials");
      out.agents.push_back(std::move(agent));
    }
  }
  out.ring_timeout = t.duration_or("ring_timeout", std::chrono::seconds(5), std::chrono::minutes(10), out.ring_timeout);
  out.max_expires = static_cast<std::uint32_t>(t.integer_or("max_expires", 60, 86400, out.max_expires));
  out.min_expires = static_cast<std::uint32_t>(t.integer_or("min_expires", 1, 3600, out.min_expires));
  if (out.min_expires > out.max_expires) t.error("min_expires", "is above max_expires");
  out.min_se = static_cast<std::uint32_t>(t.integer_or("min_se", 90, 86400, out.min_se));
  out.session_expires = static_cast<std::uint32_t>(t.integer_or("session_expires", 0, 86400, out.session_expires));
  if (out.session_expires != 0 && out.session_expires < out.min_se)
    t.error("session_expires", "is below min_se (" + std::to_string(out.min_se) + "); 0 turns our own timer off");
  out.logout_on_expiry = t.boolean_or("logout_on_expiry", out.logout_on_expiry);
  out.rate_limit = static_cast<double>(t.integer_or("rate_limit", 0, 100000, static_cast<std::int64_t>(out.rate_limit)));
  out.burst = static_cast<double>(t.integer_or("burst", 1, 100000, static_cast<std::int64_t>(out.burst)));
  out.ban_time = t.duration_or("ban_time", std::chrono::seconds(1), std::chrono::hours(24), out.ban_time);
  if (auto uas = t.strings("scanner_user_agents", Need::kOptional, 256)) {
    std::vector<std::string> list;
    for (const auto& u : *uas) {
      if (u.value.empty()) t.diagnostics().error(u.position, u.key, "an empty pattern would match every client");
      else list.push_back(u.value);
    }
    out.scanner_user_agents = std::move(list);
  }
  if (auto codecs = t.strings("codecs", Need::kOptional, 8)) {
    std::vector<std::string> list;
    for (const auto& c : *codecs) {
      // What the dataplane relays and records: G.711 both laws.
      if (c.value != "PCMU" && c.value != "PCMA") {
        t.diagnostics().error(c.position, c.key, "\"" + c.value + "\" is not one of \"PCMU\", \"PCMA\"");
        continue;
      }
      list.push_back(c.value);
    }
    if (list.empty() && codecs->empty()) t.error("codecs", "needs at least one codec");
    if (!list.empty()) out.codecs = std::move(list);
  }
  if (auto algs = t.strings("digest_algorithms", Need::kOptional, 2)) {
    std::vector<std::string> list;
    for (const auto& a : *algs) {
      if (a.value != "MD5" && a.value != "SHA-256") {
        t.diagnostics().error(a.position, a.key, "\"" + a.value + "\" is not one of \"MD5\", \"SHA-256\"");
        continue;
      }
      list.push_back(a.value);
    }
    if (algs->empty()) t.error("digest_algorithms", "needs at least one algorithm");
    if (!list.empty()) out.digest_algorithms = std::move(list);
  }
  out.max_dialogs = static_cast<std::uint32_t>(t.integer_or("max_dialogs", 1, 1000000, out.max_dialogs));
  out.max_transactions = static_cast<std::uint32_t>(t.integer_or("max_transactions", 100, 10000000, out.max_transactions));
  if (auto o = t.table("outbound")) {
    SipOutbound outbound;
    parse_outbound(*o, outbound);
    out.outbound = std::move(outbound);
  }
}

namespace {

SourcePosition at(const toml::table& root, std::string_view path) {
  auto view = toml::at_path(root, path);
  if (view && view.node()) {
    auto p = position_of(*view.node());
    if (p.known()) return p;
  }
  return {1, 1};
}

bool same_address(const std::string& a, const std::string& b) {
  auto any = [](const std::string& s) { return s == "0.0.0.0" || s == "::"; };
  return a == b || any(a) || any(b);
}

}  // namespace

void check_core_sections(const DaemonConfig& cfg, const toml::table& root, Diagnostics& diag) {
  const auto& api = cfg.api;
  const auto& m = cfg.metrics;
  const auto& dp = cfg.dataplane;
  if (api.enabled && m.port && *m.port != 0 && *m.port == api.port && same_address(*m.bind, api.bind))
    diag.error(at(root, "metrics.port"), "metrics.port",
               "the metrics listener " + *m.bind + ":" + std::to_string(*m.port) + " collides with the API listener");
  if (m.enabled && !m.port && !api.enabled)
    diag.error(at(root, "metrics.enabled"), "metrics.enabled",
               "metrics are served by the API listener, which is disabled; give metrics.bind and metrics.port");
  auto in_media_range = [&](std::uint16_t port) { return port >= dp.port_min && port <= dp.port_max; };
  if (api.enabled && api.port != 0 && in_media_range(api.port) && same_address(api.bind, dp.bind))
    diag.error(at(root, "api.port"), "api.port",
               std::to_string(api.port) + " lies inside the media port range " + std::to_string(dp.port_min) + "-" +
                   std::to_string(dp.port_max));
  for (std::size_t i = 0; i < cfg.sip.listen.size(); ++i) {
    const auto& l = cfg.sip.listen[i];
    const std::string key = "sip.listen[" + std::to_string(i) + "]";
    if (in_media_range(l.port) && same_address(l.address, dp.bind))
      diag.error(at(root, key), key,
                 std::to_string(l.port) + " lies inside the media port range " + std::to_string(dp.port_min) + "-" +
                     std::to_string(dp.port_max));
    if (l.transport == "tcp" && api.enabled && l.port == api.port && same_address(l.address, api.bind))
      diag.error(at(root, key), key, "collides with the API listener on TCP port " + std::to_string(api.port));
  }
}

}  // namespace sb::config::detail
