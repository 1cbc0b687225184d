"""Check rows, case selection and the report files (no simulation)."""
import json
import math

import pytest

from mcparticles.schema import CardError
from mcparticles.validation import CASES, CaseOutcome, Validation, select
from mcparticles.validation.core import Case, Check, k_sigma
from mcparticles.validation.report import write


def check(kind, measured, error=0.1, expected=1.0, floor=0.1, k=2.0, **kw):
    return Check("q", measured, error, expected, "src", kind, floor, k, "why", **kw)


@pytest.mark.parametrize("kind, measured, passes", [
    ("ratio", 1.29, True), ("ratio", 1.31, False), ("ratio", 0.71, True), ("ratio", 0.69, False),
    ("difference", 1.29, True), ("difference", 0.69, False),
    ("at_most", 0.79, True), ("at_most", 0.81, False),
    ("at_least", 1.21, True), ("at_least", 1.19, False),
])
def test_check_kinds(kind, measured, passes):
    """floor 0.1 plus k = 2 errors of 0.1: 0.3 around 1 (ratio, difference); at_most 1
    with 2 errors: measured <= 0.8; at_least: measured >= 1.2."""
    assert check(kind, measured).passed is passes


def test_factor_and_interval_checks():
    # factor 2 and 2 relative errors of 0.05: |ln m| <= ln 2 + 0.1
    assert check("factor", 2.2, error=0.11, floor=2.0).passed
    assert not check("factor", 2.4, error=0.12, floor=2.0).passed
    assert check("factor", 1 / 2.2, error=0.05 / 2.2, floor=2.0).passed
    # interval [1, 3] with 2 errors of 0.1
    assert check("interval", 0.81, expected=1.0, expected_hi=3.0).passed
    assert check("interval", 3.19, expected=1.0, expected_hi=3.0).passed
    assert not check("interval", 3.21, expected=1.0, expected_hi=3.0).passed
    assert not check("interval", 0.79, expected=1.0, expected_hi=3.0).passed


def test_non_finite_measurement_fails_and_serialises():
    c = check("ratio", math.nan)
    assert not c.passed
    d = c.as_dict()
    assert d["measured"] is None and d["margin"] is None and "expected_hi" not in d
    json.dumps(d, allow_nan=False)


def test_k_sigma_is_student_t_with_bonferroni():
    assert k_sigma(100000, 1) == pytest.approx(2.5758, abs=1e-3)
    assert k_sigma(8, 1) > k_sigma(1000, 1)
    assert k_sigma(8, 10) > k_sigma(8, 1)


def test_cases_have_names_references_and_docstrings():
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names) >= 12
    for c in CASES:
        assert c.title and c.references and "Parameters" in (type(c).__doc__ or ""), c.name
        for level in ("quick", "full"):
            assert c.cards(level), (c.name, level)


def test_select_refuses_unknown_names():
    assert [c.name for c in select(["slab_dmumu"])] == ["slab_dmumu"]
    assert len(select(None)) == len(CASES)
    with pytest.raises(CardError, match="slab_dmumu"):
        select(["no_such_case"])


class _Fake(Case):
    """A case without simulation, for the report. Parameters: none."""

    name = "fake"
    title = "a fake case"
    references = ("Nobody 2026",)

    def plot(self, ax, results, checks):
        ax.plot([0, 1], [0, 1])


def test_report_files(tmp_path):
    ok = CaseOutcome(case=_Fake(), checks=[check("ratio", 1.0), check("interval", 2.0, expected=1.0,
                                                                         expected_hi=3.0)],
                     results={"x": None}, seconds=1.0, particle_steps=10)
    bad = CaseOutcome(case=_Fake(), checks=[], results={}, seconds=0.5, particle_steps=0, error="ValueError: boom")
    v = Validation(level="quick", cases=[ok, bad], meta={"level": "quick", "commit": "abc"})
    assert ok.passed and not bad.passed and not v.passed
    md, html, js = write(v, tmp_path)
    text = md.read_text()
    assert "FAILED" in text and "1.000 - 3.000" not in text and "1 - 3" in text and "ValueError: boom" in text
    assert "<table>" in html.read_text() and "figures/fake.png" in html.read_text()
    data = json.loads(js.read_text())
    assert data["passed"] is False and data["cases"][0]["checks"][1]["expected_hi"] == 3.0
    assert (tmp_path / "figures" / "fake.png").stat().st_size > 1000


def test_docs_hold_a_passing_full_report_of_every_case():
    """The documentation keeps the latest `validate --full` report: full level, passed,
    every current case, each with its figure, the date, commit and machine."""
    from pathlib import Path
    d = Path(__file__).resolve().parents[2] / "docs" / "validation"
    data = json.loads((d / "validation.json").read_text())
    assert data["passed"] and data["meta"]["level"] == "full"
    assert [c["name"] for c in data["cases"]] == [c.name for c in CASES]
    for key in ("date", "commit", "cpu", "isa", "wall_seconds"):
        assert data["meta"][key], key
    for c in data["cases"]:
        assert (d / c["figure"]).is_file(), c["name"]
    assert (d / "report.md").is_file() and (d / "report.html").is_file()
