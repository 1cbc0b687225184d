"""The public API (mcparticles/__init__.py): every name in __all__, used twice in one
process; a run in memory that writes nothing; Result.load gives the run's type back."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import mcparticles
from tests.cards import card_dict

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"particles": {"count": 16}, "time": {"t_max": 2.0}, "run": {"realizations": 2}}


def small_card():
    return mcparticles.Card.from_dict(card_dict(**SMALL), source="test")


def test_every_public_name_has_a_docstring_and_is_in_all():
    for name in mcparticles.__all__:
        obj = getattr(mcparticles, name)
        if name != "__version__":
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
    public = {n for n in dir(mcparticles) if not n.startswith("_") and not isinstance(
        getattr(mcparticles, n), type(mcparticles))}
    assert public <= set(mcparticles.__all__), public - set(mcparticles.__all__)


def test_every_public_name_works_twice(tmp_path):
    """Each name of __all__, twice in a row (the old mcparticles.qlt failed the second time)."""
    used = set()
    card_path = tmp_path / "c.toml"
    card_path.write_text((ROOT / "runs" / "quickstart.toml").read_text())
    for _ in range(2):
        assert mcparticles.__version__ == "0.7.0"
        used.add("__version__")
        card = mcparticles.load_card(card_path).replace(particles={"count": 8}, time={"t_max": 3.0})
        assert isinstance(card, mcparticles.Card)
        used |= {"load_card", "Card"}
        scan = mcparticles.load_scan(card_path).replace("particles.rigidity=[0.05, 0.1]", particles={"count": 8},
                                                         time={"t_max": 2.0})
        assert isinstance(scan, mcparticles.Scan) and len(scan.cards) == 2
        used |= {"load_scan", "Scan"}
        with pytest.raises(mcparticles.CardError, match="particles.count"):
            card.replace(particles={"count": -1})
        used.add("CardError")
        q = mcparticles.predict_qlt(card, [0.5])
        assert q["mu"] == [0.5] and q["dmumu"][0] > 0 and q["kappa_par"] > 0
        used.add("predict_qlt")
        result = mcparticles.run(card)
        assert isinstance(result, mcparticles.Result) and result.summary["kappa_par"] > 0
        used |= {"run", "Result"}
        scan_result = mcparticles.Simulation(scan).run()
        assert isinstance(scan_result, mcparticles.ScanResult) and len(scan_result) == 2
        assert [r.summary["rigidity"] for r in scan_result] == [0.05, 0.1]
        used |= {"Simulation", "ScanResult"}
        field = mcparticles.field_model({"model": "slab", "dB2": 0.01, "k_min": 1.0, "k_max": 100.0})
        assert isinstance(field, mcparticles.FieldModel)
        ms = field.sample(seed=3)
        assert isinstance(ms, mcparticles.ModeSet)
        assert np.allclose(ms.evaluate(np.zeros((1, 3))), field.sample(3).evaluate(np.zeros((1, 3))))
        used |= {"field_model", "FieldModel", "ModeSet"}
        assert "slab" in mcparticles.model_names()
        used.add("model_names")
        assert mcparticles.register_model(type(field)) is type(field)     # registering again: harmless
        used.add("register_model")
        assert issubclass(mcparticles.Interrupted, RuntimeError)
        used.add("Interrupted")
    assert used == set(mcparticles.__all__), set(mcparticles.__all__) - used


def test_the_issue_acceptance_in_a_fresh_process_writes_nothing(tmp_path):
    """In a fresh process in an empty directory: run the quickstart card with 64
    particles in memory, predict_qlt twice; nothing appears on disk."""
    script = textwrap.dedent(f"""
        import mcparticles
        card = mcparticles.load_card({str(ROOT / "runs" / "quickstart.toml")!r}).replace(particles={{"count": 64}})
        r = mcparticles.run(card)
        assert "kappa_par" in r.summary and r.summary["kappa_par"] > 0
        a = mcparticles.predict_qlt(card, [0.5])
        b = mcparticles.predict_qlt(card, [0.5])
        assert a == b and a["dmumu"][0] > 0
        print("ok", r.summary["kappa_par"])
        """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")
    assert list(tmp_path.iterdir()) == []


def test_run_in_memory_equals_the_written_run_and_load_gives_the_same_type(tmp_path):
    card = small_card()
    in_memory = mcparticles.run(card)
    written = mcparticles.run(card, tmp_path / "out", plots=False)
    strip = lambda s: {k: v for k, v in s.items() if k != "timing"}   # noqa: E731
    assert strip(in_memory.summary) == strip(written.summary)
    loaded = mcparticles.Result.load(tmp_path / "out")
    assert type(loaded) is type(written)
    assert loaded.summary == json.loads((tmp_path / "out" / "summary.json").read_text()) == written.summary
    assert np.array_equal(loaded.dmumu.lag, in_memory.dmumu.lag, equal_nan=True)
    assert not list((tmp_path / "out").glob("*.png"))


def test_run_off_the_main_thread_installs_no_signal_handler():
    import signal
    import threading
    before = signal.getsignal(signal.SIGTERM)
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", mcparticles.run(small_card())))
    thread.start()
    thread.join()
    assert isinstance(out["r"], mcparticles.Result)
    assert signal.getsignal(signal.SIGTERM) is before


def test_card_from_dict_replace_and_set_overrides_are_revalidated():
    card = small_card()
    c2 = card.replace("field.turbulence.0.dB2=0.01", particles={"count": 5})
    assert c2.field.components[0].dB2 == 0.01 and c2.particles.count == 5
    assert card.field.components[0].dB2 == 0.003          # the original is unchanged
    assert mcparticles.Card.from_dict(c2.to_dict(), source="test") == c2
    with pytest.raises(mcparticles.CardError, match="field.turbulence\\[0\\].dB2"):
        card.replace("field.turbulence.0.dB2=-1")
    with pytest.raises(mcparticles.CardError, match="load_scan"):
        path = ROOT / "runs" / "slab_rigidity_scan.toml"
        mcparticles.load_card(path)
