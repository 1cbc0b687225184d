"""Field models.  Each model is a frozen parameter object with ``sample(rng) -> ModeSet``
and ``dmumu_qlt(mu, particle, B0)``: the simulated field and its QLT prediction come
from the same object.  ``MODELS`` maps run-card model names to builders."""
from .modes import ModeSet
from .slab import Slab

#: run-card model name -> implemented?  (INTERFACE.md lists all five.)
IMPLEMENTED = {"slab": Slab}
PLANNED = ("isotropic", "composite", "alfvenic_gs95", "fast_modes")

__all__ = ["ModeSet", "Slab", "IMPLEMENTED", "PLANNED"]
