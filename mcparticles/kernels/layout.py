"""Row layout of the plane-wave table that every field kernel reads.

The table has shape (N_ROWS, n_columns): one column per linearly polarised component
(``fields/modes.py`` builds it), one row per quantity -- wave vector (1/L), angular
frequency (c/L), phase (rad), magnetic amplitude vector (B_ref) and electric amplitude
vector (B_ref, c = 1; zero for static modes).  This module is the one place that fixes
the order; ``fields/modes.py`` imports it.
"""
KX, KY, KZ, OMEGA, PHASE, AX, AY, AZ, EX, EY, EZ = range(11)
N_ROWS = 11

#: GPU kernel (kernels/cuda_push.py): threads (particles) per block, and table columns
#: per shared-memory tile; here so that the host side can plan a launch without numba.cuda
GPU_THREADS = 128
GPU_TILE = 128
