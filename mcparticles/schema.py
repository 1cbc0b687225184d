"""Run-card validation primitives: the error type, typed readers and the ``Key`` schema.

A bad card raises :class:`CardError`, whose text is one line naming the key, the value
and what is allowed (``particles.count = -1: must be an integer >= 1 and <= 1e+09``); the
command line prints it and exits with status 2 before anything is written.

Field models declare their card keys as a tuple of :class:`Key` objects (name, type,
default, range, one line of documentation); ``read_table`` checks a
``[[field.turbulence]]`` table against them, so the keys, their defaults and their error
messages live in the model's own module, and the documentation of the run card is
generated from the same objects.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class CardError(ValueError):
    """A run-card problem; ``str(err)`` is the one-line message for the user."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(one_line(f"{key} = {_show(value)}: {allowed}"))


def one_line(text: str) -> str:
    """``text`` with every character that would break or hide a terminal line (newlines,
    the separators str.splitlines honours, other control characters) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    text = one_line(text)
    return text if len(text) <= 60 else text[:57] + "..."


# -- typed readers: take(table, key, path, default) -> value, or CardError ------------------

MISSING = object()


def take(table: dict, key: str, path: str, default=MISSING):
    if key in table:
        return table[key]
    if default is MISSING:
        raise CardError(f"{path}.{key}", "(missing)", "this key is required")
    return default


def range_text(lo=None, lo_open=False, hi=None, hi_open=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return (" " + " and ".join(parts)) if parts else ""


def number(table, key, path, default=MISSING, *, lo=None, lo_open=False, hi=None, hi_open=False) -> float:
    """A finite float (TOML integers accepted) within the bounds."""
    v = take(table, key, path, default)
    name = f"{path}.{key}"
    rng = range_text(lo, lo_open, hi, hi_open)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CardError(name, v, f"must be a number{rng}")
    v = float(v)
    if not math.isfinite(v):
        raise CardError(name, v, f"must be a finite number{rng}")
    if (lo is not None and (v < lo or (lo_open and v == lo))) or \
       (hi is not None and (v > hi or (hi_open and v == hi))):
        raise CardError(name, v, f"must be a number{rng}")
    return v


def integer(table, key, path, default=MISSING, *, lo=None, hi=None) -> int:
    v = take(table, key, path, default)
    rng = range_text(lo, False, hi, False)
    if isinstance(v, bool) or not isinstance(v, int) or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CardError(f"{path}.{key}", v, f"must be an integer{rng}")
    return v


def choice(table, key, path, choices, default=MISSING) -> str:
    v = take(table, key, path, default)
    if not isinstance(v, str) or v not in choices:
        raise CardError(f"{path}.{key}", v, "must be one of " + " | ".join(f'"{c}"' for c in choices))
    return v


def string(table, key, path, default=MISSING) -> str:
    v = take(table, key, path, default)
    if not isinstance(v, str) or not v.strip():
        raise CardError(f"{path}.{key}", v, "must be a non-empty string")
    return v


def section(card: dict, key: str, path: str = "", required: bool = True) -> dict:
    """The sub-table ``card[key]`` ({} when optional and absent)."""
    name = f"{path}.{key}" if path else key
    if key not in card:
        if required:
            raise CardError(f"[{name}]", "(missing)", "this section is required")
        return {}
    v = card[key]
    if not isinstance(v, dict):
        raise CardError(name, v, "must be a table ([section])")
    return v


def no_unknown(table: dict, allowed, path: str) -> None:
    """Unknown keys are errors: a typo must not fall back to a default silently."""
    for key in table:
        if key not in allowed:
            raise CardError(f"{path}.{key}" if path else str(key), table[key],
                            "unknown key; allowed: " + ", ".join(sorted(allowed)))


# -- declarative keys of the field models ----------------------------------------------------

@dataclass(frozen=True)
class Key:
    """One key of a ``[[field.turbulence]]`` table.

    ``kind`` is "number", "integer", "choice" or "list" (of ``choices``; the model
    validates it); ``default`` is the value used when the
    key is absent (``MISSING``: required; ``None``: optional, the model derives it --
    ``default_text`` then says how); ``lo``/``hi`` bound numbers (``*_open`` excludes the
    bound); ``choices`` lists the allowed strings; ``doc`` is one line for the run-card
    reference, ``units`` its unit ("" for pure numbers)."""

    name: str
    kind: str
    default: Any = MISSING
    doc: str = ""
    units: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple = ()
    default_text: str = ""

    def read(self, table: dict, path: str):
        """The validated value of this key in ``table`` (or its default)."""
        if self.default is None and self.name not in table:
            return None
        if self.kind == "number":
            return number(table, self.name, path, self.default, lo=self.lo, lo_open=self.lo_open, hi=self.hi,
                          hi_open=self.hi_open)
        if self.kind == "integer":
            return integer(table, self.name, path, self.default, lo=self.lo, hi=self.hi)
        if self.kind == "choice":
            return choice(table, self.name, path, self.choices, self.default)
        if self.kind == "list":         # validated by the model that owns the key
            return table.get(self.name, self.default)
        raise ValueError(f"Key {self.name}: unknown kind {self.kind!r}")

    @property
    def allowed_text(self) -> str:
        """What values are allowed, in words (for the reference tables)."""
        if self.kind == "choice":
            return " \\| ".join(f'"{c}"' for c in self.choices)
        if self.kind == "list":
            return "list of " + " \\| ".join(f'"{c}"' for c in self.choices)
        word = "number" if self.kind == "number" else "integer"
        return (word + range_text(self.lo, self.lo_open, self.hi, self.hi_open)).strip()

    @property
    def default_shown(self) -> str:
        if self.default_text:
            return self.default_text
        if self.default is MISSING:
            return "required"
        if isinstance(self.default, str):
            return f'"{self.default}"'
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


class Table:
    """A ``[[field.turbulence]]`` table being read against a model's keys:
    ``t["k_min"]`` is the validated value (or default), ``t.given("l_bendover")`` whether
    the card set it, ``t.error(key, allowed)`` raises the one-line CardError."""

    def __init__(self, data: dict, path: str, keys):
        self.data, self.path = data, path
        self.keys = {k.name: k for k in keys}

    def __getitem__(self, name: str):
        return self.keys[name].read(self.data, self.path)

    def given(self, name: str) -> bool:
        return name in self.data

    def error(self, name: str, allowed: str, value=MISSING):
        raise CardError(f"{self.path}.{name}", self.data.get(name, "(missing)") if value is MISSING else value,
                        allowed)
