"""Files: the HDF5 layout of a result (written and read back), summary.json, and the
checkpoint of finished work units.

``result.h5`` and ``summary.json`` are written under temporary names, fsynced and then
renamed together, so a file with the final name is always complete.  Finished work units
are saved one file each under ``DIR/checkpoint/`` as they complete; ``--resume`` reloads
them.  The layout is listed in docs/output.md.
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

    def path(self, index: int) -> Path:
        return self.cdir / f"unit_{index:07d}.npz"

    def save(self, unit_result: dict):
        path = self.path(unit_result["index"])
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

    def load(self, index: int) -> dict | None:
        """The saved unit ``index`` (None if absent or unreadable: it is recomputed)."""
        try:
            with np.load(self.path(index)) as z:
                d = {k: z[k] for k in z.files}
        except Exception:            # absent, or unreadable (disk trouble)
            return None
        for k in ("index", "n", "steps"):
            d[k] = int(d[k])
        d["wall"] = float(d["wall"])
        return d

    def done(self) -> set[int]:
        """Indices of the units saved so far (by any rank) that can be read back."""
        out = set()
        if not self.cdir.exists():
            return out
        for p in self.cdir.glob("unit_*.npz"):
            try:
                i = int(p.stem.split("_")[1])
            except (IndexError, ValueError):
                continue
            try:
                with np.load(p) as z:
                    ok = "index" in z.files
            except Exception:        # unreadable (disk trouble): computed again
                ok = False
            if ok:
                out.add(i)
        return out

    def count(self) -> int:
        """Finished work units saved so far (by any rank)."""
        try:
            return sum(1 for _ in self.cdir.glob("unit_*.npz"))
        except OSError:
            return 0

    def finish(self):
        shutil.rmtree(self.cdir, ignore_errors=True)


# -- writing ------------------------------------------------------------------------------

def _dataset(group, name, data, units, description):
    ds = group.create_dataset(name, data=np.asarray(data))
    ds.attrs["units"] = units
    ds.attrs["description"] = description
    return ds


def _write_dict(group, values: dict):
    """A summary dict as attributes: None as an empty (null) attribute, nested dicts as
    subgroups; read back by ``_read_dict``."""
    import h5py
    for k, v in values.items():
        if isinstance(v, dict):
            _write_dict(group.create_group(k), v)
        elif v is None:
            group.attrs[k] = h5py.Empty("f8")
        else:
            group.attrs[k] = v


def _read_dict(group) -> dict:
    import h5py
    out = {}
    for k, v in group.attrs.items():
        if isinstance(v, h5py.Empty):
            out[k] = None
        elif isinstance(v, bytes):
            out[k] = v.decode()
        else:
            out[k] = v.item() if hasattr(v, "item") else v
    for k in group:
        out[k] = _read_dict(group[k])
    return out


def _write_file_attrs(f, scan, units_done, units_total):
    f.attrs["card_toml"] = scan.text
    f.attrs["card_data"] = json.dumps(scan.data, default=str)
    f.attrs["card_source"] = scan.source or scan.cards[0].source
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
    g.attrs["units_done"] = result.units_done
    g.attrs["units_total"] = result.units_total
    rg = g.create_group("running")
    rn = result.running
    _dataset(rg, "t", rn.t, "L/c", "sample times (log-spaced)")
    for i, ax in enumerate("xyz"):
        _dataset(rg, f"kappa_{ax}{ax}", rn.d[:, i], "L c", f"running <dx_i^2>/(2t), i = {ax}")
        _dataset(rg, f"kappa_{ax}{ax}_err", rn.d_err[:, i], "L c",
                 "standard error over realisations (batches if one realisation)")
    _dataset(rg, "moments", rn.d, "L c", "running <dx_i dx_j>/(2t) for xx, yy, zz, xy, xz, yz")
    _dataset(rg, "moments_err", rn.d_err, "L c", "their standard errors")
    _dataset(rg, "moments_groups", rn.d_groups, "L c", "the same per error group (realisation)")

    dg = g.create_group("dmumu")
    sc = result.dmumu
    li = result.lag_index
    dg.attrs["lag_index"] = li
    _dataset(dg, "mu", result.mu, "1", "bin centres of the local pitch-angle cosine v.B/(|v||B|)")
    _dataset(dg, "mu_edges", result.mu_edges, "1", "bin edges")
    _dataset(dg, "value", sc.lag[li], "c/L", "D_mumu, lag estimator <dmu^2>/(2 tau) at the lag used")
    _dataset(dg, "err", sc.lag_err[li], "c/L", "standard error over realisations")
    _dataset(dg, "value_corr", sc.corr[li], "c/L",
             "D_mumu, integral of <mudot(0) mudot(t)> up to the lag used (centred differences)")
    _dataset(dg, "err_corr", sc.corr_err[li], "c/L", "standard error over realisations")
    _dataset(dg, "value_slope", sc.slope[li], "c/L",
             "D_mumu, slope estimator [<dmu^2>(tau) - <dmu^2>(tau/2)]/tau at the lag used")
    _dataset(dg, "err_slope", sc.slope_err[li], "c/L", "standard error over realisations")
    _write_lag_scan(dg, sc, li, "c/L")
    _dataset(dg, "qlt", result.qlt_centre, "c/L", "quasi-linear D_mumu at the bin centres (NaN where undefined)")
    _dataset(dg, "qlt_bin_mean", result.qlt_bin_mean, "c/L", "quasi-linear D_mumu averaged over each bin")
    _dataset(dg, "resolved", result.resolved, "1",
             "bins compared with QLT: outside the 90-degree gap |mu| > 2/(r_g k_par,max)")

    if result.momentum is not None:
        _write_momentum(g, rg, result)

    tg = g.create_group("trajectories")
    tr = result.tracks
    _dataset(tg, "t", tr.t, "L/c", "track times")
    _dataset(tg, "x", tr.x, "L", "positions (n, nt, 3)")
    if tr.u_is_gamma_v:
        _dataset(tg, "u", tr.u, "c", "u = gamma v (n, nt, 3), half a step behind x (leapfrog)")
    else:
        _dataset(tg, "u", tr.u, "c", "u = v (n, nt, 3): speed = c, where gamma is infinite, so u is the "
                 "momentum in units of |p|/c; half a step behind x (leapfrog)")
    tg["u"].attrs["u_is_gamma_v"] = tr.u_is_gamma_v
    _dataset(tg, "mu", tr.mu, "1", "local pitch-angle cosine")

    _write_dict(g.create_group("summary"), {k: v for k, v in result.summary.items() if k != "timing"})


def _write_lag_scan(dg, sc, li, units):
    """The whole lag scan of one estimator set (diagnostics/dmumu.DmumuScan) under ``dg``."""
    _dataset(dg, "lag", sc.lags[li], "L/c", "the lag used")
    _dataset(dg, "lags", sc.lags, "L/c", "lags of the lag scan")
    _dataset(dg, "lag_scan", sc.lag, units, "estimator (a), lag, for every lag (n_lag, n_bins)")
    _dataset(dg, "lag_scan_err", sc.lag_err, units, "its standard error")
    _dataset(dg, "lag_scan_groups", sc.lag_groups, units, "estimator (a) per error group (G, n_lag, n_bins)")
    _dataset(dg, "lag_scan_corr", sc.corr, units, "estimator (b), correlation, for every upper limit")
    _dataset(dg, "lag_scan_corr_err", sc.corr_err, units, "its standard error")
    _dataset(dg, "lag_scan_slope", sc.slope, units, "estimator (c), slope, for every lag")
    _dataset(dg, "lag_scan_slope_err", sc.slope_err, units, "its standard error")
    _dataset(dg, "counts", sc.counts, "1", "samples per bin at the first lag")


def _read_lag_scan(d):
    from .diagnostics.dmumu import DmumuScan
    return DmumuScan(lags=d["lags"][()], lag=d["lag_scan"][()], lag_err=d["lag_scan_err"][()],
                     corr=d["lag_scan_corr"][()], corr_err=d["lag_scan_corr_err"][()], counts=d["counts"][()],
                     slope=d["lag_scan_slope"][()], slope_err=d["lag_scan_slope_err"][()],
                     lag_groups=d["lag_scan_groups"][()])


#: (group, units, what) of the momentum-transport scans of moving-wave runs
MOMENTUM_SCANS = (("dpp", "p0^2 c/L", "D_pp: <dp^2>/(2 tau), p in units of the initial momentum"),
                  ("dmup", "p0 c/L", "D_mup: <dmu dp>/(2 tau)"),
                  ("dmumu_averaged", "c/L", "D_mumu of the gyro-averaged mu (estimator, lag and bins of dpp/)"))


def _write_momentum(g, rg, result):
    """dpp/ and dmup/ (the layout of dmumu/) and the running momentum moments."""
    mom, li = result.momentum, result.momentum.lag_index
    for name, units, what in MOMENTUM_SCANS:
        sc = getattr(mom, name)
        if name == "dmumu_averaged":
            qc, qb = result.qlt_centre, result.qlt_bin_mean
        else:
            qc, qb = getattr(mom, f"qlt_{name}_centre"), getattr(mom, f"qlt_{name}_bin_mean")
        dg = g.create_group(name)
        dg.attrs["lag_index"] = li
        _dataset(dg, "mu", result.mu, "1", "bin centres of the local pitch-angle cosine (start of the lag)")
        _dataset(dg, "value", sc.slope[li], units,
                 f"{what}, gyro-averaged samples: slope estimator [<.>(tau) - <.>(tau/2)]/tau at the lag used")
        _dataset(dg, "err", sc.slope_err[li], units, "standard error over realisations")
        _dataset(dg, "value_lag", sc.lag[li], units, "lag estimator at the lag used")
        _dataset(dg, "err_lag", sc.lag_err[li], units, "its standard error")
        _dataset(dg, "value_corr", sc.corr[li], units, "correlation estimator up to the lag used")
        _dataset(dg, "err_corr", sc.corr_err[li], units, "its standard error")
        _write_lag_scan(dg, sc, li, units)
        _dataset(dg, "qlt", qc, units, "quasi-linear value at the bin centres (NaN where undefined)")
        _dataset(dg, "qlt_bin_mean", qb, units, "quasi-linear value averaged over each bin")
    r = mom.running
    _dataset(rg, "p2", r.p2, "p0^2 c/L", "running <dp^2>/(2t), p in units of the initial momentum")
    _dataset(rg, "p2_err", r.p2_err, "p0^2 c/L", "standard error over realisations")
    _dataset(rg, "mean_dp", r.mean_dp, "p0 c/L", "running <dp>/t")
    _dataset(rg, "mean_dp_err", r.mean_dp_err, "p0 c/L", "its standard error")
    _dataset(rg, "mean_dz", r.mean_dz, "c", "running <dz>/t (bulk velocity along B0)")
    _dataset(rg, "mean_dz_err", r.mean_dz_err, "c", "its standard error")
    _dataset(rg, "var_p_groups", r.var_p_groups, "p0^2", "Var(p) per error group (G, n_out): A2 = slope / 2")
    _dataset(rg, "dz_groups", r.dz_groups, "L", "<dz> per error group (G, n_out)")


def _read_momentum(g, rg):
    from .diagnostics.momentum import MomentumRunning
    from .result import MomentumResult
    scans, qlt = {}, {}
    for name, _, _ in MOMENTUM_SCANS:
        d = g[name]
        scans[name] = _read_lag_scan(d)
        if name != "dmumu_averaged":
            qlt[f"qlt_{name}_centre"], qlt[f"qlt_{name}_bin_mean"] = d["qlt"][()], d["qlt_bin_mean"][()]
    running = MomentumRunning(t=rg["t"][()], **{k: rg[k][()] for k in (
        "p2", "p2_err", "mean_dp", "mean_dp_err", "mean_dz", "mean_dz_err", "var_p_groups", "dz_groups")})
    return MomentumResult(dpp=scans["dpp"], dmup=scans["dmup"], running=running,
                          lag_index=int(g["dpp"].attrs["lag_index"]), dmumu_averaged=scans["dmumu_averaged"], **qlt)


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
        return draw()
    except OSError as exc:
        raise OutputError(f"cannot write the figures in {out} ({exc.strerror or exc}); result.h5 and "
                          "summary.json are complete: redraw them with mcparticles plot") from None


def write_result(output_dir, result, plots: bool = True) -> Path:
    """Write result.h5, summary.json and (``plots``) the figures of a single-point run.

    Timing and rank counts live under their own key (``timing`` in summary.json, the
    ``/timing`` group in result.h5) so that everything else is identical for any
    number of ranks and threads."""
    from .config import as_scan
    out = Path(output_dir)
    scan = as_scan(result.card)

    def fill(f):
        _write_file_attrs(f, scan, result.units_done, result.units_total)
        _write_point(f, result)
        _write_dict(f.create_group("timing"), result.timing)

    _write_outputs(out, fill, result.summary)
    if plots:
        from . import plotting
        _figures(out, lambda: plotting.draw_all(result, out))
    return out


def write_scan(output_dir, scan_result, plots: bool = True) -> Path:
    """A scan: result.h5 with one group ``point_NNN`` per point (the single-run layout)
    and a ``scan`` group of per-point columns; summary.json = {"scan": columns,
    "points": [per-point summaries], "timing": ...}; figures per point in
    ``point_NNN/`` and kappa against the scanned parameter."""
    out = Path(output_dir)
    scan, points = scan_result.scan, scan_result.points

    def fill(f):
        _write_file_attrs(f, scan, sum(r.units_done for r in points), sum(r.units_total for r in points))
        f.attrs["scan_parameters"] = json.dumps(list(scan.parameters))
        f.attrs["scan_points"] = json.dumps(scan_result.point_indices)
        for i, r in enumerate(points):
            _write_point(f.create_group(f"point_{i:03d}"), r)
        sg = f.create_group("scan")
        for k, col in scan_result.table.items():
            if k == "parameters":
                continue
            arr = np.array([np.nan if c is None else float(c) for c in col])
            _dataset(sg, k, arr, "", f"{k} of each scan point (NaN where undefined)")
        extra = {k: v for k, v in scan_result.summary.items() if k not in ("scan", "points", "timing")}
        if extra:       # the energy slope, the boost check (JSON, as in summary.json)
            sg.attrs["fits"] = json.dumps(extra)
        _write_dict(f.create_group("timing"), scan_result.timing)

    _write_outputs(out, fill, scan_result.summary)
    if plots:
        from . import plotting
        _figures(out, lambda: plotting.draw_scan(scan_result, out))
    return out


# -- reading ------------------------------------------------------------------------------

def _h5_path(path) -> Path:
    p = Path(path)
    return p / "result.h5" if p.is_dir() else p


def _read_point(g, card):
    from .diagnostics.running import RunningDiffusion
    from .result import Result, Tracks
    r, d, t = g["running"], g["dmumu"], g["trajectories"]
    running = RunningDiffusion(t=r["t"][()], d=r["moments"][()], d_err=r["moments_err"][()],
                               d_groups=r["moments_groups"][()])
    scan = _read_lag_scan(d)
    tracks = Tracks(t=t["t"][()], x=t["x"][()], u=t["u"][()], mu=t["mu"][()],
                    u_is_gamma_v=bool(t["u"].attrs["u_is_gamma_v"]))
    return Result(card=card, summary=_read_dict(g["summary"]), running=running, dmumu=scan,
                  lag_index=int(d.attrs["lag_index"]), mu_edges=d["mu_edges"][()], qlt_centre=d["qlt"][()],
                  qlt_bin_mean=d["qlt_bin_mean"][()], resolved=d["resolved"][()].astype(bool), tracks=tracks,
                  units_done=int(g.attrs["units_done"]), units_total=int(g.attrs["units_total"]),
                  momentum=_read_momentum(g, r) if "dpp" in g else None)


def read_any(path, point: int | None = None):
    """A Result (single point, or ``point`` of a scan) or a ScanResult from result.h5."""
    import h5py

    from .config import parse_scan
    from .result import ScanResult
    h5 = _h5_path(path)
    if not h5.exists():
        raise FileNotFoundError(f"{h5}: no result.h5 (a finished run writes it; an interrupted one has "
                                "only its checkpoint: mcparticles plot draws that)")
    with h5py.File(h5, "r") as f:
        scan = parse_scan(json.loads(f.attrs["card_data"]), text=f.attrs["card_toml"], source=f.attrs["card_source"])
        timing = _read_dict(f["timing"]) if "timing" in f else {}
        if "scan" not in f:
            r = _read_point(f, scan.cards[0])
            r.summary["timing"] = timing
            return r
        which = json.loads(f.attrs["scan_points"])
        points = [_read_point(f[f"point_{i:03d}"], scan.cards[which[i]]) for i in range(len(which))]
    if point is not None:
        return points[point]
    from .result import scan_summary
    return ScanResult(scan=scan, points=points, summary=scan_summary(scan, points, timing),
                      indices=None if which == list(range(len(scan.cards))) else which)
