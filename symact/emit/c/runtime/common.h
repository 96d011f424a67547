/* What every runtime file uses: the storage class of runtime functions and the length
 * of a constant table.
 *
 * Runtime functions are static (internal to the generated source) and inline; a
 * generated source does not call all of them (symact new's, say), and clang warns
 * about an unused static function defined in the main file, so they are marked unused
 * where the compiler knows the attribute. */
#ifndef SYMACT_RUNTIME_COMMON_H
#define SYMACT_RUNTIME_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#define SYMACT__INLINE static inline __attribute__((unused))
#else
#define SYMACT__INLINE static inline
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

#endif /* SYMACT_RUNTIME_COMMON_H */
