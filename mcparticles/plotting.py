"""Figures from a result (the dict of io.result_from_h5).  Every function takes
``ax=None``, returns the Axes and never shows; matplotlib is imported lazily."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            matplotlib.use("Agg")
        except Exception:
            pass
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(6.4, 4.4))[1]


def plot_dmumu(res: dict, ax=None):
    """Measured D_mumu(mu) (both estimators, error bars) and QLT."""
    ax = _axes(ax)
    d = res["dmumu"]
    mu = d["mu"]
    ax.errorbar(mu, d["value"], yerr=d["err"], fmt="o", ms=4, capsize=2,
                label=f"lag estimator, tau = {float(d['lag']):.3g} L/c")
    ax.errorbar(mu + 0.01, d["value_corr"], yerr=d["err_corr"], fmt="s", ms=3, capsize=2, alpha=0.7,
                label="mu-dot correlation")
    if "value_slope" in d:
        ax.errorbar(mu - 0.01, d["value_slope"], yerr=d["err_slope"], fmt="^", ms=3, capsize=2, alpha=0.7,
                    label="slope estimator")
    if np.any(np.isfinite(d["qlt"])):
        ax.plot(mu, d["qlt_bin_mean"], "k-", lw=1.2, label="QLT (bin mean)")
        ax.plot(mu, d["qlt"], "k:", lw=1.0, label="QLT (bin centre)")
        unresolved = ~d["resolved"].astype(bool)
        for m, u in zip(mu, unresolved):
            if u:
                w = 0.5 * (d["mu_edges"][1] - d["mu_edges"][0])
                ax.axvspan(m - w, m + w, color="0.9", lw=0)
    ax.set_xlabel(r"$\mu$ (local field)")
    ax.set_ylabel(r"$D_{\mu\mu}$  [c/L]")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("pitch-angle diffusion (grey: not compared with QLT)", fontsize=9)
    return ax


def plot_running(res: dict, ax=None):
    """Running <dx_i^2>/(2t) with the plateau window and the QLT kappa_par."""
    ax = _axes(ax)
    r, s = res["running"], res["summary"]
    t = r["t"]
    for key, lab in (("kappa_zz", r"$\kappa_{zz}$"), ("kappa_xx", r"$\kappa_{xx}$"), ("kappa_yy", r"$\kappa_{yy}$")):
        ax.errorbar(t, r[key], yerr=r[key + "_err"], fmt="-", label=lab, capsize=1)
    t0 = s.get("plateau_t_start")
    if isinstance(t0, (int, float)):
        ax.axvspan(t0, t[-1], color="C2", alpha=0.12, label="plateau window")
    kp = s.get("kappa_par")
    if isinstance(kp, (int, float)) and isinstance(t0, (int, float)):
        ke = s.get("kappa_par_err") if isinstance(s.get("kappa_par_err"), (int, float)) else 0.0
        ax.fill_between([t0, t[-1]], kp - ke, kp + ke, color="C0", alpha=0.35, lw=0)
        ax.plot([t0, t[-1]], [kp, kp], "C0--", lw=1, label=r"$\kappa_\parallel$ = late slope / 2")
    kq = s.get("qlt_kappa_par")
    if isinstance(kq, (int, float)) and np.isfinite(kq):
        ax.axhline(kq, color="k", ls="--", lw=1, label=r"QLT $\kappa_\parallel$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("t [L/c]")
    ax.set_ylabel(r"$\langle \Delta x_i^2\rangle / 2t$  [L c]")
    ax.legend(fontsize=8)
    return ax


def plot_trajectories(res: dict, ax=None, n: int = 4):
    """A few tracks projected on the x-z plane."""
    ax = _axes(ax)
    x = res["trajectories"]["x"]
    for i in range(min(n, x.shape[0])):
        ax.plot(x[i, :, 2] - x[i, 0, 2], x[i, :, 0] - x[i, 0, 0], lw=0.6)
    ax.set_xlabel(r"$\Delta z$ [L]")
    ax.set_ylabel(r"$\Delta x$ [L]")
    ax.set_title("trajectories", fontsize=9)
    return ax


def draw_all(res: dict, out_dir) -> list[Path]:
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    paths = []
    for name, fn in (("dmumu.png", plot_dmumu), ("running_kappa.png", plot_running),
                     ("trajectories.png", plot_trajectories)):
        ax = fn(res)
        fig = ax.figure
        fig.tight_layout()
        p = out / name
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


def plot_scan_kappa(scan: dict, ax=None):
    """kappa_par (and kappa_perp) against the scanned parameter, with QLT kappa_par;
    one curve per turbulence level when both rigidity and dB2 are scanned."""
    ax = _axes(ax)
    params = scan["parameters"]
    x_name = "rigidity" if "rigidity" in params else "dB2"
    x = np.asarray(scan[x_name])
    groups = np.asarray(scan["dB2"]) if x_name == "rigidity" and "dB2" in params else np.zeros(x.size)
    for j, g in enumerate(np.unique(groups)):
        sel = groups == g
        lab = f" (dB2 = {g:.3g})" if len(np.unique(groups)) > 1 else ""
        c = f"C{j % 10}"
        ax.errorbar(x[sel], scan["kappa_par"][sel], yerr=scan["kappa_par_err"][sel], fmt="o-", color=c,
                    capsize=2, label=r"$\kappa_\parallel$" + lab)
        kperp = np.asarray(scan["kappa_perp"])[sel]
        if np.any(np.isfinite(kperp) & (kperp > 0)):
            ax.errorbar(x[sel], kperp, yerr=scan["kappa_perp_err"][sel], fmt="s:", color=c, ms=3,
                        capsize=2, label=r"$\kappa_\perp$" + lab)
        q = np.asarray(scan["qlt_kappa_par"])[sel]
        if np.any(np.isfinite(q)):
            ax.plot(x[sel], q, "--", color=c, lw=1.2, label=r"QLT $\kappa_\parallel$" + lab)
        reached = np.asarray(scan["plateau_reached"])[sel]
        nr = np.isfinite(reached) & (reached < 0.5)
        if np.any(nr):
            ax.plot(x[sel][nr], scan["kappa_par"][sel][nr], "x", color="k", ms=8,
                    label="no plateau (t_max too short)" if j == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rigidity $r_g/L$" if x_name == "rigidity" else r"$\delta B^2/B_0^2$")
    ax.set_ylabel(r"$\kappa$  [L c]")
    ax.legend(fontsize=8)
    ax.set_title(f"scan over {x_name}", fontsize=9)
    return ax


def draw_scan(h5_path, out_dir) -> list[Path]:
    """Figures of a scan: each point's figures in point_NNN/, and kappa vs the scan."""
    import matplotlib.pyplot as plt

    from .io import result_from_h5, scan_from_h5

    out = Path(out_dir)
    scan = scan_from_h5(h5_path)
    paths = []
    for i in range(scan["n_points"]):
        d = out / f"point_{i:03d}"
        d.mkdir(exist_ok=True)
        paths += draw_all(result_from_h5(h5_path, point=i), d)
    ax = plot_scan_kappa(scan)
    ax.figure.tight_layout()
    p = out / f"kappa_vs_{'rigidity' if 'rigidity' in scan['parameters'] else 'dB2'}.png"
    ax.figure.savefig(p, dpi=110)
    plt.close(ax.figure)
    return paths + [p]


def draw_any(h5_path, out_dir) -> list[Path]:
    """Figures for a result.h5 of either kind (single point or scan)."""
    from .io import result_from_h5, scan_from_h5

    if scan_from_h5(h5_path) is not None:
        return draw_scan(h5_path, out_dir)
    return draw_all(result_from_h5(h5_path), out_dir)
