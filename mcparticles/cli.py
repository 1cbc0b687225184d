"""Command line: ``mcparticles run | qlt | plot | info | validate`` -- a thin layer over the Python
API that turns on writing, figures, progress and signal handling.

Exit status: 0 success, 2 bad card or arguments (one line, no traceback), 1 failure
during a run (including an interruption, after checkpointing).
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from pathlib import Path

from .config import load_scan
from .parallel import LaunchError, abort_other_ranks
from .schema import CardError, one_line

_ARGV: list = []          # the arguments main() parses (for the error message)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CardError("arguments", " ".join(_ARGV), message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mcparticles", description="Monte Carlo test particles in synthetic turbulence")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="run the simulation a card describes")
    r.add_argument("card")
    r.add_argument("--output", help="output directory (default: [run].output or results/<name>)")
    r.add_argument("--resume", action="store_true", help="continue an interrupted run")
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")
    r.add_argument("--threads", type=int, default=0, help="numba threads per rank (default: automatic)")
    r.add_argument("--device", help='push on "cpu" or "cuda" (an NVIDIA GPU per rank); same as --set run.device=...')
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a card value, e.g. --set particles.count=100")
    q = sub.add_parser("qlt", help="quasi-linear predictions only")
    q.add_argument("card")
    q.add_argument("--mu", help="comma-separated mu values (default: the card's bin centres)")
    q.add_argument("--json", action="store_true")
    q.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    pl = sub.add_parser("plot", help="(re)draw the figures of a result directory")
    pl.add_argument("result_dir")
    v = sub.add_parser("validate", help="run the literature validation cases and write a report")
    lv = v.add_mutually_exclusive_group()
    lv.add_argument("--quick", dest="level", action="store_const", const="quick",
                    help="reduced statistics, a few minutes on 2 cores (the default)")
    lv.add_argument("--full", dest="level", action="store_const", const="full", help="publication statistics")
    v.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases")
    v.add_argument("--output", default="results/validation", help="report directory (default: results/validation)")
    v.add_argument("--threads", type=int, default=0, help="numba threads per rank (default: automatic)")
    v.add_argument("--list", action="store_true", help="list the cases and exit")
    i = sub.add_parser("info", help="resolution and cost checks")
    i.add_argument("card")
    i.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    return p


def _output_dir(card, given):
    if given:
        return Path(given)
    if card.run.output:
        return Path(card.run.output)
    return Path("results") / card.run.name


def _is_rank0() -> bool:
    return all(os.environ.get(k, "0") == "0" for k in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"))


def _point_label(scan, i) -> str:
    c = scan.cards[i]
    parts = []
    if "rigidity" in scan.parameters:
        parts.append(f"rigidity = {c.particles.rigidity:.4g}")
    if "energy_GeV" in scan.parameters:
        parts.append(f"E = {c.physical.energy_GeV:.4g} GeV")
    if "boost" in scan.parameters:
        parts.append(f"boost = {c.field.boost:.4g}")
    if "dB2" in scan.parameters:
        parts.append(f"dB2 = {c.field.dB2_total:.4g}")
    return f"point {i} ({', '.join(parts)})"


def cmd_run(a) -> int:
    from . import io
    from .simulation import Interrupted, Simulation

    overrides = list(a.set) + ([f"run.device={json.dumps(a.device)}"] if a.device is not None else [])
    scan = load_scan(a.card, overrides)
    card = scan.cards[0]
    out = _output_dir(card, a.output)
    if a.threads < 0:
        raise CardError("--threads", a.threads, "must be an integer >= 0")
    rank0 = _is_rank0()
    sim = Simulation(scan, threads=a.threads or None)
    if not a.quiet:
        plans = sim.plans               # QLT on rank 0, broadcast: every rank takes part
    if not a.quiet and sim.ctx.is_root:
        from .info import checks
        for i, (c, plan) in enumerate(zip(scan.cards, plans)):
            _, warn = checks(c, plan)
            for w in warn:
                log.warning(w if not scan.is_scan else f"{_point_label(scan, i)}: {w}")
    progress = None if a.quiet else ("bar" if sys.stderr.isatty() else "log")
    try:
        res = sim.run(out, resume=a.resume, progress=progress, handle_signals=True)
    except io.OutputError as exc:
        print(f"mcparticles: error: {one_line(exc)}", file=sys.stderr)
        abort_other_ranks(2)
        return 2
    except Interrupted as exc:
        if rank0:
            print(f"mcparticles: interrupted ({exc}); finished work units are saved in {out / io.CHECKPOINT}; "
                  f"continue with: mcparticles run {a.card} --output {out} --resume", file=sys.stderr)
        return 1
    if res is not None and not a.quiet:
        for i, r in enumerate(res.points if scan.is_scan else [res]):
            g, lam = scan.cards[i].field.grid, r.summary.get("lambda_par")
            if g is not None and lam is not None and math.isfinite(lam) and lam > g.box / 10:
                log.warning(f"{_point_label(scan, i) + ': ' if scan.is_scan else ''}measured lambda_par = "
                            f"{lam:.3g} L is more than a tenth of the grid box ({g.box:.3g} L): the field repeats "
                            "on the particles' path; check with a larger grid_box")
        if scan.is_scan:
            print(f"result: {out} (scan of {len(res)} points over {', '.join(scan.parameters)})")
            for i, r in enumerate(res.points):
                print(_point_label(scan, i))
                print(_summary_text(r.summary, None, None))
            s = res.summary
            if s.get("delta") is not None:
                src = ", ".join(f"{m} {v:g}" for m, v in s.get("source_delta", {}).items())
                print(f"kappa_par ~ E^delta: delta = {_fmt(s['delta'], s['delta_err'])} (QLT {_fmt(s['qlt_delta'])}"
                      + (f", fluid {_fmt(s['fluid_delta'])}" if s.get("fluid_delta") is not None else "")
                      + (f", from the measured D_mumu {_fmt(s['delta_from_dmumu'])}"
                         if s.get("delta_from_dmumu") is not None else "")
                      + (f"; fluid slopes of the sources: {src}" if src else "")
                      + "; observed 0.3-0.7)")
            for chk in s.get("boost_check", []):
                verdict = "consistent" if chk["consistent"] else "NOT consistent"
                parts = []
                if "dmumu_ratio" in chk:
                    parts.append(f"D_mumu/boost^2 ratio {_fmt(chk['dmumu_ratio'], chk['dmumu_ratio_err'])} (lag), "
                                 f"{_fmt(chk.get('dmumu_corr_ratio'), chk.get('dmumu_corr_ratio_err'))} (corr)")
                if "kappa_ratio" in chk:
                    plateau = all(chk["kappa_plateau_reached"])
                    parts.append(f"kappa x boost^2 ratio {_fmt(chk['kappa_ratio'], chk['kappa_ratio_err'])}"
                                 + ("" if plateau else " (no kappa plateau at both: not checked)"))
                print(f"boost check, boosts {chk['boosts']}: {'; '.join(parts)} ({verdict} with 1 within 2 sigma)")
        else:
            print(_summary_text(res.summary, res.timing, out))
    return 0


def _fmt(v, e=None):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:.4g}" + (f" +- {e:.2g}" if isinstance(e, (int, float)) and e is not None else "")


def _summary_text(s, timing, out) -> str:
    lines = [f"result: {out}"] if out is not None else []
    lines += [
        f"  kappa_par  = {_fmt(s['kappa_par'], s['kappa_par_err'])} L c   (QLT {_fmt(s['qlt_kappa_par'])},"
        f" plateau {'reached' if s['plateau_reached'] else 'NOT reached: t_max too short'})",
        f"  kappa_perp = {_fmt(s['kappa_perp'], s['kappa_perp_err'])} L c   (NLGC {_fmt(s.get('kappa_perp_nlgc'))} "
        "from the measured kappa_par)",
        f"  lambda_par = {_fmt(s['lambda_par'], s['lambda_par_err'])} L   (QLT {_fmt(s['qlt_lambda_par'])})",
        f"  alpha_par = {_fmt(s['alpha_par'], s['alpha_par_err'])}, "
        f"alpha_perp = {_fmt(s['alpha_perp'], s['alpha_perp_err'])}",
        f"  D_mumu measured/QLT (median over resolved bins) = {_fmt(s['dmumu_ratio_median'])} (lag), "
        f"{_fmt(s['dmumu_ratio_median_corr'])} (correlation); lag {_fmt(s['dmumu_lag_gyroperiods'])} gyro-periods",
        f"  kappa_par from measured D_mumu = {_fmt(s['kappa_par_from_dmumu'])} L c",
    ]
    if out is not None:
        lines.append(f"  {s['particle_steps']:.4g} particle-steps in {timing['wall_seconds']:.3g} s = "
                     f"{_fmt(timing['steps_per_second'])} /s ({timing['ranks']} rank(s) x "
                     f"{timing['threads']} thread(s); {timing.get('device', 'cpu')})")
    if "A2" in s:
        lines += [
            f"  moving waves, v_A/v = {_fmt(s['eps'])}: streaming speed <dz>/t = "
            f"{_fmt(s['streaming_speed'], s['streaming_speed_err'])} c (QLT {_fmt(s['qlt_streaming_speed'])})",
            f"  A2 = {_fmt(s['A2'], s['A2_err'])} p0^2 c/L (QLT {_fmt(s['qlt_A2'])}); A2 kappa_par = "
            f"{_fmt(s['A2_kappa_par'])} (QLT {_fmt(s['qlt_A2_kappa_par'])})",
            f"  D_pp/D_mumu, D_mup/D_mumu measured/QLT (median) = {_fmt(s['dpp_over_dmumu_ratio_median'])}, "
            f"{_fmt(s['dmup_over_dmumu_ratio_median'])}; momentum lag {_fmt(s['momentum_lag_gyroperiods'])} "
            "gyro-periods"]
    if "physical" in s:
        ph = s["physical"]
        lines.append(f"  physical: kappa_par = {_fmt(ph['kappa_par_cm2_s'])} cm^2/s, "
                     f"kappa_perp = {_fmt(ph['kappa_perp_cm2_s'])} cm^2/s, "
                     f"QLT {_fmt(ph['qlt_kappa_par_cm2_s'])} cm^2/s"
                     + (f", fluid {_fmt(ph['fluid_kappa_par_cm2_s'])} cm^2/s" if ph.get("fluid_kappa_par_cm2_s")
                        else "")
                     + f"; from the measured D_mumu {_fmt(ph.get('kappa_par_from_dmumu_cm2_s'))} cm^2/s"
                     + (f" (rescaled: boost {_fmt(ph['boost'])})" if "boost" in ph else ""))
    return "\n".join(lines)


def _qlt_point(card, mu_arg):
    import numpy as np

    from .diagnostics.dmumu import mu_edges
    from .qlt import predict

    if mu_arg:
        try:
            mu = np.array([float(x) for x in mu_arg.split(",") if x.strip()])
        except ValueError:
            raise CardError("--mu", mu_arg, "must be comma-separated numbers in [-1, 1]") from None
        if mu.size == 0 or np.any(~np.isfinite(mu)) or np.any(np.abs(mu) > 1):
            raise CardError("--mu", mu_arg, "must be comma-separated numbers in [-1, 1]")
    else:
        e = mu_edges(card.diagnostics.mu_bins)
        mu = 0.5 * (e[1:] + e[:-1])
    try:
        return predict.as_dict(card, mu)
    except predict.QLTUnavailable as exc:
        raise CardError("field.B0", card.field.B0, str(exc)) from None


def cmd_qlt(a) -> int:
    """QLT for a card; for a scan, one block (JSON: a list of objects) per point."""
    scan = load_scan(a.card, a.set)
    points = [_qlt_point(c, a.mu) for c in scan.cards]
    if a.json:
        print(json.dumps(points if scan.is_scan else points[0]))
        return 0
    for i, (card, out) in enumerate(zip(scan.cards, points)):
        if scan.is_scan:
            print(_point_label(scan, i))
        print(f"QLT for {card.source} (r_g = {card.r_g:.4g} L, Omega = {card.omega0:.4g} c/L)")
        if "dpp" in out:
            print(f"moving waves: v_A = {out['v_A']:.4g} c, v_A/v = {out['eps']:.4g}; momenta in units of p0")
            print("      mu      D_mumu [c/L]   D_mup [p0 c/L]  D_pp [p0^2 c/L]")
            for m, v, u, pp in zip(out["mu"], out["dmumu"], out["dmup"], out["dpp"]):
                print(f"  {m:+8.4f}   {v:<13.6g}  {u:<+14.6g}  {pp:.6g}")
            print(f"A2 = {_fmt(out['A2'])} p0^2 c/L, streaming speed = {_fmt(out['streaming_speed'])} c "
                  "(diffusion-convection, spectra continued above k_max)")
        else:
            print("      mu      D_mumu [c/L]")
            for m, v in zip(out["mu"], out["dmumu"]):
                print(f"  {m:+8.4f}   {v:.6g}")
        print(f"kappa_par = {_fmt(out['kappa_par'])} L c, lambda_par = {_fmt(out['lambda_par'])} L "
              "(spectrum continued above k_max)")
        print(f"band-limited kappa_par = {_fmt(out['kappa_par_band_limited'])} (infinite with a 90-degree gap, "
              f"|mu| < {out['gap_mu']:.3g})")
        if "kappa_note" in out:
            print(out["kappa_note"])
        print(f"kappa_perp = {_fmt(out['kappa_perp_nlgc'])} L c ({out['nlgc_note']}; from the QLT kappa_par)")
    return 0


def cmd_plot(a) -> int:
    from . import io, plotting
    from .result import Result
    from .simulation import partial_result

    d = Path(a.result_dir)
    if (d / "result.h5").exists():
        paths = plotting.draw_any(Result.load(d), d)
    elif (d / io.CHECKPOINT / "card.json").exists():
        res = partial_result(d)
        if res is None:
            raise CardError("RESULT_DIR", str(d), "the checkpoint holds no finished work unit yet")
        part = d / "partial"
        res.save(part, plots=False)
        paths = plotting.draw_any(res, part)
    else:
        raise CardError("RESULT_DIR", str(d), "holds neither result.h5 nor a checkpoint of a partial run")
    for p in paths:
        print(p)
    return 0


def cmd_validate(a) -> int:
    """Run the validation cases; exit status 1 when a case fails."""
    from . import validation
    from .validation import report

    if a.list:
        for c in validation.CASES:
            print(f"{c.name:28s} {c.title}")
        return 0
    if a.threads < 0:
        raise CardError("--threads", a.threads, "must be an integer >= 0")
    cases = validation.select(a.only)          # an unknown name fails here, before anything runs
    out = Path(a.output)
    level = a.level or "quick"
    rank0 = _is_rank0()
    if rank0:
        print(f"validation ({level}): {len(cases)} case(s), report in {out}", flush=True)
    res = validation.validate(level, a.only, threads=a.threads or None,
                              on_case=lambda v: report.write(v, out),
                              log=lambda text: print(text, flush=True))
    if res is None:
        return 0
    for oc in res.cases:
        for c in oc.checks:
            if not c.passed:
                print(f"  FAIL {oc.name}: {c.quantity}: {_fmt(c.measured, c.error)} against {_fmt(c.expected)} "
                      f"({c.source}; tolerance {c.tolerance})")
    paths = report.write(res, out)
    print(f"{'all cases passed' if res.passed else 'SOME CASES FAILED'}; report: {paths[0]}, {paths[1]}, {paths[2]}")
    return 0 if res.passed else 1


def cmd_info(a) -> int:
    from .info import report

    scan = load_scan(a.card, a.set)
    for i, c in enumerate(scan.cards):
        if scan.is_scan:
            print(_point_label(scan, i))
        print(report(c))
    return 0


log = logging.getLogger("mcparticles")


def main(argv=None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    log.setLevel(logging.INFO)
    _ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    try:
        a = _parser().parse_args(argv)
        if getattr(a, "quiet", False):
            log.setLevel(logging.ERROR)
        return {"run": cmd_run, "qlt": cmd_qlt, "plot": cmd_plot, "info": cmd_info,
                "validate": cmd_validate}[a.command](a)
    except (CardError, LaunchError) as exc:
        if _is_rank0():             # every rank reads the card and fails alike: one message
            print(f"mcparticles: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except FloatingPointError as exc:
        print(f"mcparticles: error: {one_line(exc)}", file=sys.stderr)
        abort_other_ranks(1)
        return 1


if __name__ == "__main__":
    sys.exit(main())
