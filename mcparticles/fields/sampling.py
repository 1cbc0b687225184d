"""Sampling helpers shared by the field models."""
from __future__ import annotations

import numpy as np


def log_cells(k_min: float, k_max: float, n: int, rng: np.random.Generator):
    """Cell edges (n+1,) equally spaced in log k, and one jittered k per cell (n,):
    log-uniform within the cell, so there is no periodicity (docs/physics.md §3.7)."""
    edges = np.geomspace(k_min, k_max, n + 1)
    u = rng.random(n)
    k = edges[:-1] * (edges[1:] / edges[:-1]) ** u
    return edges, k


def random_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors uniform on the sphere."""
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2 * np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t ** 2)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)


def perpendicular_basis(khat: np.ndarray):
    """Two unit vectors (a, b) perpendicular to each row of khat and to each other,
    with a along z x khat (along k x B0 up to sign) where k is not parallel to z."""
    z = np.array([0.0, 0.0, 1.0])
    a = np.cross(z, khat)
    norm = np.linalg.norm(a, axis=1)
    along_z = norm < 1e-12
    a[along_z] = np.array([1.0, 0.0, 0.0])
    a /= np.linalg.norm(a, axis=1)[:, None]
    b = np.cross(khat, a)
    return a, b
