"""Run card (TOML) -> validated, frozen configuration.

This module reads the generic sections -- ``[run]``, ``[field]`` (mean field, backend,
precision), ``[particles]``, ``[time]``, ``[diagnostics]``, ``[qlt]`` -- and hands each
``[[field.turbulence]]`` table to its model (``fields/base.py``: the registry; each model
owns its keys).  A bad card raises :class:`~mcparticles.schema.CardError`, one line
naming the key, the value and what is allowed; unknown keys are errors.  The whole card
reference, with every key and default, is docs/card.md.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .fields import model_from_table
from .fields.precision import PRECISIONS
from .particles import ParticleSpec
from .schema import CardError, choice, integer, no_unknown, number, section, string
from .units import PROTON_MASS_GEV, PhysicalUnits, alfven_speed

#: dt = "auto" keeps Omega dt <= AUTO_OMEGA_DT (Omega in the rms total field) and
#: |k|_max v dt <= AUTO_KMAX_VDT (docs/physics.md §2)
AUTO_OMEGA_DT = 0.1
AUTO_KMAX_VDT = 1.0

#: a run holds the partial sums of every work unit until it combines them, in unit order
MAX_WORK_UNITS = 100_000
#: the late-time fits (kappa, alpha) need at least this many distinct output times
MIN_OUTPUT_TIMES = 4

#: keys of the generic sections (the models' keys live with the models)
SECTIONS = ("run", "field", "particles", "time", "diagnostics", "qlt", "plasma", "cosmic_rays")
RUN_KEYS = ("name", "seed", "realizations", "output", "batch_size", "threads", "device")
#: where the particles are pushed: numba on the CPU cores, or numba-cuda on an NVIDIA GPU (mcparticles/gpu.py)
DEVICES = ("cpu", "cuda")
FIELD_KEYS = ("B0", "turbulence", "v_A", "beta", "n_i_cm3", "backend", "grid_points", "grid_box", "precision", "boost",
              "boost_target_gyroperiods")
#: boost = "auto" aims at a QLT scattering time 1/nu = 3 kappa_par / v^2 of this many gyro-periods
BOOST_TARGET_GYROPERIODS = 30.0
#: boost = "auto" keeps the boosted <dB^2>/B0^2 of the whole field at most this (quasi-linear regime)
BOOST_MAX_DB2 = 0.3
PARTICLE_KEYS = ("count", "rigidity", "speed", "charge", "pitch", "energy_GeV", "mass_GeV", "B0_microgauss", "L_pc")
TIME_KEYS = ("t_max", "dt", "n_output")
DIAGNOSTICS_KEYS = ("mu_bins", "trajectories", "track_points", "dmumu_lag", "dmumu_max_lag", "mu_samples_per_gyration")
QLT_KEYS = ("resonance", "harmonics")


# -- the frozen configuration ------------------------------------------------------------

@dataclass(frozen=True)
class RunSettings:
    name: str
    seed: int
    realizations: int
    output: str | None
    batch_size: int
    threads: int            # 0 = automatic
    device: str = "cpu"     # one of DEVICES


@dataclass(frozen=True)
class FieldSettings:
    """The mean field and the turbulence components (model objects, summed)."""

    B0: float
    components: tuple       # FieldModel objects (fields/*.py), with the wave speeds set (in_plasma)
    v_A: float = 0.0        # Alfven speed [c]; 0: static fields
    beta: float = 0.0       # plasma beta (fast-mode speed)
    backend: str = "modes"
    grid: object = None     # fields.grid.GridSettings when backend = "grid"
    precision: str = "double"   # fields/precision.py
    boost: float = 1.0      # every amplitude was multiplied by this (components hold the boosted field)
    boost_auto: bool = False    # the boost was chosen by boost = "auto"
    plasma: object = None   # plasma.Plasma of a [plasma] card
    cosmic_rays: object = None  # selfgen.CosmicRays of a [cosmic_rays] card

    @property
    def power_factor(self) -> float:
        """boost^2: simulated power / physical power; physical D = simulated D / boost^2
        and physical kappa = simulated kappa x boost^2 (quasi-linear scaling)."""
        return self.boost ** 2

    @property
    def dB2_total(self) -> float:
        return float(sum(c.dB2 for c in self.components))

    @property
    def B_ref_rms(self) -> float:
        """rms of the total field, sqrt(B0^2 + dB^2), in B_ref."""
        return math.sqrt(self.B0 ** 2 + self.dB2_total)

    @property
    def k_max_sampled(self) -> float:
        """Largest |k| any realisation can hold [1/L] (the time step resolves it)."""
        return max(c.k_max_sampled for c in self.components)

    @property
    def k_par_max(self) -> float:
        """Largest |k_par| any realisation can hold [1/L]: QLT D_mumu vanishes for
        |mu| < 1/(r_g k_par_max) (the 90-degree gap)."""
        return max(c.k_par_max for c in self.components)

    @property
    def k_min(self) -> float:
        return min(c.k_range[0] for c in self.components)

    @property
    def moving(self) -> bool:
        """Some component's waves move (v_A > 0 and a model with ``moves``): the run
        pushes with electric fields and measures momentum transport."""
        return self.v_A > 0 and any(c.moves for c in self.components)

    @property
    def wave_speed_max(self) -> float:
        """Largest wave phase speed of the components [c] (0 for static fields)."""
        return max(c.wave_speed_max for c in self.components)

    def sample(self, seed=None):
        """One realisation of the turbulent field dB: the components sampled in card
        order from one generator (an integer seed or a numpy Generator) -- a ModeSet,
        or a GridField for backend = "grid".  ``.evaluate(x, t)`` gives dB [B_ref]."""
        from .fields.base import as_generator
        from .fields.grid import synthesize
        from .fields.modes import ModeSet
        rng = as_generator(seed)
        if self.backend == "grid":
            return synthesize(self.components, self.grid, rng)
        return ModeSet.concatenate([c.sample(rng) for c in self.components])


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
    """A validated run card (one point; a list-valued card is a :class:`Scan`).

    Build one with :func:`load_card` (a file), ``Card.from_dict`` (a dict in the TOML
    layout) or ``card.replace(...)``; ``text`` is the verbatim TOML it came from and
    ``raw`` the card data after overrides, which is what the run records."""

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

    @classmethod
    def from_dict(cls, data: dict, *, text: str = "", source: str = "") -> Card:
        """Validate a card given as a dict (the TOML layout: sections as dicts,
        ``field.turbulence`` a list of dicts)."""
        return parse_card(copy.deepcopy(data), text=text, source=source)

    def replace(self, *overrides: str, **sections: dict) -> Card:
        """A new card with some values changed and everything re-validated:
        ``card.replace(particles={"count": 64}, time={"t_max": 10.0})`` updates keys of
        sections (a ``field.turbulence`` list given is taken whole), and
        ``card.replace("field.turbulence.0.dB2=0.1")`` applies ``--set`` overrides."""
        return parse_card(updated(self.raw, overrides, sections), text=self.text, source=self.source)

    def to_dict(self) -> dict:
        """The card data (a deep copy), as ``Card.from_dict`` takes it."""
        return copy.deepcopy(self.raw)

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


def updated(data: dict, overrides=(), sections: dict | None = None) -> dict:
    """A deep copy of ``data`` with section updates and ``--set`` overrides applied."""
    out = copy.deepcopy(data)
    for name, upd in (sections or {}).items():
        if isinstance(upd, dict) and isinstance(out.get(name), dict):
            out[name].update(copy.deepcopy(upd))
        else:
            out[name] = copy.deepcopy(upd)
    return apply_overrides(out, list(overrides)) if overrides else out


# -- parsing ------------------------------------------------------------------------------

def _grid(f: dict, backend: str, comps):
    """GridSettings for backend = "grid" (fields/grid.py), None for modes."""
    from .fields.grid import GridSettings
    if backend != "grid":
        for key in ("grid_points", "grid_box"):
            if key in f:
                raise CardError(f"field.{key}", f[key], 'only allowed with backend = "grid"')
        return None
    from .fields import model_class, model_names
    gridded = [m for m in model_names() if model_class(m).grid]
    for i, c in enumerate(comps):
        if not c.grid:
            raise CardError("field.backend", backend, "the grid backend takes "
                            + " and ".join(f'"{m}"' for m in gridded)
                            + f' components; field.turbulence[{i}] is "{c.name}" (use backend = "modes")')
    k_lo = min(c.spectrum.k_min for c in comps)
    k_hi = max(c.spectrum.k_max for c in comps)
    n = integer(f, "grid_points", "field", 128, lo=8, hi=1024)
    box = number(f, "grid_box", "field", 2.0 * math.pi / k_lo, lo=2.0 * math.pi / k_lo * (1 - 1e-12), hi=1e12)
    grid = GridSettings(points=n, box=box)
    if k_hi > grid.k_resolved * (1 + 1e-12):
        need = int(math.ceil(4.0 * k_hi / grid.k0))
        raise CardError("field.grid_points", n, f"resolves |k| <= N (2 pi/box) / 4 = {grid.k_resolved:.4g} < k_max = "
                        f"{k_hi:g} (trilinear interpolation); needs grid_points >= {need} or a smaller k_max")
    return grid


def _alfven_speed(f: dict, data: dict, plasma=None) -> float:
    """[field] v_A [c], or from n_i_cm3 with [particles] B0_microgauss (units.alfven_speed),
    or the ion Alfven speed of the [plasma]."""
    if plasma is not None:
        for key in ("v_A", "n_i_cm3", "beta"):
            if key in f:
                raise CardError(f"field.{key}", f[key], "is set by the [plasma] section (ion Alfven speed and beta); "
                                "remove it")
        return plasma.v_A
    if "n_i_cm3" not in f:
        return number(f, "v_A", "field", 0.0, lo=0.0, hi=1.0, hi_open=True)
    if "v_A" in f:
        raise CardError("field.n_i_cm3", f["n_i_cm3"], "give either v_A or n_i_cm3, not both")
    n_i = number(f, "n_i_cm3", "field", lo=0.0, lo_open=True, hi=1e30)
    p = data.get("particles")
    if not isinstance(p, dict) or "B0_microgauss" not in p:
        raise CardError("field.n_i_cm3", n_i, "needs [particles] B0_microgauss (a physical card) for v_A = "
                        "B0 / sqrt(4 pi n_i m_p)")
    bmu = number(p, "B0_microgauss", "particles", lo=0.0, lo_open=True, hi=1e15)
    v_A = alfven_speed(bmu, n_i)
    if not v_A < 1.0:
        raise CardError("field.n_i_cm3", n_i, f"gives v_A = {v_A:.4g} c with B0_microgauss = {bmu:g}; v_A must be "
                        "below c")
    return v_A


def _particles(p: dict) -> tuple[ParticleSpec, PhysicalUnits | None]:
    path = "particles"
    phys_keys = {"energy_GeV", "mass_GeV", "B0_microgauss", "L_pc"}
    no_unknown(p, set(PARTICLE_KEYS), path)
    count = integer(p, "count", path, lo=1, hi=10**9)
    charge = integer(p, "charge", path, 1, lo=-1000, hi=1000)
    if charge == 0:
        raise CardError("particles.charge", 0, "must be a non-zero integer (charge number Z)")
    pitch = p.get("pitch", "isotropic")
    if isinstance(pitch, str):
        if pitch != "isotropic":
            raise CardError("particles.pitch", pitch, 'must be "isotropic" or a number in [-1, 1]')
    else:
        pitch = number(p, "pitch", path, lo=-1.0, hi=1.0)
    given_phys = phys_keys & set(p)
    physical = None
    if "rigidity" in p:
        if given_phys:
            key = sorted(given_phys)[0]
            raise CardError(f"particles.{key}", p[key],
                            "give either rigidity (and speed) or energy_GeV + B0_microgauss + L_pc, not both")
        rigidity = number(p, "rigidity", path, lo=0.0, lo_open=True, hi=1e12)
        speed = number(p, "speed", path, 1.0, lo=1e-6, hi=1.0)
    else:
        if not given_phys:
            raise CardError("particles.rigidity", "(missing)",
                            "give rigidity, or energy_GeV + B0_microgauss + L_pc")
        if "speed" in p:
            raise CardError("particles.speed", p["speed"], "not allowed with energy_GeV (the speed follows from it)")
        energy = number(p, "energy_GeV", path, lo=0.0, lo_open=True, hi=1e15)
        mass = number(p, "mass_GeV", path, PROTON_MASS_GEV, lo=0.0, hi=1e6)
        if energy <= mass:
            raise CardError("particles.energy_GeV", energy,
                            f"total energy must exceed mass_GeV = {mass:g}")
        bmu = number(p, "B0_microgauss", path, lo=0.0, lo_open=True, hi=1e15)
        lpc = number(p, "L_pc", path, lo=0.0, lo_open=True, hi=1e12)
        physical = PhysicalUnits(energy, mass, charge, bmu, lpc)
        rigidity, speed = physical.rigidity, physical.speed
        if not (0 < rigidity <= 1e12 and 1e-6 <= speed <= 1):
            raise CardError("particles.energy_GeV", energy,
                            f"gives rigidity = {rigidity:.4g} and speed = {speed:.4g} c; allowed: rigidity in "
                            "(0, 1e12], speed in [1e-6, 1]")
    spec = ParticleSpec(rigidity=rigidity, speed=speed, charge_sign=1 if charge > 0 else -1,
                        count=count, pitch=pitch)
    return spec, physical


def _plasma_sections(data: dict):
    """(Plasma, CosmicRays) of the card's [plasma] and [cosmic_rays] (None when absent)."""
    plasma = cosmic_rays = None
    if "plasma" in data:
        from .plasma import read_plasma
        plasma = read_plasma(section(data, "plasma"))
    if "cosmic_rays" in data:
        if plasma is None:
            raise CardError("[cosmic_rays]", "(given)", "needs a [plasma] section (the waves live in it)")
        from .selfgen import read_cosmic_rays
        cosmic_rays = read_cosmic_rays(section(data, "cosmic_rays"))
    return plasma, cosmic_rays


def _check_drive_keys(cosmic_rays, drives: set) -> None:
    """[cosmic_rays] keys that no component's drive uses are errors (a key meant for the
    other instability must not be ignored silently)."""
    if not drives:
        raise CardError("[cosmic_rays]", "(given)", 'is used only by a slab component with spectrum = '
                        '"self_generated"; remove it or add one')
    unused = []
    if "streaming" not in drives and cosmic_rays.gradient_scale_pc is not None:
        unused.append(("gradient_scale_pc", cosmic_rays.gradient_scale_pc, 'drive = "streaming"'))
    if "pressure_anisotropy" not in drives:
        for key in ("dP_over_P", "field_change_time_yr"):
            if getattr(cosmic_rays, key) is not None:
                unused.append((key, getattr(cosmic_rays, key), 'drive = "pressure_anisotropy"'))
    for key, value, what in unused:
        raise CardError(f"cosmic_rays.{key}", value, f"is used only by {what}, which no component has")


def _with_plasma_units(p: dict, plasma) -> dict:
    """[particles] with B0_microgauss and L_pc taken from the [plasma] (a copy); a card
    that gives them too must give the same values."""
    if plasma is None:
        return p
    p = dict(p)
    if "rigidity" in p:
        raise CardError("particles.rigidity", p["rigidity"], "a card with [plasma] gives the particles' energy_GeV "
                        "(their rigidity follows from the plasma's B and L)")
    for key, value in (("B0_microgauss", plasma.B_microgauss), ("L_pc", plasma.L_pc)):
        if key in p and p[key] != value:
            raise CardError(f"particles.{key}", p[key], f"differs from the [plasma] value {value:g}; leave it out")
        p[key] = value
    return p


def _boost(f: dict, B0: float) -> tuple[float, bool]:
    """([field] boost, whether it is "auto"); "auto" is resolved at the end of
    ``parse_card`` (``_resolve_auto_boost``)."""
    raw = f.get("boost", 1.0)
    if "boost_target_gyroperiods" in f and raw != "auto":
        raise CardError("field.boost_target_gyroperiods", f["boost_target_gyroperiods"], 'only allowed with boost = '
                        '"auto"')
    if isinstance(raw, str):
        if raw != "auto":
            raise CardError("field.boost", raw, 'must be a number > 0, "auto" or a list of numbers (a boost check)')
        number(f, "boost_target_gyroperiods", "field", BOOST_TARGET_GYROPERIODS, lo=1.0, hi=1e6)
        if B0 <= 0:
            raise CardError("field.boost", raw, '"auto" needs QLT, which needs B0 = 1')
        return 1.0, True
    return number(f, "boost", "field", 1.0, lo=0.0, lo_open=True, hi=1e8), False


def _resolve_auto_boost(card: Card) -> Card:
    """The card of boost = "auto" (parsed with boost 1) made concrete: the boost b with
    which the QLT scattering time of the boosted field, 1/nu = 3 kappa_par/(b^2 v^2) at
    the physical amplitude's kappa_par, is ``boost_target_gyroperiods`` gyro-periods,
    capped so that the boosted <dB^2>/B0^2 stays <= BOOST_MAX_DB2; the card records the
    number (``raw``) and ``field.boost_auto``."""
    from .qlt.predict import QLTUnavailable, predict
    target = float(card.raw["field"].get("boost_target_gyroperiods", BOOST_TARGET_GYROPERIODS))
    try:
        kappa = predict(card).kappa
    except QLTUnavailable as exc:
        raise CardError("field.boost", "auto", f"needs the QLT kappa_par of the card: {exc}") from None
    if kappa is None or not kappa.kappa_par > 0 or not math.isfinite(kappa.kappa_par):
        raise CardError("field.boost", "auto", "the card's QLT kappa_par is not finite; give a number")
    v = card.particles.speed
    t_scatter = 3.0 * kappa.kappa_par / v ** 2
    b2 = t_scatter / (target * card.gyroperiod)
    b2 = min(max(b2, 1.0), BOOST_MAX_DB2 / card.field.dB2_total)
    data = updated(card.raw)
    data["field"]["boost"] = float(math.sqrt(b2))
    data["field"].pop("boost_target_gyroperiods", None)
    out = parse_card(data, text=card.text, source=card.source)
    return replace_field(out, boost_auto=True)


def replace_field(card: Card, **values) -> Card:
    from dataclasses import replace
    return replace(card, field=replace(card.field, **values))


def parse_card(data: dict, text: str = "", source: str = "") -> Card:
    """Validate a parsed TOML document (dict) into a :class:`Card`."""
    if not isinstance(data, dict):
        raise CardError("card", data, "must be a TOML document")
    no_unknown(data, set(SECTIONS), "")

    r = section(data, "run")
    no_unknown(r, set(RUN_KEYS), "run")
    name = string(r, "name", "run", "run")
    if any(ch in name for ch in "/\\\0") or name in (".", ".."):
        raise CardError("run.name", name, "must be a plain name (no path separators)")
    run = RunSettings(
        name=name,
        seed=integer(r, "seed", "run", lo=0, hi=2**63 - 1),
        realizations=integer(r, "realizations", "run", 1, lo=1, hi=100_000),
        output=string(r, "output", "run") if "output" in r else None,
        batch_size=integer(r, "batch_size", "run", 256, lo=1, hi=10**7),
        threads=integer(r, "threads", "run", 0, lo=0, hi=4096),
        device=choice(r, "device", "run", DEVICES, "cpu"),
    )

    qd = section(data, "qlt", required=False)
    no_unknown(qd, set(QLT_KEYS), "qlt")
    resonance = choice(qd, "resonance", "qlt", ("sharp", "broadened"), "sharp")
    harm = qd.get("harmonics", "all")
    if isinstance(harm, str):
        if harm != "all":
            raise CardError("qlt.harmonics", harm, 'must be "all" or an integer >= 1')
    else:
        harm = integer(qd, "harmonics", "qlt", lo=1, hi=10_000)
    qlt = QLTSettings(resonance=resonance, harmonics=harm)

    plasma, cosmic_rays = _plasma_sections(data)
    f = section(data, "field")
    no_unknown(f, set(FIELD_KEYS), "field")
    B0 = number(f, "B0", "field", 1.0)
    if B0 not in (0.0, 1.0):
        raise CardError("field.B0", B0, "must be 1 (the mean field is the field unit) or 0 "
                        "(pure turbulence; the unit is then the rms turbulent field)")
    v_A = _alfven_speed(f, data, plasma)
    beta = plasma.beta if plasma is not None else number(f, "beta", "field", 0.0, lo=0.0, hi=1e6)
    backend = choice(f, "backend", "field", ("modes", "grid"), "modes")
    precision = choice(f, "precision", "field", PRECISIONS, "double")
    if precision != "double" and backend != "modes":
        raise CardError("field.precision", precision, 'applies to backend = "modes" (the grid has no phases); '
                        'allowed with "grid": "double"')
    if run.device == "cuda" and backend != "modes":
        raise CardError("run.device", run.device, 'needs field.backend = "modes" (the grid backend runs on the CPU '
                        'only); allowed with "grid": "cpu"')
    if run.device == "cuda" and precision != "double":
        raise CardError("run.device", run.device, 'needs field.precision = "double" (phase rotation is a CPU '
                        'shortcut; the GPU sums every cosine); allowed with "rotation": "cpu"')
    turb = f.get("turbulence")
    if turb is None:
        raise CardError("[[field.turbulence]]", "(missing)", "at least one turbulence component is required")
    if not isinstance(turb, list) or not turb:
        raise CardError("field.turbulence", turb, "must be one or more [[field.turbulence]] tables")
    from .fields.base import PlasmaContext
    comps = tuple(model_from_table(t, f"field.turbulence[{i}]").in_plasma(
        v_A, beta, PlasmaContext(plasma, cosmic_rays, f"field.turbulence[{i}]")) for i, t in enumerate(turb))
    if cosmic_rays is not None:
        _check_drive_keys(cosmic_rays, {getattr(c, "drive", None) for c in comps} - {None})
    boost, boost_auto = _boost(f, B0)      # "auto": boost 1 here, resolved at the end
    if boost != 1.0:
        comps = tuple(c.scaled(boost * boost) for c in comps)
    if v_A > 0 and B0 == 0.0:
        raise CardError("field.v_A", v_A, "waves travel along the mean field: moving waves need B0 = 1 (allowed "
                        "with B0 = 0: v_A = 0)")
    moving = v_A > 0 and any(c.moves for c in comps)
    if moving and backend != "modes":
        raise CardError("field.backend", backend, 'the grid backend is static; moving waves ([field] v_A > 0) need '
                        'backend = "modes"')
    if moving and precision != "double":
        raise CardError("field.precision", precision, 'moving waves ([field] v_A > 0) are evaluated with '
                        'precision = "double"')
    dB2_total = sum(c.dB2 for c in comps)
    if B0 == 0.0 and abs(dB2_total - 1.0) > 1e-9:
        raise CardError("field.turbulence[0].dB2", comps[0].dB2,
                        "with B0 = 0 the field unit is the rms turbulent field, so the dB2 values must sum to 1"
                        f" (they sum to {dB2_total:g})")
    if B0 == 0.0 and dB2_total == 0.0:
        raise CardError("field.B0", B0, "B0 and every dB2 are zero: there is no field")
    grid = _grid(f, backend, comps)
    fieldset = FieldSettings(B0=B0, components=comps, v_A=v_A, beta=beta, backend=backend, grid=grid,
                             precision=precision, boost=boost, plasma=plasma, cosmic_rays=cosmic_rays)

    particles, physical = _particles(_with_plasma_units(section(data, "particles"), plasma))
    n_units = run.realizations * -(-particles.count // run.batch_size)
    if n_units > MAX_WORK_UNITS:
        raise CardError("run.batch_size", run.batch_size,
                        f"gives {n_units:.3g} work units (realizations x count / batch_size); at most "
                        f"{MAX_WORK_UNITS:g}: raise batch_size")

    tm = section(data, "time")
    no_unknown(tm, set(TIME_KEYS), "time")
    t_max = number(tm, "t_max", "time", lo=0.0, lo_open=True, hi=1e12)
    dt_raw = tm.get("dt", "auto")
    omega_max = particles.speed * fieldset.B_ref_rms / particles.rigidity
    # moving waves: the phase k . x - omega t changes at most at k_max (v + the fastest wave)
    v_rel = particles.speed + fieldset.wave_speed_max if fieldset.moving else particles.speed
    dt_auto_value = min(AUTO_OMEGA_DT / omega_max, AUTO_KMAX_VDT / (fieldset.k_max_sampled * v_rel))
    if not (math.isfinite(dt_auto_value) and dt_auto_value > 0):
        raise CardError("particles.rigidity", particles.rigidity,
                        f"gives an automatic time step {dt_auto_value:g} (gyro-frequency {omega_max:g} c/L) "
                        "that is not a positive finite number")
    if isinstance(dt_raw, str):
        if dt_raw != "auto":
            raise CardError("time.dt", dt_raw, 'must be "auto" or a positive number')
        dt, dt_auto = dt_auto_value, True
    else:
        dt, dt_auto = number(tm, "dt", "time", lo=0.0, lo_open=True, hi=t_max), False
    n_output = integer(tm, "n_output", "time", 64, lo=2, hi=100_000)
    timeset = TimeSettings(t_max=t_max, dt=dt, dt_auto=dt_auto, n_output=n_output)
    if not t_max / dt <= 1e12:
        raise CardError("time.dt", dt_raw, f"gives {t_max / dt:.3g} steps per particle; at most 1e12 allowed")
    if t_max < dt:
        raise CardError("time.t_max", t_max, f"must cover at least one time step (dt = {dt:.4g} L/c)")
    from .diagnostics.running import output_steps
    n_times = output_steps(timeset.n_steps, n_output).size
    if n_times < MIN_OUTPUT_TIMES:
        raise CardError("time.t_max", t_max, f"gives {timeset.n_steps} step(s) of dt = {dt:.4g} L/c and "
                        f"{n_times} output time(s); the late-time fits need at least {MIN_OUTPUT_TIMES} "
                        "(raise t_max or n_output, or lower dt)")

    d = section(data, "diagnostics", required=False)
    no_unknown(d, set(DIAGNOSTICS_KEYS), "diagnostics")
    lag_raw = d.get("dmumu_lag", "auto")
    if isinstance(lag_raw, str):
        if lag_raw != "auto":
            raise CardError("diagnostics.dmumu_lag", lag_raw, 'must be "auto" or a number of gyro-periods > 0')
        lag = None
    else:
        lag = number(d, "dmumu_lag", "diagnostics", lo=0.0, lo_open=True, hi=1000.0)
    max_lag = (number(d, "dmumu_max_lag", "diagnostics", lo=0.0, lo_open=True, hi=10_000.0)
               if "dmumu_max_lag" in d else None)
    if lag is not None and max_lag is not None and lag > max_lag:
        raise CardError("diagnostics.dmumu_lag", lag, f"must not exceed dmumu_max_lag = {max_lag:g}")
    diag = DiagnosticsSettings(
        mu_bins=integer(d, "mu_bins", "diagnostics", 20, lo=2, hi=10_000),
        trajectories=integer(d, "trajectories", "diagnostics", 16, lo=0, hi=100_000),
        track_points=integer(d, "track_points", "diagnostics", 1000, lo=2, hi=10**7),
        dmumu_lag=lag, dmumu_max_lag=max_lag,
        mu_samples_per_gyration=integer(d, "mu_samples_per_gyration", "diagnostics", 16, lo=4, hi=1000),
    )
    card = Card(run=run, field=fieldset, particles=particles, time=timeset, diagnostics=diag,
                qlt=qlt, physical=physical, text=text, source=source, raw=data)
    return _resolve_auto_boost(card) if boost_auto else card


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply ``--set`` overrides (dotted keys, list indices as numbers, values in TOML
    syntax, bare words taken as strings) to ``data`` in place; returns it."""
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
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
#: keys that may hold a list of values (a scan): particles.rigidity or particles.energy_GeV,
#: field.boost (the boost check) and, per component, the turbulence level dB2 or M_A
SCAN_LEVEL_KEYS = ("dB2", "M_A")


@dataclass(frozen=True)
class Scan:
    """The points of a card whose ``particles.rigidity`` (or ``energy_GeV``), turbulence
    level (``dB2`` or ``M_A`` of one or more components) and/or ``field.boost`` are lists.

    Points are the Cartesian product rigidity (or energy) x level x boost (levels of
    several components are zipped, so all their lists must have the same length),
    rigidity varying fastest and boost slowest; every point is a complete, validated :class:`Card` with the same seed,
    so the points share their turbulence realisations (common random numbers)."""

    cards: tuple
    parameters: tuple        # names of the scanned parameters, e.g. ("rigidity", "dB2")
    data: dict = field(default_factory=dict, repr=False, compare=False)   # the card before expansion
    text: str = ""
    source: str = ""

    @classmethod
    def from_dict(cls, data: dict, *, text: str = "", source: str = "") -> Scan:
        """Validate a (possibly list-valued) card given as a dict."""
        return parse_scan(copy.deepcopy(data), text=text, source=source)

    def replace(self, *overrides: str, **sections: dict) -> Scan:
        """As :meth:`Card.replace`, for every point."""
        return parse_scan(updated(self.data, overrides, sections), text=self.text, source=self.source)

    @property
    def is_scan(self) -> bool:
        return bool(self.parameters)

    def values(self, name: str) -> list[float]:
        if name == "rigidity":
            return [c.particles.rigidity for c in self.cards]
        if name == "energy_GeV":
            return [c.physical.energy_GeV for c in self.cards]
        if name == "boost":
            return [c.field.boost for c in self.cards]
        return [c.field.dB2_total for c in self.cards]


def _scan_list(value, key: str):
    if not isinstance(value, list):
        return None
    if not 1 <= len(value) <= MAX_SCAN_POINTS:
        raise CardError(key, value, f"a scan list needs 1 to {MAX_SCAN_POINTS} values")
    return value


def parse_scan(data: dict, text: str = "", source: str = "") -> Scan:
    """Expand list-valued rigidity or energy_GeV, dB2 / M_A and boost into scan points
    and validate each (boost = "auto" resolved per point by ``parse_card``)."""
    if not isinstance(data, dict):
        raise CardError("card", data, "must be a TOML document")
    parts = data.get("particles")
    rig = _scan_list(parts.get("rigidity"), "particles.rigidity") if isinstance(parts, dict) else None
    energy = _scan_list(parts.get("energy_GeV"), "particles.energy_GeV") if isinstance(parts, dict) else None
    if rig is not None and energy is not None:
        raise CardError("particles.energy_GeV", energy, "give either rigidity or energy_GeV, not both")
    fld = data.get("field") if isinstance(data.get("field"), dict) else {}
    boosts = _scan_list(fld.get("boost"), "field.boost")
    levels: dict[tuple[int, str], list] = {}
    turb = fld.get("turbulence")
    if isinstance(turb, list):
        for i, t in enumerate(turb):
            if isinstance(t, dict):
                for k in SCAN_LEVEL_KEYS:
                    lst = _scan_list(t.get(k), f"field.turbulence[{i}].{k}")
                    if lst is not None:
                        levels[(i, k)] = lst
    n_level = {len(v) for v in levels.values()}
    if len(n_level) > 1:
        i, k = next(iter(levels))
        key = f"field.turbulence[{i}].{k}"
        raise CardError(key, levels[next(iter(levels))],
                        "scanned turbulence levels of several components are zipped: their lists need equal lengths")
    n_lev = n_level.pop() if n_level else 0
    fast_key, fast = (("rigidity", rig) if rig is not None else ("energy_GeV", energy) if energy is not None
                      else (None, None))
    n_points = max(len(fast or ()), 1) * max(n_lev, 1) * max(len(boosts or ()), 1)
    if n_points > MAX_SCAN_POINTS:
        raise CardError(f"particles.{fast_key}" if fast_key else "field.boost", fast or boosts,
                        f"the scan has {n_points} points; at most {MAX_SCAN_POINTS}")
    if fast is None and not levels and boosts is None:
        card = parse_card(data, text, source)
        return Scan(cards=(card,), parameters=(), data=data, text=text, source=source)
    cards = []
    for b in (boosts if boosts is not None else [None]):
        for j in range(max(n_lev, 1)):
            for r in (fast if fast is not None else [None]):
                point = copy.deepcopy(data)
                if r is not None:
                    point["particles"][fast_key] = r
                for (i, k), lst in levels.items():
                    point["field"]["turbulence"][i][k] = lst[j]
                if b is not None:
                    point["field"]["boost"] = b
                cards.append(parse_card(point, text, source))
    params = (((fast_key,) if fast is not None else ()) + (("dB2",) if levels else ())
              + (("boost",) if boosts is not None else ()))
    return Scan(cards=tuple(cards), parameters=params, data=data, text=text, source=source)


def as_scan(card_or_scan) -> Scan:
    """A Scan of one point for a Card; a Scan unchanged."""
    if isinstance(card_or_scan, Scan):
        return card_or_scan
    if not isinstance(card_or_scan, Card):
        raise TypeError(f"expected a Card or a Scan, got {type(card_or_scan).__name__}")
    c = card_or_scan
    return Scan(cards=(c,), parameters=(), data=c.raw, text=c.text, source=c.source)


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
        name = scan.parameters[0]
        key = {"rigidity": "particles.rigidity", "energy_GeV": "particles.energy_GeV",
               "boost": "field.boost"}.get(name, "field.turbulence")
        raise CardError(key, "(a list)", "this is a scan card: read it with load_scan (or run it with mcparticles run)")
    return scan.cards[0]
