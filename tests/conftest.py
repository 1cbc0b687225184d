"""Shared fixtures."""
import pytest


@pytest.fixture
def run_card(tmp_path):
    """Run a card in-process into a temporary directory; returns the Result."""
    from mcparticles.simulation import run

    def _run(card, name="out", plots=False):
        return run(card, tmp_path / name, progress=None, write_plots=plots)
    return _run
