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


def card_fingerprint(scan) -> str:
    """Hash of everything that determines the statistics (the card data after
    ``--set`` overrides, and the package version)."""
    blob = json.dumps(scan.data, sort_keys=True, default=str) + __version__
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Checkpoint:
    """One file per finished work unit (global unit index over all scan points)."""

    def __init__(self, output_dir, scan):
        self.dir = Path(output_dir)
        self.cdir = self.dir / CHECKPOINT
        self.scan = scan
        self.fingerprint = card_fingerprint(scan)

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
            if stamp.exists():
                try:
                    old = json.loads(stamp.read_text()).get("fingerprint")
                except (OSError, ValueError, AttributeError):
                    raise OutputError(f"{stamp} cannot be read, so the checkpoint cannot be matched to "
                                      "this card; remove it to start afresh") from None
                if old != self.fingerprint:
                    raise OutputError(f"{self.cdir} was written for a different run card; "
                                      "refusing to resume (remove it to start afresh)")
        try:
            self.cdir.mkdir(exist_ok=True)
            _atomic_write_bytes(stamp, json.dumps({"fingerprint": self.fingerprint, "card": self.scan.text,
                                                   "data": self.scan.data}, default=str).encode())
        except OSError as exc:
            raise OutputError(f"cannot write the checkpoint {self.cdir} ({exc.strerror or exc})") from None

    def save(self, unit_result: dict):
        path = self.cdir / f"unit_{unit_result['index']:07d}.npz"
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.npz")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **{k: np.asarray(v) for k, v in unit_result.items()})
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot save work unit {unit_result['index']} to {self.cdir} "
                              f"({exc.strerror or exc})") from None

    def load_all(self) -> dict[int, dict]:
        out = {}
        if not self.cdir.exists():
            return out
        for p in sorted(self.cdir.glob("unit_*.npz")):
            try:
                with np.load(p) as z:
                    d = {k: z[k] for k in z.files}
            except Exception:            # unreadable (disk trouble): recompute that unit
                continue
            for k in ("index", "n", "steps"):
                d[k] = int(d[k])
            d["wall"] = float(d["wall"])
            out[d["index"]] = d
        return out

    def count(self) -> int:
        """Finished work units saved so far (by any rank)."""
        try:
            return sum(1 for _ in self.cdir.glob("unit_*.npz"))
        except OSError:
            return 0

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


def _write_file_attrs(f, scan, units_done, units_total):
    f.attrs["card_toml"] = scan.text
    f.attrs["card_data"] = json.dumps(scan.data, default=str)
    f.attrs["card_source"] = scan.cards[0].source
    f.attrs["version"] = __version__
    f.attrs["seed"] = scan.cards[0].run.seed
    f.attrs["units_done"] = units_done
    f.attrs["units_total"] = units_total
    for sec, table in scan.data.items():
        if isinstance(table, dict):
            for k, v in table.items():
                if isinstance(v, (int, float, str, bool)):
                    f.attrs[f"card.{sec}.{k}"] = v


def _write_point(g, result):
    """The standard layout (running/, dmumu/, trajectories/, summary) under group ``g``."""
    plan = result.plan
    rg = g.create_group("running")
    rn = result.running
    _dataset(rg, "t", rn.t, "L/c", "sample times (log-spaced)")
    for i, ax in enumerate("xyz"):
        _dataset(rg, f"kappa_{ax}{ax}", rn.d[:, i], "L c", f"running <dx_i^2>/(2t), i = {ax}")
        _dataset(rg, f"kappa_{ax}{ax}_err", rn.d_err[:, i], "L c",
                 "standard error over realisations (batches if one realisation)")
    _dataset(rg, "moments", rn.d, "L c", "running <dx_i dx_j>/(2t) for xx, yy, zz, xy, xz, yz")
    _dataset(rg, "moments_groups", rn.d_groups, "L c", "the same per error group (realisation)")

    dg = g.create_group("dmumu")
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
    _dataset(dg, "lag_scan_slope_err", sc.slope_err, "c/L", "its standard error")
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

    tg = g.create_group("trajectories")
    tr = result.trajectories
    nt = tr.shape[1]
    _dataset(tg, "t", np.arange(nt) * plan.traj_stride * plan.dt, "L/c", "track times")
    _dataset(tg, "x", tr[:, :, 0:3], "L", "positions (n, nt, 3)")
    _dataset(tg, "u", tr[:, :, 3:6], "c", "velocities v (n, nt, 3) (u = gamma v / gamma; "
             "half a step behind x, Boris leapfrog)")
    _dataset(tg, "mu", tr[:, :, 6], "1", "local pitch-angle cosine")

    sg = g.create_group("summary")
    for k, v in result.summary.items():
        sg.attrs[k] = _attr(v)


def _write_outputs(out: Path, fill, summary: dict):
    """Write result.h5 (``fill(h5file)``) and summary.json under temporary names, fsync
    both, and only then rename them into place: a full disk or a kill at any moment
    leaves either the previous pair or the new one, never a truncated file with a
    final name.  The checkpoint is untouched, so the run can be resumed."""
    import h5py

    pid = os.getpid()
    h5, js = out / "result.h5", out / "summary.json"
    tmp_h5, tmp_js = out / f".result.h5.tmp{pid}", out / f".summary.json.tmp{pid}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with h5py.File(tmp_h5, "w") as f:
            fill(f)
        with open(tmp_h5, "rb+") as fh:
            os.fsync(fh.fileno())
        with open(tmp_js, "wb") as fh:
            fh.write((json.dumps(summary, indent=2) + "\n").encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_h5, h5)
        os.replace(tmp_js, js)
    except OSError as exc:
        raise OutputError(f"cannot write {out} ({exc.strerror or exc}); finished work units stay in "
                          f"{out / CHECKPOINT}: free space and continue with --resume") from None
    finally:
        tmp_h5.unlink(missing_ok=True)
        tmp_js.unlink(missing_ok=True)


def _figures(out: Path, draw):
    try:
        draw()
    except OSError as exc:
        raise OutputError(f"cannot write the figures in {out} ({exc.strerror or exc}); result.h5 and "
                          "summary.json are complete: redraw them with mcparticles plot") from None


def write_result(output_dir, result, timing: dict, scan, plots: bool = True):
    """Write result.h5, summary.json and the figures of a single-point run.

    Timing and rank counts live under their own key (``timing`` in summary.json, the
    ``/timing`` group in result.h5) so that everything else is identical for any
    number of ranks and threads."""
    out = Path(output_dir)

    def fill(f):
        _write_file_attrs(f, scan, result.units_done, result.units_total)
        _write_point(f, result)
        tg = f.create_group("timing")
        for k, v in timing.items():
            tg.attrs[k] = _attr(v)

    _write_outputs(out, fill, {**result.summary, "timing": timing})
    if plots:
        from . import plotting
        _figures(out, lambda: plotting.draw_all(result_from_h5(out / "result.h5"), out))


#: summary keys tabulated over the points of a scan
SCAN_KEYS = ("kappa_par", "kappa_par_err", "kappa_perp", "kappa_perp_err", "lambda_par", "lambda_par_err",
             "alpha_par", "alpha_perp", "plateau_reached", "qlt_kappa_par", "qlt_lambda_par",
             "dmumu_ratio_median", "kappa_par_from_dmumu", "r_g", "dB2")


def scan_table(scan, results) -> dict:
    table = {"parameters": list(scan.parameters), "rigidity": scan.values("rigidity"),
             "dB2": scan.values("dB2")}
    for k in SCAN_KEYS:
        table.setdefault(k, [r.summary.get(k) for r in results])
    return table


def write_scan(output_dir, scan, results, timing: dict, plots: bool = True):
    """A scan: result.h5 with one group ``point_NNN`` per point (the single-run layout)
    and a ``scan`` group of per-point columns; summary.json = {"scan": columns,
    "points": [per-point summaries], "timing": ...}; figures per point in
    ``point_NNN/`` and kappa against the scanned parameter."""
    out = Path(output_dir)
    table = scan_table(scan, results)

    def fill(f):
        _write_file_attrs(f, scan, sum(r.units_done for r in results), sum(r.units_total for r in results))
        f.attrs["scan_parameters"] = json.dumps(list(scan.parameters))
        for i, r in enumerate(results):
            _write_point(f.create_group(f"point_{i:03d}"), r)
        sg = f.create_group("scan")
        for k, col in table.items():
            if k == "parameters":
                continue
            arr = np.array([np.nan if c is None else float(c) for c in col])
            _dataset(sg, k, arr, "", f"{k} of each scan point (NaN where undefined)")
        tg = f.create_group("timing")
        for k, v in timing.items():
            tg.attrs[k] = _attr(v)

    _write_outputs(out, fill, {"scan": table, "points": [r.summary for r in results], "timing": timing})
    if plots:
        from . import plotting
        _figures(out, lambda: plotting.draw_scan(out / "result.h5", out))


def _attrs_dict(attrs) -> dict:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in attrs.items()}


def result_from_h5(path, point: int | None = None) -> dict:
    """Read result.h5 (or one point of a scan's result.h5) into plain dicts/arrays
    (what plotting and notebooks use)."""
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        g = f if point is None else f[f"point_{point:03d}"]
        for gname in ("running", "dmumu", "trajectories"):
            out[gname] = {k: g[gname][k][()] for k in g[gname]}
        out["summary"] = _attrs_dict(g["summary"].attrs)
        out["timing"] = _attrs_dict(f["timing"].attrs) if "timing" in f else {}
        out["attrs"] = {k: v for k, v in f.attrs.items()}
    return out


def scan_from_h5(path) -> dict | None:
    """The ``scan`` columns of a scan's result.h5 (None for a single-point result)."""
    import h5py

    with h5py.File(path, "r") as f:
        if "scan" not in f:
            return None
        out = {k: f["scan"][k][()] for k in f["scan"]}
        out["parameters"] = json.loads(f.attrs["scan_parameters"])
        out["n_points"] = sum(1 for k in f if k.startswith("point_"))
    return out
