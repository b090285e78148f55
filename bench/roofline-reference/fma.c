/* Peak fp32 FMA reference for `wpt measure roofline` (WorkingPoint's own code).
 * Every core runs 12 independent chains of fused multiply-adds on the widest vectors the compiler targets with
 * -march=native (GCC vector extensions: 64-byte vectors where AVX-512 exists, else the compiler splits them), best of 5.
 * An FMA counts as two floating-point operations. Prints one JSON object. */
#include <omp.h>
#include <stdio.h>

typedef float v16 __attribute__((vector_size(64)));
#define CHAINS 12

static float run(long iterations) {
    v16 acc[CHAINS], m, k;
    for (int j = 0; j < 16; j++) { m[j] = 0.999f; k[j] = 0.001f; }
    for (int c = 0; c < CHAINS; c++) acc[c] = m;
    for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * m + k; /* contracted to FMA (-ffp-contract=fast, GCC's default) */
    }
    float sum = 0;
    for (int c = 0; c < CHAINS; c++) for (int j = 0; j < 16; j++) sum += acc[c][j];
    return sum;
}

int main(void) {
    long iterations = 1L << 20;
    double best = 1e30, sink = 0;
    int threads = omp_get_max_threads();
    for (;;) { /* grow until one run lasts 0.2 s */
        double t = omp_get_wtime();
#pragma omp parallel reduction(+ : sink)
        sink += run(iterations);
        t = omp_get_wtime() - t;
        if (t > 0.2) break;
        iterations *= 2;
    }
    for (int rep = 0; rep < 5; rep++) {
        double t = omp_get_wtime();
#pragma omp parallel reduction(+ : sink)
        sink += run(iterations);
        t = omp_get_wtime() - t;
        if (t < best) best = t;
    }
    double flops = 2.0 * 16 * CHAINS * (double)iterations * threads;
    printf("{\"threads\": %d, \"fp32Gflops\": %.2f, \"check\": %.1f}\n", threads, flops / best / 1e9, sink);
    return 0;
}
