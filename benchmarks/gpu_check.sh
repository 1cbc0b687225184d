#!/usr/bin/env bash
# The GPU acceptance run in one script (about 5-8 minutes on one H200 with 16 cores):
# versions, the GPU tests on the real device (tests/test_gpu.py and
# tests/kernels/test_cuda_push.py with MCPARTICLES_TEST_GPU=1: the quickstart and
# runs/isotropic.toml against the CPU within errors, 100-step tracks of a 256-mode field,
# bit-identical repeats), then the benchmark (benchmarks/push_rate.py --device cuda).
#
#   bash benchmarks/gpu_check.sh [OUTDIR]      (default results/gpu_check; $OUT if set)
#
# Uses the machine's python3 with numba-cuda, numpy, scipy, h5py, matplotlib and tqdm
# already there (pip install -e ".[cuda,test]" where a registry is reachable); the
# package runs from this checkout (PYTHONPATH), nothing is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-${OUT:-results/gpu_check}}
mkdir -p "$OUTDIR"
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/mcparticles-numba-cache}
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv || true
  "$PY" -c "import sys, numba, numba_cuda, numpy, scipy; print(sys.version.split()[0], 'numba', numba.__version__, \
'numba-cuda', numba_cuda.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)"
  "$PY" -c "from mcparticles.gpu import check_available; print('device:', check_available())"
} 2>&1 | tee "$OUTDIR/versions.txt"
status=0
MCPARTICLES_TEST_GPU=1 timeout 420 "$PY" -m pytest -p no:cacheprovider -q -rs -s --durations=10 \
  tests/kernels/test_cuda_push.py tests/test_gpu.py 2>&1 | tee "$OUTDIR/tests.log" || status=1
timeout 240 "$PY" benchmarks/push_rate.py --device cuda --families isotropic slab_per_mode fast_modes_moving \
  --modes 256 --max-registers 0 128 96 --end-to-end 1 --json "$OUTDIR/bench.json" 2>&1 | tee "$OUTDIR/bench.log" || status=1
exit $status
