"""Field models.  Each model is a frozen parameter object with ``sample(rng) -> ModeSet``
and ``dmumu_qlt(mu, particle, B0, unbounded=False)``: the simulated field and its QLT
prediction come from the same object.  ``IMPLEMENTED`` maps run-card model names to
the classes."""
from .composite import Composite
from .gs95 import AlfvenicGS95
from .isotropic import FastModes, Isotropic
from .modes import ModeSet
from .slab import Slab

IMPLEMENTED = {"slab": Slab, "isotropic": Isotropic, "composite": Composite,
               "alfvenic_gs95": AlfvenicGS95, "fast_modes": FastModes}
PLANNED: tuple = ()

__all__ = ["ModeSet", "Slab", "Isotropic", "FastModes", "Composite", "AlfvenicGS95", "IMPLEMENTED", "PLANNED"]
