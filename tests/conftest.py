"""Shared fixtures."""
import pytest


@pytest.fixture
def run_card(tmp_path):
    """Run a card in-process and in memory (nothing written); returns the Result."""
    from mcparticles import run

    def _run(card, name="out", plots=False):
        return run(card, tmp_path / name, plots=True) if plots else run(card)
    return _run
