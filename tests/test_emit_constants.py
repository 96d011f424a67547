"""The constants data file: what the committed script computes, printed into both
backends from that one file, and reported stale by `symact generate --check`."""

from __future__ import annotations

import json
import re

import mpmath as mp

from symact.cli import main
from symact.emit import constants
from symact.emit.constants import fit
from conftest import REPO


def test_the_committed_file_is_what_the_script_computes():
    assert constants.stale() is None, "run `python -m symact.emit.constants.fit`"


def test_fits_are_accurate_on_their_intervals():
    """Each Chebyshev fit, evaluated at 60 digits between its nodes, against the function
    it approximates (its rounding to float64 aside: the coefficients are used in float64)."""
    data = constants.load()
    with mp.workdps(60):
        g = data["GELU_G_NEAR"]["values"]
        for t in (0.75, 0.9, 1.375, 1.81, 2.0):
            v = mp.mpf(t) - mp.mpf("1.375")
            p = sum(mp.mpf(c) * v ** j for j, c in enumerate(g))
            assert abs(p - fit._mills_g(mp.mpf(t))) < mp.mpf(2) ** -52 * abs(p), t
        gf = data["GELU_G_FAR"]["values"]
        for t in (2.0, 3.3, 9.5, 25.0, 40.0):
            v = (mp.mpf(t) - 4) / (mp.mpf(t) + 4)
            p = sum(mp.mpf(c) * v ** j for j, c in enumerate(gf))
            assert abs(p - fit._mills_g(mp.mpf(t))) < mp.mpf(2) ** -52 * abs(p), t


def test_tables_against_independent_values():
    data = constants.load()
    with mp.workdps(40):
        for j, (hi, lo) in enumerate(data["EXP2_64"]["values"]):
            assert abs(mp.mpf(hi) + mp.mpf(lo) - mp.power(2, mp.mpf(j) / 64)) < mp.mpf(2) ** -104
        hi, lo = data["LN2_SPLIT"]["values"]
        assert mp.mpf(hi) * 2 ** 32 % 1 == 0  # 32 significant bits: k*hi exact for |k| < 2^21
        assert abs(mp.mpf(hi) + mp.mpf(lo) - mp.log(2)) < mp.mpf(2) ** -80


def test_both_backends_print_the_data_file():
    data = constants.load()
    numpy_text = (REPO / "generated" / "symact_numpy.py").read_text()
    c_text = (REPO / "generated" / "symact.c").read_text()
    for name in ("GELU_G_NEAR", "GELU_ROOT_LEFT", "INV_FACT_DD"):
        values = data[name]["values"]
        flat = [v for row in values for v in (row if isinstance(row, list) else [row])]
        for v in flat:
            assert repr(v) in numpy_text, (name, v)
            assert re.search(rf"(?<![\d.]){re.escape(repr(v))}(?![\d])", c_text), (name, v)


def test_check_reports_a_stale_data_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "generated"
    assert main(["generate", "--out", str(out)]) == 0
    copy = tmp_path / "constants.json"
    data = json.loads(constants.PATH.read_text())
    data["GELU_G_NEAR"]["values"][3] *= 1 + 2 ** -40
    copy.write_text(json.dumps(data))
    monkeypatch.setattr(constants, "PATH", copy)
    capsys.readouterr()
    assert main(["generate", "--out", str(out), "--check"]) == 1
    assert "constants.json" in capsys.readouterr().err
