"""The ``[field] precision`` settings of the plane-wave backend, and their accuracy.

``"double"`` (default)
    Every phase k . x - omega t + phase is formed in float64 and its cosine taken by
    ``kernels/trig.py`` (within 1.2e-16 of libm for |phase| <= 1e6); static slab modes
    (k along z, omega = 0; 64 or more of them) are summed as one Chebyshev series per
    particle (``fields/window.py``), exact to the same level.  The field differs from the
    libm sum of the modes by less than the rounding of the phases themselves,
    4 eps sum_j |a_j| (1 + |k_j . x|) (tests/kernels/test_window.py measures ~2% of it).
    Every physics test runs at this setting.

``"rotation"``
    Each mode's (cos, sin) is kept per particle and advanced every step by exp(i d),
    d = k . dx - omega dt, from its Taylor polynomial of degree 5 to 13 (the lowest with
    remainder below 1e-12 for the chunk's largest |d|), and recomputed exactly every
    ``ROTATION_PERIOD`` = 64 steps; modes with |k| v dt above 0.84 are computed exactly
    each step, and static slab modes still use the Chebyshev window.  The error of each
    cosine is at most ~64 x 1e-12 between recomputations and does not grow beyond; the
    measured field error after 1e5 steps is below 1e-10 of dB_rms
    (tests/kernels/test_rotation.py).  It costs 2 x (modes) x 16 bytes of state per chunk
    of 32 particles (256 kB per thread for 1024 modes) and is faster for 3D fields
    (benchmarks/push_rate.py --precision rotation).

Not offered: float32 cosines and sums (a prototype gained 1.2x on this machine, not
worth 1e-7 errors).
"""
PRECISIONS = ("double", "rotation")
