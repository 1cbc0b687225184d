/* Hand-vectorised AVX2 + FMA reference for the push kernel's speed (double precision).
 *
 * The field of N plane waves, B = B0 z + sum_j [a_j cos(k_j.x + phi_j) + b_j sin(k_j.x + phi_j)],
 * and the Boris push, written with AVX2 intrinsics: four modes per 256-bit vector, two
 * particles per pass (two independent dependency chains), sin and cos of every phase from
 * one branch-free reduction (round(2 t / pi) by the 1.5 * 2^52 "magic number", pi/2 in
 * three parts after Cody & Waite, the fdlibm kernel polynomials, the quadrant applied by
 * a blend and two sign flips in integer lanes).  No diagnostics.  This is what careful
 * SIMD C gets out of an AVX2 core; benchmarks/push_rate.py gives every numba row as a
 * ratio to it.  Build: cc -O3 -march=haswell (AVX2 + FMA; the same binary runs on any
 * later x86-64).
 *
 * usage: reference_avx2 N_MODES N_PARTICLES N_STEPS [REPEAT]   (N_MODES a multiple of 4)
 * prints one JSON line: particle-steps per second (median CPU time of REPEAT runs), ns per
 * mode and particle-step, and a check: the largest | |v| - 1 | after the run.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* splitmix64: a reproducible uniform [0, 1) without libc's rand */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (z >> 11) * 0x1.0p-53;
}

/* sin and cos of four phases */
static inline __attribute__((always_inline)) void sincos4(__m256d t, __m256d *sin_out, __m256d *cos_out) {
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);          /* 1.5 * 2^52 */
    __m256d y = _mm256_fmadd_pd(t, _mm256_set1_pd(0.63661977236758134308), magic);
    __m256d j = _mm256_sub_pd(y, magic);                                /* round(2 t / pi) */
    __m256d r = _mm256_fnmadd_pd(j, _mm256_set1_pd(1.57079632673412561417e+00), t);
    r = _mm256_fnmadd_pd(j, _mm256_set1_pd(6.07710050630396597660e-11), r);
    r = _mm256_fnmadd_pd(j, _mm256_set1_pd(2.02226624879595063154e-21), r);
    __m256d s = _mm256_mul_pd(r, r);
    /* fdlibm __kernel_sin / __kernel_cos on |r| <= pi/4 */
    __m256d ps = _mm256_fmadd_pd(s, _mm256_set1_pd(1.58969099521155010221e-10), _mm256_set1_pd(-2.50507602534068634195e-08));
    ps = _mm256_fmadd_pd(ps, s, _mm256_set1_pd(2.75573137070700676789e-06));
    ps = _mm256_fmadd_pd(ps, s, _mm256_set1_pd(-1.98412698298579493134e-04));
    ps = _mm256_fmadd_pd(ps, s, _mm256_set1_pd(8.33333333332248946124e-03));
    ps = _mm256_fmadd_pd(ps, s, _mm256_set1_pd(-1.66666666666666324348e-01));
    __m256d pc = _mm256_fmadd_pd(s, _mm256_set1_pd(-1.13596475577881948265e-11), _mm256_set1_pd(2.08757232129817482790e-09));
    pc = _mm256_fmadd_pd(pc, s, _mm256_set1_pd(-2.75573143513906633035e-07));
    pc = _mm256_fmadd_pd(pc, s, _mm256_set1_pd(2.48015872894767294178e-05));
    pc = _mm256_fmadd_pd(pc, s, _mm256_set1_pd(-1.38888888888741095749e-03));
    pc = _mm256_fmadd_pd(pc, s, _mm256_set1_pd(4.16666666666666019037e-02));
    __m256d sn = _mm256_fmadd_pd(_mm256_mul_pd(r, s), ps, r);
    __m256d cs = _mm256_fmadd_pd(_mm256_mul_pd(s, s), pc, _mm256_fnmadd_pd(_mm256_set1_pd(0.5), s, _mm256_set1_pd(1.0)));
    /* quadrant q = j mod 4 sits in the low bits of y: odd q swaps sin and cos, sin is
       negative for q = 2, 3 and cos for q = 1, 2 */
    __m256i q = _mm256_castpd_si256(y);
    __m256d odd = _mm256_castsi256_pd(_mm256_slli_epi64(q, 63));       /* blend mask: the sign bit */
    __m256d sin_sign = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_srli_epi64(q, 1), 63));
    __m256d cos_sign = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_srli_epi64(_mm256_add_epi64(q, _mm256_set1_epi64x(1)), 1), 63));
    *sin_out = _mm256_xor_pd(_mm256_blendv_pd(sn, cs, odd), sin_sign);
    *cos_out = _mm256_xor_pd(_mm256_blendv_pd(cs, sn, odd), cos_sign);
}

static inline double lane_sum(__m256d v) {
    __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
    lo = _mm_add_pd(lo, hi);
    return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

/* one Boris step of velocity v and position x in the field (bx, by, bz), h = q dt / 2 */
static inline void boris(double bx, double by, double bz, double h, double dt, double *x, double *v) {
    double tx = h * bx, ty = h * by, tz = h * bz;
    double f = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz);
    double wx = v[0] + (v[1] * tz - v[2] * ty);
    double wy = v[1] + (v[2] * tx - v[0] * tz);
    double wz = v[2] + (v[0] * ty - v[1] * tx);
    v[0] += f * (wy * tz - wz * ty);
    v[1] += f * (wz * tx - wx * tz);
    v[2] += f * (wx * ty - wy * tx);
    for (int d = 0; d < 3; d++) x[d] += v[d] * dt;
}

/* mode table: rows kx ky kz phase ax ay az bx by bz, n modes each, 32-byte aligned */
enum { KX, KY, KZ, PH, AX, AY, AZ, BX, BY, BZ, ROWS };

static void push(int n, const double *tab, int np, double *x, double *v, int steps, double dt) {
    const double *row[ROWS];
    for (int r = 0; r < ROWS; r++) row[r] = tab + (size_t)r * n;
    const double h = 0.5 * dt, b0 = 1.0;
    for (int p = 0; p < np; p += 2) {
        int q = p + 1 < np ? p + 1 : p;                  /* an odd count repeats the last one */
        double xa[3], va[3], xb[3], vb[3];
        memcpy(xa, x + 3 * p, sizeof xa); memcpy(va, v + 3 * p, sizeof va);
        memcpy(xb, x + 3 * q, sizeof xb); memcpy(vb, v + 3 * q, sizeof vb);
        for (int step = 0; step < steps; step++) {
            __m256d pax = _mm256_set1_pd(xa[0]), pay = _mm256_set1_pd(xa[1]), paz = _mm256_set1_pd(xa[2]);
            __m256d pbx = _mm256_set1_pd(xb[0]), pby = _mm256_set1_pd(xb[1]), pbz = _mm256_set1_pd(xb[2]);
            __m256d sax = _mm256_setzero_pd(), say = _mm256_setzero_pd(), saz = _mm256_setzero_pd();
            __m256d sbx = _mm256_setzero_pd(), sby = _mm256_setzero_pd(), sbz = _mm256_setzero_pd();
            for (int j = 0; j < n; j += 4) {
                __m256d kx = _mm256_load_pd(row[KX] + j), ky = _mm256_load_pd(row[KY] + j);
                __m256d kz = _mm256_load_pd(row[KZ] + j), ph = _mm256_load_pd(row[PH] + j);
                __m256d sa, ca, sb, cb;
                __m256d ta = _mm256_fmadd_pd(kx, pax, _mm256_fmadd_pd(ky, pay, _mm256_fmadd_pd(kz, paz, ph)));
                __m256d tb = _mm256_fmadd_pd(kx, pbx, _mm256_fmadd_pd(ky, pby, _mm256_fmadd_pd(kz, pbz, ph)));
                sincos4(ta, &sa, &ca);
                sincos4(tb, &sb, &cb);
                __m256d a0 = _mm256_load_pd(row[AX] + j), a1 = _mm256_load_pd(row[AY] + j);
                __m256d a2 = _mm256_load_pd(row[AZ] + j), c0 = _mm256_load_pd(row[BX] + j);
                __m256d c1 = _mm256_load_pd(row[BY] + j), c2 = _mm256_load_pd(row[BZ] + j);
                sax = _mm256_fmadd_pd(a0, ca, _mm256_fmadd_pd(c0, sa, sax));
                say = _mm256_fmadd_pd(a1, ca, _mm256_fmadd_pd(c1, sa, say));
                saz = _mm256_fmadd_pd(a2, ca, _mm256_fmadd_pd(c2, sa, saz));
                sbx = _mm256_fmadd_pd(a0, cb, _mm256_fmadd_pd(c0, sb, sbx));
                sby = _mm256_fmadd_pd(a1, cb, _mm256_fmadd_pd(c1, sb, sby));
                sbz = _mm256_fmadd_pd(a2, cb, _mm256_fmadd_pd(c2, sb, sbz));
            }
            boris(lane_sum(sax), lane_sum(say), lane_sum(saz) + b0, h, dt, xa, va);
            boris(lane_sum(sbx), lane_sum(sby), lane_sum(sbz) + b0, h, dt, xb, vb);
        }
        memcpy(x + 3 * p, xa, sizeof xa); memcpy(v + 3 * p, va, sizeof va);
        if (q != p) { memcpy(x + 3 * q, xb, sizeof xb); memcpy(v + 3 * q, vb, sizeof vb); }
    }
}

static int by_value(const void *a, const void *b) {
    double u = *(const double *)a, w = *(const double *)b;
    return (u > w) - (u < w);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s N_MODES N_PARTICLES N_STEPS [REPEAT]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]), np = atoi(argv[2]), steps = atoi(argv[3]), repeat = argc > 4 ? atoi(argv[4]) : 3;
    if (n <= 0 || n % 4 || np <= 0 || steps <= 0 || repeat <= 0 || repeat > 99) {
        fprintf(stderr, "N_MODES must be a positive multiple of 4; counts positive (REPEAT <= 99)\n");
        return 2;
    }
    double *tab = aligned_alloc(32, sizeof(double) * ROWS * n);
    double pi = 3.14159265358979323846;
    for (int j = 0; j < n; j++) {                        /* isotropic directions, k^-5/3 power */
        double k = 2 * pi * pow(100.0, n > 1 ? (double)j / (n - 1) : 0.0);
        double cz = 2 * uniform() - 1, az = 2 * pi * uniform(), sz = sqrt(1 - cz * cz);
        double kh[3] = {sz * cos(az), sz * sin(az), cz};
        double e1[3] = {-sin(az), cos(az), 0.0};          /* perpendicular to k */
        double e2[3] = {kh[1] * e1[2] - kh[2] * e1[1], kh[2] * e1[0] - kh[0] * e1[2], kh[0] * e1[1] - kh[1] * e1[0]};
        double amp = 0.1 * pow(k / (2 * pi), -5.0 / 6.0) / sqrt((double)n);
        for (int d = 0; d < 3; d++) {
            tab[(KX + d) * n + j] = k * kh[d];
            tab[(AX + d) * n + j] = amp * e1[d];
            tab[(BX + d) * n + j] = amp * e2[d];
        }
        tab[PH * n + j] = 2 * pi * uniform();
    }
    double *x0 = malloc(sizeof(double) * 3 * np), *v0 = malloc(sizeof(double) * 3 * np);
    double *x = malloc(sizeof(double) * 3 * np), *v = malloc(sizeof(double) * 3 * np);
    for (int p = 0; p < np; p++) {
        double cz = 2 * uniform() - 1, az = 2 * pi * uniform(), sz = sqrt(1 - cz * cz);
        v0[3 * p] = sz * cos(az); v0[3 * p + 1] = sz * sin(az); v0[3 * p + 2] = cz;
        for (int d = 0; d < 3; d++) x0[3 * p + d] = 10 * uniform();
    }
    double times[99];
    for (int r = 0; r < repeat; r++) {
        memcpy(x, x0, sizeof(double) * 3 * np);
        memcpy(v, v0, sizeof(double) * 3 * np);
        double t0 = cpu_seconds();
        push(n, tab, np, x, v, steps, 0.01);
        times[r] = cpu_seconds() - t0;
    }
    qsort(times, repeat, sizeof(double), by_value);
    double med = times[repeat / 2], rate = (double)np * steps / med, dv = 0;
    for (int p = 0; p < np; p++) {
        double s = sqrt(v[3 * p] * v[3 * p] + v[3 * p + 1] * v[3 * p + 1] + v[3 * p + 2] * v[3 * p + 2]);
        if (fabs(s - 1) > dv) dv = fabs(s - 1);
    }
    printf("{\"kernel\": \"reference_avx2\", \"modes\": %d, \"particles\": %d, \"steps\": %d, \"repeat\": %d, "
           "\"cpu_seconds_median\": %.6g, \"psteps_per_s\": %.6g, \"ns_per_mode\": %.4f, \"speed_error\": %.2e}\n",
           n, np, steps, repeat, med, rate, 1e9 * med / ((double)np * steps * n), dv);
    return 0;
}
