/* STREAM-style bandwidth reference for `wpt measure roofline` (WorkingPoint's own code).
 * Copy, scale, add and triad over three double arrays far larger than the last-level cache, all cores (OpenMP), best of 10
 * repetitions (or as many as asked).
 * Bytes are counted the STREAM way: copy and scale 2 arrays, add and triad 3 arrays, 8 bytes per element; no write-allocate.
 * Usage: stream [bytes-per-array [repetitions]]   (default: 4x the last-level cache / 3, at least 64 MiB per array; 10)
 * Prints one JSON object. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double now(void) { return omp_get_wtime(); }

static long llc_bytes(void) {
    long best = 0;
    for (int i = 0; i < 8; i++) {
        char path[128], text[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        if (!f) break;
        if (fgets(text, sizeof text, f)) {
            long v = strtol(text, NULL, 10);
            char unit = text[strspn(text, "0123456789")];
            if (unit == 'K') v *= 1024; else if (unit == 'M') v *= 1024 * 1024;
            if (v > best) best = v;
        }
        fclose(f);
    }
    return best > 0 ? best : 32L * 1024 * 1024;
}

int main(int argc, char **argv) {
    long bytes = argc > 1 ? atol(argv[1]) : llc_bytes() * 4 / 3;
    if (bytes < 64L * 1024 * 1024) bytes = 64L * 1024 * 1024;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    if (reps < 1) reps = 1;
    long n = bytes / (long)sizeof(double);
    double *a = aligned_alloc(64, n * sizeof(double)), *b = aligned_alloc(64, n * sizeof(double)), *c = aligned_alloc(64, n * sizeof(double));
    if (!a || !b || !c) { fprintf(stderr, "stream: cannot allocate 3 x %ld bytes\n", bytes); return 1; }
    const double s = 3.0;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.0; }

    double best[4] = {1e30, 1e30, 1e30, 1e30};
    for (int rep = 0; rep < reps; rep++) {
        double t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) c[i] = a[i];
        t = now() - t; if (t < best[0]) best[0] = t;
        t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) b[i] = s * c[i];
        t = now() - t; if (t < best[1]) best[1] = t;
        t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) c[i] = a[i] + b[i];
        t = now() - t; if (t < best[2]) best[2] = t;
        t = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        t = now() - t; if (t < best[3]) best[3] = t;
    }
    double check = 0;
    for (long i = 0; i < n; i += 4096) check += a[i] + b[i] + c[i];
    double unit = (double)n * sizeof(double) / 1e9;
    printf("{\"threads\": %d, \"bytesPerArray\": %ld, \"repetitions\": %d, \"copyGBps\": %.2f, \"scaleGBps\": %.2f, \"addGBps\": %.2f, \"triadGBps\": %.2f, \"check\": %.1f}\n",
           omp_get_max_threads(), bytes, reps, 2 * unit / best[0], 2 * unit / best[1], 3 * unit / best[2], 3 * unit / best[3], check);
    free(a); free(b); free(c);
    return 0;
}
