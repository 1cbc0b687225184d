"""Momentum-transport moments of moving-wave runs (kernels/push.py calls this at every
mu sample of a particle; docs/physics.md §6.4).

The particle's momentum p (units of p0) and local pitch-angle cosine mu oscillate
reversibly at about the gyrofrequency as it gyrates through the waves' electric field
(for one wave family exactly: p (1 - eps mu_z) is conserved, and mu_z gyrates about the
local field).  That oscillation adds a saturating part to <dp^2>(tau) which, at lags of
a gyro-period, exceeds the diffusive one by factors of 2-5 (measured on balanced slab
waves, eps = 0.05).  So the D_pp and D_mup estimators use gyro-averaged samples: the
means of p and mu over the last ``n_avg`` samples, one gyro-period (the analogue of
averaging mu_z over a gyration, docs/physics.md §5.3), and pair them as the D_mumu
estimators pair mu (lag sums and centred-difference correlations), binned by the
averaged mu at the start.  The same sums for the averaged mu alone give a D_mumu with
the same estimator, lag and bins, the consistent denominator of D_pp/D_mumu.
"""
from numba import njit


@njit(cache=True, inline="always")
def _bin(mu, n_bins):
    b = int((mu + 1.0) * 0.5 * n_bins)
    return min(max(b, 0), n_bins - 1)


@njit(cache=True, inline="always")
def momentum_sample(c, l, j, p_l, n_avg, n_lag, n_bins, inv_2h, mu_ring, p_ring, mb_ring, pb_ring, mbd_ring,
                    pbd_ring, lag_acc, cor_acc):
    """Sample j of lane l (its mu already in mu_ring[l, j % ring]) with momentum p_l:
    adds to lag_acc[c, :, :, 3:8] (count, dp, dp^2, dmu dp, dmu^2 of the averaged
    samples) and cor_acc[c, :, :, 2:7] (count, pdot pdot, mudot(0) pdot(s),
    pdot(0) mudot(s), mudot mudot)."""
    ring = mu_ring.shape[1]
    p_ring[l, j % ring] = p_l
    if j < n_avg - 1:
        return
    s_mu = 0.0
    s_p = 0.0
    for i in range(j - n_avg + 1, j + 1):
        s_mu += mu_ring[l, i % ring]
        s_p += p_ring[l, i % ring]
    mb = s_mu / n_avg
    pb = s_p / n_avg
    jj = j - (n_avg - 1)                       # index of the averaged sample
    mb_ring[l, jj % ring] = mb
    pb_ring[l, jj % ring] = pb
    for k in range(1, min(n_lag, jj) + 1):
        m0 = mb_ring[l, (jj - k) % ring]
        b = _bin(m0, n_bins)
        dm = mb - m0
        dp = pb - pb_ring[l, (jj - k) % ring]
        lag_acc[c, k - 1, b, 3] += 1.0
        lag_acc[c, k - 1, b, 4] += dp
        lag_acc[c, k - 1, b, 5] += dp * dp
        lag_acc[c, k - 1, b, 6] += dm * dp
        lag_acc[c, k - 1, b, 7] += dm * dm
    if jj >= 2:
        i1 = jj - 1
        mbd = (mb - mb_ring[l, (jj - 2) % ring]) * inv_2h
        pbd = (pb - pb_ring[l, (jj - 2) % ring]) * inv_2h
        mbd_ring[l, i1 % ring] = mbd
        pbd_ring[l, i1 % ring] = pbd
        for k in range(0, min(n_lag, i1 - 1) + 1):
            i0 = i1 - k
            b = _bin(mb_ring[l, i0 % ring], n_bins)
            cor_acc[c, k, b, 2] += 1.0
            cor_acc[c, k, b, 3] += pbd_ring[l, i0 % ring] * pbd
            cor_acc[c, k, b, 4] += mbd_ring[l, i0 % ring] * pbd
            cor_acc[c, k, b, 5] += pbd_ring[l, i0 % ring] * mbd
            cor_acc[c, k, b, 6] += mbd_ring[l, i0 % ring] * mbd
