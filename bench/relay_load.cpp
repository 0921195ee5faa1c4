// Whole-system relay load test over the kernel-socket path on loopback:
// N concurrent G.711 calls (two legs each, 50 packets/s per leg, 172-byte
// RTP packets, sends spread evenly over every 20 ms), relayed either by
// Switchboard's dataplane (socket backend, one worker pinned to a core, in
// this process) or by rtpengine (Debian's rtpengine-daemon, userspace
// forwarding with --table=-1, pinned to the same core, calls set up over its
// ng control protocol). The same generator, pinned to the other core,
// measures loss, added latency (p50/p99, timestamps in the payload) and the
// relay's CPU time per relayed packet.
//
// The generator receives the relayed packets through an AF_PACKET receive
// ring (the relay's own PacketRingIo, pointed at the generator's ports) when
// it may (root), so its receive costs no system call per packet and the
// arrival time is the kernel's: the ring frame's timestamp, taken when the
// packet was delivered on the relay's side of loopback, not when the
// generator got round to reading it. --generator-rx socket keeps the former
// receive (a UDP socket per leg, epoll and recvmmsg, arrival read after
// each recvmmsg). The same generator serves every target.
//
//   relay_load --target switchboard --calls 2000 --seconds 10
//   relay_load --target rtpengine --calls 750 --seconds 10
//   relay_load --target both --sweep 500,1000,2000,3000   (one line per run)
//   relay_load --target all ...   (io_uring, epoll and packet-ring receive, and rtpengine)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <poll.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <array>
#include <filesystem>
#include <functional>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/process_cpu.hpp"
#include "dataplane/io/packet_ring_io.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kPacket = 172;

std::int64_t ns_of(const timespec& ts) { return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec; }

std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ns_of(ts);
}

// CLOCK_REALTIME minus CLOCK_MONOTONIC, read back to back: ring frames are
// stamped on the realtime clock, payloads on the monotonic one. Sampled
// again every loop, so clock slewing over a run does not bias latencies.
std::int64_t realtime_minus_monotonic() {
  timespec mono, real;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return ns_of(real) - ns_of(mono);
}

double cpu_seconds_of_thread() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void pin(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int udp_socket(std::uint16_t port = 0) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int big = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(0x7f000001);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

struct Leg {
  int fd = -1;                    // -1 when the generator receives from its ring
  std::uint16_t local_port = 0;   // the generator's
  std::uint16_t relay_port = 0;   // where this leg sends
  std::uint16_t seq = 0;
  std::uint32_t ssrc = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

// --generator-rx: ring (default; falls back to socket without CAP_NET_RAW)
// or socket.
bool g_ring_rx = true;

// The generator's own ports when it receives from a ring: clear of the
// relays' media ranges (Switchboard 20000-29999, rtpengine 10000-19999).
// Ports some other process holds are skipped.
constexpr std::uint16_t kGeneratorPortMin = 40000;
constexpr std::uint16_t kGeneratorPortMax = 49999;

// The generator's legs and how it receives: either each leg's UDP socket,
// or one AF_PACKET ring for all of them (then the ring holds the ports and
// legs have no socket).
struct Generator {
  std::vector<Leg> legs;
  std::unique_ptr<sb::dataplane::PacketRingIo> ring;
  std::vector<std::int32_t> leg_of_port;  // ring only: local port -> index in legs, -1 if none
};

// The kernel's arrival stamp of a packet read from the ring: the frame's
// tpacket2_hdr sits at the start of its kFrameSize slot (frames are
// kFrameSize apart from the page-aligned start of the ring), so it is found
// from the payload pointer. Realtime clock. TP_STATUS_TS_SOFTWARE says the
// stamp is the skb's (taken when loopback queued the packet, i.e. when the
// relay sent it); without it the kernel read the clock when it copied the
// packet into the frame, in the same softirq.
const tpacket2_hdr* ring_frame_of(const sb::dataplane::Packet& p) {
  static_assert((sb::dataplane::PacketRingIo::kFrameSize & (sb::dataplane::PacketRingIo::kFrameSize - 1)) == 0);
  return reinterpret_cast<const tpacket2_hdr*>(reinterpret_cast<std::uintptr_t>(p.data) &
                                               ~std::uintptr_t{sb::dataplane::PacketRingIo::kFrameSize - 1});
}

// ---- rtpengine over the ng protocol (bencode over UDP) -------------------

std::string bstr(const std::string& s) { return std::to_string(s.size()) + ":" + s; }

std::string bdict(const std::map<std::string, std::string>& kv) {
  std::string out = "d";
  for (const auto& [k, v] : kv) out += bstr(k) + bstr(v);
  return out + "e";
}

// Pulls a top-level string value out of a bencoded dict (enough for "result"
// and "sdp" in rtpengine's replies).
std::string bget(const std::string& dict, const std::string& key) {
  std::size_t i = 1;
  auto read_str = [&](std::size_t& p) -> std::string {
    const std::size_t colon = dict.find(':', p);
    const std::size_t len = std::stoul(dict.substr(p, colon - p));
    std::string s = dict.substr(colon + 1, len);
    p = colon + 1 + len;
    return s;
  };
  while (i < dict.size() && dict[i] != 'e') {
    const std::string k = read_str(i);
    if (std::isdigit(static_cast<unsigned char>(dict[i]))) {
      const std::string v = read_str(i);
      if (k == key) return v;
    } else {
      return "";  // nested values: not needed here
    }
  }
  return "";
}

class RtpengineControl {
 public:
  explicit RtpengineControl(std::uint16_t ng_port) : fd_(udp_socket()), ng_port_(ng_port) {}
  ~RtpengineControl() {
    if (fd_ >= 0) ::close(fd_);
  }

  // A daemon that is not (yet) listening never answers: each ping gives up
  // after timeout_ms.
  bool ping(int timeout_ms) { return request({{"command", "ping"}}, timeout_ms).find("pong") != std::string::npos; }

  // Returns the port rtpengine gives in the SDP it answers with.
  int offer_answer(const std::string& command, const std::string& call, std::uint16_t port, const std::string& to_tag) {
    const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
                            std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
    std::map<std::string, std::string> kv = {{"command", command}, {"call-id", call}, {"from-tag", "a-" + call}, {"sdp", sdp}};
    if (!to_tag.empty()) kv["to-tag"] = to_tag;
    const std::string reply = request(kv);
    const std::string answer = bget(reply, "sdp");
    const std::size_t m = answer.find("m=audio ");
    if (bget(reply, "result") != "ok" || m == std::string::npos) return -1;
    return std::stoi(answer.substr(m + 8));
  }

 private:
  // The reply's dict, or "" when none came within timeout_ms (the socket is
  // non-blocking; replies to earlier, timed-out requests are skipped by
  // their cookie).
  std::string request(const std::map<std::string, std::string>& kv, int timeout_ms = 5000) {
    const std::string cookie = std::to_string(++cookie_);
    const std::string msg = cookie + " " + bdict(kv);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(ng_port_);
    to.sin_addr.s_addr = htonl(0x7f000001);
    ::sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    std::vector<char> buf(65536);
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_ms) * 1'000'000;
    for (std::int64_t left; (left = deadline - now_ns()) > 0;) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>((left + 999'999) / 1'000'000)) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n <= 0) continue;
      std::string reply(buf.data(), static_cast<std::size_t>(n));
      const std::size_t sp = reply.find(' ');
      if (sp != std::string::npos && reply.compare(0, sp, cookie) == 0) return reply.substr(sp + 1);
    }
    return "";
  }
  int fd_;
  std::uint16_t ng_port_;
  int cookie_ = 0;
};

struct Result {
  std::string target;
  int calls = 0;
  double seconds = 0;
  std::uint64_t sent = 0, received = 0;
  double loss_pct = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double relay_cpu_pct = 0;
  double relay_cpu_us_per_packet = 0;
  double generator_cpu_pct = 0;
  std::string generator_rx;          // "ring" or "socket"
  // Ring receive only: latency to when the generator read the packet, and
  // how many frames carried the skb's stamp rather than the copy time.
  double read_p50_us = 0, read_p99_us = 0;
  double kernel_stamp_from_skb_pct = 0;
};

double percentile_us(const std::vector<std::uint32_t>& sorted, double q) {
  return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))] / 1000.0;
}

// Runs the generator on the calling thread (pinned to gen_core).
Result drive(Generator& gen, int calls, double seconds, int gen_core, const std::function<double()>& relay_cpu) {
  std::vector<Leg>& legs = gen.legs;
  pin(gen_core);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < legs.size() && !gen.ring; ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, legs[i].fd, &ev);
  }
  std::vector<std::uint32_t> latencies, read_latencies;
  latencies.reserve(static_cast<std::size_t>(legs.size() * 50 * seconds) + 1024);
  if (gen.ring) read_latencies.reserve(latencies.capacity());
  std::uint8_t pkt[kPacket];
  std::memset(pkt, 0xff, sizeof pkt);
  const std::int64_t start = now_ns();
  const std::int64_t warmup_ns = 2'000'000'000;
  const std::int64_t end = start + static_cast<std::int64_t>(seconds * 1e9) + warmup_ns;
  constexpr int kSlots = 20;  // a slot per millisecond of the 20 ms period
  std::int64_t next_slot = start;
  int slot = 0;
  double gen_cpu0 = 0, relay_cpu0 = 0;
  std::int64_t measured_from = 0;
  bool measuring = false;
  std::uint64_t sent_measured = 0, recv_measured = 0, kernel_stamped_by_skb = 0, ring_frames = 0;
  epoll_event events[256];
  mmsghdr msgs[16];
  iovec iov[16];
  std::uint8_t bufs[16][2048];
  for (int i = 0; i < 16; ++i) {
    iov[i] = {bufs[i], sizeof bufs[i]};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  auto to_u32 = [](std::int64_t ns) { return static_cast<std::uint32_t>(std::clamp<std::int64_t>(ns, 0, UINT32_MAX)); };
  // One received payload: its send stamp against `arrived` (monotonic), and
  // in ring mode also against when it was read.
  auto account = [&](Leg& l, const std::uint8_t* payload, std::size_t len, std::int64_t arrived, std::int64_t read_at) {
    if (len < 20) return;
    std::int64_t stamp;
    std::memcpy(&stamp, payload + 12, sizeof stamp);
    ++l.received;
    if (measuring && stamp >= measured_from) {
      ++recv_measured;
      latencies.push_back(to_u32(arrived - stamp));
      if (gen.ring) read_latencies.push_back(to_u32(read_at - stamp));
    }
  };
  // Takes what has arrived, waiting at most wait_ns for the first of it.
  sb::dataplane::Packet ring_pkts[64];
  auto receive = [&](std::int64_t wait_ns) {
    if (gen.ring) {
      gen.ring->idle(wait_ns);
      for (std::size_t got; (got = gen.ring->rx_burst(ring_pkts, std::size(ring_pkts))) > 0;) {
        const std::int64_t read_at = now_ns();
        const std::int64_t real_offset = realtime_minus_monotonic();
        for (std::size_t j = 0; j < got; ++j) {
          const sb::dataplane::Packet& p = ring_pkts[j];
          const tpacket2_hdr* h = ring_frame_of(p);
          ++ring_frames;
          if (h->tp_status & TP_STATUS_TS_SOFTWARE) ++kernel_stamped_by_skb;
          const std::int64_t arrived = static_cast<std::int64_t>(h->tp_sec) * 1'000'000'000 + h->tp_nsec - real_offset;
          const std::int32_t leg = gen.leg_of_port[p.local_port];
          if (leg >= 0) account(legs[static_cast<std::size_t>(leg)], p.data, p.len, arrived, read_at);
        }
        gen.ring->release(ring_pkts, got);
      }
      return;
    }
    timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    const int n = ::epoll_pwait2(ep, events, 256, &timeout, nullptr);
    for (int k = 0; k < n; ++k) {
      Leg& l = legs[events[k].data.u32];
      const int got = ::recvmmsg(l.fd, msgs, 16, MSG_DONTWAIT, nullptr);
      const std::int64_t arrived = now_ns();
      for (int j = 0; j < got; ++j) account(l, bufs[j], msgs[j].msg_len, arrived, arrived);
    }
  };
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(0x7f000001);
  // Where permitted, the generator sends each millisecond's packets in one
  // sendmmsg on a raw socket (UDP headers built here) instead of a sendto
  // per packet, so that it is not the first thing to run out of CPU.
  const int raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  constexpr std::size_t kSendBatch = 8;
  std::vector<std::array<std::uint8_t, 28 + kPacket>> frames(kSendBatch);
  std::vector<mmsghdr> out_msgs(frames.size());
  std::vector<iovec> out_iov(frames.size());
  while (true) {
    std::int64_t t = now_ns();
    if (!measuring && t - start >= warmup_ns) {
      measuring = true;
      measured_from = t;
      gen_cpu0 = cpu_seconds_of_thread();
      relay_cpu0 = relay_cpu();
    }
    if (t >= next_slot) {
      if (t >= end) break;
      // This millisecond's share of the legs send one packet each.
      std::size_t queued = 0;
      // On loopback each sendmmsg also runs the relay's receive (softirq)
      // for every packet in it, here: a packet stamped early in a large
      // batch would be charged the batch's send time. Small batches bound
      // that to a few packets' worth.
      auto flush = [&] {
        for (std::size_t done = 0; done < queued;) {
          const int k = ::sendmmsg(raw, out_msgs.data() + done, static_cast<unsigned>(queued - done), 0);
          if (k <= 0) break;
          done += static_cast<std::size_t>(k);
        }
        queued = 0;
      };
      for (std::size_t i = static_cast<std::size_t>(slot); i < legs.size(); i += kSlots) {
        Leg& l = legs[i];
        const std::int64_t stamp = now_ns();
        if (raw >= 0) {
          std::uint8_t* f = frames[queued].data();
          // IPv4 (the kernel fills checksum and id) + UDP (checksum 0: none).
          const std::uint8_t ip[20] = {0x45, 0xb8, 0, static_cast<std::uint8_t>(28 + kPacket), 0, 0, 0x40, 0, 64, 17, 0, 0,
                                       127, 0, 0, 1, 127, 0, 0, 1};
          std::memcpy(f, ip, 20);
          f[20] = static_cast<std::uint8_t>(l.local_port >> 8);
          f[21] = static_cast<std::uint8_t>(l.local_port);
          f[22] = static_cast<std::uint8_t>(l.relay_port >> 8);
          f[23] = static_cast<std::uint8_t>(l.relay_port);
          f[24] = 0;
          f[25] = static_cast<std::uint8_t>(8 + kPacket);
          f[26] = f[27] = 0;
          std::memset(f + 28, 0xff, kPacket);
          sb::rtp::write_rtp_header(f + 28, false, 0, l.seq, 160u * l.seq, l.ssrc);
          std::memcpy(f + 40, &stamp, sizeof stamp);
          out_iov[queued] = {f, 28 + kPacket};
          out_msgs[queued] = {};
          out_msgs[queued].msg_hdr.msg_iov = &out_iov[queued];
          out_msgs[queued].msg_hdr.msg_iovlen = 1;
          out_msgs[queued].msg_hdr.msg_name = &to;
          out_msgs[queued].msg_hdr.msg_namelen = sizeof to;
          ++queued;
          ++l.seq;
          ++l.sent;
          if (measuring) ++sent_measured;
          if (queued == kSendBatch) flush();
          continue;
        }
        sb::rtp::write_rtp_header(pkt, false, 0, l.seq, 160u * l.seq, l.ssrc);
        ++l.seq;
        std::memcpy(pkt + 12, &stamp, sizeof stamp);
        to.sin_port = htons(l.relay_port);
        if (::sendto(l.fd, pkt, sizeof pkt, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == static_cast<ssize_t>(kPacket)) {
          ++l.sent;
          if (measuring) ++sent_measured;
        }
      }
      flush();
      slot = (slot + 1) % kSlots;
      next_slot += 1'000'000;
      continue;
    }
    // Sleep precisely until the next send slot (epoll_pwait2 takes a
    // nanosecond timeout), so the generator's CPU figure means something.
    // (The ring's idle() waits in whole milliseconds at most: a slot may
    // then start up to a millisecond late, which the send stamps absorb.)
    receive(next_slot - t);
  }
  const double gen_cpu = cpu_seconds_of_thread() - gen_cpu0;
  const double relay = relay_cpu() - relay_cpu0;
  const double wall = static_cast<double>(now_ns() - measured_from) * 1e-9;
  // Drain what is still in flight (sent in the measured window); counted,
  // but their latencies are not (the sort below sees only the window's).
  const std::size_t measured_latencies = latencies.size();
  const std::int64_t drain_until = now_ns() + 200'000'000;
  while (now_ns() < drain_until) receive(10'000'000);
  latencies.resize(measured_latencies);
  if (gen.ring) read_latencies.resize(measured_latencies);
  ::close(ep);
  if (raw >= 0) ::close(raw);
  Result r;
  r.calls = calls;
  r.seconds = wall;
  r.sent = sent_measured;
  r.received = recv_measured;
  r.loss_pct = sent_measured ? 100.0 * (1.0 - static_cast<double>(std::min(recv_measured, sent_measured)) / static_cast<double>(sent_measured)) : 0;
  std::sort(latencies.begin(), latencies.end());
  r.p50_us = percentile_us(latencies, 0.50);
  r.p99_us = percentile_us(latencies, 0.99);
  r.max_us = latencies.empty() ? 0.0 : latencies.back() / 1000.0;
  r.relay_cpu_pct = 100.0 * relay / wall;
  r.relay_cpu_us_per_packet = recv_measured ? relay * 1e6 / static_cast<double>(recv_measured) : 0;
  r.generator_cpu_pct = 100.0 * gen_cpu / wall;
  r.generator_rx = gen.ring ? "ring" : "socket";
  if (gen.ring) {
    std::sort(read_latencies.begin(), read_latencies.end());
    r.read_p50_us = percentile_us(read_latencies, 0.50);
    r.read_p99_us = percentile_us(read_latencies, 0.99);
    r.kernel_stamp_from_skb_pct = ring_frames ? 100.0 * static_cast<double>(kernel_stamped_by_skb) / static_cast<double>(ring_frames) : 0;
  }
  return r;
}

Generator make_generator(int calls) {
  Generator gen;
  gen.legs.resize(static_cast<std::size_t>(calls) * 2);
  if (g_ring_rx) {
    sb::dataplane::SocketIoConfig cfg;
    cfg.port_min = kGeneratorPortMin;
    cfg.port_max = kGeneratorPortMax;
    cfg.raw_tx = false;  // the generator sends on its own raw socket
    auto ring = sb::dataplane::PacketRingIo::create(cfg);
    if (ring) {
      gen.ring = std::move(*ring);
    } else {
      std::fprintf(stderr, "generator: %s; receiving on UDP sockets instead (--generator-rx socket)\n",
                   ring.status().to_string().c_str());
      g_ring_rx = false;
    }
  }
  if (gen.ring) {
    gen.leg_of_port.assign(65536, -1);
    std::uint32_t port = kGeneratorPortMin;
    for (std::size_t i = 0; i < gen.legs.size(); ++i) {
      while (port <= kGeneratorPortMax && !gen.ring->open_port(static_cast<std::uint16_t>(port)).is_ok()) ++port;
      if (port > kGeneratorPortMax) {
        std::fprintf(stderr, "generator: not enough free ports in %u-%u for %zu legs\n", kGeneratorPortMin,
                     kGeneratorPortMax, gen.legs.size());
        std::exit(1);
      }
      gen.legs[i].local_port = static_cast<std::uint16_t>(port);
      gen.leg_of_port[port] = static_cast<std::int32_t>(i);
      ++port;
    }
  } else {
    for (auto& l : gen.legs) {
      l.fd = udp_socket();
      l.local_port = port_of(l.fd);
    }
  }
  for (std::size_t i = 0; i < gen.legs.size(); ++i) gen.legs[i].ssrc = static_cast<std::uint32_t>(0x10000 + i);
  return gen;
}

void close_generator(Generator& gen) {
  for (auto& l : gen.legs)
    if (l.fd >= 0) ::close(l.fd);
  gen.ring.reset();
}

// --record-dir: every Switchboard call is also recorded (stereo WAV) there.
std::string g_record_dir;

// Stops every recording, waits for the recorder to finish them, and prints
// what it did: recordings complete or failed, frames written, frames the
// workers dropped because a ring was full, silence written for gaps.
void finish_recordings(sb::dataplane::Dataplane& dp, const std::vector<sb::dataplane::SessionId>& sessions) {
  for (auto id : sessions) {
    while (dp.sessions().stop_recording(id).code() == sb::StatusCode::kUnavailable)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::size_t ended = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  sb::recording::RecorderEvent ev;
  while (ended < sessions.size() && std::chrono::steady_clock::now() < until) {
    if (dp.recorder()->poll_event(ev)) ++ended;
    else std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto& c = dp.recorder()->counters();
  std::printf("  recordings: complete=%llu failed=%llu frames_written=%llu frames_dropped=%llu gap_frames=%llu\n",
              static_cast<unsigned long long>(c.completed.load()), static_cast<unsigned long long>(c.failed.load()),
              static_cast<unsigned long long>(c.frames_written.load()),
              static_cast<unsigned long long>(c.frames_dropped.load()),
              static_cast<unsigned long long>(c.gap_frames.load()));
  std::fflush(stdout);
}

Result run_switchboard(int calls, double seconds, int relay_core, int gen_core,
                       sb::dataplane::DataplaneConfig::SocketRx rx) {
  sb::dataplane::DataplaneConfig cfg;
  if (!g_record_dir.empty()) {
    std::filesystem::create_directories(g_record_dir);
    sb::recording::RecorderService::Options rec;
    rec.directory = g_record_dir;
    rec.max_recordings = static_cast<std::size_t>(calls) + 16;
    // Half a second of every call's frames between the worker and the
    // writer, so a writer that pauses (page cache flush, fsync of a
    // finished file) does not make the worker drop frames.
    rec.ring_messages = std::max<std::size_t>(512, static_cast<std::size_t>(calls) * 25);
    cfg.recorder = rec;
  }
  cfg.socket_rx = rx;
  cfg.port_min = 20000;
  cfg.port_max = 29999;
  cfg.cores = {relay_core};
  cfg.max_sessions_per_worker = static_cast<std::uint32_t>(calls + 16);
  cfg.rtcp_mux = true;  // the generator sends no RTCP; no need for 2 more sockets a call
  auto dp = sb::dataplane::Dataplane::start(cfg, sb::SteadyClock::instance());
  if (!dp) {
    std::fprintf(stderr, "dataplane: %s\n", dp.status().to_string().c_str());
    std::exit(1);
  }
  Generator gen = make_generator(calls);
  std::vector<Leg>& legs = gen.legs;
  std::vector<sb::dataplane::SessionId> sessions;
  for (int c = 0; c < calls; ++c) {
    Leg& a = legs[2 * static_cast<std::size_t>(c)];
    Leg& b = legs[2 * static_cast<std::size_t>(c) + 1];
    sb::dataplane::LegRequest la, lb;
    la.remote = {0x7f000001, a.local_port};
    lb.remote = {0x7f000001, b.local_port};
    auto s = (*dp)->sessions().create(la, lb);
    while (!s && s.status().code() == sb::StatusCode::kUnavailable) {  // command ring full: let the worker catch up
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      s = (*dp)->sessions().create(la, lb);
    }
    if (!s) {
      std::fprintf(stderr, "session: %s\n", s.status().to_string().c_str());
      std::exit(1);
    }
    a.relay_port = s->local_port[0];
    b.relay_port = s->local_port[1];
    sessions.push_back(s->id);
    if (!g_record_dir.empty()) {
      sb::recording::RecordingSpec spec;
      spec.name = "load-" + std::to_string(c);
      const sb::dataplane::RecordLeg rl[2] = {{0, sb::codecs::CodecId::kPcmu, 0}, {0, sb::codecs::CodecId::kPcmu, 0}};
      auto r = (*dp)->sessions().start_recording(s->id, spec, rl);
      while (!r && r.status().code() == sb::StatusCode::kUnavailable) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        r = (*dp)->sessions().start_recording(s->id, spec, rl);
      }
      if (!r) {
        std::fprintf(stderr, "recording: %s\n", r.status().to_string().c_str());
        std::exit(1);
      }
    }
    sb::dataplane::Event ev[64];
    (*dp)->sessions().poll_events(ev);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sb::dataplane::Event ev[256];
  while ((*dp)->sessions().poll_events(ev) > 0) {}
  // The relay's CPU: this process minus the generator (this thread). The
  // control thread is idle while the generator runs.
  const double gen_start = cpu_seconds_of_thread();
  (void)gen_start;
  Result r = drive(gen, calls, seconds, gen_core, [] { return sb::bench::process_cpu_seconds(0) - cpu_seconds_of_thread(); });
  using Rx = sb::dataplane::DataplaneConfig::SocketRx;
  r.target = rx == Rx::kEpoll ? "switchboard-epoll" : rx == Rx::kPacketRing ? "switchboard-ring" : "switchboard";
  if (!g_record_dir.empty()) {
    finish_recordings(**dp, sessions);
    r.target += "+rec";
  }
  close_generator(gen);
  dp->reset();
  // The next run starts only once the kernel has let go of this run's
  // ports (an io_uring ring's sockets may close a moment after the ring);
  // otherwise its sessions would find their ports taken and lose the call.
  for (int i = 0; i < 500; ++i) {
    const int probe = udp_socket(cfg.port_min);
    if (probe >= 0) {
      ::close(probe);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return r;
}

// Empty, with the reason on stderr, when rtpengine cannot be started or
// does not answer: the other targets still run.
std::optional<Result> run_rtpengine(int calls, double seconds, int relay_core, int gen_core) {
  const int probe = udp_socket();
  const std::uint16_t ng = port_of(probe);
  ::close(probe);
  // Built before fork: the child only calls exec (this process has threads).
  const std::string listen = "--listen-ng=127.0.0.1:" + std::to_string(ng);
  const pid_t pid = ::fork();
  if (pid == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(relay_core, &set);
    sched_setaffinity(0, sizeof set, &set);
    ::execlp("rtpengine", "rtpengine", "--config-file=none", "--table=-1", "--interface=127.0.0.1", listen.c_str(),
             "--foreground", "--num-threads=1", "--port-min=10000", "--port-max=19999", "--log-level=3", "--log-stderr",
             "--timeout=60", static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid < 0) {
    std::fprintf(stderr, "rtpengine: skipped: fork: %s\n", std::strerror(errno));
    return std::nullopt;
  }
  auto give_up = [pid](const std::string& why) {
    std::fprintf(stderr, "rtpengine: skipped: %s\n", why.c_str());
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return std::nullopt;
  };
  RtpengineControl ctl(ng);
  bool up = false;
  const std::int64_t deadline = now_ns() + 10'000'000'000;
  while (!up && now_ns() < deadline) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::fprintf(stderr, "rtpengine: skipped: %s\n",
                   WIFEXITED(status) && WEXITSTATUS(status) == 127
                       ? "could not run `rtpengine` (is Debian's rtpengine-daemon installed?)"
                       : ("the daemon exited at start-up (status " + std::to_string(status) + "; see its log above)").c_str());
      return std::nullopt;
    }
    up = ctl.ping(200);
  }
  if (!up) return give_up("no answer to ping on the ng port 127.0.0.1:" + std::to_string(ng) + " within 10 s");
  Generator gen = make_generator(calls);
  std::vector<Leg>& legs = gen.legs;
  for (int c = 0; c < calls; ++c) {
    Leg& a = legs[2 * static_cast<std::size_t>(c)];
    Leg& b = legs[2 * static_cast<std::size_t>(c) + 1];
    const std::string call = "load-" + std::to_string(c);
    const int to_b = ctl.offer_answer("offer", call, a.local_port, "");
    const int to_a = ctl.offer_answer("answer", call, b.local_port, "b-" + call);
    if (to_a < 0 || to_b < 0) {
      close_generator(gen);
      return give_up("it refused (or did not answer) offer/answer for call " + std::to_string(c));
    }
    a.relay_port = static_cast<std::uint16_t>(to_a);
    b.relay_port = static_cast<std::uint16_t>(to_b);
  }
  Result r = drive(gen, calls, seconds, gen_core, [pid] { return sb::bench::process_cpu_seconds(pid); });
  r.target = "rtpengine";
  ::kill(pid, SIGTERM);
  int status;
  ::waitpid(pid, &status, 0);
  close_generator(gen);
  return r;
}

void print(const Result& r) {
  std::printf("%-12s calls=%5d pps=%7.0f loss=%6.3f%% p50=%7.1fus p99=%8.1fus max=%8.1fus relay_cpu=%5.1f%% "
              "cpu_per_packet=%5.2fus generator_cpu=%5.1f%%\n",
              r.target.c_str(), r.calls, static_cast<double>(r.received) / r.seconds, r.loss_pct, r.p50_us, r.p99_us,
              r.max_us, r.relay_cpu_pct, r.relay_cpu_us_per_packet, r.generator_cpu_pct);
  // Where the arrival stamps came from, and (ring) the latency to the read.
  if (r.generator_rx == "ring")
    std::printf("  generator_rx=ring (arrival: frame's kernel stamp, %.0f%% from the skb) read_p50=%.1fus read_p99=%.1fus\n",
                r.kernel_stamp_from_skb_pct, r.read_p50_us, r.read_p99_us);
  else
    std::printf("  generator_rx=socket (arrival: clock read after each recvmmsg)\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Relay load over loopback: Switchboard versus rtpengine"};
  std::string target = "switchboard";
  std::string sweep;
  int calls = 1000, relay_core = 0, gen_core = 1;
  double seconds = 10;
  app.add_option("--target", target,
                 "switchboard (io_uring receive), switchboard-epoll, switchboard-ring (AF_PACKET ring receive, root), rtpengine, "
                 "both (switchboard and rtpengine) or all");
  app.add_option("--calls", calls, "Concurrent calls");
  app.add_option("--sweep", sweep, "Comma-separated call counts (overrides --calls)");
  app.add_option("--seconds", seconds, "Measured seconds per run (after 2 s of warm-up)");
  app.add_option("--relay-core", relay_core, "Core the relay is pinned to");
  app.add_option("--generator-core", gen_core, "Core the generator is pinned to");
  std::string generator_rx = "ring";
  app.add_option("--generator-rx", generator_rx,
                 "How the generator receives: ring (AF_PACKET ring, kernel arrival stamps; needs root, else falls back) "
                 "or socket (a UDP socket per leg, epoll + recvmmsg)")
      ->check(CLI::IsMember({"ring", "socket"}));
  app.add_option("--record-dir", g_record_dir, "Also record every Switchboard call (stereo WAV) into this directory");
  CLI11_PARSE(app, argc, argv);
  g_ring_rx = generator_rx == "ring";
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<int> counts;
  if (sweep.empty()) counts.push_back(calls);
  for (std::size_t p = 0; p < sweep.size();) {
    const std::size_t q = sweep.find(',', p);
    counts.push_back(std::stoi(sweep.substr(p, q - p)));
    p = q == std::string::npos ? sweep.size() : q + 1;
  }
  for (int n : counts) {
    using Rx = sb::dataplane::DataplaneConfig::SocketRx;
    if (target == "switchboard" || target == "both" || target == "all")
      print(run_switchboard(n, seconds, relay_core, gen_core, Rx::kUring));
    if (target == "switchboard-epoll" || target == "all")
      print(run_switchboard(n, seconds, relay_core, gen_core, Rx::kEpoll));
    if (target == "switchboard-ring" || target == "all")
      print(run_switchboard(n, seconds, relay_core, gen_core, Rx::kPacketRing));
    if (target == "rtpengine" || target == "both" || target == "all") {
      if (auto r = run_rtpengine(n, seconds, relay_core, gen_core)) print(*r);
    }
  }
  return 0;
}
