"""Shared fixtures.

The GPU kernels run on numba-cuda's CPU simulator (NUMBA_ENABLE_CUDASIM=1, set here
before numba is imported) unless MCPARTICLES_TEST_GPU=1 asks for the real device: on a
machine with an NVIDIA GPU, ``MCPARTICLES_TEST_GPU=1 pytest tests/test_gpu.py
tests/kernels/test_cuda_push.py -m "slow or not slow"`` runs the same tests on it, and
the GPU-only ones.
"""
import os

if os.environ.get("MCPARTICLES_TEST_GPU", "0") in ("", "0"):
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import pytest  # noqa: E402


@pytest.fixture
def run_card(tmp_path):
    """Run a card in-process and in memory (nothing written); returns the Result."""
    from mcparticles import run

    def _run(card, name="out", plots=False):
        return run(card, tmp_path / name, plots=True) if plots else run(card)
    return _run
