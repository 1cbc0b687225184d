"""Bad run cards: exit 2, one line naming the key, nothing written."""
import subprocess
import sys
import textwrap

import pytest

from mcparticles.cli import main
from mcparticles.config import CardError, parse_card
from tests.cards import card_dict

GOOD = textwrap.dedent("""
    [run]
    name = "bad"
    seed = 1
    [field]
    B0 = 1.0
    [[field.turbulence]]
    model = "slab"
    dB2 = 0.01
    k_min = 1.0
    k_max = 100.0
    n_modes = 16
    [particles]
    count = 4
    rigidity = 0.1
    [time]
    t_max = 1.0
""")

# (description, replacement of one line or appended text, key expected in the message)
BAD = [
    ("unknown key", ("count = 4", "count = 4\ncuont = 5"), "particles.cuont"),
    ("wrong type", ("count = 4", 'count = "four"'), "particles.count"),
    ("negative count", ("count = 4", "count = -4"), "particles.count"),
    ("zero rigidity", ("rigidity = 0.1", "rigidity = 0.0"), "particles.rigidity"),
    ("k_min >= k_max", ("k_max = 100.0", "k_max = 0.5"), "k_max"),
    ("negative dB2", ("dB2 = 0.01", "dB2 = -0.01"), "dB2"),
    ("missing section", ("[time]\nt_max = 1.0", ""), "[time]"),
    ("malformed toml", ("[run]", "[run"), "card"),
    ("unknown model", ('model = "slab"', 'model = "slap"'), "model"),
    ("bad polarization", ("n_modes = 16", 'n_modes = 16\npolarization = "circular"'), "polarization"),
    ("missing seed", ("seed = 1", ""), "run.seed"),
    ("nan t_max", ("t_max = 1.0", "t_max = nan"), "time.t_max"),
    ("inf B0", ("B0 = 1.0", "B0 = inf"), "field.B0"),
    ("speed above c", ("rigidity = 0.1", "rigidity = 0.1\nspeed = 1.5"), "particles.speed"),
    ("pitch out of range", ("rigidity = 0.1", "rigidity = 0.1\npitch = 1.5"), "particles.pitch"),
    ("bad dt string", ("t_max = 1.0", 't_max = 1.0\ndt = "fast"'), "time.dt"),
    ("both rigidity and energy", ("rigidity = 0.1", "rigidity = 0.1\nenergy_GeV = 10.0"), "energy_GeV"),
    ("energy below mass", ("rigidity = 0.1", "energy_GeV = 0.5\nB0_microgauss = 3.0\nL_pc = 10.0"),
     "energy_GeV"),
    ("unknown section", ("[time]", "[tiem]\nx = 1\n[time]"), "tiem"),
    ("zero n_modes", ("n_modes = 16", "n_modes = 0"), "n_modes"),
    ("boolean count", ("count = 4", "count = true"), "particles.count"),
    ("B0 = 0 with dB2 not 1", ("B0 = 1.0", "B0 = 0.0"), "dB2"),
    ("unknown precision", ("B0 = 1.0", 'B0 = 1.0\nprecision = "single"'), "field.precision"),
]


@pytest.mark.parametrize("desc,change,key", BAD, ids=[b[0] for b in BAD])
def test_bad_card_exit_2_one_line(tmp_path, capsys, desc, change, key):
    old, new = change
    assert old in GOOD
    card = tmp_path / "card.toml"
    card.write_text(GOOD.replace(old, new, 1))
    out = tmp_path / "out"
    code = main(["run", str(card), "--output", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert key in err and "Traceback" not in err
    assert not out.exists()


def test_good_card_parses_and_the_console_script_reports_errors(tmp_path):
    card = tmp_path / "card.toml"
    card.write_text(GOOD.replace("count = 4", "count = -1"))
    proc = subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(card)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "mcparticles: error: particles.count = -1: must be an integer >= 1 and <= 1e+09"]
    assert not (tmp_path / "results").exists()


def test_bad_arguments_exit_2(capsys):
    assert main(["frobnicate"]) == 2
    assert main(["qlt", "x.toml", "--mu", "0.3,abc"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("mcparticles: error:") for e in err)


def test_physical_units_conversion():
    """10 GeV protons in 3 microgauss, L = 10 pc: r_g = 3.33564e12 cm * p / 3 /(10 pc)."""
    d = card_dict(particles={"count": 4, "energy_GeV": 10.0, "B0_microgauss": 3.0, "L_pc": 10.0})
    del d["particles"]["rigidity"]
    card = parse_card(d)
    p = (10.0 ** 2 - 0.93827208816 ** 2) ** 0.5
    assert card.particles.rigidity == pytest.approx(3.33564e12 * p / 3.0 / (10 * 3.0857e18), rel=1e-4)
    assert card.particles.speed == pytest.approx(p / 10.0)
    assert card.physical.kappa_cm2_s(1.0) == pytest.approx(10 * 3.0856775814913673e18 * 2.99792458e10)


def test_overrides_and_unknown_key_messages():
    from mcparticles.config import apply_overrides
    d = apply_overrides(card_dict(), ["particles.count=17", "field.turbulence.0.dB2=0.2", "run.name=abc"])
    card = parse_card(d)
    assert card.particles.count == 17 and card.field.components[0].dB2 == 0.2 and card.run.name == "abc"
    with pytest.raises(CardError, match="unknown key; allowed"):
        parse_card(card_dict(time={"tmax": 3}))


@pytest.mark.parametrize("time, key", [({"t_max": 1.0, "dt": 1.0}, "time.t_max"),
                                       ({"t_max": 1.0, "dt": 0.4, "n_output": 64}, "time.t_max")])
def test_too_few_output_times_are_refused(time, key):
    """dt = t_max gave one output time and fitted kappa through a single point."""
    with pytest.raises(CardError, match=key) as err:
        parse_card(card_dict(time=time))
    assert "at least 4" in str(err.value) and "\n" not in str(err.value)
    parse_card(card_dict(time={"t_max": 1.0, "dt": 0.25, "n_output": 64}))     # 4 steps: 4 output times


def test_rigidity_message_quoted_in_the_tutorial():
    with pytest.raises(CardError) as err:
        parse_card(card_dict(particles={"rigidity": -1}))
    assert str(err.value) == "particles.rigidity = -1.0: must be a number > 0 and <= 1e+12"
