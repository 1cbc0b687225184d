"""Shared fixtures: small cards built as dicts, run in-process, and a TOML writer."""
from __future__ import annotations

import copy
import datetime
import json
import math

from mcparticles.config import parse_card

BASE = {
    "run": {"name": "t", "seed": 12345, "realizations": 4},
    "field": {"B0": 1.0, "turbulence": [{
        "model": "slab", "dB2": 0.003, "spectrum": "power_law", "index": 5.0 / 3.0,
        "k_min": 1.0, "k_max": 300.0, "n_modes": 128, "polarization": "unpolarized"}]},
    "particles": {"count": 256, "rigidity": 0.1, "pitch": "isotropic"},
    "time": {"t_max": 10.0, "dt": "auto", "n_output": 24},
    "diagnostics": {"mu_bins": 20, "trajectories": 2},
}


def card_dict(**sections):
    """BASE updated section by section: card_dict(particles={"count": 10}) etc.;
    ``turbulence`` updates the first component."""
    d = copy.deepcopy(BASE)
    for sec, upd in sections.items():
        if sec == "turbulence":
            d["field"]["turbulence"][0].update(upd)
        else:
            d.setdefault(sec, {}).update(upd)
    return d


def make_card(**sections):
    return parse_card(card_dict(**sections), text="(test)", source="test")


# -- TOML writer (inline tables; tomllib reads them like [sections]) -------------------------

def toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(card: dict) -> str:
    return "".join(f"{toml_string(str(k))} = {toml_value(v)}\n" for k, v in card.items())
