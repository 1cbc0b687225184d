"""The version of mcparticles: the one place it is written (pyproject.toml reads it)."""
__version__ = "0.7.0"
