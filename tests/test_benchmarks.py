"""The benchmark script runs and reports what the performance page quotes (tiny sizes: this
checks the plumbing, not the speed -- speed is measured by the benchmark itself)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import llvmlite.binding as llvm
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_push_rate_reports_target_rows_and_both_c_references():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "push_rate.py"), "--families", "isotropic",
                          "--modes", "64", "--grid", "--particles", "16", "--steps", "20", "--repeat", "1",
                          "--interleave", "--json", "-"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    r = json.loads(out)
    assert r["target"] and r["vector_registers"] in ("xmm", "ymm", "zmm", "none")
    rows = [x for x in r["rows"] if x["threads"] == 1]
    assert rows and rows[0]["family"] == "isotropic" and rows[0]["steps_per_second"] > 0
    if (shutil.which("cc") or shutil.which("gcc")) and _avx2():
        assert r["avx2_reference"][0]["modes"] == 64 and r["avx2_reference"][0]["steps_per_second"] > 0
        assert rows[0]["ratio_to_avx2_reference"] > 0 and rows[0]["fraction_of_c_poly"] > 0
        assert rows[0]["ratio_to_avx2_reference_interleaved"] > 0


def _avx2():
    features = llvm.get_host_cpu_features()
    return bool(features.get("avx2") and features.get("fma"))


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")) or not _avx2(),
                    reason="needs a C compiler and an AVX2 + FMA CPU (the reference is AVX2 intrinsics)")
def test_avx2_reference_keeps_the_speed_of_light(tmp_path):
    """reference_avx2.c pushes |v| = 1 particles: the Boris rotation keeps |v| to rounding,
    a check that its field and push are a real computation."""
    exe = tmp_path / "ref"
    subprocess.run([shutil.which("cc") or shutil.which("gcc"), "-O3", "-march=haswell", "-fno-tree-vectorize",
                    str(ROOT / "benchmarks" / "reference_avx2.c"), "-o", str(exe), "-lm"], check=True)
    r = json.loads(subprocess.run([str(exe), "8", "6", "50", "1"], capture_output=True, text=True,
                                  check=True).stdout)
    assert r["psteps_per_s"] > 0 and r["speed_error"] < 1e-13
    bad = subprocess.run([str(exe), "6", "6", "50"], capture_output=True, text=True)
    assert bad.returncode == 2 and "multiple of 4" in bad.stderr
