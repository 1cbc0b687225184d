"""mcparticles: Monte Carlo test particles in synthetic turbulence, with quasi-linear
theory beside every measurement.

    >>> import mcparticles
    >>> card = mcparticles.load_card("runs/quickstart.toml").replace(particles={"count": 64})
    >>> result = mcparticles.run(card)            # in memory; nothing is written
    >>> result.summary["kappa_par"], result.summary["qlt_kappa_par"]
    >>> mcparticles.predict_qlt(card, [0.5])["dmumu"]

Units throughout: c = 1, lengths in L (the outer scale), times in L/c, magnetic field in
B0 (the rms turbulent field when B0 = 0).  The documentation (docs/) has the physics,
the run-card and output references and a tutorial.
"""
from ._version import __version__
from .config import Card, Scan, load_card, load_scan
from .fields import FieldModel, ModeSet, model_names, register_model
from .result import Result, ScanResult
from .schema import CardError
from .simulation import Interrupted, Simulation, run

__all__ = ["__version__", "load_card", "load_scan", "Card", "Scan", "CardError", "run", "Simulation",
           "Interrupted", "Result", "ScanResult", "predict_qlt", "field_model", "FieldModel", "ModeSet",
           "register_model", "model_names"]


def predict_qlt(card: Card, mu) -> dict:
    """Quasi-linear predictions for ``card``'s field and particles at the pitch-angle
    cosines ``mu``, as ``mcparticles qlt --json`` prints them: ``mu``, ``dmumu`` [c/L],
    ``kappa_par`` [L c] and ``lambda_par`` [L] (spectrum continued above k_max; None when
    QLT gives no finite value, ``kappa_note`` says why), ``kappa_par_band_limited``,
    ``gap_mu`` (D_mumu = 0 below it), ``rigidity``, ``r_g`` [L], ``dB2``, ``v_A`` [c],
    ``boost``; for physical cards ``kappa_par_cm2_s`` (rescaled by boost^2 to the
    physical amplitude); with ``[plasma]`` its derived quantities (``plasma``); for
    self-generated spectra the fluid estimate ``fluid_kappa_par``; NLGC ``kappa_perp_nlgc``
    [L c] from the QLT kappa_par (None where NLGC does not apply, ``nlgc_note`` says why;
    qlt/nlgc.py).  Raises CardError
    when the card has no QLT (B0 = 0)."""
    from .qlt import predict
    try:
        return predict.as_dict(card, mu)
    except predict.QLTUnavailable as exc:
        raise CardError("field.B0", card.field.B0, str(exc)) from None


def field_model(table: dict) -> FieldModel:
    """A field model from one ``[[field.turbulence]]`` table given as a dict, validated
    like a run card: ``field_model({"model": "slab", "dB2": 0.03, "k_min": 1,
    "k_max": 100}).sample(seed=1).evaluate(x, t)`` is dB [B0] at points x [L]."""
    from .fields import model_from_table
    return model_from_table(dict(table), "field_model")
