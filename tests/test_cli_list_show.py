"""`symact list` and `symact show`: output, JSON shape and exit codes (docs/contract.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from symact.define import catalogue
from symact.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_prints_every_name_with_defaults(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(catalogue.ENTRIES)
    assert any(line.startswith("elu") and "alpha=1" in line for line in lines)
    assert any(line.startswith("hardtanh") and "min_val=-1" in line and "max_val=1" in line for line in lines)


def test_list_json(capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    by_name = {r["name"]: r for r in rows}
    assert by_name["softplus"]["params"] == {"beta": 1.0}
    assert by_name["softmax"]["kind"] == "vector"
    assert by_name["leaky_relu"]["params"] == {"negative_slope": 0.01}


@pytest.mark.parametrize("name", catalogue.names())
def test_show_json_for_every_name(capsys, name):
    code, out, err = run(capsys, "show", name, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["name"] == name
    assert isinstance(info["params"], dict)
    assert info["definition"] and info["derivative"]
    entry = catalogue.get(name)
    assert set(info["params"]) == {p.name for p in entry.params}


def test_show_with_param_substitutes_it(capsys):
    code, out, _ = run(capsys, "show", "elu", "--param", "alpha=2.5", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["params"] == {"alpha": 2.5}
    assert "5*exp(x)/2" in info["definition"]
    assert info["kinks"] == {"0": "5/2"}


def test_show_text(capsys):
    code, out, _ = run(capsys, "show", "softplus")
    assert code == 0
    assert "log(exp(x) + 1)" in out and "df/dx" in out and "df/dbeta" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", "gelux"], "did you mean"),
        (["show", "elu", "--param", "alpha=-1"], "alpha >= 0"),
        (["show", "elu", "--param", "beta=1"], "no parameter 'beta'"),
        (["show", "elu", "--param", "alpha=abc"], "not a number"),
        (["show", "elu", "--param", "alpha"], "K=V"),
        (["show", "softmax", "--param", "a=1"], "no parameters"),
        (["nonsense"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_python_dash_m_and_console_script_agree():
    via_module = subprocess.run([sys.executable, "-m", "symact", "list", "--json"],
                                capture_output=True, text=True, check=True)
    assert json.loads(via_module.stdout)[0]["name"] == "relu"
