/* Plain C reference of the push the numba kernel does (benchmarks/push_rate.py).
 *
 * Plane-wave field B = B0 z + sum_j a_j cos(k_j . x + phase_j) and the relativistic
 * Boris rotation, particles in groups of LANES stepped together (mode loop outside,
 * particle loop inside, like mcparticles/kernels/planewave.py), no diagnostics.
 * cos is libm's (argv[4] = 0) or the same fdlibm-based polynomial as
 * mcparticles/kernels/trig.py (argv[4] = 1: magic-number reduction, quadrant in integer
 * bits).  Compiled by the benchmark with cc -O3 -march=native, or -march=haswell for the
 * AVX2 target (no -ffast-math, which would re-associate the reduction).
 *
 * usage: reference N_MODES N_PARTICLES N_STEPS COS(0|1) SLAB(0|1)
 * prints: particle-steps per second, and a checksum
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LANES 32

static inline double cos_poly(double t) {
    const double TWO_OVER_PI = 0.63661977236758134308, MAGIC = 6755399441055744.0;   /* 1.5 * 2^52 */
    const double P1 = 1.57079632673412561417e+00, P2 = 6.07710050630396597660e-11,
                 P3 = 2.02226624879595063154e-21;
    double y = t * TWO_OVER_PI + MAGIC;             /* round(2 t / pi) in the low bits of y */
    double j = y - MAGIC;
    double r = ((t - j * P1) - j * P2) - j * P3;
    double s = r * r, hz = 0.5 * s, w = 1.0 - hz;
    double c = w + (((1.0 - w) - hz) + s * s * (4.16666666666666019037e-02 + s * (-1.38888888888741095749e-03
               + s * (2.48015872894767294178e-05 + s * (-2.75573143513906633035e-07 + s * (2.08757232129817482790e-09
               + s * -1.13596475577881948265e-11))))));
    double sn = r + r * s * (-1.66666666666666324348e-01 + s * (8.33333333332248946124e-03 + s * (-1.98412698298579493134e-04
                + s * (2.75573137070700676789e-06 + s * (-2.50507602534068634195e-08 + s * 1.58969099521155010221e-10)))));
    uint64_t q, vb;
    memcpy(&q, &y, 8);                              /* j mod 4: bits 0 and 1 */
    double v = (q & 1) ? sn : c;
    memcpy(&vb, &v, 8);
    vb ^= ((q + 1) & 2) << 62;                      /* negative in quadrants 1 and 2 */
    memcpy(&v, &vb, 8);
    return v;
}

/* B at m particle positions: mode loop outside, particle loop inside (vectorised) */
static void field(int n, int m, const double *restrict kx, const double *restrict ky,
                  const double *restrict kz, const double *restrict ph, const double *restrict ax,
                  const double *restrict ay, const double *restrict az, const double *restrict x,
                  const double *restrict y, const double *restrict z, double *restrict bx,
                  double *restrict by, double *restrict bz, int poly) {
    for (int l = 0; l < m; l++) { bx[l] = 0; by[l] = 0; bz[l] = 1; }
    for (int j = 0; j < n; j++) {
        double kxj = kx[j], kyj = ky[j], kzj = kz[j], phj = ph[j], axj = ax[j], ayj = ay[j], azj = az[j];
        if (poly) {
            for (int l = 0; l < m; l++) {
                double c = cos_poly(kxj * x[l] + kyj * y[l] + kzj * z[l] + phj);
                bx[l] += axj * c; by[l] += ayj * c; bz[l] += azj * c;
            }
        } else {
            for (int l = 0; l < m; l++) {
                double c = cos(kxj * x[l] + kyj * y[l] + kzj * z[l] + phj);
                bx[l] += axj * c; by[l] += ayj * c; bz[l] += azj * c;
            }
        }
    }
}

static double uniform(unsigned long long *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: reference N_MODES N_PARTICLES N_STEPS COS SLAB\n"); return 2; }
    int n = atoi(argv[1]), np_ = atoi(argv[2]), steps = atoi(argv[3]), poly = atoi(argv[4]), slab = atoi(argv[5]);
    double *kx = malloc(n * sizeof(double)), *ky = malloc(n * sizeof(double)), *kz = malloc(n * sizeof(double));
    double *ph = malloc(n * sizeof(double)), *ax = malloc(n * sizeof(double)), *ay = malloc(n * sizeof(double));
    double *az = malloc(n * sizeof(double));
    unsigned long long st = 12345;
    for (int j = 0; j < n; j++) {
        double k = pow(300.0, (double)j / n), u = 2 * uniform(&st) - 1, phi = 6.283185307179586 * uniform(&st);
        double s = sqrt(1 - u * u);
        kx[j] = slab ? 0 : k * s * cos(phi); ky[j] = slab ? 0 : k * s * sin(phi); kz[j] = slab ? k : k * u;
        ph[j] = 6.283185307179586 * uniform(&st);
        double a = 0.1 * pow(k, -5.0 / 6.0);
        ax[j] = slab ? a : a * u; ay[j] = slab ? 0.3 * a : -a; az[j] = slab ? 0 : a * s;
    }
    double dt = 1.0 / 300.0, hq = 0.5 * 10.0 * dt, check = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int p0 = 0; p0 < np_; p0 += LANES) {
        int m = np_ - p0 < LANES ? np_ - p0 : LANES;
        double x[LANES], y[LANES], z[LANES], vx[LANES], vy[LANES], vz[LANES], bx[LANES], by[LANES], bz[LANES];
        for (int l = 0; l < m; l++) {
            x[l] = uniform(&st); y[l] = uniform(&st); z[l] = uniform(&st);
            vx[l] = 0.6; vy[l] = 0.0; vz[l] = 0.8;
        }
        for (int step = 0; step < steps; step++) {
            field(n, m, kx, ky, kz, ph, ax, ay, az, x, y, z, bx, by, bz, poly);
            for (int l = 0; l < m; l++) {
                double tx = hq * bx[l], ty = hq * by[l], tz = hq * bz[l];
                double f = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz);
                double px = vx[l] + (vy[l] * tz - vz[l] * ty), py = vy[l] + (vz[l] * tx - vx[l] * tz),
                       pz = vz[l] + (vx[l] * ty - vy[l] * tx);
                vx[l] += f * (py * tz - pz * ty); vy[l] += f * (pz * tx - px * tz); vz[l] += f * (px * ty - py * tx);
                x[l] += vx[l] * dt; y[l] += vy[l] * dt; z[l] += vz[l] * dt;
            }
        }
        for (int l = 0; l < m; l++) check += z[l];
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("%.6e %.17g\n", (double)np_ * steps / wall, check);
    return 0;
}
