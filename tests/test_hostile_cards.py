"""Hostile run cards (issue 4, item 7): hypothesis writes run cards -- small valid cards
of every family with keys replaced by wrong types, huge and tiny numbers, NaN/inf,
unicode, dates, lists and tables, keys deleted, unknown keys added, ``--set`` overrides,
and TOML text cut and spliced -- and runs ``mcparticles run`` on each.

Every card must end in one of two ways:
* exit status 2, exactly one line on stderr (``mcparticles: error: KEY = VALUE: ...``),
  and nothing written to the output directory; or
* a valid run: exit status 0 with a complete ``result.h5`` and ``summary.json`` and no
  checkpoint left behind.
Any exception escaping ``main`` (a traceback for the user) fails the test.

``MCP_FUZZ_EXAMPLES=5000 pytest tests/test_hostile_cards.py`` fuzzes longer (default 500
mutated cards, and a fifth of that each for overrides and spliced text).

Valid cards are run for real when they are cheap (at most ``MAX_COST`` mode evaluations
and no 3D QLT integral, which takes seconds); a valid card above that is still parsed,
planned and has its first field realisation sampled and checked, but is not pushed.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mcparticles import planning, simulation
from mcparticles.cli import main
from tests.cards import to_toml, toml_value

SLAB = {"model": "slab", "dB2": 0.05, "k_min": 1.0, "k_max": 30.0, "n_modes": 8,
        "spectrum": "power_law", "index": 5.0 / 3.0, "polarization": "unpolarized"}
BASES = {
    "slab": {
        "run": {"name": "fuzz", "seed": 3, "realizations": 1, "batch_size": 8},
        "field": {"B0": 1.0, "v_A": 0.0, "backend": "modes", "turbulence": [SLAB]},
        "particles": {"count": 8, "rigidity": 0.1, "speed": 1.0, "charge": 1, "pitch": "isotropic"},
        "time": {"t_max": 0.5, "dt": "auto", "n_output": 4},
        "diagnostics": {"mu_bins": 4, "trajectories": 1, "track_points": 10, "dmumu_lag": "auto",
                        "mu_samples_per_gyration": 8},
        "qlt": {"resonance": "sharp", "harmonics": "all"},
    },
}
BASES["physical"] = copy.deepcopy(BASES["slab"])
BASES["physical"]["particles"] = {"count": 8, "energy_GeV": 1e6, "B0_microgauss": 3.0, "L_pc": 0.1,
                                  "mass_GeV": 0.938, "charge": 2, "pitch": 0.5}
BASES["scan"] = copy.deepcopy(BASES["slab"])
BASES["scan"]["particles"]["rigidity"] = [0.05, 0.1]
BASES["scan"]["field"]["turbulence"] = [dict(SLAB, dB2=[0.02, 0.05])]
BASES["composite"] = copy.deepcopy(BASES["slab"])
BASES["composite"]["field"]["turbulence"] = [
    {"model": "composite", "dB2": 0.05, "slab_fraction": 0.2, "k_min": 1.0, "k_max": 30.0, "n_modes": 8,
     "spectrum": "bendover", "l_bendover": 1.0, "index": 5.0 / 3.0}]
BASES["gs95"] = copy.deepcopy(BASES["slab"])
BASES["gs95"]["field"]["turbulence"] = [
    {"model": "alfvenic_gs95", "M_A": 0.3, "k_min": 1.0, "k_max": 30.0, "n_modes": 8, "n_kpar": 4}]
BASES["isotropic_fast"] = copy.deepcopy(BASES["slab"])
BASES["isotropic_fast"]["field"]["turbulence"] = [
    {"model": "isotropic", "dB2": 0.03, "k_min": 1.0, "k_max": 30.0, "n_modes": 8},
    {"model": "fast_modes", "dB2": 0.01, "k_min": 1.0, "k_max": 30.0, "n_modes": 8, "damping": "none"}]
BASES["isotropic_fast"]["field"]["precision"] = "rotation"
BASES["self_generated"] = {
    "run": {"name": "fuzz", "seed": 3, "realizations": 1, "batch_size": 8},
    "plasma": {"phase": "WIM", "T_K": 1e4, "f_neutral": 0.01, "M_A": 0.6},
    "cosmic_rays": {"alpha": 4.7, "energy_density_eV_cm3": 1.0, "gradient_scale_pc": 1000.0, "p_min_GeV": 3.0,
                    "p_max_GeV": 300.0},
    "field": {"boost": 30.0, "turbulence": [{"model": "slab", "spectrum": "self_generated", "drive": "streaming",
                                             "damping": ["ion_neutral", "turbulent"], "n_modes": 8}]},
    "particles": {"count": 8, "energy_GeV": [30.0, 60.0]},
    "time": {"t_max": 1e-6, "n_output": 4},
    "diagnostics": {"mu_bins": 4, "trajectories": 1, "track_points": 10},
}
BASES["damped_fast"] = {
    "run": {"name": "fuzz", "seed": 3, "realizations": 1, "batch_size": 8},
    "plasma": {"phase": "hot_halo", "L_pc": 100.0, "M_A": 1.0},
    "field": {"boost": 0.05, "turbulence": [{"model": "fast_modes", "M_A": 1.0, "k_min": 1.0, "k_max": 30.0,
                                             "n_modes": 8, "damping": "viscous"}]},
    "particles": {"count": 8, "energy_GeV": 9.25e6},
    "time": {"t_max": 0.5, "n_output": 4},
    "diagnostics": {"mu_bins": 4, "trajectories": 1, "track_points": 10},
}

#: words the card vocabulary knows, so that mutations also produce valid cards
WORDS = ["auto", "isotropic", "slab", "fast_modes", "alfvenic_gs95", "composite", "power_law",
         "bendover", "left", "right", "unpolarized", "sharp", "broadened", "all", "none", "viscous",
         "modes", "grid", "double", "rotation", "self_generated", "streaming", "pressure_anisotropy",
         "ion_neutral", "turbulent", "nonlinear_landau", "dust", "collisionless", "WIM", "hot_halo",
         "diffuse_ISM", "", " ", "fuzz", "a/b", "..", "x\x00y", "ünïcødé ✓", "🚀"]
N_EXAMPLES = int(os.environ.get("MCP_FUZZ_EXAMPLES", "500"))
MAX_COST = 3e6       # mode evaluations x particle-steps of a card run for real

# -- values ---------------------------------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.integers(min_value=-3, max_value=40),
    st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-320, max_value=1e-3),
    st.floats(min_value=0.0, max_value=2.0),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 1e12, 1e15, 2**53 + 1.0]),
    st.booleans(),
    st.sampled_from(WORDS),
    text,
    st.dates(),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.lists(st.floats(min_value=1e-4, max_value=1.0), min_size=0, max_size=5),
    st.dictionaries(st.sampled_from(["model", "dB2", "x", "count"]), scalars, max_size=3),
)


def _paths(node, prefix=()):
    """Every (path to a value) of a nested dict/list card."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        yield prefix + (k,)
        if isinstance(v, (dict, list)) and v and not all(isinstance(x, (int, float)) for x in v):
            yield from _paths(v, prefix + (k,))


@st.composite
def mutated_cards(draw):
    """A base card with one to four mutations: replace, delete or add a key."""
    name = draw(st.sampled_from(sorted(BASES)))
    card = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(card))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = card
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["set", "set", "set", "perturb", "perturb", "delete", "add"]))
        old = parent[path[-1]]
        if op == "perturb" and isinstance(old, (int, float)) and not isinstance(old, bool):
            # a plausible value near the valid one: mostly still a valid card
            if isinstance(old, int):
                parent[path[-1]] = draw(st.integers(0, 2 * abs(old) + 2))
            else:
                parent[path[-1]] = old * 10 ** draw(st.floats(-1.5, 1.5))
        elif op in ("set", "perturb"):
            parent[path[-1]] = draw(values)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.one_of(text, st.sampled_from(["threads", "seed", "dB2", "turbulence"])))] = draw(values)
    return card


# -- the check ------------------------------------------------------------------------------

class _NotRun(Exception):
    """A valid card too costly to push in a unit test."""


def _cost(card) -> float:
    modes = sum(c.n_modes for c in card.field.components)
    return planning.make_plan(card).particle_steps * modes


def _guarded_run(real_run):
    def run(sim, out=None, **kw):
        cards = sim.scan.cards
        slow_qlt = any(c.name in ("isotropic", "fast_modes") for card in cards for c in card.field.components)
        if slow_qlt or sum(_cost(c) for c in cards) > MAX_COST:
            for card in cards:                    # still plan and sample what the run would
                if not slow_qlt:                      # (the plan needs the QLT D_mumu)
                    plan = planning.make_plan(card)
                    assert plan.n_steps >= 1 and len(plan.units) >= 1 and plan.dt > 0
                grid = card.field.grid
                if sum(c.n_modes for c in card.field.components) <= 100_000 and (grid is None or grid.points <= 64):
                    field = planning.sample_field(card, 0)
                    values = field.values if grid is not None else field.table()
                    assert np.all(np.isfinite(values))
            raise _NotRun
        kw["plots"] = False
        return real_run(sim, out, **kw)
    return run


def check_card(text_or_bytes, sets=()):
    with tempfile.TemporaryDirectory() as tmp:
        card = Path(tmp) / "card.toml"
        if isinstance(text_or_bytes, bytes):
            card.write_bytes(text_or_bytes)
        else:
            card.write_text(text_or_bytes, encoding="utf-8")
        out = Path(tmp) / "out"
        args = ["run", str(card), "--output", str(out), "--quiet"]
        for s in sets:
            args += ["--set", s]
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                code = main(args)
        except _NotRun:
            event("valid, too costly to push")
            return
        # numpy / scipy warnings would reach the user as multi-line noise
        assert not caught, [str(w.message) for w in caught]
        lines = err.getvalue().splitlines()
        if code == 2:
            event("exit 2")
            assert len(lines) == 1 and lines[0].startswith("mcparticles: error: "), lines
            assert not out.exists() or not any(out.iterdir())
        else:
            event("valid run")
            assert code == 0, (code, lines)
            summary = json.loads((out / "summary.json").read_text())
            assert (out / "result.h5").stat().st_size > 0 and "timing" in summary
            assert not (out / "checkpoint").exists()


@pytest.fixture(scope="module", autouse=True)
def guard():
    mp = pytest.MonkeyPatch()
    mp.setattr(simulation.Simulation, "run", _guarded_run(simulation.Simulation.run))
    yield
    mp.undo()


@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_cards())
def test_mutated_cards_exit_2_or_run(card):
    check_card(to_toml(card))


overrides = st.one_of(
    st.builds(lambda k, v: f"{k}={toml_value(v)}",
              st.sampled_from(["particles.count", "particles.rigidity", "time.t_max", "run.seed",
                               "field.turbulence.0.dB2", "field.turbulence.0.n_modes", "field.turbulence.1.x",
                               "field.B0.x", "diagnostics.mu_bins", "run", "a..b", "", "qlt.harmonics"]),
              values),
    text,
)


@settings(max_examples=max(N_EXAMPLES // 5, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)), st.lists(overrides, min_size=1, max_size=3))
def test_set_overrides_exit_2_or_run(base, sets):
    check_card(to_toml(BASES[base]), sets)


@settings(max_examples=max(N_EXAMPLES // 5, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)), st.integers(0, 10_000), st.integers(0, 20),
       st.one_of(text, st.binary(max_size=8)))
def test_spliced_text_exit_2_or_run(base, where, cut, insert):
    """The card's TOML text (or bytes) with a span cut out and replaced."""
    raw = to_toml(BASES[base]).encode("utf-8")
    i = where % (len(raw) + 1)
    ins = insert if isinstance(insert, bytes) else insert.encode("utf-8")
    check_card(raw[:i] + ins + raw[i + cut:])


def test_every_base_card_runs():
    """The starting points are valid and cheap, so mutations start from real runs."""
    for name, card in BASES.items():
        if name in ("isotropic_fast", "damped_fast"):
            continue                          # 3D QLT: covered by tests/test_families.py, test_physics_plasma.py
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "c.toml"
            p.write_text(to_toml(card), encoding="utf-8")
            assert main(["run", str(p), "--output", str(Path(tmp) / "o"), "--quiet"]) == 0, name
