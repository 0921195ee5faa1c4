// Publishes an immutable value from one writer thread to any number of
// reader threads without locks: the writer swaps in a new heap object; a
// reader protects the object it reads with a hazard pointer, so the writer
// frees an old object only once no reader can still be looking at it.
//
// Used for what the control plane shows to the outside world (the ACD's live
// statistics for the API and /metrics): readers never block the writer and
// never see a half-written value, and the writer never waits for readers.
//
// Progress: publish() is wait-free apart from freeing; read() is lock-free
// (a reader retries only when a publication raced its protect step, which
// means the writer made progress). With more than kReaderSlots readers at
// the same instant, the extra ones spin until a slot frees.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "common/compiler.hpp"

namespace sb {

template <typename T>
class Published {
 public:
  static constexpr std::size_t kReaderSlots = 64;

  explicit Published(std::unique_ptr<const T> initial) : current_(initial.release()) {}
  ~Published() {
    delete current_.load(std::memory_order_relaxed);
    for (const T* r : retired_) delete r;
  }
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

 private:
  struct alignas(kCacheLine) Slot {
    std::atomic<bool> claimed{false};
    std::atomic<const T*> hazard{nullptr};
  };

 public:
  // A reader's view: the object stays alive while the guard lives.
  class Guard {
   public:
    Guard(Guard&& o) noexcept : slot_(o.slot_), value_(o.value_) { o.slot_ = nullptr; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (!slot_) return;
      // Release: the reader's loads of *value_ happen before the writer can
      // see the slot empty and free the object.
      slot_->hazard.store(nullptr, std::memory_order_release);
      slot_->claimed.store(false, std::memory_order_release);
    }
    const T& operator*() const noexcept { return *value_; }
    const T* operator->() const noexcept { return value_; }

   private:
    friend class Published;
    Guard(Slot* s, const T* v) : slot_(s), value_(v) {}
    Slot* slot_;
    const T* value_;
  };

  // Any thread.
  Guard read() const {
    Slot* slot = claim();
    const T* p = current_.load(std::memory_order_acquire);
    for (;;) {
      // seq_cst store then seq_cst load: the writer's exchange and its scan
      // of the hazards are seq_cst too, so either the writer's scan sees
      // this hazard, or this re-load sees the new pointer and retries. A
      // weaker order would let both miss each other (store-load reordering)
      // and the writer could free what this reader is about to read.
      slot->hazard.store(p, std::memory_order_seq_cst);
      const T* again = current_.load(std::memory_order_seq_cst);
      if (again == p) break;
      p = again;
    }
    return Guard(slot, p);
  }

  // The single writer thread.
  void publish(std::unique_ptr<const T> next) {
    const T* old = current_.exchange(next.release(), std::memory_order_seq_cst);
    retired_.push_back(old);
    reclaim();
  }

  // Objects retired but still protected by a reader (for tests).
  std::size_t retired() const noexcept { return retired_.size(); }

 private:

  Slot* claim() const {
    for (;;) {
      for (Slot& s : slots_) {
        // Acquire pairs with the previous holder's release in ~Guard.
        if (!s.claimed.load(std::memory_order_relaxed) && !s.claimed.exchange(true, std::memory_order_acquire))
          return &s;
      }
    }
  }

  void reclaim() {
    std::size_t kept = 0;
    for (const T* r : retired_) {
      bool protected_by_reader = false;
      for (const Slot& s : slots_) protected_by_reader |= s.hazard.load(std::memory_order_seq_cst) == r;
      if (protected_by_reader) retired_[kept++] = r;
      else delete r;
    }
    retired_.resize(kept);
  }

  std::atomic<const T*> current_;
  mutable std::array<Slot, kReaderSlots> slots_;
  std::vector<const T*> retired_;  // writer only
};

}  // namespace sb
