"""[field] precision (fields/precision.py): "rotation" measures the same transport as
"double" (issue 5, item 2)."""
import json

import h5py
import numpy as np

from mcparticles.cli import main

CARD = """
[run]
name = "p"
seed = 9
realizations = 6
[field]
B0 = 1.0
precision = "{precision}"
[[field.turbulence]]
model = "isotropic"
dB2 = 1.0
k_min = 1.0
k_max = 30.0
n_modes = 128
[particles]
count = 64
rigidity = 0.2
[time]
t_max = 20.0
[diagnostics]
trajectories = 0
"""


def test_rotation_and_double_give_the_same_transport(tmp_path):
    """Same seed, so the same fields and starting points: the running kappa agrees to
    1e-7 while the orbits have not yet forgotten the 1e-12 field differences (t <= 1),
    and kappa_par, kappa_perp at t_max within 4 combined standard errors after."""
    out = {}
    for precision in ("double", "rotation"):
        card = tmp_path / f"{precision}.toml"
        card.write_text(CARD.format(precision=precision))
        assert main(["run", str(card), "--output", str(tmp_path / precision), "--quiet"]) == 0
        with h5py.File(tmp_path / precision / "result.h5") as f:
            out[precision] = (json.loads((tmp_path / precision / "summary.json").read_text()),
                              f["running/t"][()], f["running/kappa_zz"][()])
    (sd, t, kd), (sr, _, kr) = out["double"], out["rotation"]
    early = t <= 1.0
    assert early.sum() >= 5
    np.testing.assert_allclose(kr[early], kd[early], rtol=1e-7)
    for key in ("kappa_par", "kappa_perp"):
        sigma = np.hypot(sd[key + "_err"], sr[key + "_err"])
        assert abs(sd[key] - sr[key]) < 4 * sigma, (key, sd[key], sr[key], sigma)
