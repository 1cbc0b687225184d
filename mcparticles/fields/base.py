"""What a field model is, and the registry that maps run-card names to models.

A model is a frozen dataclass, subclass of :class:`FieldModel`, living in one module that
owns everything about it:

* its run-card keys (``keys``: a tuple of :class:`mcparticles.schema.Key`) and how a
  validated table becomes the parameter object (``from_card``);
* its sampler: ``sample(seed)`` -> :class:`~mcparticles.fields.modes.ModeSet`, one
  realisation of the field (``_draw`` in the subclass);
* its QLT hooks: ``dmumu_qlt`` (the quasi-linear D_mumu of this component),
  ``transport_qlt`` (D_mumu, D_mup, D_pp; moving waves), ``closed_form_qlt`` and
  ``dB2_parallel``;
* whether its waves move (``moves``) and how it takes the plasma's Alfven speed and beta
  (``in_plasma``: a copy with the wave speeds set; docs/physics.md §6);
* the numbers the planner and ``mcparticles info`` need: band, largest sampled |k| and
  k_par, kernel-table columns, its own ``info_rows``;
* whether the grid backend can synthesise it (``grid``; then ``grid_polarization``).

``@register_model`` puts a class in the registry under its ``name``; the card reader,
``mcparticles run``, ``qlt`` and ``info`` look models up there and nowhere else, so a new
model is one new module (see docs/contributing.md for a worked example).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..schema import CardError, Key, Table, no_unknown
from ..spectra import Spectrum, make_spectrum


@dataclass(frozen=True)
class PlasmaContext:
    """What a component may need from the rest of the card: the ``[plasma]``
    (plasma.Plasma) and ``[cosmic_rays]`` (selfgen.CosmicRays), None when absent, and
    the card path of the component (for error messages)."""

    plasma: object = None
    cosmic_rays: object = None
    path: str = "field.turbulence"


def as_generator(seed) -> np.random.Generator:
    """A numpy Generator from an integer seed, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class FieldModel:
    """Base class of the ``[[field.turbulence]]`` models (see the module docstring)."""

    #: the card's ``model = "..."``
    name: ClassVar[str] = ""
    #: one line for the documentation and ``mcparticles info``
    description: ClassVar[str] = ""
    #: the card keys besides ``model``
    keys: ClassVar[tuple] = ()
    #: "slab" when every wave vector is along B0 (the slab rule for the D_mumu lag)
    geometry: ClassVar[str] = "3d"
    #: QLT is a closed form, cheap enough for adaptive quadrature over mu
    closed_form_qlt: ClassVar[bool] = False
    #: the grid backend can synthesise this model (``grid_polarization``)
    grid: ClassVar[bool] = False
    #: the waves move when the card has [field] v_A > 0 (False: static at any v_A)
    moves: ClassVar[bool] = False

    # -- card ------------------------------------------------------------------------------
    @classmethod
    def read(cls, data: dict, path: str) -> FieldModel:
        """Validate a card table (unknown keys are errors) and build the model."""
        no_unknown(data, {"model"} | {k.name for k in cls.keys}, path)
        return cls.from_card(Table(data, path, cls.keys))

    @classmethod
    def from_card(cls, t: Table) -> FieldModel:  # pragma: no cover - every model defines it
        raise NotImplementedError(f"{cls.__name__}.from_card")

    def in_plasma(self, v_A: float, beta: float, plasma=None) -> FieldModel:
        """This component in a plasma of Alfven speed ``v_A`` [c] and plasma ``beta``:
        a model whose waves move returns a copy with its wave speeds set; a static one
        (the default) returns itself.  ``plasma``: the card's :class:`PlasmaContext`
        (its ``[plasma]`` and ``[cosmic_rays]``, None when absent) for models whose
        spectrum depends on them (damping, self-generated waves)."""
        return self

    def scaled(self, factor: float) -> FieldModel:
        """This component with its power multiplied by ``factor`` (every amplitude by
        sqrt(factor); ``[field] boost``): the spectrum's shape, the wave motion and the
        anisotropy are unchanged."""
        from dataclasses import replace
        return replace(self, spectrum=replace(self.spectrum, dB2=self.spectrum.dB2 * factor))

    @property
    def parallel_speeds(self) -> tuple[float, ...]:
        """Phase speeds along B0 [c] of the wave families whose gyroresonance leaves a
        gap in mu (at mu = V/v): (0.0,) for static waves and for fast modes."""
        return (0.0,)

    @property
    def wave_speed_max(self) -> float:
        """Largest phase speed of the sampled modes [c] (0: static); the time step
        resolves k_max (v + this)."""
        return 0.0

    # -- realisations ------------------------------------------------------------------------
    def sample(self, seed=None):
        """One realisation (a ModeSet) from an integer seed or a numpy Generator."""
        return self._draw(as_generator(seed))

    def _draw(self, rng: np.random.Generator):  # pragma: no cover - every model defines it
        raise NotImplementedError(f"{type(self).__name__}._draw")

    # -- numbers for the planner and info ---------------------------------------------------
    @property
    def k_range(self) -> tuple[float, float]:
        """The band [k_min, k_max] of the card [1/L]."""
        raise NotImplementedError

    @property
    def k_max_sampled(self) -> float:
        """Upper bound of |k| over every realisation [1/L] (time step)."""
        return self.k_range[1]

    @property
    def k_par_max(self) -> float:
        """Upper bound of |k_par| over every realisation [1/L] (the 90-degree gap)."""
        return self.k_range[1]

    def table_columns(self) -> tuple[int, int]:
        """(static slab columns, other columns) of the kernel table of one realisation."""
        raise NotImplementedError

    dB2_parallel: float = 0.0
    """<dB_z^2> [B_ref^2], the compressive part (Yan-Lazarian resonance broadening)."""

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        """Model-specific lines of ``mcparticles info`` (label, text), for particles of
        gyroradius ``r_g`` [L]."""
        return []

    # -- QLT --------------------------------------------------------------------------------
    def nlgc_terms(self):
        """The parts of this component's spectral tensor for NLGC kappa_perp
        (qlt/nlgc.py): a tuple of NLGCTerm ("slab", "2d" or "isotropic" geometry with
        its 1D spectrum), or None where NLGC is not defined for the model."""
        return None

    def dmumu_qlt(self, mu, particle, B0: float, qlt, *, unbounded: bool = False, broadening=None):
        """Quasi-linear D_mumu [c/L] of this component at ``mu`` for ``particle``
        (a ParticleSpec) in the mean field ``B0``; ``qlt``: the card's QLTSettings;
        ``unbounded``: the spectrum continued above k_max; ``broadening``: the field's
        dB_par,rms for the Yan-Lazarian resonance function (None: sharp)."""
        raise NotImplementedError(f"{type(self).__name__}.dmumu_qlt")

    def transport_qlt(self, mu, particle, B0: float, qlt, *, unbounded: bool = False, broadening=None):
        """Quasi-linear (D_mumu [c/L], D_mup [p0 c/L], D_pp [p0^2 c/L]) of this component
        at ``mu`` (arguments as ``dmumu_qlt``).  Every mode is magnetostatic in the frame
        moving along B0 at its phase speed V_k = omega/k_par, so mode by mode
        D_mup = D_mumu p eps_k/(1 - mu eps_k) and D_pp = D_mumu p^2 eps_k^2/(1 - mu eps_k)^2
        with eps_k = V_k/v (docs/physics.md §6.3).  The default, for static models:
        ``dmumu_qlt`` and zero momentum transport."""
        d = np.asarray(self.dmumu_qlt(mu, particle, B0, qlt, unbounded=unbounded, broadening=broadening),
                       dtype=float)
        return d, np.zeros_like(d), np.zeros_like(d)

    # -- grid backend -------------------------------------------------------------------------
    def grid_polarization(self, khat: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Project white noise (3, ...) onto this model's polarisation at unit wave
        vectors ``khat`` (3, ...) (fields/grid.py)."""
        raise NotImplementedError(f"model {self.name!r} has no grid synthesis")


# -- registry -----------------------------------------------------------------------------

_MODELS: dict[str, type] = {}


def register_model(cls: type, *, replace: bool = False) -> type:
    """Class decorator: make ``cls`` available as ``model = cls.name`` in run cards.
    A second model with the same name is an error unless ``replace``."""
    if not (isinstance(cls, type) and issubclass(cls, FieldModel)) or not cls.name:
        raise TypeError("register_model takes a FieldModel subclass with a non-empty name")
    if cls.name in _MODELS and _MODELS[cls.name] is not cls and not replace:
        raise ValueError(f"a field model named {cls.name!r} is already registered ({_MODELS[cls.name].__name__})")
    _MODELS[cls.name] = cls
    return cls


def unregister_model(name: str) -> None:
    """Remove a model from the registry (for tests and interactive work)."""
    _MODELS.pop(name, None)


def model_names() -> tuple[str, ...]:
    """Names of the registered models, in registration order."""
    return tuple(_MODELS)


def model_class(name: str) -> type:
    """The registered class for ``name`` (KeyError if there is none)."""
    return _MODELS[name]


def model_from_table(data, path: str) -> FieldModel:
    """The model of one ``[[field.turbulence]]`` table, validated."""
    if not isinstance(data, dict):
        raise CardError(path, data, "must be a table ([[field.turbulence]])")
    name = data.get("model", None)
    if "model" not in data:
        raise CardError(f"{path}.model", "(missing)", "this key is required; one of "
                        + " | ".join(f'"{m}"' for m in _MODELS))
    if not isinstance(name, str) or name not in _MODELS:
        raise CardError(f"{path}.model", name, "must be one of " + " | ".join(f'"{m}"' for m in _MODELS))
    return _MODELS[name].read(data, path)


# -- keys shared by the models built on a one-dimensional spectrum ---------------------------

K_MIN = Key("k_min", "number", 1.0, "smallest wavenumber of the band", "1/L", lo=1e-8, hi=1e12)
K_MAX = Key("k_max", "number", 1.0e3, "largest wavenumber of the band", "1/L", lo=1e-8, hi=1e12)


def index_key(default: float) -> Key:
    return Key("index", "number", default, "one-dimensional spectral index: P(k) ~ k^-index", "",
               lo=0.0, lo_open=True, hi=20.0)


def n_modes_key(default: int, what: str = "plane-wave modes per realisation") -> Key:
    return Key("n_modes", "integer", default, what, "", lo=1, hi=1_000_000)


DB2 = Key("dB2", "number", doc="<dB^2>/B_ref^2 of this component", lo=0.0)
SPECTRUM = Key("spectrum", "choice", "power_law", "spectral shape", choices=("power_law", "bendover"))
L_BENDOVER = Key("l_bendover", "number", 1.0, 'bend-over scale (spectrum = "bendover" only)', "L",
                 lo=0.0, lo_open=True, hi=1e12)


def spectrum_keys(index_default: float = 5.0 / 3.0) -> tuple:
    """dB2, spectrum, index, k_min, k_max, l_bendover."""
    return (DB2, SPECTRUM, index_key(index_default), K_MIN, K_MAX, L_BENDOVER)


def read_band(t: Table, with_index: bool = True) -> tuple[float, float, float | None]:
    """(k_min, k_max, index) with k_max > k_min."""
    k_min, k_max = t["k_min"], t["k_max"]
    if k_max <= k_min:
        t.error("k_max", f"must be greater than k_min = {k_min:g}", value=k_max)
    return k_min, k_max, (t["index"] if with_index else None)


def read_spectrum(t: Table, dB2: float | None = None) -> Spectrum:
    """The one-dimensional spectrum of a table with the ``spectrum_keys``."""
    dB2 = t["dB2"] if dB2 is None else dB2
    kind = t["spectrum"] if "spectrum" in t.keys else "power_law"
    k_min, k_max, index = read_band(t)
    if t.given("l_bendover") and kind != "bendover":
        t.error("l_bendover", 'only allowed with spectrum = "bendover"')
    l_b = t["l_bendover"] if kind == "bendover" else None
    return make_spectrum(kind, dB2=dB2, index=index, k_min=k_min, k_max=k_max, l_bendover=l_b)


class SpectrumBacked:
    """Properties shared by models built on a one-dimensional ``spectrum``."""

    @property
    def dB2(self) -> float:
        return self.spectrum.dB2

    @property
    def k_range(self) -> tuple[float, float]:
        return self.spectrum.k_min, self.spectrum.k_max
