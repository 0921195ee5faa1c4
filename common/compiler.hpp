// Compiler helpers shared by every module: branch hints, cache-line
// alignment and prefetch.
//
// The packet path is written for a run-to-completion loop where one
// mispredicted branch or one false-shared line per packet is measurable, so
// these are used there deliberately; the control plane rarely needs them.
#pragma once

#include <cstddef>

#define SB_LIKELY(x) __builtin_expect(!!(x), 1)
#define SB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SB_ALWAYS_INLINE inline __attribute__((always_inline))
#define SB_NOINLINE __attribute__((noinline))
#define SB_COLD __attribute__((cold))

namespace sb {

// 64 bytes on every x86-64 part we target. std::hardware_destructive_
// interference_size exists in GCC 12 but warns that its value may change
// between compiler versions, which would change struct layouts silently.
inline constexpr std::size_t kCacheLine = 64;

#define SB_CACHE_ALIGNED alignas(::sb::kCacheLine)

// Prefetch for reading into all cache levels; used four packets ahead in
// burst loops (VPP style).
SB_ALWAYS_INLINE void prefetch_read(const void* p) { __builtin_prefetch(p, 0, 3); }
SB_ALWAYS_INLINE void prefetch_write(void* p) { __builtin_prefetch(p, 1, 3); }

}  // namespace sb
