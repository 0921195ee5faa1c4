#include "dataplane/io/uring_io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/compiler.hpp"

#include "dataplane/io/udp_tx.hpp"

namespace sb::dataplane {

namespace {
constexpr unsigned kBufferGroup = 1;
// user_data of a receive: generation << 16 | port. Sends are synchronous
// (udp_tx), cancels carry kCancelTag and are ignored.
constexpr std::uint64_t kCancelTag = 1ull << 62;
std::uint64_t recv_tag(std::uint16_t port, std::uint16_t generation) {
  return static_cast<std::uint64_t>(generation) << 16 | port;
}
}  // namespace

UringIo::UringIo(const SocketIoConfig& cfg)
    : cfg_(cfg),
      storage_(new std::uint8_t[static_cast<std::size_t>(kRingBuffers + kSpareBuffers) * kBufferSize]),
      port_fd_(65536, -1),
      generation_(65536, 0) {
  spare_.reserve(kSpareBuffers);
  for (std::uint32_t i = kRingBuffers + kSpareBuffers; i > kRingBuffers; --i) spare_.push_back(i - 1);
  starved_.reserve(256);
  recv_template_.msg_namelen = sizeof(sockaddr_in);
}

Result<std::unique_ptr<UringIo>> UringIo::create(const SocketIoConfig& cfg) {
  // The ring is single-issuer with deferred task work, so it must be made
  // by the thread that uses it (the worker, which may not exist yet). Here
  // a throwaway ring of the same kind checks the kernel offers everything.
  {
    UringIo probe(cfg);
    if (Status s = probe.init(); !s) return s;
  }
  if (cfg.raw_tx) {
    std::unique_ptr<UringIo> io(new UringIo(cfg));
    io->raw_fd_ = open_raw_udp_tx_socket();
    return io;
  }
  return std::unique_ptr<UringIo>(new UringIo(cfg));
}

bool UringIo::ready() noexcept {
  if (SB_LIKELY(ring_ready_)) return true;
  if (init_failed_) return false;
  if (!init()) init_failed_ = true;
  return ring_ready_;
}

Status UringIo::init() {
  io_uring_params p{};
  // Completions are posted only when this thread enters the ring (deferred
  // task work), so receiving never interrupts the worker mid-burst and the
  // one enter per loop does all the kernel-side receive work in a batch.
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (int r = io_uring_queue_init_params(1024, &ring_, &p); r < 0)
    return unavailable(std::string("io_uring_queue_init: ") + std::strerror(-r));
  ring_ready_ = true;
  buf_ring_bytes_ = kRingBuffers * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return unavailable(std::string("mmap: ") + std::strerror(errno));
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(buf_ring_);
  reg.ring_entries = kRingBuffers;
  reg.bgid = kBufferGroup;
  if (int r = io_uring_register_buf_ring(&ring_, &reg, 0); r < 0)
    return unavailable(std::string("io_uring_register_buf_ring: ") + std::strerror(-r));
  const int mask = io_uring_buf_ring_mask(kRingBuffers);
  for (unsigned i = 0; i < kRingBuffers; ++i)
    io_uring_buf_ring_add(buf_ring_, buffer(i), kBufferSize, static_cast<unsigned short>(i), mask, static_cast<int>(i));
  io_uring_buf_ring_advance(buf_ring_, kRingBuffers);
  // Multishot recvmsg needs 6.0: probe it on a throwaway socket.
  const int probe = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return unavailable(std::string("socket: ") + std::strerror(errno));
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  io_uring_prep_recvmsg_multishot(sqe, probe, &recv_template_, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, kCancelTag);
  io_uring_sqe* cancel = io_uring_get_sqe(&ring_);
  io_uring_prep_cancel64(cancel, kCancelTag, 0);
  io_uring_sqe_set_data64(cancel, kCancelTag);
  io_uring_submit_and_wait(&ring_, 2);
  bool supported = true;
  io_uring_cqe* cqe;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    if (cqe->res == -EINVAL || cqe->res == -EOPNOTSUPP) supported = false;
    io_uring_cqe_seen(&ring_, cqe);
  }
  ::close(probe);
  if (!supported) return unavailable("io_uring: multishot recvmsg is not supported by this kernel");
  return Status::ok();
}

void UringIo::shutdown() noexcept {
  if (!ring_ready_) return;
  if (armed_) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) {
      io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data64(sqe, kCancelTag);
    }
    // Each cancelled receive posts one last completion without F_MORE.
    __kernel_timespec ts{0, 100'000'000};
    for (int rounds = 0; armed_ > 0 && rounds < 20; ++rounds) {
      io_uring_cqe* cqe = nullptr;
      io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
        const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
        if (!(tag & kCancelTag) && !(cqe->flags & IORING_CQE_F_MORE) && armed_) --armed_;
        io_uring_cqe_seen(&ring_, cqe);
      }
    }
  }
  for (int& fd : port_fd_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  io_uring_queue_exit(&ring_);
  ring_ready_ = false;
  init_failed_ = true;  // no new ring after shutdown
}

UringIo::~UringIo() {
  if (ring_ready_) io_uring_queue_exit(&ring_);
  for (int fd : port_fd_)
    if (fd >= 0) ::close(fd);
  if (buf_ring_) ::munmap(buf_ring_, buf_ring_bytes_);
  if (raw_fd_ >= 0) ::close(raw_fd_);
}

bool UringIo::arm(std::uint16_t port) noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
    if (!sqe) return false;
  }
  io_uring_prep_recvmsg_multishot(sqe, port_fd_[port], &recv_template_, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, recv_tag(port, generation_[port]));
  ++armed_;
  return true;
}

Status UringIo::open_port(std::uint16_t port) {
  if (!ready()) return unavailable("io_uring could not be set up on the worker thread");
  if (port_fd_[port] >= 0) return already_exists("port " + std::to_string(port) + " is already open");
  auto bound = open_media_socket(cfg_.bind_ip, port, cfg_.receive_buffer_bytes);
  if (!bound) return bound.status();
  const int fd = *bound;
  port_fd_[port] = fd;
  ++generation_[port];
  if (!arm(port)) {
    ::close(fd);
    port_fd_[port] = -1;
    return unavailable("io_uring: submission queue full");
  }
  return Status::ok();
}

void UringIo::close_port(std::uint16_t port) noexcept {
  const int fd = port_fd_[port];
  if (fd < 0 || !ring_ready_) return;
  // The armed receive holds its own reference to the socket: cancel it, or
  // the port stays bound. Its last completion (ECANCELED) carries the old
  // generation and is ignored.
  if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) {
    io_uring_prep_cancel64(sqe, recv_tag(port, generation_[port]), 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
  }
  io_uring_submit(&ring_);
  ::close(fd);
  port_fd_[port] = -1;
  ++generation_[port];
}

void UringIo::give_back(std::uint32_t id) noexcept {
  if (id >= kRingBuffers || !buf_ring_) {
    spare_.push_back(id);
    return;
  }
  io_uring_buf_ring_add(buf_ring_, buffer(id), kBufferSize, static_cast<unsigned short>(id),
                        io_uring_buf_ring_mask(kRingBuffers), static_cast<int>(returned_));
  ++returned_;
}

void UringIo::release(Packet* pkts, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) give_back(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(pkts[i].handle)));
  // Publish to the kernel once per batch (a release store of the tail).
  if (returned_) {
    io_uring_buf_ring_advance(buf_ring_, static_cast<int>(returned_));
    returned_ = 0;
  }
}

bool UringIo::alloc(Packet& out) noexcept {
  if (spare_.empty()) return false;
  const std::uint32_t id = spare_.back();
  spare_.pop_back();
  out = {};
  out.data = buffer(id) + SocketIo::kHeadroom;
  out.capacity = static_cast<std::uint16_t>(kBufferSize - SocketIo::kHeadroom);
  out.handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
  return true;
}

void UringIo::rearm_starved() noexcept {
  if (starved_.empty()) return;
  std::size_t kept = 0;
  for (std::uint16_t port : starved_) {
    if (port_fd_[port] < 0) continue;
    if (arm(port)) ++rearms_;
    else starved_[kept++] = port;
  }
  starved_.resize(kept);
}

std::size_t UringIo::harvest(Packet* pkts, std::size_t max) noexcept {
  std::size_t got = 0;
  io_uring_cqe* cqes[64];
  while (got < max) {
    const unsigned want = static_cast<unsigned>(std::min<std::size_t>(64, max - got));
    const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, want);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      const io_uring_cqe* cqe = cqes[i];
      const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
      const bool has_buffer = cqe->flags & IORING_CQE_F_BUFFER;
      const std::uint32_t id = has_buffer ? cqe->flags >> IORING_CQE_BUFFER_SHIFT : 0;
      if (tag & kCancelTag) continue;
      if (!(cqe->flags & IORING_CQE_F_MORE) && armed_) --armed_;
      const auto port = static_cast<std::uint16_t>(tag & 0xffff);
      const bool current = port_fd_[port] >= 0 && generation_[port] == static_cast<std::uint16_t>(tag >> 16);
      if (!(cqe->flags & IORING_CQE_F_MORE) && current) {
        // The multishot ended: out of buffers (re-arm when some are back)
        // or another error (re-arm now; a closed socket is not current).
        starved_.push_back(port);
      }
      if (!has_buffer) continue;
      if (cqe->res <= 0 || !current) {
        give_back(id);
        continue;
      }
      std::uint8_t* buf = buffer(id);
      io_uring_recvmsg_out* o = io_uring_recvmsg_validate(buf, cqe->res, &recv_template_);
      if (!o || (o->flags & MSG_TRUNC) || o->namelen < sizeof(sockaddr_in)) {
        ++truncated_;
        give_back(id);
        continue;
      }
      const auto* from = static_cast<const sockaddr_in*>(io_uring_recvmsg_name(o));
      auto* payload = static_cast<std::uint8_t*>(io_uring_recvmsg_payload(o, &recv_template_));
      Packet& p = pkts[got++];
      p.src = {ntohl(from->sin_addr.s_addr), ntohs(from->sin_port)};
      // The payload sits after the 16-byte header and the 16-byte address,
      // so the raw send's 28 bytes of headers fit in front of it.
      p.data = payload;
      p.len = static_cast<std::uint16_t>(io_uring_recvmsg_payload_length(o, cqe->res, &recv_template_));
      p.capacity = static_cast<std::uint16_t>(buf + kBufferSize - payload);
      p.local_port = port;
      p.dst = {};
      p.dirty = Packet::kAnything;
      p.handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
    }
    io_uring_cq_advance(&ring_, n);
  }
  if (returned_) {
    io_uring_buf_ring_advance(buf_ring_, static_cast<int>(returned_));
    returned_ = 0;
  }
  return got;
}

std::size_t UringIo::rx_burst(Packet* pkts, std::size_t max) noexcept {
  if (!ready()) return 0;
  if (io_uring_cq_ready(&ring_) == 0) {
    rearm_starved();
    // One enter: submits re-arms and cancels, runs the deferred receive
    // work, and posts its completions.
    io_uring_submit_and_get_events(&ring_);
  }
  return harvest(pkts, max);
}

std::size_t UringIo::tx_burst(Packet* pkts, std::size_t n) noexcept {
  const std::size_t sent = raw_fd_ >= 0 ? send_raw_burst(raw_fd_, cfg_.bind_ip, pkts, n, send_errors_)
                                        : send_per_port_burst(port_fd_, pkts, n, send_errors_);
  release(pkts, n);
  return sent;
}

void UringIo::idle(std::int64_t max_ns) noexcept {
  if (!ready()) return;
  if (max_ns <= 0 || io_uring_cq_ready(&ring_) > 0) return;
  rearm_starved();
  __kernel_timespec ts{};
  ts.tv_sec = max_ns / 1'000'000'000;
  ts.tv_nsec = max_ns % 1'000'000'000;
  io_uring_cqe* cqe = nullptr;
  io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

}  // namespace sb::dataplane
