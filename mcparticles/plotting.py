"""Figures of a :class:`~mcparticles.result.Result` or
:class:`~mcparticles.result.ScanResult`.  Every ``plot_*`` function takes ``ax=None``,
returns the Axes and never shows; matplotlib is imported only here, when drawing."""
from __future__ import annotations

from pathlib import Path

import numpy as np

FIGSIZE = (6.4, 4.4)
MARGINS = {"left": 0.13, "right": 0.97, "bottom": 0.12, "top": 0.93}


def _axes(ax):
    """``ax``, or the Axes of a new figure: a pyplot figure where pyplot is already in use
    (a notebook shows it), else a bare Agg figure (no GUI, nothing registered)."""
    if ax is not None:
        return ax
    import sys
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=FIGSIZE)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=FIGSIZE)
        FigureCanvasAgg(fig)
    fig.subplots_adjust(**MARGINS)       # fixed margins: a tight layout costs ~0.3 s a figure
    return fig.add_subplot()


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)


def plot_dmumu(res, ax=None):
    """Measured D_mumu(mu) (the three estimators, error bars) and QLT."""
    ax = _axes(ax)
    sc, li, mu = res.dmumu, res.lag_index, res.mu
    ax.errorbar(mu, sc.lag[li], yerr=sc.lag_err[li], fmt="o", ms=4, capsize=2,
                label=f"lag estimator, tau = {float(sc.lags[li]):.3g} L/c")
    ax.errorbar(mu + 0.01, sc.corr[li], yerr=sc.corr_err[li], fmt="s", ms=3, capsize=2, alpha=0.7,
                label="mu-dot correlation")
    ax.errorbar(mu - 0.01, sc.slope[li], yerr=sc.slope_err[li], fmt="^", ms=3, capsize=2, alpha=0.7,
                label="slope estimator")
    if np.any(np.isfinite(res.qlt_centre)):
        ax.plot(mu, res.qlt_bin_mean, "k-", lw=1.2, label="QLT (bin mean)")
        ax.plot(mu, res.qlt_centre, "k:", lw=1.0, label="QLT (bin centre)")
        half = 0.5 * (res.mu_edges[1] - res.mu_edges[0])
        for m, ok in zip(mu, res.resolved):
            if not ok:
                ax.axvspan(m - half, m + half, color="0.9", lw=0)
    ax.set_xlabel(r"$\mu$ (local field)")
    ax.set_ylabel(r"$D_{\mu\mu}$  [c/L]")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("pitch-angle diffusion (grey: not compared with QLT)", fontsize=9)
    return ax


def plot_running(res, ax=None):
    """Running <dx_i^2>/(2t) with the plateau window and the QLT kappa_par."""
    ax = _axes(ax)
    rn, s = res.running, res.summary
    t = rn.t
    for i, lab in ((2, r"$\kappa_{zz}$"), (0, r"$\kappa_{xx}$"), (1, r"$\kappa_{yy}$")):
        ax.errorbar(t, rn.d[:, i], yerr=rn.d_err[:, i], fmt="-", label=lab, capsize=1)
    t0 = s.get("plateau_t_start")
    if _number(t0):
        ax.axvspan(t0, t[-1], color="C2", alpha=0.12, label="plateau window")
    kp = s.get("kappa_par")
    if _number(kp) and _number(t0):
        ke = s.get("kappa_par_err") if _number(s.get("kappa_par_err")) else 0.0
        ax.fill_between([t0, t[-1]], kp - ke, kp + ke, color="C0", alpha=0.35, lw=0)
        ax.plot([t0, t[-1]], [kp, kp], "C0--", lw=1, label=r"$\kappa_\parallel$ = late slope / 2")
    kq = s.get("qlt_kappa_par")
    if _number(kq):
        ax.axhline(kq, color="k", ls="--", lw=1, label=r"QLT $\kappa_\parallel$")
    kn = s.get("kappa_perp_nlgc")
    if _number(kn) and kn > 0:
        ax.axhline(kn, color="C3", ls="-.", lw=1, label=r"NLGC $\kappa_\perp$ (measured $\kappa_\parallel$)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("t [L/c]")
    ax.set_ylabel(r"$\langle \Delta x_i^2\rangle / 2t$  [L c]")
    ax.legend(fontsize=8)
    return ax


def plot_trajectories(res, ax=None, n: int = 4):
    """A few tracks projected on the x-z plane."""
    ax = _axes(ax)
    x = res.tracks.x
    for i in range(min(n, x.shape[0])):
        ax.plot(x[i, :, 2] - x[i, 0, 2], x[i, :, 0] - x[i, 0, 0], lw=0.6)
    ax.set_xlabel(r"$\Delta z$ [L]")
    ax.set_ylabel(r"$\Delta x$ [L]")
    ax.set_title("trajectories", fontsize=9)
    return ax


def _save(ax, path: Path) -> Path:
    fig = ax.figure
    fig.savefig(path, dpi=110)
    if fig.canvas.manager is not None:          # a pyplot figure: release it
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path


def _two_axes(axes):
    """``axes`` (two Axes), or the two panels of a new wide figure (as ``_axes``)."""
    if axes is not None:
        return axes
    first = _axes(None)
    fig = first.figure
    fig.set_size_inches(2 * FIGSIZE[0], FIGSIZE[1])
    fig.clf()
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92, wspace=0.25)
    return fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)


def plot_momentum(res, axes=None):
    """D_pp(mu) and D_mup(mu) (p in units of the initial momentum) measured with the
    slope and lag estimators at the momentum lag, beside QLT (moving waves)."""
    mom = res.momentum
    if mom is None:
        raise ValueError("plot_momentum: this run has static fields (no momentum transport)")
    axes = _two_axes(axes)
    li, mu = mom.lag_index, res.mu
    for ax, sc, qc, qb, name in ((axes[0], mom.dpp, mom.qlt_dpp_centre, mom.qlt_dpp_bin_mean,
                                  r"$D_{pp}$  [$p_0^2$ c/L]"),
                                 (axes[1], mom.dmup, mom.qlt_dmup_centre, mom.qlt_dmup_bin_mean,
                                  r"$D_{\mu p}$  [$p_0$ c/L]")):
        ax.errorbar(mu, sc.slope[li], yerr=sc.slope_err[li], fmt="o", ms=4, capsize=2,
                    label=f"slope estimator, tau = {float(sc.lags[li]):.3g} L/c")
        ax.errorbar(mu + 0.01, sc.lag[li], yerr=sc.lag_err[li], fmt="s", ms=3, capsize=2, alpha=0.6,
                    label="lag estimator")
        if np.any(np.isfinite(qb)):
            ax.plot(mu, qb, "k-", lw=1.2, label="QLT (bin mean)")
            ax.plot(mu, qc, "k:", lw=1.0, label="QLT (bin centre)")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlabel(r"$\mu$ (local field)")
        ax.set_ylabel(name)
        ax.legend(fontsize=8)
    axes[0].set_title(f"momentum diffusion, v_A/v = {res.summary.get('eps', float('nan')):.3g}", fontsize=9)
    axes[1].set_title("pitch-angle / momentum cross term", fontsize=9)
    return axes


def plot_streaming(res, axes=None):
    """Running <dp^2>/(2t) with the late-time A2 and QLT, and <dz>/t with the streaming
    speed, QLT and v_A (moving waves)."""
    mom = res.momentum
    if mom is None:
        raise ValueError("plot_streaming: this run has static fields (no momentum transport)")
    axes = _two_axes(axes)
    r, s = mom.running, res.summary
    ax = axes[0]
    ax.errorbar(r.t, r.p2, yerr=r.p2_err, fmt="o-", ms=3, capsize=2, label=r"$\langle\Delta p^2\rangle/2t$")
    if _number(s.get("A2")):
        ax.axhline(s["A2"], color="C1", lw=1.2, label=f"A2 (late Var p slope) = {s['A2']:.3g}")
    if _number(s.get("qlt_A2")):
        ax.axhline(s["qlt_A2"], color="k", ls="--", lw=1.2, label=f"QLT A2 = {s['qlt_A2']:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("t  [L/c]")
    ax.set_ylabel(r"$[p_0^2$ c/L]")
    ax.legend(fontsize=8)
    ax.set_title("momentum diffusion", fontsize=9)
    ax = axes[1]
    ax.errorbar(r.t, r.mean_dz, yerr=r.mean_dz_err, fmt="o-", ms=3, capsize=2, label=r"$\langle\Delta z\rangle/t$")
    if _number(s.get("streaming_speed")):
        err = s.get("streaming_speed_err") or float("nan")
        ax.axhline(s["streaming_speed"], color="C1", lw=1.2,
                   label=f"late slope = {s['streaming_speed']:.3g} +- {err:.2g}")
    if _number(s.get("qlt_streaming_speed")):
        ax.axhline(s["qlt_streaming_speed"], color="k", ls="--", lw=1.2, label="QLT streaming speed")
    ax.axhline(s.get("v_A", 0.0), color="0.5", ls=":", lw=1.0, label="v_A")
    ax.set_xscale("log")
    ax.set_xlabel("t  [L/c]")
    ax.set_ylabel("[c]")
    ax.legend(fontsize=8)
    ax.set_title("streaming along B0", fontsize=9)
    return axes


def draw_all(res, out_dir) -> list[Path]:
    """dmumu.png, running_kappa.png and trajectories.png of one Result in ``out_dir``;
    with moving waves also momentum.png (D_pp, D_mup) and streaming.png."""
    out = Path(out_dir)
    figs = [("dmumu.png", plot_dmumu), ("running_kappa.png", plot_running), ("trajectories.png", plot_trajectories)]
    if res.momentum is not None:
        figs += [("momentum.png", lambda r: plot_momentum(r)[0]), ("streaming.png", lambda r: plot_streaming(r)[0])]
    if spectrum_components(res.card):
        figs.append(("spectrum.png", lambda r: plot_spectrum(r.card)[0]))
    return [_save(fn(res), out / name) for name, fn in figs]


def spectrum_components(card) -> list:
    """The components whose spectrum comes from the plasma: self-generated slab waves and
    damped fast modes (their ``spectrum.png``)."""
    return [c for c in card.field.components
            if getattr(c, "generation", None) is not None or getattr(c, "truncation", None) is not None]


def plot_spectrum(card, axes=None):
    """spectrum.png: for self-generated waves dB^2/B0^2 per ln k (physical amplitude) and,
    on a second panel, the growth and damping rates at equilibrium against k (and the
    resonant momentum); for damped fast modes k_max(theta).  Returns the two Axes."""
    ax1, ax2 = _two_axes(axes)
    for i, c in enumerate(spectrum_components(card)):
        col = f"C{i % 10}"
        gen = getattr(c, "generation", None)
        if gen is not None:
            k = np.geomspace(*c.k_range, 400)
            kc = gen.k_cm(k)
            x = gen.equilibrium(kc)
            ax1.loglog(k, gen.power_per_ln_k(k), color=col, label=f"component {i}: {gen.drive}, physical")
            if card.field.boost != 1.0:
                ax1.loglog(k, k * c.spectrum.density(k), ":", color=col,
                           label=f"simulated (boost {card.field.boost:.3g})")
            ax2.loglog(kc, gen.growth_rate(kc, x), color=col, lw=2, label="growth")
            for j, (m, rate) in enumerate(gen.damping_rates(kc, x).items()):
                ax2.loglog(kc, np.maximum(rate, 1e-300), "--", color=f"C{(i + j + 1) % 10}", label=f"damping: {m}")
            ax2.set_xlabel(r"$k$ [cm$^{-1}$]")
            ax2.set_ylabel(r"rate [s$^{-1}$]")
        else:
            tr = c.truncation
            th = np.linspace(0.5, 89.5, 300)
            ax2.semilogy(th, tr.k_max(np.cos(np.radians(th))), color=col, label=f"component {i}: k_max(theta), "
                                                                                 f"{tr.kind}")
            ax2.axhline(c.k_range[1], color="0.5", lw=0.8, ls=":", label="band k_max")
            ax2.set_xlabel(r"$\theta$ [deg]")
            ax2.set_ylabel(r"$k_{\max}(\theta)$ [1/L]")
            k = np.geomspace(*c.k_range, 400)
            ax1.loglog(k, k * c.spectrum.density(k) * tr.allowed_fraction(k), color=col,
                       label="damped (simulated)")
            ax1.loglog(k, k * c.spectrum.density(k), ":", color=col, label="undamped")
    if card.r_g > 0:
        ax1.axvline(1.0 / card.r_g, color="k", lw=0.8, ls="-.", label=r"$1/r_g$")
    ax1.set_xlabel(r"$k$ [1/L]")
    ax1.set_ylabel(r"$\delta B^2/B_0^2$ per $\ln k$")
    ax1.legend(fontsize=7)
    ax2.legend(fontsize=7)
    return ax1, ax2


def plot_kappa_energy(scan_result, ax=None):
    """kappa_vs_energy.png: measured kappa_par(E) in cm^2/s (rescaled to the physical
    amplitude) with errors, the QLT line, the fluid self-confinement estimate, the fitted
    slope delta with its error, and the band the observations require (kappa ~ 3e28
    cm^2/s at 1 GeV, delta 0.3-0.7; docs/physics.md §7.5)."""
    from .scanfit import OBSERVED_DELTA, OBSERVED_KAPPA_GEV_CM2_S
    ax = _axes(ax)
    table, summ = scan_result.table, scan_result.summary
    col = lambda k: np.array([np.nan if v is None else float(v) for v in table[k]])   # noqa: E731
    e = col("energy_GeV")
    boosts = col("boost")
    scanned = "boost" in scan_result.parameters
    groups = np.unique(boosts) if scanned else [None]
    for j, b in enumerate(groups):
        sel = boosts == b if scanned else np.ones(e.size, dtype=bool)
        if scanned:
            lab = f" (boost {b:.3g})"
        elif np.any(boosts != 1.0):
            lab = (f" (boost {boosts.min():.3g}-{boosts.max():.3g}, rescaled)" if np.ptp(boosts) > 0
                   else f" (boost {boosts[0]:.3g}, rescaled)")
        else:
            lab = ""
        ax.errorbar(e[sel], col("kappa_par_cm2_s")[sel], yerr=col("kappa_par_err_cm2_s")[sel], fmt="o",
                    color=f"C{j}", capsize=2, label=r"measured $\kappa_\parallel$" + lab)
    order = np.argsort(e)
    ax.plot(e[order], col("qlt_kappa_par_cm2_s")[order], "--", color="C3", label="QLT (same spectrum)")
    fluid = col("fluid_kappa_par_cm2_s")
    if np.any(np.isfinite(fluid)):
        ax.plot(e[order], fluid[order], ":", color="C4", label=r"fluid $v^2/(3\nu)$")
    ee = np.geomspace(max(np.nanmin(e) / 1.5, 1e-3), np.nanmax(e) * 1.5, 50)
    lo = OBSERVED_KAPPA_GEV_CM2_S * np.minimum(ee ** OBSERVED_DELTA[0], ee ** OBSERVED_DELTA[1])
    hi = OBSERVED_KAPPA_GEV_CM2_S * np.maximum(ee ** OBSERVED_DELTA[0], ee ** OBSERVED_DELTA[1])
    ax.fill_between(ee, lo, hi, color="0.85", zorder=0,
                    label=r"observed: $3\times10^{28}$ cm$^2$/s at GeV, $\delta$ = 0.3-0.7")
    d, de = summ.get("delta"), summ.get("delta_err")
    title = "kappa_par(E)"
    if d is not None:
        title += f": delta = {d:.3f} +- {de:.3f}" if de else f": delta = {d:.3f}"
    if summ.get("qlt_delta") is not None:
        title += f" (QLT {summ['qlt_delta']:.3f})"
    ax.set_title(title, fontsize=9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter
    ax.xaxis.set_minor_formatter(NullFormatter())     # a decade or less: the minor labels collide
    ax.set_xlabel("E [GeV]")
    ax.set_ylabel(r"$\kappa_\parallel$ [cm$^2$/s] (physical amplitude)")
    ax.legend(fontsize=7)
    return ax


def plot_scan_kappa(scan_result, ax=None):
    """kappa_par (and kappa_perp) against the scanned parameter, with QLT kappa_par and
    NLGC kappa_perp;
    one curve per turbulence level when both rigidity and dB2 are scanned."""
    ax = _axes(ax)
    table = scan_result.table
    col = lambda k: np.array([np.nan if v is None else float(v) for v in table[k]])   # noqa: E731
    params = scan_result.parameters
    x_name = next((p for p in ("rigidity", "energy_GeV", "dB2", "boost") if p in params), "dB2")
    x = col(x_name)
    groups = col("dB2") if x_name == "rigidity" and "dB2" in params else np.zeros(x.size)
    kpar, kpar_err, kperp, kperp_err, qlt = (col(k) for k in ("kappa_par", "kappa_par_err", "kappa_perp",
                                                               "kappa_perp_err", "qlt_kappa_par"))
    nlgc = col("kappa_perp_nlgc") if "kappa_perp_nlgc" in table else np.full(x.size, np.nan)   # before 0.6.0
    reached = col("plateau_reached")
    for j, g in enumerate(np.unique(groups)):
        sel = groups == g
        lab = f" (dB2 = {g:.3g})" if len(np.unique(groups)) > 1 else ""
        c = f"C{j % 10}"
        ax.errorbar(x[sel], kpar[sel], yerr=kpar_err[sel], fmt="o-", color=c, capsize=2,
                    label=r"$\kappa_\parallel$" + lab)
        if np.any(np.isfinite(kperp[sel]) & (kperp[sel] > 0)):
            ax.errorbar(x[sel], kperp[sel], yerr=kperp_err[sel], fmt="s:", color=c, ms=3, capsize=2,
                        label=r"$\kappa_\perp$" + lab)
        if np.any(np.isfinite(qlt[sel])):
            ax.plot(x[sel], qlt[sel], "--", color=c, lw=1.2, label=r"QLT $\kappa_\parallel$" + lab)
        if np.any(np.isfinite(nlgc[sel]) & (nlgc[sel] > 0)):
            ax.plot(x[sel], nlgc[sel], "-.", color=c, lw=1.0, label=r"NLGC $\kappa_\perp$" + lab)
        nr = np.isfinite(reached[sel]) & (reached[sel] < 0.5)
        if np.any(nr):
            ax.plot(x[sel][nr], kpar[sel][nr], "x", color="k", ms=8,
                    label="no plateau (t_max too short)" if j == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel({"rigidity": "rigidity $r_g/L$", "energy_GeV": "E [GeV]", "boost": "boost"}.get(
        x_name, r"$\delta B^2/B_0^2$"))
    ax.set_ylabel(r"$\kappa$  [L c]")
    ax.legend(fontsize=8)
    ax.set_title(f"scan over {x_name}", fontsize=9)
    return ax


def draw_scan(scan_result, out_dir) -> list[Path]:
    """Figures of a scan: each point's figures in point_NNN/, and kappa vs the scan."""
    out = Path(out_dir)
    paths = []
    for i, r in enumerate(scan_result.points):
        d = out / f"point_{i:03d}"
        d.mkdir(exist_ok=True)
        paths += draw_all(r, d)
    params = scan_result.parameters
    if "energy_GeV" in params:
        return paths + [_save(plot_kappa_energy(scan_result), out / "kappa_vs_energy.png")]
    name = f"kappa_vs_{next((p for p in ('rigidity', 'dB2', 'boost') if p in params), 'dB2')}.png"
    return paths + [_save(plot_scan_kappa(scan_result), out / name)]


def draw_any(res, out_dir) -> list[Path]:
    """Figures for a Result or a ScanResult."""
    return draw_scan(res, out_dir) if hasattr(res, "points") else draw_all(res, out_dir)
