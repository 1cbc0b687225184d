"""Scans: list-valued rigidity / dB2 expand into points, one run covers all of them."""
import json

import h5py
import numpy as np
import pytest

from mcparticles.cli import main
from mcparticles.config import CardError, parse_scan
from tests.cards import card_dict

CARD = """
[run]
name = "scan"
seed = 3
realizations = 2
[field]
B0 = 1.0
[[field.turbulence]]
model = "slab"
dB2 = [0.01, 0.03]
k_min = 1.0
k_max = 100.0
n_modes = 32
[particles]
count = 8
rigidity = [0.05, 0.1]
[time]
t_max = 1.0
n_output = 8
[diagnostics]
mu_bins = 10
trajectories = 1
"""


def test_scan_points_are_the_product_rigidity_fastest():
    d = card_dict(particles={"rigidity": [0.05, 0.1, 0.2]}, turbulence={"dB2": [0.01, 0.03]})
    scan = parse_scan(d)
    assert scan.parameters == ("rigidity", "dB2")
    assert scan.values("rigidity") == [0.05, 0.1, 0.2] * 2
    assert scan.values("dB2") == pytest.approx([0.01] * 3 + [0.03] * 3)
    assert all(c.run.seed == d["run"]["seed"] for c in scan.cards)
    single = parse_scan(card_dict())
    assert not single.is_scan and len(single.cards) == 1


@pytest.mark.parametrize("rig, msg", [([], "1 to"), ([0.1, -1.0], "particles.rigidity")])
def test_bad_scan_lists(rig, msg):
    with pytest.raises(CardError, match=msg):
        parse_scan(card_dict(particles={"rigidity": rig}))


def test_scan_run_writes_one_group_per_point_and_the_kappa_figure(tmp_path, capsys):
    card = tmp_path / "scan.toml"
    card.write_text(CARD)
    out = tmp_path / "out"
    assert main(["run", str(card), "--output", str(out), "--quiet"]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["scan"]["rigidity"] == [0.05, 0.1, 0.05, 0.1]
    assert s["scan"]["dB2"] == pytest.approx([0.01, 0.01, 0.03, 0.03])
    assert len(s["points"]) == 4 and "timing" in s
    with h5py.File(out / "result.h5", "r") as f:
        for i in range(4):
            g = f[f"point_{i:03d}"]
            assert g["summary"].attrs["rigidity"] == s["scan"]["rigidity"][i]
            assert g["dmumu/value"].shape == (10,)
        np.testing.assert_allclose(f["scan/kappa_par"][()], s["scan"]["kappa_par"])
    assert (out / "kappa_vs_rigidity.png").stat().st_size > 1000
    assert (out / "point_003" / "dmumu.png").exists()
    # each point equals the same card run alone
    one = tmp_path / "one.toml"
    one.write_text(CARD.replace("dB2 = [0.01, 0.03]", "dB2 = 0.03").replace("rigidity = [0.05, 0.1]", "rigidity = 0.1"))
    assert main(["run", str(one), "--output", str(tmp_path / "one"), "--quiet"]) == 0
    s1 = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert s1["kappa_par"] == s["points"][3]["kappa_par"]
    assert s1["dmumu_ratio_median"] == s["points"][3]["dmumu_ratio_median"]
    # QLT for every point
    capsys.readouterr()
    assert main(["qlt", str(card), "--json", "--mu", "0.5"]) == 0
    q = json.loads(capsys.readouterr().out)
    assert [p["rigidity"] for p in q] == [0.05, 0.1, 0.05, 0.1]
    assert q[2]["dmumu"][0] == pytest.approx(3 * q[0]["dmumu"][0], rel=1e-6)   # D ~ dB2
