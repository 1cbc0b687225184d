"""Run card (TOML) -> validated, frozen configuration.

Every check and every error message lives here.  A bad card raises :class:`CardError`
whose text is one line naming the key, the value and what is allowed; the CLI prints it
and exits with status 2 before anything is written.  Unknown keys are errors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .fields import IMPLEMENTED, PLANNED
from .fields.precision import PRECISIONS
from .particles import ParticleSpec
from .spectra import CLV, make_spectrum
from .units import PROTON_MASS_GEV, PhysicalUnits

#: dt = "auto" keeps Omega dt <= AUTO_OMEGA_DT (Omega in the rms total field) and
#: k_max v dt <= AUTO_KMAX_VDT (PHYSICS.md section 2; tests/test_dt_convergence.py).
AUTO_OMEGA_DT = 0.1
AUTO_KMAX_VDT = 1.0

MODEL_NAMES = tuple(IMPLEMENTED) + PLANNED

#: a run holds the partial sums of every work unit until it combines them, in unit order
MAX_WORK_UNITS = 100_000


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


# -- small typed getters ------------------------------------------------------------------

_MISSING = object()


def _take(table: dict, key: str, path: str, default=_MISSING):
    if key in table:
        return table[key]
    if default is _MISSING:
        raise CardError(f"{path}.{key}", "(missing)", "this key is required")
    return default


def _number(table, key, path, default=_MISSING, *, lo=None, lo_open=False, hi=None, hi_open=False):
    v = _take(table, key, path, default)
    name = f"{path}.{key}"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CardError(name, v, f"must be a number{_range_text(lo, lo_open, hi, hi_open)}")
    v = float(v)
    if not math.isfinite(v):
        raise CardError(name, v, f"must be a finite number{_range_text(lo, lo_open, hi, hi_open)}")
    if (lo is not None and (v < lo or (lo_open and v == lo))) or \
       (hi is not None and (v > hi or (hi_open and v == hi))):
        raise CardError(name, v, f"must be a number{_range_text(lo, lo_open, hi, hi_open)}")
    return v


def _range_text(lo, lo_open, hi, hi_open):
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return (" " + " and ".join(parts)) if parts else ""


def _integer(table, key, path, default=_MISSING, *, lo=None, hi=None):
    v = _take(table, key, path, default)
    name = f"{path}.{key}"
    rng = _range_text(lo, False, hi, False)
    if isinstance(v, bool) or not isinstance(v, int):
        raise CardError(name, v, f"must be an integer{rng}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CardError(name, v, f"must be an integer{rng}")
    return v


def _choice(table, key, path, choices, default=_MISSING):
    v = _take(table, key, path, default)
    if not isinstance(v, str) or v not in choices:
        raise CardError(f"{path}.{key}", v, "must be one of " + " | ".join(f'"{c}"' for c in choices))
    return v


def _string(table, key, path, default=_MISSING):
    v = _take(table, key, path, default)
    if not isinstance(v, str) or not v.strip():
        raise CardError(f"{path}.{key}", v, "must be a non-empty string")
    return v


def _table(card, key, path="", required=True):
    name = f"{path}.{key}" if path else key
    if key not in card:
        if required:
            raise CardError(f"[{name}]", "(missing)", "this section is required")
        return {}
    v = card[key]
    if not isinstance(v, dict):
        raise CardError(name, v, "must be a table ([section])")
    return v


def _no_unknown(table: dict, allowed, path: str):
    for key in table:
        if key not in allowed:
            raise CardError(f"{path}.{key}" if path else str(key), table[key],
                            "unknown key; allowed: " + ", ".join(sorted(allowed)))


# -- the frozen configuration ------------------------------------------------------------

@dataclass(frozen=True)
class RunSettings:
    name: str
    seed: int
    realizations: int
    output: str | None
    batch_size: int
    threads: int            # 0 = automatic


@dataclass(frozen=True)
class FieldSettings:
    B0: float
    components: tuple       # model parameter objects (fields/*.py)
    v_A: float = 0.0
    backend: str = "modes"
    grid: object = None     # fields.grid.GridSettings when backend = "grid"
    precision: str = "double"   # fields/precision.py

    @property
    def dB2_total(self) -> float:
        return float(sum(c.dB2 for c in self.components))

    @property
    def B_ref_rms(self) -> float:
        """rms of the total field, B0^2 + dB^2, in B_ref."""
        return math.sqrt(self.B0 ** 2 + self.dB2_total)

    @property
    def k_max(self) -> float:
        return max(c.k_range[1] for c in self.components)

    @property
    def k_min(self) -> float:
        return min(c.k_range[0] for c in self.components)


@dataclass(frozen=True)
class TimeSettings:
    t_max: float
    dt: float
    dt_auto: bool
    n_output: int

    @property
    def n_steps(self) -> int:
        return int(math.ceil(self.t_max / self.dt - 1e-9))


@dataclass(frozen=True)
class DiagnosticsSettings:
    mu_bins: int = 20
    trajectories: int = 16
    track_points: int = 1000
    dmumu_lag: float | None = None        # in gyro-periods; None = automatic
    dmumu_max_lag: float | None = None    # lag scan range in gyro-periods; None = max(6, 2 x lag)
    mu_samples_per_gyration: int = 16


@dataclass(frozen=True)
class QLTSettings:
    resonance: str = "sharp"
    harmonics: int | str = "all"


@dataclass(frozen=True)
class Card:
    """A validated run card; ``text`` is the verbatim TOML."""

    run: RunSettings
    field: FieldSettings
    particles: ParticleSpec
    time: TimeSettings
    diagnostics: DiagnosticsSettings
    qlt: QLTSettings
    physical: PhysicalUnits | None
    text: str = ""
    source: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def omega0(self) -> float:
        """Gyrofrequency in the mean field (rms turbulent field if B0 = 0) [c/L]."""
        return self.particles.gyrofrequency(self.field.B0 if self.field.B0 > 0 else 1.0)

    @property
    def gyroperiod(self) -> float:
        return 2.0 * math.pi / self.omega0

    @property
    def r_g(self) -> float:
        return self.particles.gyroradius(self.field.B0 if self.field.B0 > 0 else 1.0)


# -- parsing ------------------------------------------------------------------------------

_SPECTRUM_KEYS = {"dB2", "spectrum", "index", "k_min", "k_max", "n_modes", "l_bendover"}
MODEL_KEYS = {
    "slab": {"model", "polarization"} | _SPECTRUM_KEYS,
    "isotropic": {"model"} | _SPECTRUM_KEYS,
    "composite": {"model", "slab_fraction"} | _SPECTRUM_KEYS,
    "alfvenic_gs95": {"model", "M_A", "dB2", "k_min", "k_max", "n_modes", "n_kpar"},
    "fast_modes": {"model", "M_A", "dB2", "index", "k_min", "k_max", "n_modes", "damping"},
}
DEFAULT_MODES = {"slab": 128, "isotropic": 256, "composite": 128, "alfvenic_gs95": 512, "fast_modes": 256}


def _band(t, path, default_index):
    k_min = _number(t, "k_min", path, 1.0, lo=1e-8, hi=1e12)
    k_max = _number(t, "k_max", path, 1.0e3, lo=1e-8, hi=1e12)
    if k_max <= k_min:
        raise CardError(f"{path}.k_max", k_max, f"must be greater than k_min = {k_min:g}")
    index = _number(t, "index", path, default_index, lo=0.0, lo_open=True, hi=20.0)
    return k_min, k_max, index


def _spectrum(t, path, dB2):
    kind = _choice(t, "spectrum", path, ("power_law", "bendover"), "power_law")
    k_min, k_max, index = _band(t, path, 5.0 / 3.0)
    if "l_bendover" in t and kind != "bendover":
        raise CardError(f"{path}.l_bendover", t["l_bendover"], 'only allowed with spectrum = "bendover"')
    l_b = _number(t, "l_bendover", path, 1.0, lo=0.0, lo_open=True, hi=1e12) if kind == "bendover" else None
    return make_spectrum(kind, dB2=dB2, index=index, k_min=k_min, k_max=k_max, l_bendover=l_b)


def _mach(t, path):
    """M_A and dB2: each defaults to the other (dB2 = M_A^2, INTERFACE.md)."""
    if "M_A" not in t and "dB2" not in t:
        raise CardError(f"{path}.M_A", "(missing)", "give M_A (Alfven Mach number at L = 1/k_min) or dB2")
    m = _number(t, "M_A", path, lo=1e-6, hi=100.0) if "M_A" in t else None
    d = _number(t, "dB2", path, lo=1e-12, hi=1e4) if "dB2" in t else None
    return (m if m is not None else math.sqrt(d)), (d if d is not None else m * m)


def _component(t: Any, i: int, harmonics):
    path = f"field.turbulence[{i}]"
    if not isinstance(t, dict):
        raise CardError(path, t, "must be a table ([[field.turbulence]])")
    model = _choice(t, "model", path, MODEL_NAMES)
    if model not in IMPLEMENTED:
        raise CardError(f"{path}.model", model,
                        "this model is not available in this version; available: "
                        + " | ".join(f'"{m}"' for m in IMPLEMENTED))
    _no_unknown(t, MODEL_KEYS[model], path)
    n_modes = _integer(t, "n_modes", path, DEFAULT_MODES[model], lo=1, hi=1_000_000)
    cls = IMPLEMENTED[model]
    if model in ("slab", "isotropic", "composite"):
        dB2 = _number(t, "dB2", path, lo=0.0)
        spectrum = _spectrum(t, path, dB2)
        if model == "slab":
            pol = _choice(t, "polarization", path, ("unpolarized", "left", "right"), "unpolarized")
            return cls(spectrum=spectrum, n_modes=n_modes, polarization=pol)
        if model == "isotropic":
            return cls(spectrum=spectrum, n_modes=n_modes, harmonics=harmonics)
        frac = _number(t, "slab_fraction", path, 0.2, lo=0.0, hi=1.0)
        return cls(spectrum=spectrum, n_modes=n_modes, slab_fraction=frac)
    M_A, dB2 = _mach(t, path)
    if model == "alfvenic_gs95":
        k_min, k_max, _ = _band({k: v for k, v in t.items() if k != "index"}, path, 1.0)
        n_kpar = _integer(t, "n_kpar", path, 8, lo=1, hi=1000)
        if n_modes < n_kpar:
            raise CardError(f"{path}.n_modes", n_modes, f"must be at least n_kpar = {n_kpar}")
        return cls(clv=CLV(dB2=dB2, M_A=M_A, k_min=k_min, k_max=k_max), n_modes=n_modes, n_kpar=n_kpar,
                   harmonics=harmonics)
    # fast_modes
    damping = _choice(t, "damping", path, ("none", "collisionless", "viscous"), "none")
    if damping != "none":
        raise CardError(f"{path}.damping", damping,
                        'damping truncation is not available in this version; allowed: "none"')
    k_min, k_max, index = _band(t, path, 1.5)
    spectrum = make_spectrum("power_law", dB2=dB2, index=index, k_min=k_min, k_max=k_max)
    return cls(spectrum=spectrum, n_modes=n_modes, harmonics=harmonics)


def _grid(f: dict, backend: str, comps):
    """GridSettings for backend = "grid" (fields/grid.py), None for modes."""
    from .fields.grid import GridSettings
    if backend != "grid":
        for key in ("grid_points", "grid_box"):
            if key in f:
                raise CardError(f"field.{key}", f[key], 'only allowed with backend = "grid"')
        return None
    for i, c in enumerate(comps):
        if c.model not in ("isotropic", "fast_modes"):
            raise CardError("field.backend", backend, f'the grid backend takes "isotropic" and "fast_modes" '
                            f'components; field.turbulence[{i}] is "{c.model}" (use backend = "modes")')
    k_lo = min(c.spectrum.k_min for c in comps)
    k_hi = max(c.spectrum.k_max for c in comps)
    n = _integer(f, "grid_points", "field", 128, lo=8, hi=1024)
    box = _number(f, "grid_box", "field", 2.0 * math.pi / k_lo, lo=2.0 * math.pi / k_lo * (1 - 1e-12), hi=1e12)
    grid = GridSettings(points=n, box=box)
    if k_hi > grid.k_resolved * (1 + 1e-12):
        need = int(math.ceil(4.0 * k_hi / grid.k0))
        raise CardError("field.grid_points", n, f"resolves |k| <= N (2 pi/box) / 4 = {grid.k_resolved:.4g} < k_max = "
                        f"{k_hi:g} (trilinear interpolation); needs grid_points >= {need} or a smaller k_max")
    return grid


def _particles(p: dict) -> tuple[ParticleSpec, PhysicalUnits | None]:
    path = "particles"
    phys_keys = {"energy_GeV", "mass_GeV", "B0_microgauss", "L_pc"}
    _no_unknown(p, {"count", "rigidity", "speed", "charge", "pitch"} | phys_keys, path)
    count = _integer(p, "count", path, lo=1, hi=10**9)
    charge = _integer(p, "charge", path, 1, lo=-1000, hi=1000)
    if charge == 0:
        raise CardError("particles.charge", 0, "must be a non-zero integer (charge number Z)")
    pitch = p.get("pitch", "isotropic")
    if isinstance(pitch, str):
        if pitch != "isotropic":
            raise CardError("particles.pitch", pitch, 'must be "isotropic" or a number in [-1, 1]')
    else:
        pitch = _number(p, "pitch", path, lo=-1.0, hi=1.0)
    given_phys = phys_keys & set(p)
    physical = None
    if "rigidity" in p:
        if given_phys:
            key = sorted(given_phys)[0]
            raise CardError(f"particles.{key}", p[key],
                            "give either rigidity (and speed) or energy_GeV + B0_microgauss + L_pc, not both")
        rigidity = _number(p, "rigidity", path, lo=0.0, lo_open=True, hi=1e12)
        speed = _number(p, "speed", path, 1.0, lo=1e-6, hi=1.0)
    else:
        if not given_phys:
            raise CardError("particles.rigidity", "(missing)",
                            "give rigidity, or energy_GeV + B0_microgauss + L_pc")
        if "speed" in p:
            raise CardError("particles.speed", p["speed"], "not allowed with energy_GeV (the speed follows from it)")
        energy = _number(p, "energy_GeV", path, lo=0.0, lo_open=True, hi=1e15)
        mass = _number(p, "mass_GeV", path, PROTON_MASS_GEV, lo=0.0, hi=1e6)
        if energy <= mass:
            raise CardError("particles.energy_GeV", energy,
                            f"total energy must exceed mass_GeV = {mass:g}")
        bmu = _number(p, "B0_microgauss", path, lo=0.0, lo_open=True, hi=1e15)
        lpc = _number(p, "L_pc", path, lo=0.0, lo_open=True, hi=1e12)
        physical = PhysicalUnits(energy, mass, charge, bmu, lpc)
        rigidity, speed = physical.rigidity, physical.speed
        if not (0 < rigidity <= 1e12 and 1e-6 <= speed <= 1):
            raise CardError("particles.energy_GeV", energy,
                            f"gives rigidity = {rigidity:.4g} and speed = {speed:.4g} c; allowed: rigidity in "
                            "(0, 1e12], speed in [1e-6, 1]")
    spec = ParticleSpec(rigidity=rigidity, speed=speed, charge_sign=1 if charge > 0 else -1,
                        count=count, pitch=pitch)
    return spec, physical


def parse_card(data: dict, text: str = "", source: str = "") -> Card:
    """Validate a parsed TOML document (dict) into a :class:`Card`."""
    _no_unknown(data, {"run", "field", "particles", "time", "diagnostics", "qlt"}, "")

    r = _table(data, "run")
    _no_unknown(r, {"name", "seed", "realizations", "output", "batch_size", "threads"}, "run")
    name = _string(r, "name", "run", "run")
    if any(ch in name for ch in "/\\\0") or name in (".", ".."):
        raise CardError("run.name", name, "must be a plain name (no path separators)")
    run = RunSettings(
        name=name,
        seed=_integer(r, "seed", "run", lo=0, hi=2**63 - 1),
        realizations=_integer(r, "realizations", "run", 1, lo=1, hi=100_000),
        output=_string(r, "output", "run") if "output" in r else None,
        batch_size=_integer(r, "batch_size", "run", 256, lo=1, hi=10**7),
        threads=_integer(r, "threads", "run", 0, lo=0, hi=4096),
    )

    qd = _table(data, "qlt", required=False)
    _no_unknown(qd, {"resonance", "harmonics"}, "qlt")
    resonance = _choice(qd, "resonance", "qlt", ("sharp", "broadened"), "sharp")
    harm = qd.get("harmonics", "all")
    if isinstance(harm, str):
        if harm != "all":
            raise CardError("qlt.harmonics", harm, 'must be "all" or an integer >= 1')
    else:
        harm = _integer(qd, "harmonics", "qlt", lo=1, hi=10_000)
    qlt = QLTSettings(resonance=resonance, harmonics=harm)

    f = _table(data, "field")
    _no_unknown(f, {"B0", "turbulence", "v_A", "backend", "grid_points", "grid_box", "precision"}, "field")
    B0 = _number(f, "B0", "field", 1.0)
    if B0 not in (0.0, 1.0):
        raise CardError("field.B0", B0, "must be 1 (the mean field is the field unit, INTERFACE.md) or 0 "
                        "(pure turbulence; the unit is then the rms turbulent field)")
    v_A = _number(f, "v_A", "field", 0.0, lo=0.0, hi=1.0, hi_open=True)
    if v_A != 0.0:
        raise CardError("field.v_A", v_A, "moving waves are not available in this version; allowed: 0 (static fields)")
    backend = _choice(f, "backend", "field", ("modes", "grid"), "modes")
    precision = _choice(f, "precision", "field", PRECISIONS, "double")
    if precision != "double" and backend != "modes":
        raise CardError("field.precision", precision, 'applies to backend = "modes" (the grid has no phases); '
                        'allowed with "grid": "double"')
    turb = f.get("turbulence")
    if turb is None:
        raise CardError("[[field.turbulence]]", "(missing)", "at least one turbulence component is required")
    if not isinstance(turb, list) or not turb:
        raise CardError("field.turbulence", turb, "must be one or more [[field.turbulence]] tables")
    comps = tuple(_component(t, i, qlt.harmonics) for i, t in enumerate(turb))
    dB2_total = sum(c.dB2 for c in comps)
    if B0 == 0.0 and abs(dB2_total - 1.0) > 1e-9:
        raise CardError("field.turbulence[0].dB2", comps[0].dB2,
                        "with B0 = 0 the field unit is the rms turbulent field, so the dB2 values must sum to 1"
                        f" (they sum to {dB2_total:g})")
    if B0 == 0.0 and dB2_total == 0.0:
        raise CardError("field.B0", B0, "B0 and every dB2 are zero: there is no field")
    grid = _grid(f, backend, comps)
    fieldset = FieldSettings(B0=B0, components=comps, v_A=v_A, backend=backend, grid=grid, precision=precision)

    particles, physical = _particles(_table(data, "particles"))
    n_units = run.realizations * -(-particles.count // run.batch_size)
    if n_units > MAX_WORK_UNITS:
        raise CardError("run.batch_size", run.batch_size,
                        f"gives {n_units:.3g} work units (realizations x count / batch_size); at most "
                        f"{MAX_WORK_UNITS:g}: raise batch_size")

    tm = _table(data, "time")
    _no_unknown(tm, {"t_max", "dt", "n_output"}, "time")
    t_max = _number(tm, "t_max", "time", lo=0.0, lo_open=True, hi=1e12)
    dt_raw = tm.get("dt", "auto")
    omega_max = particles.speed * fieldset.B_ref_rms / particles.rigidity
    dt_auto_value = min(AUTO_OMEGA_DT / omega_max, AUTO_KMAX_VDT / (fieldset.k_max * particles.speed))
    if not (math.isfinite(dt_auto_value) and dt_auto_value > 0):
        raise CardError("particles.rigidity", particles.rigidity,
                        f"gives an automatic time step {dt_auto_value:g} (gyro-frequency {omega_max:g} c/L) "
                        "that is not a positive finite number")
    if isinstance(dt_raw, str):
        if dt_raw != "auto":
            raise CardError("time.dt", dt_raw, 'must be "auto" or a positive number')
        dt, dt_auto = dt_auto_value, True
    else:
        dt, dt_auto = _number(tm, "dt", "time", lo=0.0, lo_open=True, hi=t_max), False
    n_output = _integer(tm, "n_output", "time", 64, lo=2, hi=100_000)
    timeset = TimeSettings(t_max=t_max, dt=dt, dt_auto=dt_auto, n_output=n_output)
    if not t_max / dt <= 1e12:
        raise CardError("time.dt", dt_raw, f"gives {t_max / dt:.3g} steps per particle; at most 1e12 allowed")
    if t_max < dt:
        raise CardError("time.t_max", t_max, f"must cover at least one time step (dt = {dt:.4g} L/c)")

    d = _table(data, "diagnostics", required=False)
    _no_unknown(d, {"mu_bins", "trajectories", "track_points", "dmumu_lag", "dmumu_max_lag",
                    "mu_samples_per_gyration"}, "diagnostics")
    lag_raw = d.get("dmumu_lag", "auto")
    if isinstance(lag_raw, str):
        if lag_raw != "auto":
            raise CardError("diagnostics.dmumu_lag", lag_raw, 'must be "auto" or a number of gyro-periods > 0')
        lag = None
    else:
        lag = _number(d, "dmumu_lag", "diagnostics", lo=0.0, lo_open=True, hi=1000.0)
    max_lag = (_number(d, "dmumu_max_lag", "diagnostics", lo=0.0, lo_open=True, hi=10_000.0)
               if "dmumu_max_lag" in d else None)
    if lag is not None and max_lag is not None and lag > max_lag:
        raise CardError("diagnostics.dmumu_lag", lag, f"must not exceed dmumu_max_lag = {max_lag:g}")
    diag = DiagnosticsSettings(
        mu_bins=_integer(d, "mu_bins", "diagnostics", 20, lo=2, hi=10_000),
        trajectories=_integer(d, "trajectories", "diagnostics", 16, lo=0, hi=100_000),
        track_points=_integer(d, "track_points", "diagnostics", 1000, lo=2, hi=10**7),
        dmumu_lag=lag, dmumu_max_lag=max_lag,
        mu_samples_per_gyration=_integer(d, "mu_samples_per_gyration", "diagnostics", 16, lo=4, hi=1000),
    )


    return Card(run=run, field=fieldset, particles=particles, time=timeset, diagnostics=diag,
                qlt=qlt, physical=physical, text=text, source=source, raw=data)


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply ``--set key=value`` overrides (dotted keys, list indices as numbers,
    values in TOML syntax, bare words taken as strings)."""
    for item in overrides:
        if "=" not in item:
            raise CardError("--set", item, "must look like section.key=value")
        key, _, value = item.partition("=")
        key = key.strip()
        try:
            val = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            val = value.strip()
        node: Any = data
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise CardError("--set", item, f"no list element {part!r} in {'.'.join(parts[:i])}")
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                raise CardError("--set", item, f"{'.'.join(parts[:i])} is not a table")
        last = parts[-1]
        if isinstance(node, list):
            if not last.isdigit() or int(last) >= len(node):
                raise CardError("--set", item, "no such list element")
            node[int(last)] = val
        elif isinstance(node, dict):
            node[last] = val
        else:
            raise CardError("--set", item, "the parent of this key is not a table")
    return data


#: a scan has at most this many points
MAX_SCAN_POINTS = 1000
#: keys that may hold a list of values (a scan): particles.rigidity and, per component,
#: the turbulence level dB2 or M_A
SCAN_LEVEL_KEYS = ("dB2", "M_A")


@dataclass(frozen=True)
class Scan:
    """The points of a card whose ``particles.rigidity`` and/or turbulence level
    (``dB2`` or ``M_A`` of one or more components) are lists.

    Points are the Cartesian product rigidity x level (levels of several components
    are zipped, so all their lists must have the same length), rigidity varying
    fastest; every point is a complete, validated :class:`Card` with the same seed,
    so the points share their turbulence realisations (common random numbers)."""

    cards: tuple
    parameters: tuple        # names of the scanned parameters, e.g. ("rigidity", "dB2")
    data: dict = field(default_factory=dict, repr=False, compare=False)   # the card before expansion
    text: str = ""

    @property
    def is_scan(self) -> bool:
        return bool(self.parameters)

    def values(self, name: str) -> list[float]:
        if name == "rigidity":
            return [c.particles.rigidity for c in self.cards]
        return [c.field.dB2_total for c in self.cards]


def _scan_list(value, key: str):
    if not isinstance(value, list):
        return None
    if not 1 <= len(value) <= MAX_SCAN_POINTS:
        raise CardError(key, value, f"a scan list needs 1 to {MAX_SCAN_POINTS} values")
    return value


def parse_scan(data: dict, text: str = "", source: str = "") -> Scan:
    """Expand list-valued rigidity / dB2 / M_A into scan points and validate each."""
    import copy

    if not isinstance(data, dict):
        raise CardError("card", data, "must be a TOML document")
    parts = data.get("particles")
    rig = _scan_list(parts.get("rigidity"), "particles.rigidity") if isinstance(parts, dict) else None
    levels: dict[tuple[int, str], list] = {}
    turb = data.get("field", {}).get("turbulence") if isinstance(data.get("field"), dict) else None
    if isinstance(turb, list):
        for i, t in enumerate(turb):
            if isinstance(t, dict):
                for k in SCAN_LEVEL_KEYS:
                    lst = _scan_list(t.get(k), f"field.turbulence[{i}].{k}")
                    if lst is not None:
                        levels[(i, k)] = lst
    n_level = {len(v) for v in levels.values()}
    if len(n_level) > 1:
        key = "field.turbulence[%d].%s" % next(iter(levels))
        raise CardError(key, levels[next(iter(levels))],
                        "scanned turbulence levels of several components are zipped: their lists need equal lengths")
    n_lev = n_level.pop() if n_level else 0
    n_points = max(len(rig), 1) * max(n_lev, 1) if rig is not None else max(n_lev, 1)
    if n_points > MAX_SCAN_POINTS:
        raise CardError("particles.rigidity", rig, f"the scan has {n_points} points; at most {MAX_SCAN_POINTS}")
    if rig is None and not levels:
        return Scan(cards=(parse_card(data, text, source),), parameters=(), data=data, text=text)
    cards = []
    for j in range(max(n_lev, 1)):
        for r in (rig if rig is not None else [None]):
            point = copy.deepcopy(data)
            if r is not None:
                point["particles"]["rigidity"] = r
            for (i, k), lst in levels.items():
                point["field"]["turbulence"][i][k] = lst[j]
            cards.append(parse_card(point, text, source))
    params = (("rigidity",) if rig is not None else ()) + (("dB2",) if levels else ())
    return Scan(cards=tuple(cards), parameters=params, data=data, text=text)


def read_card_data(path: str | Path, overrides: list[str] | None = None) -> tuple[dict, str]:
    """Read and override a card file: (TOML data, verbatim text)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CardError("card", str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError("card", str(path), f"cannot be read ({exc.__class__.__name__})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError("card", str(path), f"is not valid TOML: {str(exc).splitlines()[0]}") from None
    if overrides:
        data = apply_overrides(data, overrides)
    return data, text


def load_scan(path: str | Path, overrides: list[str] | None = None) -> Scan:
    """Read, override and validate a card that may describe a scan."""
    data, text = read_card_data(path, overrides)
    return parse_scan(data, text=text, source=str(path))


def load_card(path: str | Path, overrides: list[str] | None = None) -> Card:
    """Read, override and validate a run card file (a single point, not a scan)."""
    scan = load_scan(path, overrides)
    if scan.is_scan:
        raise CardError("particles.rigidity" if "rigidity" in scan.parameters else "field.turbulence",
                        "(a list)", "this command takes a single point; scans are run with mcparticles run")
    return scan.cards[0]
