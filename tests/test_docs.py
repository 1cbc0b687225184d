"""The project documents itself: no file points outside the repository to the team's
brief files, the card reference covers every key, the version is written once."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mcparticles
from mcparticles import config
from mcparticles.plasma import PLASMA_KEYS
from mcparticles.selfgen import COSMIC_RAY_KEYS

ROOT = Path(__file__).resolve().parents[1]
# spelled in pieces so that this file does not contain what it looks for
FORBIDDEN = ["../" + "shared", "PHYSICS" + ".md", "INTERFACE" + ".md", "DESIGN" + ".md"]


def project_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / f for f in out.stdout.splitlines() if (ROOT / f).is_file()]


def test_no_file_points_to_the_team_briefs():
    hits = []
    for path in project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        hits += [f"{path.relative_to(ROOT)}: {word}" for word in FORBIDDEN if word in text]
    assert not hits, hits


def test_card_reference_lists_every_generic_key():
    text = (ROOT / "docs" / "card.md").read_text()
    for section, keys in (("run", config.RUN_KEYS), ("field", config.FIELD_KEYS), ("particles", config.PARTICLE_KEYS),
                          ("time", config.TIME_KEYS), ("diagnostics", config.DIAGNOSTICS_KEYS),
                          ("qlt", config.QLT_KEYS), ("plasma", PLASMA_KEYS), ("cosmic_rays", COSMIC_RAY_KEYS)):
        block = text.split(f"## `[{section}]`")[1] if section != "field" else text.split("## `[field]`")[1]
        for key in keys:
            assert f"| `{key}` |" in block.split("\n## ")[0], (section, key)


def test_docs_physics_sections_cited_in_the_code_exist():
    headings = set(re.findall(r"^#+ (\d+(?:\.\d+)?) ", (ROOT / "docs" / "physics.md").read_text(), re.M))
    cited = set()
    for path in list((ROOT / "mcparticles").rglob("*.py")) + list((ROOT / "tests").rglob("*.py")):
        cited |= set(re.findall(r"docs/physics\.md §(\d+(?:\.\d+)?)", path.read_text()))
    assert cited and cited <= headings, cited - headings


def test_version_is_written_once():
    assert re.fullmatch(r"\d+\.\d+\.\d+", mcparticles.__version__)
    try:
        import tomllib
    except ModuleNotFoundError:      # Python 3.10
        import tomli as tomllib
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mcparticles._version.__version__"}
    assert not re.search(r"^version:", (ROOT / "CITATION.cff").read_text(), re.M)   # cited with the run's own
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## (\S+)", changelog, re.M).group(1) == mcparticles.__version__
    for name in ("LICENSE", "CHANGELOG.md", "CITATION.cff"):
        assert (ROOT / name).stat().st_size > 200, name


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
                    reason="docs tools not installed (pip install -e '.[docs]'); CI builds the docs in .ci/run")
def test_docs_build_without_warnings(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    card = (tmp_path / "site" / "card" / "index.html").read_text()
    for name in mcparticles.model_names():
        assert f'id="{name}"' in card, name
