"""The field-model registry: a model defined outside the package -- the worked example of
docs/contributing.md, executed here -- is picked up by card validation, ``run``, ``qlt``,
``info`` and the docs tables without editing any module of the package."""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import mcparticles
from mcparticles.cli import main
from mcparticles.fields import model_names, register_model, unregister_model
from mcparticles.fields.base import FieldModel
from mcparticles.fields.slab import Slab

CARD = """
[run]
name = "toy"
seed = 4
realizations = 2
[field]
B0 = 1.0
[[field.turbulence]]
model = "slab_flat"
dB2 = 0.01
k_min = 1.0
k_max = 100.0
{extra}
[particles]
count = 8
rigidity = 0.1
[time]
t_max = 1.0
[diagnostics]
mu_bins = 10
trajectories = 1
"""


@pytest.fixture
def flat_slab():
    """Slab waves with a flat spectrum: the worked example of docs/contributing.md, run
    as it is printed there (its first python block), so the documentation cannot rot."""
    text = (Path(__file__).parents[2] / "docs" / "contributing.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(code, "docs/contributing.md", "exec"), namespace)
    yield namespace["FlatSlab"]
    unregister_model("slab_flat")


def write(tmp_path, extra=""):
    p = tmp_path / "toy.toml"
    p.write_text(CARD.format(extra=extra))
    return p


def test_a_model_defined_in_a_test_works_everywhere(flat_slab, tmp_path, capsys):
    assert "slab_flat" in model_names()
    card = mcparticles.load_card(write(tmp_path))
    comp = card.field.components[0]
    assert type(comp) is flat_slab and comp.n_modes == 32          # its own default
    # QLT: the slab formula with P = dB2/(k_max - k_min): D = (pi/4) Omega (1-mu^2) k P
    mu = 0.5
    expected = np.pi / 4 * 10.0 * (1 - mu * mu) * (1 / (0.1 * mu)) * 0.01 / 99.0
    assert mcparticles.predict_qlt(card, [mu])["dmumu"][0] == pytest.approx(expected, rel=1e-12)
    assert main(["qlt", str(write(tmp_path)), "--mu", "0.5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dmumu"][0] == pytest.approx(expected, rel=1e-12)
    # info: the generic rows and the model's own
    assert main(["info", str(write(tmp_path))]) == 0
    text = capsys.readouterr().out
    assert "component 0 (slab_flat)" in text and "flat, P = 0.000101 B0^2 L" in text
    # run, in memory and through the command line
    result = mcparticles.run(card)
    assert result.summary["particles"] == 16 and result.summary["dmumu_ratio_median"] > 0
    assert main(["run", str(write(tmp_path)), "--output", str(tmp_path / "out"), "--quiet"]) == 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["particles"] == 16
    # the realisation is the slab one: k along z, the variance dB2
    ms = comp.sample(1)
    assert np.all(ms.k[:, :2] == 0) and ms.variance() == pytest.approx(0.01, rel=1e-12)


def test_card_validation_uses_the_models_keys(flat_slab, tmp_path, capsys):
    assert main(["run", str(write(tmp_path, "k_mx = 100.0")), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("mcparticles: error: field.turbulence[0].k_mx = 100.0: unknown key; allowed: dB2, k_max, "
                   "k_min, model, n_modes")
    assert main(["run", str(write(tmp_path, "n_modes = 0")), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    assert "field.turbulence[0].n_modes = 0: must be an integer >= 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_docs_table_lists_the_models_keys(flat_slab):
    import importlib.util
    spec = importlib.util.spec_from_file_location("docs_hooks", Path(__file__).parents[2] / "docs" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    text = hooks.on_page_markdown("<!-- model-keys -->", None, None, None)
    assert "### `slab_flat`" in text
    for key in ("dB2", "k_min", "k_max", "n_modes"):
        assert f"| `{key}` |" in text.split("### `slab_flat`")[1]


def test_unknown_model_and_registry_errors(tmp_path, capsys):
    p = tmp_path / "c.toml"
    p.write_text(CARD.format(extra=""))
    assert main(["run", str(p), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert 'field.turbulence[0].model = \'slab_flat\': must be one of "slab"' in err
    with pytest.raises(TypeError):
        register_model(int)

    @dataclass(frozen=True)
    class Clash(Slab):
        name = "slab"

    with pytest.raises(ValueError, match="already registered"):
        register_model(Clash)
    assert issubclass(Slab, FieldModel)
