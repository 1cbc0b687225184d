"""Quasi-linear theory.  Each model's D_mumu lives in its own module; the kappa_par
integral and the closed forms are in ``kappa.py``."""
from .kappa import kappa_par_from_bins, kappa_par_from_dmumu, lambda_par_power_law
from .slab import dmumu_slab

__all__ = ["dmumu_slab", "kappa_par_from_dmumu", "kappa_par_from_bins", "lambda_par_power_law"]
