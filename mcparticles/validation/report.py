"""The validation report: report.md, report.html, validation.json and one figure per
case (figures/<case>.png), all written by :func:`write`."""
from __future__ import annotations

import datetime
import html
import json
import math
import os
import platform
import subprocess
from pathlib import Path

FIGURES = "figures"


def commit_id() -> str:
    """The git commit of the package source (with "+changes" when the tree differs), or
    "unknown" outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _isa() -> str:
    """The instruction set numba compiles for: the CPU name LLVM targets and whether it
    has AVX-512 / AVX2 (NUMBA_CPU_NAME overrides the host)."""
    try:
        from llvmlite import binding as llvm
        name = os.environ.get("NUMBA_CPU_NAME") or llvm.get_host_cpu_name()
        feats = llvm.get_host_cpu_features() if not os.environ.get("NUMBA_CPU_NAME") else {}
        isa = "AVX-512" if feats.get("avx512f") else "AVX2" if feats.get("avx2") or name == "haswell" else "other"
        return f"{name} ({isa})"
    except Exception:          # llvmlite without host queries: not worth failing a report for
        return "unknown"


def metadata(level: str, ranks: int, wall: float, commit: str | None = None) -> dict:
    """The report's header: level, date, version, ``commit`` (default: now; validate
    takes it before the first case, so the report's own files do not count as changes),
    machine, ranks, threads and wall time."""
    import numba

    from .._version import __version__
    return {"level": level, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "version": __version__, "commit": commit or commit_id(), "cpu": _cpu(), "cores": os.cpu_count(),
            "isa": _isa(), "ranks": ranks, "threads": numba.get_num_threads(), "wall_seconds": wall,
            "python": platform.python_version(), "numba": numba.__version__}


def _num(x, err=None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    s = f"{x:.4g}"
    if err:
        s += f" ± {err:.2g}"
    return s


def rows(validation) -> list[dict]:
    """One dict per check (case, quantity, measured, error, expected, source, tolerance,
    why, passed), cases that could not be evaluated as one failed row."""
    out = []
    for oc in validation.cases:
        if oc.error:
            out.append({"case": oc.name, "quantity": "(evaluation)", "measured": None, "error": None,
                        "expected": None, "expected_text": "n/a", "source": "", "tolerance": "", "why": oc.error,
                        "passed": False})
        for c in oc.checks:
            d = c.as_dict()
            d["expected_text"] = (f"{_num(d['expected'])} - {_num(d['expected_hi'])}" if c.kind == "interval"
                                  else _num(d["expected"]))
            out.append({"case": oc.name, **d})
    return out


def draw(validation, out_dir: Path) -> dict:
    """One figure per case in out_dir/figures; {case name: relative path}."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig_dir = out_dir / FIGURES
    fig_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for oc in validation.cases:
        if not oc.results:
            continue
        fig = Figure(figsize=(5.6, 3.8))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        try:
            oc.case.plot(ax, oc.results, oc.checks)
        except Exception as exc:       # a figure that cannot be drawn is said so, the report still written
            ax.text(0.5, 0.5, f"figure failed: {exc}", ha="center", va="center", transform=ax.transAxes, fontsize=8)
        for axis in (ax.xaxis, ax.yaxis):     # less than a decade or two: no crowded minor labels
            if axis.get_scale() == "log":
                axis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{oc.name}: {'passed' if oc.passed else 'FAILED'}", fontsize=9)
        fig.tight_layout()
        rel = f"{FIGURES}/{oc.name}.png"
        fig.savefig(out_dir / rel, dpi=110)
        paths[oc.name] = rel
    return paths


def _meta_lines(meta: dict) -> list[str]:
    return [f"- level: `{meta.get('level')}`; {meta.get('date')}",
            f"- mcparticles {meta.get('version')}, commit `{meta.get('commit')}`",
            f"- machine: {meta.get('cpu')}, {meta.get('cores')} cores, numba target {meta.get('isa')}; "
            f"{meta.get('ranks')} rank(s) x {meta.get('threads')} thread(s); Python {meta.get('python')}, "
            f"numba {meta.get('numba')}",
            f"- wall time: {_num(meta.get('wall_seconds'))} s"]


def markdown(validation, figures: dict) -> str:
    n_pass = sum(oc.passed for oc in validation.cases)
    lines = ["# mcparticles validation report", "",
             f"**{'PASSED' if validation.passed else 'FAILED'}**: {n_pass} of {len(validation.cases)} cases passed.",
             "", *_meta_lines(validation.meta), "",
             "A check passes when |measured - expected| is within k standard errors (Student-t over the field "
             "realisations, 1% family-wise over the case's checks) plus the stated systematic floor.", "",
             "| case | quantity | measured | expected | source | tolerance | why | result |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows(validation):
        cells = [r["case"], r["quantity"], _num(r["measured"], r["error"]), r["expected_text"], r["source"],
                 r["tolerance"], r["why"], "pass" if r["passed"] else "**FAIL**"]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    for oc in validation.cases:
        lines += ["", f"## {oc.name}: {oc.case.title}", "",
                  " ".join((oc.case.__doc__ or "").split()), "",
                  "References: " + "; ".join(oc.case.references) + ".", "",
                  f"Cost: {oc.particle_steps:.3g} particle-steps, {oc.seconds:.1f} s."]
        if oc.error:
            lines += ["", f"Could not be evaluated: `{oc.error}`"]
        if oc.name in figures:
            lines += ["", f"![{oc.name}]({figures[oc.name]})"]
    return "\n".join(lines) + "\n"


def html_report(validation, figures: dict) -> str:
    e = html.escape
    n_pass = sum(oc.passed for oc in validation.cases)
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>mcparticles validation</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:3px 6px;font-size:13px}.fail{color:#b00;font-weight:bold}"
             ".pass{color:#070}</style></head><body>",
             "<h1>mcparticles validation report</h1>",
             f"<p><b>{'PASSED' if validation.passed else 'FAILED'}</b>: {n_pass} of {len(validation.cases)} "
             "cases passed.</p><ul>"]
    parts += [f"<li>{e(line[2:])}</li>" for line in _meta_lines(validation.meta)]
    parts += ["</ul><table><tr><th>case</th><th>quantity</th><th>measured</th><th>expected</th><th>source</th>"
              "<th>tolerance</th><th>why</th><th>result</th></tr>"]
    for r in rows(validation):
        cls = "pass" if r["passed"] else "fail"
        parts.append(f"<tr><td>{e(r['case'])}</td><td>{e(r['quantity'])}</td>"
                     f"<td>{e(_num(r['measured'], r['error']))}</td><td>{e(r['expected_text'])}</td>"
                     f"<td>{e(r['source'])}</td><td>{e(r['tolerance'])}</td><td>{e(r['why'])}</td>"
                     f"<td class='{cls}'>{'pass' if r['passed'] else 'FAIL'}</td></tr>")
    parts.append("</table>")
    for oc in validation.cases:
        parts += [f"<h2>{e(oc.name)}: {e(oc.case.title)}</h2>",
                  f"<p>{e(' '.join((oc.case.__doc__ or '').split()))}</p>",
                  f"<p>References: {e('; '.join(oc.case.references))}.</p>",
                  f"<p>Cost: {oc.particle_steps:.3g} particle-steps, {oc.seconds:.1f} s.</p>"]
        if oc.error:
            parts.append(f"<p class='fail'>Could not be evaluated: {e(oc.error)}</p>")
        if oc.name in figures:
            parts.append(f"<img src='{e(figures[oc.name])}' alt='{e(oc.name)}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def as_json(validation, figures: dict) -> dict:
    return {"passed": validation.passed, "meta": validation.meta,
            "cases": [{"name": oc.name, "title": oc.case.title, "references": list(oc.case.references),
                       "description": " ".join((oc.case.__doc__ or "").split()), "passed": oc.passed,
                       "error": oc.error or None, "seconds": oc.seconds, "particle_steps": oc.particle_steps,
                       "figure": figures.get(oc.name), "checks": [c.as_dict() for c in oc.checks]}
                      for oc in validation.cases]}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(validation, out_dir) -> list[Path]:
    """Write report.md, report.html, validation.json and the figures to ``out_dir``;
    each file is replaced whole (a kill leaves the previous complete version)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = draw(validation, out)
    paths = [out / "report.md", out / "report.html", out / "validation.json"]
    _write_atomic(paths[0], markdown(validation, figures))
    _write_atomic(paths[1], html_report(validation, figures))
    _write_atomic(paths[2], json.dumps(as_json(validation, figures), indent=1, allow_nan=False))
    return paths
