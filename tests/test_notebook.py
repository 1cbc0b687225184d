"""analysis/trajectories.ipynb executes on the result directories of small runs, among
them a 3D card whose QLT kappa_par diverges (summary values None)."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mcparticles import run
from mcparticles.config import parse_card
from tests.cards import card_dict

ROOT = Path(__file__).resolve().parents[1]
ISOTROPIC = {"model": "isotropic", "dB2": 0.1, "k_min": 1.0, "k_max": 100.0, "n_modes": 64}


def execute(result_dir, monkeypatch) -> str:
    nb = nbformat.read(ROOT / "analysis" / "trajectories.ipynb", as_version=4)
    monkeypatch.setenv("MCP_RESULT", str(result_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(result_dir)}}).execute()
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("kind", ["slab", "isotropic"])
def test_notebook_executes(tmp_path, monkeypatch, kind):
    sections = dict(particles={"count": 32}, time={"t_max": 4.0}, run={"realizations": 2})
    if kind == "isotropic":
        sections["field"] = {"B0": 1.0, "turbulence": [ISOTROPIC]}
    card = parse_card(card_dict(**sections), text="(test)")
    result = run(card, tmp_path / "res", plots=False)
    if kind == "isotropic":
        assert result.summary["qlt_kappa_par"] is None and result.summary["qlt_kappa_note"]
    outputs = execute(tmp_path / "res", monkeypatch)
    assert "measured / QLT in resolved bins" in outputs
    assert ("QLT kappa_par: QLT kappa_par diverges" in outputs) == (kind == "isotropic")
    speed_line = [line for line in outputs.splitlines() if line.startswith("max relative change of |u|")][0]
    assert float(speed_line.split(":")[1]) < 1e-12
