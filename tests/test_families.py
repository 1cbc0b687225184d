"""Every field family through the command line: qlt and a tiny run; bad keys."""
import json

import pytest

from mcparticles.cli import main

BASE = """
[run]
name = "fam"
seed = 11
realizations = 2
[field]
B0 = 1.0
[[field.turbulence]]
{component}
[particles]
count = 8
rigidity = 0.1
[time]
t_max = 0.5
n_output = 8
[diagnostics]
mu_bins = 10
trajectories = 1
"""

COMPONENTS = {
    "isotropic": 'model = "isotropic"\ndB2 = 0.1\nk_min = 1.0\nk_max = 100.0\nn_modes = 64',
    "fast_modes": 'model = "fast_modes"\nM_A = 0.3\nk_min = 1.0\nk_max = 100.0\nn_modes = 64',
    "alfvenic_gs95": 'model = "alfvenic_gs95"\nM_A = 0.5\nk_min = 1.0\nk_max = 300.0\nn_modes = 64\nn_kpar = 4',
    "composite": 'model = "composite"\ndB2 = 0.1\nslab_fraction = 0.2\nk_min = 1.0\nk_max = 100.0\nn_modes = 32',
    "two components": ('model = "alfvenic_gs95"\nM_A = 0.3\nk_min = 1.0\nk_max = 300.0\nn_modes = 64\n'
                       '[[field.turbulence]]\nmodel = "slab"\ndB2 = 0.01\nk_min = 1.0\nk_max = 100.0\n'
                       'n_modes = 32\npolarization = "right"'),
}


MOVING = {"v_A": "v_A = 0.05\nbeta = 0.5"}


@pytest.mark.parametrize("moving", [False, True], ids=["static", "moving"])
@pytest.mark.parametrize("name", list(COMPONENTS))
def test_qlt_and_run_for_every_family(tmp_path, capsys, name, moving):
    """Every family, static and with moving waves (v_A = 0.05, beta = 0.5: Alfvenic
    families, fast modes at v_F(theta); isotropic stays static)."""
    card = tmp_path / "c.toml"
    text = BASE.format(component=COMPONENTS[name])
    if moving:
        text = text.replace("B0 = 1.0", "B0 = 1.0\n" + MOVING["v_A"])
    card.write_text(text)
    assert main(["qlt", str(card), "--mu", "0.3,0.5,0.8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["dmumu"]) == 3 and all(d >= 0 for d in out["dmumu"]) and max(out["dmumu"]) > 0
    assert main(["run", str(card), "--output", str(tmp_path / "r"), "--quiet"]) == 0
    s = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert s["particles"] == 16 and s["complete"]
    for png in ("dmumu.png", "running_kappa.png", "trajectories.png"):
        assert (tmp_path / "r" / png).exists()
    moves = moving and name != "isotropic"
    assert ("A2" in s) == moves and (tmp_path / "r" / "momentum.png").exists() == moves


def test_gs95_qlt_far_below_slab_at_small_rigidity(tmp_path, capsys):
    """Chandran (2000): with the same dB2, GS95 gyroresonance at r_g = 0.01 L is orders
    of magnitude weaker than slab (QLT, mu = 0.5)."""
    res = {}
    for name, comp in (("gs", 'model = "alfvenic_gs95"\nM_A = 0.5\nk_min = 1.0\nk_max = 3000.0\nn_modes = 64'),
                       ("slab", 'model = "slab"\ndB2 = 0.25\nk_min = 1.0\nk_max = 3000.0\nn_modes = 64')):
        card = tmp_path / f"{name}.toml"
        card.write_text(BASE.format(component=comp).replace("rigidity = 0.1", "rigidity = 0.01"))
        assert main(["qlt", str(card), "--mu", "0.5", "--json"]) == 0
        res[name] = json.loads(capsys.readouterr().out)["dmumu"][0]
    assert res["gs"] < 1e-2 * res["slab"]


@pytest.mark.parametrize("component,key", [
    ('model = "alfvenic_gs95"\nk_min = 1.0', "M_A"),
    ('model = "fast_modes"\nM_A = 0.3\ndamping = "viscous"', "damping"),
    ('model = "isotropic"\ndB2 = 0.1\npolarization = "left"', "polarization"),
    ('model = "composite"\ndB2 = 0.1\nslab_fraction = 1.5', "slab_fraction"),
    ('model = "alfvenic_gs95"\nM_A = -1.0', "M_A"),
    ('model = "alfvenic_gs95"\nM_A = 0.5\nn_modes = 4\nn_kpar = 8', "n_modes"),
])
def test_family_bad_keys(tmp_path, capsys, component, key):
    card = tmp_path / "c.toml"
    card.write_text(BASE.format(component=component))
    assert main(["run", str(card), "--output", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0]
    assert not (tmp_path / "r").exists()
