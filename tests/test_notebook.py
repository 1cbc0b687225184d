"""analysis/trajectories.ipynb executes on a small run."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from mcparticles.config import parse_card
from mcparticles.simulation import run
from tests.cards import card_dict

ROOT = Path(__file__).resolve().parents[1]


def test_notebook_executes(tmp_path, monkeypatch):
    card = parse_card(card_dict(particles={"count": 32}, time={"t_max": 4.0}, run={"realizations": 2}),
                      text="(test)")
    run(card, tmp_path / "res", progress=None, write_plots=False)
    nb = nbformat.read(ROOT / "analysis" / "trajectories.ipynb", as_version=4)
    monkeypatch.setenv("MCP_RESULT", str(tmp_path / "res"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "measured / QLT in resolved bins" in outputs
    speed_line = [l for l in outputs.splitlines() if l.startswith("max relative change of |v|")][0]
    assert float(speed_line.split(":")[1]) < 1e-12
