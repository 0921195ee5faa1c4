// SIP call-setup load: starts `switchboard run` pinned to one core with SIP
// on a loopback UDP port and drives it from another core with calls, each
// INVITE (with SDP) -> 100/200 -> ACK -> [hold, optionally with RTP both
// ways] -> BYE -> 200, keeping a window of calls in flight. Every call goes
// through the whole product path: transaction and dialog layers, call
// control, a media session on the dataplane, the IVR's first prompt played
// as RTP. A same-run baseline is OPTIONS (transaction layer and transport
// only). Reports setups per second, the daemon's CPU per setup (so setups
// per core at 100 %), and INVITE -> 200 latency percentiles.
//
//   ./build/bench/sip_load --calls 20000 --window 200
//   ./build/bench/sip_load --calls 2000 --window 400 --hold-ms 2000 --media
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/process_cpu.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/message.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

int udp_socket(std::uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int big = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("bind");
    std::exit(1);
  }
  *port = ntohs(a.sin_port);
  return fd;
}

std::uint16_t free_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

void send_to(int fd, std::uint16_t port, const std::string& bytes) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  (void)::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

struct Daemon {
  pid_t pid = -1;
  std::string dir;
};

// Writes a config (SIP on `sip_port` with rate limiting off, an IVR that
// waits a minute for a digit, so calls stay until their BYE) and starts
// the daemon pinned to `core`; returns once it printed "ready".
Daemon start_daemon(const std::string& binary, std::uint16_t sip_port, int core) {
  Daemon d;
  char tmpl[] = "/tmp/sip_load.XXXXXX";
  d.dir = ::mkdtemp(tmpl);
  std::ofstream(d.dir + "/s.toml") << "[server]\nstate_dir = \"" << d.dir << "/var\"\ndrain_timeout = \"2s\"\n"
                                   << "[logging]\nlevel = \"warn\"\n"
                                   << "[api]\nport = " << free_port(SOCK_STREAM) << "\n"
                                   << "[[api.tokens]]\nname = \"load\"\ntoken = \"sip-load-token-0123\"\n"
                                   << "[recordings]\ndirectory = \"" << d.dir << "/rec\"\n"
                                   << "[dataplane]\nport_min = 20000\nport_max = 31999\nmax_sessions_per_worker = 8192\n"
                                   << "[sip]\nlisten = [\"udp:127.0.0.1:" << sip_port << "\"]\nrate_limit = 0\n"
                                   << "max_dialogs = 20000\n"
                                   << "[ivr]\nentry_menu = \"m\"\n[ivr.prompts]\nhi.en = \"hello\"\n"
                                   << "[ivr.menus.m]\nentry = \"a\"\n[ivr.menus.m.nodes.a]\ntype = \"collect\"\n"
                                   << "prompts = [\"tone:beep\"]\nfirst_digit_timeout = \"60s\"\nretries = 0\n"
                                   << "branches = [{ match = \"1\", next = \"bye\" }]\non_failure = \"bye\"\n"
                                   << "[ivr.menus.m.nodes.bye]\ntype = \"hangup\"\n";
  int out[2];
  if (::pipe(out) != 0) std::exit(1);
  d.pid = ::fork();
  if (d.pid == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    sched_setaffinity(0, sizeof set, &set);
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execl(binary.c_str(), binary.c_str(), "run", "--config", (d.dir + "/s.toml").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  const auto until = SteadyClock::now() + std::chrono::seconds(15);
  while (text.find("ready (pid") == std::string::npos && SteadyClock::now() < until) {
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (text.find("ready (pid") == std::string::npos) {
    std::fprintf(stderr, "the daemon did not start:\n%s\n", text.c_str());
    ::kill(d.pid, SIGKILL);
    std::exit(1);
  }
  // Keep reading its stdout so it never blocks on a full pipe.
  std::thread([fd = out[0]] {
    char b[4096];
    while (::read(fd, b, sizeof b) > 0) {
    }
    ::close(fd);
  }).detach();
  return d;
}

struct Call {
  int id = 0;
  int state = 0;  // 0 INVITE sent, 1 answered (ACKed, holding), 2 BYE sent, 3 done
  SteadyClock::time_point sent, deadline, next_rtp;
  std::string call_id, to_tag, contact;
  std::string invite;  // for retransmission
  std::string bye;
  int media_fd = -1;
  std::uint16_t media_port = 0, remote_media_port = 0;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  int tries = 0;
};

std::string sdp_for(int id, std::uint16_t port) {
  return "v=0\r\no=- " + std::to_string(id) + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " + std::to_string(port) + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
}

std::string request(const std::string& method, const std::string& ruri, std::uint16_t local, const std::string& branch,
                    const Call& c, int cseq, const std::string& body) {
  std::string m = method + " " + ruri + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(local) + ";branch=z9hG4bK" + branch + ";rport\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: <sip:load@127.0.0.1>;tag=ld" + std::to_string(c.id) + "\r\n";
  m += "To: <sip:1000@127.0.0.1>" + (c.to_tag.empty() ? std::string() : ";tag=" + c.to_tag) + "\r\n";
  m += "Call-ID: " + c.call_id + "\r\n";
  m += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
  m += "Contact: <sip:load@127.0.0.1:" + std::to_string(local) + ">\r\n";
  m += "User-Agent: switchboard-sip-load\r\n";
  if (!body.empty()) m += "Content-Type: application/sdp\r\n";
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return m;
}

struct Percentiles {
  double p50 = 0, p99 = 0;
};
Percentiles percentiles(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SIP call-setup load against switchboard run"};
  std::string binary = "./build/control/switchboard";
  int calls = 10000, window = 200, options_count = 20000, daemon_core = 0, gen_core = 1;
  double hold_ms = 0;
  bool media = false;
  app.add_option("--binary", binary, "The switchboard binary")->capture_default_str();
  app.add_option("--calls", calls, "Calls to place")->capture_default_str();
  app.add_option("--window", window, "Calls in flight at once")->capture_default_str();
  app.add_option("--hold-ms", hold_ms, "Time between ACK and BYE")->capture_default_str();
  app.add_flag("--media", media, "Send RTP (20 ms PCMU) from each caller while it holds");
  app.add_option("--options", options_count, "OPTIONS requests of the baseline (0: none)")->capture_default_str();
  app.add_option("--daemon-core", daemon_core, "Core the daemon is pinned to")->capture_default_str();
  app.add_option("--generator-core", gen_core, "Core this generator is pinned to")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  const std::uint16_t sip_port = free_port(SOCK_DGRAM);
  Daemon d = start_daemon(binary, sip_port, daemon_core);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(gen_core, &set);
  sched_setaffinity(0, sizeof set, &set);
  std::uint16_t local = 0;
  const int fd = udp_socket(&local);
  std::uint16_t sink_port = 0;
  const int sink = udp_socket(&sink_port);  // media destination when no per-call RTP
  std::vector<char> buf(65536);
  const sb::sip::ParseLimits limits;

  // ---- baseline: OPTIONS, same window ----
  if (options_count > 0) {
    int sent = 0, answered = 0, in_flight = 0;
    const double cpu0 = sb::bench::process_cpu_seconds(d.pid);
    const auto t0 = SteadyClock::now();
    auto last_progress = t0;
    while (answered < options_count && SteadyClock::now() - last_progress < std::chrono::seconds(5)) {
      // A window of 50: deep enough to keep the daemon busy, shallow enough
      // that its socket buffer never overflows (lost OPTIONS are not retried).
      while (in_flight < std::min(window, 50) && sent < options_count) {
        Call c;
        c.id = sent;
        c.call_id = "opt-" + std::to_string(sent) + "@127.0.0.1";
        send_to(fd, sip_port, request("OPTIONS", "sip:127.0.0.1:" + std::to_string(sip_port), local, "o" + std::to_string(sent), c, 1, ""));
        ++sent;
        ++in_flight;
      }
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        continue;
      }
      auto m = sb::sip::parse_sip_message(std::string_view(buf.data(), static_cast<std::size_t>(n)), limits);
      if (m && m->is_response() && m->status_code() >= 200) {
        ++answered;
        --in_flight;
        last_progress = SteadyClock::now();
      }
    }
    // Up to the last answer: a request whose datagram was lost is not
    // retried here, and waiting for it is not the daemon's time.
    const double wall = std::chrono::duration<double>(last_progress - t0).count();
    const double cpu = sb::bench::process_cpu_seconds(d.pid) - cpu0;
    std::printf("baseline OPTIONS: %d answered of %d in %.2f s = %.0f/s; daemon CPU %.1f %% = %.1f us per request (%.0f per core-second)\n",
                answered, options_count, wall, answered / wall, 100 * cpu / wall, 1e6 * cpu / std::max(1, answered),
                answered / std::max(cpu, 1e-9));
  }

  // ---- calls ----
  std::map<std::string, Call> live;  // by Call-ID
  int started = 0, completed = 0, failed = 0, server_byes = 0;
  std::map<int, int> failures;
  std::vector<double> setup_ms;
  const double cpu0 = sb::bench::process_cpu_seconds(d.pid);
  const auto t0 = SteadyClock::now();
  auto last_progress = t0;
  const std::string ruri = "sip:1000@127.0.0.1:" + std::to_string(sip_port);
  while ((completed + failed < calls) && SteadyClock::now() - last_progress < std::chrono::seconds(10)) {
    const auto now = SteadyClock::now();
    while (static_cast<int>(live.size()) < window && started < calls) {
      Call c;
      c.id = started++;
      c.call_id = "load-" + std::to_string(c.id) + "-" + std::to_string(::getpid()) + "@127.0.0.1";
      if (media) c.media_fd = udp_socket(&c.media_port);
      else c.media_port = sink_port;
      c.invite = request("INVITE", ruri, local, "i" + std::to_string(c.id), c, 1, sdp_for(c.id, c.media_port));
      c.sent = now;
      c.deadline = now + std::chrono::milliseconds(500);
      send_to(fd, sip_port, c.invite);
      live.emplace(c.call_id, std::move(c));
    }
    // Responses and server requests.
    for (int k = 0; k < 256; ++k) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      auto m = sb::sip::parse_sip_message(std::string_view(buf.data(), static_cast<std::size_t>(n)), limits);
      if (!m) continue;
      auto cid = sb::sip::call_id(*m);
      if (!cid) continue;
      auto it = live.find(std::string(*cid));
      if (m->is_request()) {
        // The server hung up (the IVR's timeout): answer and count.
        auto ok = sb::sip::make_response(*m, 200, "OK");
        if (ok) send_to(fd, sip_port, *ok);
        if (m->method() == "BYE" && it != live.end()) {
          ++server_byes;
          ++failed;
          if (it->second.media_fd >= 0) ::close(it->second.media_fd);
          live.erase(it);
        }
        continue;
      }
      if (it == live.end()) continue;
      Call& c = it->second;
      auto cs = sb::sip::cseq(*m);
      if (!cs) continue;
      const int code = m->status_code();
      if (cs->method == "INVITE" && c.state == 0) {
        if (code < 200) continue;
        if (code >= 300) {
          ++failures[code];
          ++failed;
          if (c.media_fd >= 0) ::close(c.media_fd);
          live.erase(it);
          continue;
        }
        setup_ms.push_back(std::chrono::duration<double, std::milli>(now - c.sent).count());
        auto to = sb::sip::to(*m);
        if (to) c.to_tag = std::string(to->tag);
        // The remote media port from the answer's m= line.
        const auto body = m->body();
        const auto mp = body.find("m=audio ");
        if (mp != std::string_view::npos) c.remote_media_port = static_cast<std::uint16_t>(std::atoi(std::string(body.substr(mp + 8, 6)).c_str()));
        send_to(fd, sip_port, request("ACK", ruri, local, "a" + std::to_string(c.id), c, 1, ""));
        c.state = 1;
        c.deadline = now + std::chrono::microseconds(static_cast<std::int64_t>(hold_ms * 1000));
        c.next_rtp = now;
        last_progress = now;
      } else if (cs->method == "INVITE" && c.state >= 1 && code >= 200 && code < 300) {
        // A retransmitted 200: ACK again.
        send_to(fd, sip_port, request("ACK", ruri, local, "a" + std::to_string(c.id), c, 1, ""));
      } else if (cs->method == "BYE" && c.state == 2 && code >= 200) {
        (code < 300 ? completed : failed)++;
        if (code >= 300) ++failures[code];
        if (c.media_fd >= 0) ::close(c.media_fd);
        live.erase(it);
        last_progress = now;
      }
    }
    // Timers: hold ends, retransmissions, RTP.
    for (auto it = live.begin(); it != live.end();) {
      Call& c = it->second;
      if (c.state == 1 && media && c.media_fd >= 0 && c.remote_media_port && now >= c.next_rtp) {
        char rtp[12 + 160];
        std::memset(rtp, 0xff, sizeof rtp);
        rtp[0] = static_cast<char>(0x80);
        rtp[1] = 0;
        const std::uint16_t s = htons(c.seq++);
        const std::uint32_t t = htonl(c.ts);
        c.ts += 160;
        const std::uint32_t ssrc = htonl(0x10000u + static_cast<std::uint32_t>(c.id));
        std::memcpy(rtp + 2, &s, 2);
        std::memcpy(rtp + 4, &t, 4);
        std::memcpy(rtp + 8, &ssrc, 4);
        send_to(c.media_fd, c.remote_media_port, std::string(rtp, sizeof rtp));
        char drain[2048];
        while (::recv(c.media_fd, drain, sizeof drain, 0) > 0) {
        }
        c.next_rtp += std::chrono::milliseconds(20);
      }
      if (now >= c.deadline) {
        if (c.state == 1) {
          c.bye = request("BYE", ruri, local, "b" + std::to_string(c.id), c, 2, "");
          send_to(fd, sip_port, c.bye);
          c.state = 2;
          c.tries = 0;
          c.deadline = now + std::chrono::milliseconds(500);
        } else if (c.tries < 6) {
          send_to(fd, sip_port, c.state == 0 ? c.invite : c.bye);  // UDP retransmission
          ++c.tries;
          c.deadline = now + std::chrono::milliseconds(500 << std::min(c.tries, 3));
        } else {
          ++failures[0];
          ++failed;
          if (c.media_fd >= 0) ::close(c.media_fd);
          it = live.erase(it);
          continue;
        }
      }
      ++it;
    }
    char drain[2048];
    while (::recv(sink, drain, sizeof drain, 0) > 0) {
    }
  }
  const double wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const double cpu = sb::bench::process_cpu_seconds(d.pid) - cpu0;
  const auto p = percentiles(setup_ms);
  std::printf("calls: %d completed, %d failed (server BYE %d) of %d in %.2f s = %.0f setups/s; window %d, hold %.0f ms%s\n",
              completed, failed, server_byes, calls, wall, completed / wall, window, hold_ms, media ? ", RTP both ways" : "");
  std::printf("  daemon CPU %.1f %% of its core = %.1f us per call = %.0f setups per core-second; INVITE->200 p50 %.2f ms p99 %.2f ms\n",
              100 * cpu / wall, 1e6 * cpu / std::max(1, completed), completed / std::max(cpu, 1e-9), p.p50, p.p99);
  for (auto [code, n] : failures) std::printf("  failures: %s %d\n", code ? std::to_string(code).c_str() : "timeout", n);
  ::kill(d.pid, SIGTERM);
  int status = 0;
  ::waitpid(d.pid, &status, 0);
  std::filesystem::remove_all(d.dir);
  return failed > 0 ? 1 : 0;
}
