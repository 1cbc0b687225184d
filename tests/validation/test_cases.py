"""The validation command at the quick level, under MPI, and three cases broken on
purpose: each must fail when the physics it checks is wrong.

The breaks act on what the simulation samples, not on what the case expects:
* the field amplitude doubled (every ModeSet amplitude x 2: four times the power),
* the helicity sign flipped (e2 -> -e2: right-handed waves sampled as left-handed),
* the electric field dropped (moving waves that carry no E: magnetic forces do no work).
"""
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from mcparticles import cli
from mcparticles.fields.base import FieldModel
from mcparticles.fields.modes import ModeSet
from mcparticles.validation import validate
from tests.test_mpi import _mpiexec


def _broken_sample(change):
    original = FieldModel.sample

    def sample(self, seed=None):
        return change(original(self, seed))
    return sample


BREAKS = {
    "amplitude_x2": (FieldModel, "sample", _broken_sample(lambda m: dataclasses.replace(m, amplitude=2 * m.amplitude))),
    "helicity_flipped": (FieldModel, "sample", _broken_sample(lambda m: dataclasses.replace(m, e2=-m.e2))),
    "no_electric_field": (ModeSet, "electric_vectors",
                          lambda self: (0.0 * self.e1, 0.0 * self.e2)),
}


@pytest.mark.parametrize("case, brk", [("slab_dmumu", "amplitude_x2"), ("slab_helicity", "helicity_flipped"),
                                       ("transit_time_damping", "no_electric_field")])
def test_case_fails_when_the_physics_is_broken(monkeypatch, case, brk):
    target, name, replacement = BREAKS[brk]
    monkeypatch.setattr(target, name, replacement)
    v = validate("quick", [case])
    oc = v.cases[0]
    print(case, brk, [(c.quantity, c.measured, c.expected, c.passed) for c in oc.checks])
    assert not oc.passed and not v.passed


def test_quick_validation_passes_and_writes_the_report(tmp_path, capsys):
    """`mcparticles validate --quick`: every case passes (exit 0) and the report's three
    files and one figure per case are written."""
    out = tmp_path / "v"
    assert cli.main(["validate", "--quick", "--output", str(out), "--threads", "0"]) == 0, capsys.readouterr().out
    data = json.loads((out / "validation.json").read_text())
    assert data["passed"] and data["meta"]["level"] == "quick"
    assert len(data["cases"]) == 12 and all(c["checks"] for c in data["cases"])
    for c in data["cases"]:
        assert (out / c["figure"]).exists(), c["name"]
    text = (out / "report.md").read_text()
    assert "PASSED" in text and "Candia" in text and "NLGC" in text
    assert (out / "report.html").read_text().count("<tr>") == 1 + sum(len(c["checks"]) for c in data["cases"])


def test_validate_arguments():
    assert cli.main(["validate", "--only", "no_such_case"]) == 2
    assert cli.main(["validate", "--quick", "--full"]) == 2
    assert cli.main(["validate", "--list"]) == 0


@pytest.mark.skipif(_mpiexec() is None, reason="mpiexec / mpi4py not installed (pip install -e '.[mpi]')")
def test_validate_under_mpi_gives_the_serial_numbers(tmp_path):
    """mpiexec -n 2: the same checks, to the last digit, as one rank."""
    out = {}
    for n in (1, 2):
        d = tmp_path / f"n{n}"
        cmd = [_mpiexec(), "-n", str(n), sys.executable, "-m", "mcparticles.cli", "validate", "--quick", "--only",
               "slab_helicity", "isotropic_turbulence_level", "--output", str(d), "--threads", "1"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ})
        assert p.returncode == 0, p.stdout + p.stderr
        data = json.loads((d / "validation.json").read_text())
        assert data["meta"]["ranks"] == n
        out[n] = [c["checks"] for c in data["cases"]]
    assert out[1] == out[2]
