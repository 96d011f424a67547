/* What every runtime file uses: the storage class of runtime functions, the length of
 * a constant table, the loop annotation.
 *
 * Runtime functions are static (internal to the generated source) and inline: always
 * inlined where the compiler takes the attribute, since a kernel loop vectorises only
 * when every call in it is inlined (gcc's heuristics leave the larger ones, such as
 * GELU's polynomials, out of line).  A generated source does not call all of them
 * (symact new's, say), and clang warns about an unused static function defined in the
 * main file, so they are marked unused too.  Rarely taken paths (a vector kernel's
 * exact path for special rows) are SYMACT__COLD: out of line. */
#ifndef SYMACT_RUNTIME_COMMON_H
#define SYMACT_RUNTIME_COMMON_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define SYMACT__INLINE static inline __attribute__((always_inline, unused))
#define SYMACT__COLD static __attribute__((noinline, cold, unused))
#else
#define SYMACT__INLINE static inline
#define SYMACT__COLD static
#endif

#define SYMACT__LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Before an elementwise loop: its iterations are independent (y[i] depends on x[i]
 * alone, also in place), so the compiler need not version the loop for aliasing.
 * OpenMP's simd where it is on; gcc's ivdep; nothing for clang, whose spelling
 * (vectorize(assume_safety)) turns a loop it cannot vectorise into a warning. */
#if defined(_OPENMP)
#define SYMACT__LOOP _Pragma("omp simd")
#elif defined(__GNUC__) && !defined(__clang__)
#define SYMACT__LOOP _Pragma("GCC ivdep")
#else
#define SYMACT__LOOP
#endif

/* Entries per block of a kernel loop: its special entries' and window entries'
 * positions and values (a few arrays of this size) stay in the L1 cache. */
#define SYMACT__BLOCK 512
/* Entries per span where a windowed kernel looks for the entries its windows take: a
 * span without one costs a vectorised test (float windows take one entry in a few
 * hundred, so most spans have none). */
#define SYMACT__SPAN 64

/* Before a loop over a constant table (Horner's rule): unrolled completely, so that the
 * elementwise loop around it has no inner control flow and vectorises.  gcc unrolls
 * such loops by itself only up to 16 iterations; clang unrolls them fully by itself, and
 * its pragma would defer the unrolling until after vectorisation. */
#if defined(__GNUC__) && !defined(__clang__)
#define SYMACT__UNROLL _Pragma("GCC unroll 64")
#else
#define SYMACT__UNROLL
#endif

/* Before the inner loop over the lanes of a blocked reduction (lane l accumulates the
 * entries j = l mod lanes): kept as a loop, which the compiler vectorises as an
 * elementwise loop over the lanes' accumulators.  Unrolled, it would become as many
 * scalar reductions, which gcc does not vectorise without reassociating. */
#if defined(__clang__)
#define SYMACT__LANES _Pragma("clang loop unroll(disable)")
#elif defined(__GNUC__)
#define SYMACT__LANES _Pragma("GCC unroll 1")
#else
#define SYMACT__LANES
#endif

/* The bit pattern of a double, and back (memcpy: the defined way to type-pun). */
SYMACT__INLINE uint64_t symact__bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

SYMACT__INLINE double symact__from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* c ? a : b through bit masks, b ^ ((a ^ b) & m) (two operations when a and b are
 * constants).  The selects of the runtime's elementwise code and of the printed kernels
 * are these, not ?: -- a conditional is a branch until if-conversion, and before that
 * the compiler threads branches whose conditions are related (kd > 1000 here, kd < -1000
 * there) or specialises the code after one for a constant, leaving control flow the
 * loop vectoriser cannot if-convert; masks are plain arithmetic.  Both sides are
 * evaluated: the code keeps the unused one finite where it matters.  The mask is the
 * negated flag as a signed integer of the lane's width: gcc vectorises that as one sign
 * extension of the comparison, where 0 - (unsigned)flag costs a zero extension and a
 * subtraction (10-25% of a float sigmoid or tanh). */
SYMACT__INLINE uint64_t symact__sel_u64(int c, uint64_t a, uint64_t b)
{
    return b ^ ((a ^ b) & (uint64_t)(-(int64_t)(c != 0)));
}

SYMACT__INLINE double symact__sel(int c, double a, double b)
{
    return symact__from_bits(symact__sel_u64(c, symact__bits(a), symact__bits(b)));
}

SYMACT__INLINE float symact__sel_f32(int c, float a, float b)
{
    uint32_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = ub ^ ((ua ^ ub) & (uint32_t)(-(int32_t)(c != 0)));
    memcpy(&a, &ua, sizeof a);
    return a;
}

#endif /* SYMACT_RUNTIME_COMMON_H */
