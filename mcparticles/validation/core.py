"""What a validation case is, what it reports, and how tolerances are built.

A :class:`Case` owns its run cards (one per level, ``quick`` or ``full``, built in
Python so a reader sees them next to the reference they reproduce), turns the Results
into :class:`Check` rows, and draws one figure on an ``ax``.

Tolerances (docs/validation.md): a check passes when the measured value is within
``k`` standard errors plus a stated systematic floor of the expected one.  ``k`` is the
Student-t quantile for G - 1 degrees of freedom (G field realisations, the groups the
errors are estimated from) at a family-wise false-alarm rate of 1% over the checks of
the case (Bonferroni).  The floor is the known non-statistical difference (a
published spread, a known non-linear effect) and each case says where it comes from.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

LEVELS = ("quick", "full")


def k_sigma(groups: int, comparisons: int, family_alpha: float = 0.01) -> float:
    """Two-sided Student-t quantile for ``groups`` - 1 degrees of freedom at a
    family-wise rate ``family_alpha`` over ``comparisons`` checks (Bonferroni)."""
    from scipy import stats
    return float(stats.t.ppf(1.0 - family_alpha / (2.0 * max(comparisons, 1)), max(groups - 1, 1)))


@dataclass
class Check:
    """One row of the report.

    ``measured`` +- ``error`` against ``expected`` (from ``source``); ``kind`` says how
    they are compared:

    * "ratio": |measured/expected - 1| <= floor + k error/expected;
    * "factor": |ln(measured/expected)| <= ln(floor) + k error/measured (a factor);
    * "difference": |measured - expected| <= floor + k error;
    * "at_most" / "at_least": measured + k error <= expected (resp. - k error >= expected);
    * "interval": expected - k error <= measured <= expected_hi + k error (two published
      values, or a bound from each side).
    ``why`` explains the floor."""

    quantity: str
    measured: float
    error: float
    expected: float
    source: str
    kind: str
    floor: float
    k: float
    why: str
    expected_hi: float | None = None
    passed: bool = field(init=False)
    margin: float = field(init=False)       # <= 1: passes (deviation over allowed deviation)

    def __post_init__(self):
        m, e, x = float(self.measured), float(self.error or 0.0), float(self.expected)
        if not (math.isfinite(m) and math.isfinite(x)):
            self.passed, self.margin = False, math.inf
            return
        e = e if math.isfinite(e) else math.inf
        k, f = self.k, self.floor
        if self.kind == "ratio":
            dev, allowed = abs(m / x - 1.0), f + k * e / abs(x)
        elif self.kind == "factor":
            dev = abs(math.log(m / x)) if m > 0 and x > 0 else math.inf
            allowed = math.log(f) + k * e / abs(m) if m else math.inf
        elif self.kind == "difference":
            dev, allowed = abs(m - x), f + k * e
        elif self.kind == "at_most":
            dev, allowed = m + k * e, x
        elif self.kind == "at_least":
            dev, allowed = x, m - k * e
        elif self.kind == "interval":
            hi = float(self.expected_hi)
            centre, half = 0.5 * (x + hi), 0.5 * (hi - x)
            dev, allowed = abs(m - centre), half + k * e
        else:
            raise ValueError(f"unknown check kind {self.kind!r}")
        self.margin = dev / allowed if allowed > 0 else math.inf
        self.passed = bool(dev <= allowed)

    @property
    def tolerance(self) -> str:
        """The tolerance in words (the report's column)."""
        k = f"{self.k:.2g} sigma"
        ratio = f"{self.floor:.0%}" if self.floor >= 0.01 else f"{self.floor:.0e} relative"
        return {"ratio": f"{ratio} + {k}",
                "factor": f"factor {self.floor:.3g} + {k}",
                "difference": f"{self.floor:.3g} + {k}",
                "at_most": f"<= expected, with {k}",
                "at_least": f">= expected, with {k}",
                "interval": f"inside the range, with {k}"}[self.kind]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["tolerance"] = self.tolerance
        for key in ("measured", "error", "expected", "expected_hi", "margin"):
            v = d[key]
            d[key] = float(v) if v is not None and math.isfinite(float(v)) else None
        if self.kind != "interval":
            del d["expected_hi"]
        return d


class Case:
    """Base class of a validation case; subclasses set ``name``, ``title``,
    ``references`` and define ``cards``, ``evaluate`` and ``plot``.  The docstring
    gives the reference and the exact parameters reproduced."""

    name: str = ""
    title: str = ""
    references: tuple[str, ...] = ()

    def cards(self, level: str) -> dict:
        """{label: Card or Scan} to run at ``level`` ("quick" or "full")."""
        raise NotImplementedError

    def evaluate(self, results: dict, level: str) -> list[Check]:
        """The Check rows from {label: Result or ScanResult}."""
        raise NotImplementedError

    def plot(self, ax, results: dict, checks: list[Check]) -> None:
        """One figure of the case on ``ax`` (matplotlib Axes)."""
        raise NotImplementedError

    @property
    def summary(self) -> str:
        """The first paragraph of the docstring."""
        return " ".join((self.__doc__ or "").strip().split("\n\n")[0].split())


def groups_of(card) -> int:
    """Error groups of a card's results: its field realisations."""
    return card.run.realizations
