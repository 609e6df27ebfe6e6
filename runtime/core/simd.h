/* simd.h - the one place that says whether wider x86 vector code may be built and chosen at run
 * time (issue 25: the GLM kernels run where the CPU has AVX2, on a build that targets plain
 * x86-64).
 *
 * GB_SIMD_X86 is 1 with GCC or Clang on x86; then GB_TARGET_AVX2 marks a function compiled for
 * AVX2 (without FMA: with -ffp-contract=off nothing is fused anyway, and a vector lane rounds
 * each add and multiply as scalar code does, so such a kernel gives the same bits), and
 * gb_simd_has_avx2() says whether this CPU and OS run it.  Elsewhere GB_SIMD_X86 is 0 and only
 * the portable code is built. */
#ifndef GB_RUNTIME_CORE_SIMD_H
#define GB_RUNTIME_CORE_SIMD_H

#include <string.h>

/* Two doubles (GCC's and Clang's vector extension: SSE2 on x86-64, NEON or scalar pairs
 * elsewhere), each lane an IEEE double with scalar code's roundings; loads and stores
 * unaligned (movupd). */
typedef double gb_v2d __attribute__((vector_size(16)));

static inline gb_v2d gb_v2d_load(const double *p)
{
    gb_v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void gb_v2d_store(double *p, gb_v2d v)
{
    memcpy(p, &v, sizeof v);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define GB_SIMD_X86 1
#define GB_TARGET_AVX2 __attribute__((target("avx2")))

/* __builtin_cpu_supports reads the CPU model that libgcc (or compiler-rt) fills in before main,
 * including the OS's consent to save the AVX registers; a load and a test, cheap enough to ask
 * per call rather than cache in a global that threads would race on. */
static inline int gb_simd_has_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#else
#define GB_SIMD_X86 0
#endif

#endif
