// An allocator for node-based containers (std::set, std::map,
// std::unordered_map nodes, pb_ds trees) that hands out single objects from
// per-thread slabs with no per-object header, and recycles them through a
// free list. A general-purpose malloc adds 8 bytes of header and rounds to
// 16 to every node; for the ACD's indexes (tens of thousands of 56-byte tree
// nodes per engine) that is a seventh of the memory.
//
// Rules that make it safe without locks:
//  * The free lists are thread_local, one per object size: an engine's
//    containers are used by its one thread. A node freed by another thread
//    (an engine destroyed elsewhere) simply joins that thread's list.
//  * Slabs are never returned to the system; freed nodes are reused for the
//    next peak. Memory therefore stays at the high-water mark of each thread.
//  * Arrays (n != 1, e.g. hash-table buckets) go to operator new.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace sb {

namespace detail {

template <std::size_t Size, std::size_t Align>
class NodeFreeList {
 public:
  static void* take() {
    State& s = state();
    if (!s.head) refill(s);
    Free* f = s.head;
    s.head = f->next;
    return f;
  }
  static void give(void* p) noexcept {
    State& s = state();
    auto* f = static_cast<Free*>(p);
    f->next = s.head;
    s.head = f;
  }

 private:
  struct Free {
    Free* next;
  };
  static constexpr std::size_t kSlot = ((Size < sizeof(Free) ? sizeof(Free) : Size) + Align - 1) / Align * Align;
  static constexpr std::size_t kPerSlab = 65536 / kSlot ? 65536 / kSlot : 1;
  struct State {
    Free* head = nullptr;
    // Slabs live as long as the thread (the storage is the point: nodes from
    // them may still be in containers that outlive any one owner).
    std::vector<void*> slabs;
  };
  static State& state() noexcept {
    static thread_local State s;
    return s;
  }
  static void refill(State& s) {
    void* slab = ::operator new(kSlot * kPerSlab, std::align_val_t{Align < alignof(Free) ? alignof(Free) : Align});
    s.slabs.push_back(slab);
    auto* bytes = static_cast<std::byte*>(slab);
    for (std::size_t i = kPerSlab; i-- > 0;) give(bytes + i * kSlot);
  }
};

}  // namespace detail

template <typename T>
struct NodePoolAllocator {
  using value_type = T;
  // The pre-C++11 members are for pb_ds, which still reads them.
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using pointer = T*;
  using const_pointer = const T*;
  using reference = T&;
  using const_reference = const T&;
  template <typename U>
  struct rebind {
    using other = NodePoolAllocator<U>;
  };
  NodePoolAllocator() noexcept = default;
  template <typename U>
  NodePoolAllocator(const NodePoolAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n == 1) return static_cast<T*>(detail::NodeFreeList<sizeof(T), alignof(T)>::take());
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n == 1) return detail::NodeFreeList<sizeof(T), alignof(T)>::give(p);
    ::operator delete(p);
  }
  template <typename U>
  bool operator==(const NodePoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace sb
