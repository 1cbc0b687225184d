"""Field models and the one representation of a turbulent field they all produce.

Each model is a frozen parameter object (``fields/base.py``: :class:`FieldModel`) with
``sample(seed) -> ModeSet`` and ``dmumu_qlt(...)``: the simulated field and its QLT
prediction come from the same object.  Importing this package registers the built-in
models; ``register_model`` adds more (one module per model).
"""
from .base import FieldModel, model_class, model_from_table, model_names, register_model, unregister_model
from .composite import Composite
from .gs95 import AlfvenicGS95
from .isotropic import FastModes, Isotropic
from .modes import ModeSet
from .slab import Slab

__all__ = ["FieldModel", "ModeSet", "Slab", "Isotropic", "FastModes", "Composite", "AlfvenicGS95",
           "register_model", "unregister_model", "model_names", "model_class", "model_from_table"]
