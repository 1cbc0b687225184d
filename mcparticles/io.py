"""Output layout (INTERFACE.md "What a run writes"), checkpoints and reading back.

``result.h5`` and ``summary.json`` are written under a temporary name and renamed, so
a file with the final name is always complete.  Finished work units are saved one file
each under ``DIR/checkpoint/`` as they complete; ``--resume`` reloads them.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from . import __version__

CHECKPOINT = "checkpoint"


class OutputError(RuntimeError):
    """The output directory cannot be used (message says why)."""


def _atomic_write_bytes(path: Path, data: bytes):
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def card_fingerprint(card) -> str:
    """Hash of everything that determines the statistics (the parsed card)."""
    blob = json.dumps(card.raw, sort_keys=True, default=str) + __version__
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Checkpoint:
    def __init__(self, output_dir, card):
        self.dir = Path(output_dir)
        self.cdir = self.dir / CHECKPOINT
        self.card = card
        self.fingerprint = card_fingerprint(card)

    def open(self, resume: bool):
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / f".write-test{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"output directory {self.dir} is not writable ({exc.strerror or exc})") from None
        stamp = self.cdir / "card.json"
        if self.cdir.exists():
            if not resume:
                raise OutputError(f"{self.dir} holds an unfinished run; continue it with --resume "
                                  f"or remove {self.cdir}")
            if stamp.exists() and json.loads(stamp.read_text()).get("fingerprint") != self.fingerprint:
                raise OutputError(f"{self.cdir} was written for a different run card; "
                                  "refusing to resume (remove it to start afresh)")
        self.cdir.mkdir(exist_ok=True)
        _atomic_write_bytes(stamp, json.dumps({"fingerprint": self.fingerprint,
                                               "card": self.card.text}).encode())

    def save(self, unit_result: dict):
        path = self.cdir / f"unit_{unit_result['index']:07d}.npz"
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.npz")
        np.savez(tmp, **{k: np.asarray(v) for k, v in unit_result.items()})
        os.replace(tmp, path)

    def load_all(self) -> dict[int, dict]:
        out = {}
        if not self.cdir.exists():
            return out
        for p in sorted(self.cdir.glob("unit_*.npz")):
            with np.load(p) as z:
                d = {k: z[k] for k in z.files}
            for k in ("index", "n", "steps"):
                d[k] = int(d[k])
            d["wall"] = float(d["wall"])
            out[d["index"]] = d
        return out

    def finish(self):
        shutil.rmtree(self.cdir, ignore_errors=True)


def _dataset(group, name, data, units, description):
    ds = group.create_dataset(name, data=np.asarray(data))
    ds.attrs["units"] = units
    ds.attrs["description"] = description
    return ds


def _attr(value):
    if value is None:
        return "none"
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def write_result(output_dir, result, plots: bool = True):
    """Write result.h5, summary.json and the figures into ``output_dir``."""
    import h5py

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    card, plan = result.card, result.plan
    tmp = out / f".result.h5.tmp{os.getpid()}"
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["card_toml"] = card.text
            f.attrs["card_source"] = card.source
            f.attrs["version"] = __version__
            f.attrs["seed"] = card.run.seed
            f.attrs["units_done"] = result.units_done
            f.attrs["units_total"] = result.units_total
            for sec, table in card.raw.items():
                if isinstance(table, dict):
                    for k, v in table.items():
                        if isinstance(v, (int, float, str, bool)):
                            f.attrs[f"card.{sec}.{k}"] = v
            rg = f.create_group("running")
            rn = result.running
            _dataset(rg, "t", rn.t, "L/c", "sample times (log-spaced)")
            names = {"kappa_xx": rn.d[:, 0], "kappa_yy": rn.d[:, 1], "kappa_zz": rn.d[:, 2]}
            errs = {"kappa_xx_err": rn.d_err[:, 0], "kappa_yy_err": rn.d_err[:, 1],
                    "kappa_zz_err": rn.d_err[:, 2]}
            for k, v in names.items():
                _dataset(rg, k, v, "L c", f"running <dx_i^2>/(2t), i = {k[-1]}")
            for k, v in errs.items():
                _dataset(rg, k, v, "L c", "standard error over realisations (batches if one realisation)")
            _dataset(rg, "moments", rn.d, "L c", "running <dx_i dx_j>/(2t) for xx, yy, zz, xy, xz, yz")
            _dataset(rg, "moments_groups", rn.d_groups, "L c", "the same per error group (realisation)")

            dg = f.create_group("dmumu")
            sc = result.scan
            li = plan.lag_index
            _dataset(dg, "mu", result.mu, "1", "bin centres of the local pitch-angle cosine v.B/(|v||B|)")
            _dataset(dg, "mu_edges", result.edges, "1", "bin edges")
            _dataset(dg, "value", sc.lag[li], "c/L", "D_mumu, lag estimator <dmu^2>/(2 tau) at the lag used")
            _dataset(dg, "err", sc.lag_err[li], "c/L", "standard error over realisations")
            _dataset(dg, "value_corr", sc.corr[li], "c/L",
                     "D_mumu, integral of <mudot(0) mudot(t)> up to the lag used (centred differences)")
            _dataset(dg, "err_corr", sc.corr_err[li], "c/L", "standard error over realisations")
            _dataset(dg, "value_slope", sc.slope[li], "c/L",
                     "D_mumu, slope estimator [<dmu^2>(tau) - <dmu^2>(tau/2)]/tau at the lag used")
            _dataset(dg, "err_slope", sc.slope_err[li], "c/L", "standard error over realisations")
            _dataset(dg, "lag_scan_slope", sc.slope, "c/L", "estimator (c) for every lag")
            _dataset(dg, "lag", sc.lags[li], "L/c", "the lag used")
            _dataset(dg, "lags", sc.lags, "L/c", "lags of the lag scan")
            _dataset(dg, "lag_scan", sc.lag, "c/L", "estimator (a) for every lag (n_lag, n_bins)")
            _dataset(dg, "lag_scan_err", sc.lag_err, "c/L", "its standard error")
            _dataset(dg, "lag_scan_corr", sc.corr, "c/L", "estimator (b) for every upper limit")
            _dataset(dg, "lag_scan_corr_err", sc.corr_err, "c/L", "its standard error")
            _dataset(dg, "counts", sc.counts, "1", "mu samples per bin at the first lag")
            nan = np.full(result.mu.size, np.nan)
            _dataset(dg, "qlt", result.qlt_centre if result.qlt_centre is not None else nan, "c/L",
                     "quasi-linear D_mumu at the bin centres (NaN where undefined)")
            _dataset(dg, "qlt_bin_mean", result.qlt_bin_mean if result.qlt_bin_mean is not None else nan,
                     "c/L", "quasi-linear D_mumu averaged over each bin")
            _dataset(dg, "resolved", result.resolved, "1",
                     "bins compared with QLT: outside the 90-degree gap |mu| > 2/(r_g k_max)")

            tg = f.create_group("trajectories")
            tr = result.trajectories
            nt = tr.shape[1]
            _dataset(tg, "t", np.arange(nt) * plan.traj_stride * plan.dt, "L/c", "track times")
            _dataset(tg, "x", tr[:, :, 0:3], "L", "positions (n, nt, 3)")
            _dataset(tg, "u", tr[:, :, 3:6], "c", "velocities v (n, nt, 3) (u = gamma v / gamma; "
                     "half a step behind x, Boris leapfrog)")
            _dataset(tg, "mu", tr[:, :, 6], "1", "local pitch-angle cosine")

            sg = f.create_group("summary")
            for k, v in {**result.summary, **result.timing}.items():
                sg.attrs[k] = _attr(v)
        os.replace(tmp, out / "result.h5")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    summary = {**result.summary, **{k: v for k, v in result.timing.items()}}
    _atomic_write_bytes(out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    if plots:
        from . import plotting
        plotting.draw_all(result_from_h5(out / "result.h5"), out)


def result_from_h5(path) -> dict:
    """Read result.h5 into plain dicts/arrays (what plotting and notebooks use)."""
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        for gname in ("running", "dmumu", "trajectories"):
            out[gname] = {k: f[gname][k][()] for k in f[gname]}
        out["summary"] = {k: (v.item() if hasattr(v, "item") else v) for k, v in f["summary"].attrs.items()}
        out["attrs"] = {k: v for k, v in f.attrs.items()}
    return out
