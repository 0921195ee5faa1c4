// Lock-free queues between threads: thin wrappers over Boost.Lockfree that
// fix the policy the rest of the code relies on.
//
//  * SpscRing<T>  — one producer thread, one consumer thread (control ->
//    worker commands, worker -> control events, worker -> recorder frames,
//    worker -> worker hand-off). Wait-free, capacity fixed at construction,
//    no allocation afterwards.
//  * MpscQueue<T> — many producers, one consumer (requests into the ACD
//    engine from API, SIP and call-control threads). Lock-free, node pool
//    sized at construction; pushes use bounded_push so a full queue is a
//    returned `false`, never a hidden allocation.
//
// Memory order: Boost.Lockfree publishes an element with a release store of
// the write index (or node link) and the consumer reads it with an acquire
// load, so everything the producer wrote into the element before push() is
// visible to the consumer after pop(). Callers add no fences of their own.
//
// Both require trivially copyable elements: messages are plain structs with
// fixed-size fields, which is also what keeps the packet path allocation-free.
#pragma once

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

namespace sb {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "ring elements are copied by value");

 public:
  explicit SpscRing(std::size_t capacity) : q_(capacity), capacity_(capacity) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }

  // Producer side. False when full: the caller counts the drop.
  [[nodiscard]] bool try_push(const T& v) noexcept { return q_.push(v); }
  // Pushes as many as fit; returns how many.
  std::size_t push_burst(std::span<const T> vs) noexcept { return q_.push(vs.data(), vs.size()); }
  std::size_t write_available() const noexcept { return q_.write_available(); }

  // Consumer side.
  [[nodiscard]] bool try_pop(T& out) noexcept { return q_.pop(out); }
  std::size_t pop_burst(std::span<T> out) noexcept { return q_.pop(out.data(), out.size()); }
  std::size_t read_available() const noexcept { return q_.read_available(); }
  bool empty() const noexcept { return q_.read_available() == 0; }

 private:
  boost::lockfree::spsc_queue<T> q_;
  std::size_t capacity_;
};

template <typename T>
class MpscQueue {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "Boost.Lockfree queue needs trivial elements");

 public:
  // Boost's fixed-size node pool addresses nodes with 16-bit indices (one
  // is kept as a dummy), and throws beyond this; larger requests are clamped
  // so a configuration value can never turn into an exception.
  static constexpr std::size_t kMaxCapacity = 65'534;

  explicit MpscQueue(std::size_t capacity)
      : q_(std::min(capacity, kMaxCapacity)), capacity_(std::min(capacity, kMaxCapacity)) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }

  // Any thread. False when the node pool is exhausted (queue full).
  [[nodiscard]] bool try_push(const T& v) noexcept { return q_.bounded_push(v); }

  // The single consumer. Boost's queue is MPMC; using it with one consumer
  // is what makes the engine a single writer.
  [[nodiscard]] bool try_pop(T& out) noexcept { return q_.pop(out); }
  std::size_t pop_burst(std::span<T> out) noexcept {
    std::size_t n = 0;
    while (n < out.size() && q_.pop(out[n])) ++n;
    return n;
  }
  bool empty() const noexcept { return q_.empty(); }

 private:
  boost::lockfree::queue<T, boost::lockfree::fixed_sized<true>> q_;
  std::size_t capacity_;
};

}  // namespace sb
