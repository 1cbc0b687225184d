"""mcparticles: Monte Carlo test particles in synthetic turbulence, with QLT beside
every measurement.  Public API: :func:`load_card`, :func:`load_scan`, :func:`run`,
:func:`qlt`."""
__version__ = "0.1.0"


def load_card(path, overrides=None):
    from .config import load_card as _load
    return _load(path, overrides)


def load_scan(path, overrides=None):
    from .config import load_scan as _load
    return _load(path, overrides)


def run(card, output_dir, **kwargs):
    from .simulation import run as _run
    return _run(card, output_dir, **kwargs)


def qlt(card, mu):
    from .qlt.predict import dmumu
    return dmumu(card, mu)
