"""MPI: mpiexec -n 1, 2, 3 on the same card give byte-identical summary.json (apart from
the "timing" key) and identical HDF5 statistics datasets (issue 4 acceptance)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

CARD = """
[run]
name = "mpi"
seed = 99
realizations = 3
batch_size = 8
[field]
B0 = 1.0
[[field.turbulence]]
model = "slab"
dB2 = 0.03
k_min = 1.0
k_max = 100.0
n_modes = 32
[particles]
count = 16
rigidity = [0.05, 0.1]
[time]
t_max = 2.0
n_output = 8
[diagnostics]
mu_bins = 10
trajectories = 2
"""


def _mpiexec():
    exe = shutil.which("mpiexec", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    if exe is None:
        return None
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    return exe


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


#: the same card with moving waves (electric fields, momentum diagnostics)
MOVING = CARD.replace("B0 = 1.0", "B0 = 1.0\nv_A = 0.05").replace("n_modes = 32", "n_modes = 32\ncross_helicity = 0.3")


@pytest.mark.skipif(_mpiexec() is None, reason="mpiexec / mpi4py not installed (pip install -e '.[mpi]')")
@pytest.mark.parametrize("text", [CARD, MOVING], ids=["static", "moving"])
def test_one_two_three_ranks_are_identical(tmp_path, text):
    card = tmp_path / "c.toml"
    card.write_text(text)
    texts, data = [], []
    for n in (1, 2, 3):
        out = tmp_path / f"n{n}"
        cmd = [_mpiexec(), "-n", str(n), sys.executable, "-m", "mcparticles.cli", "run", str(card),
               "--output", str(out), "--quiet", "--threads", "1"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        s = json.loads((out / "summary.json").read_text())
        assert s["timing"]["ranks"] == n
        s.pop("timing")
        texts.append(json.dumps(s, sort_keys=True))
        data.append(_datasets(out / "result.h5"))
    assert texts[0] == texts[1] == texts[2]
    for other in data[1:]:
        assert other.keys() == data[0].keys()
        for k in data[0]:
            np.testing.assert_array_equal(other[k], data[0][k], err_msg=k)


SCRIPT = """
import json, sys
import mcparticles
scan = mcparticles.load_scan(sys.argv[1])
result = mcparticles.run(scan, threads=1)              # in memory: units reach rank 0 as messages
from mpi4py import MPI
if MPI.COMM_WORLD.Get_rank() == 0:
    s = dict(result.summary); s.pop("timing")
    print("RESULT " + json.dumps(s, sort_keys=True))
else:
    assert result is None, result
"""


@pytest.mark.skipif(_mpiexec() is None, reason="mpiexec / mpi4py not installed (pip install -e '.[mpi]')")
def test_in_memory_run_under_mpi_equals_the_serial_one(tmp_path):
    """mcparticles.run(card) with no output directory under mpiexec -n 3: rank 0 gets the
    same Result as a serial run (the units of the other ranks arrive one message each, in
    unit order), the other ranks None, and nothing is written."""
    card = tmp_path / "c.toml"
    card.write_text(CARD)
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    out = {}
    for n in (1, 3):
        p = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, str(script), str(card)], capture_output=True,
                           text=True, timeout=300, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        out[n] = [line for line in lines if line.startswith("RESULT ")]
        assert len(out[n]) == 1                          # the others asserted they got None
    assert out[1] == out[3]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["c.toml", "s.py"]
