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
