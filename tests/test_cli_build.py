"""`symact build`: steps in order, a closing summary, exit 0 only when every step holds.

The steps' real work (proof engine, generator, compiler, the verify sweep) is
replaced here by stand-ins so the orchestration is tested in seconds; the steps
themselves have their own tests."""

import types

import pytest

import symact.verify as verify_pkg
from symact.cli import main
from symact.cli import build
from symact.define.catalogue import ENTRIES
from symact.verify.report import Report


def _fake_report(ok=True):
    m = types.SimpleNamespace(ok=ok, function="softplus", backend="numpy", dtype="float64", max_ulp=0.7 if ok else 9.0,
                              within_1ulp=ok, overall=types.SimpleNamespace(worst_x=-3.0, worst_params=None),
                              problems=lambda: [] if ok else ["max 9 ULP at x=-3.0"])
    return Report(measurements=[m], seconds=0.1)


@pytest.fixture
def steps(monkeypatch):
    calls = []
    state = {"prove": True, "generate": True, "verify": True}

    def prove():
        calls.append("prove")
        if state["prove"] == "raise":
            raise RuntimeError("engine exploded")
        return state["prove"], "3/3 theorems hold" if state["prove"] else "1/3 theorems hold", None

    def generate():
        calls.append("generate")
        return True, "generated/ up to date", types.SimpleNamespace(out_dir="generated")

    def load(out_dir):
        calls.append("compile")
        assert out_dir == "generated"  # what generate() reported, not the installed copy
        return True, "C library compiled and loaded", {"numpy": object(), "c": object()}

    def run(entries, **kw):
        calls.append("verify")
        assert set(kw["modules"]) == {"numpy", "c"}
        return _fake_report(state["verify"])

    monkeypatch.setattr(build, "_prove", prove)
    monkeypatch.setattr(build, "_generate", generate)
    monkeypatch.setattr(build, "_load", load)
    monkeypatch.setattr(verify_pkg, "run", run)
    return calls, state


def test_build_all_good(steps, capsys):
    calls, _ = steps
    assert main(["build"]) == 0
    assert calls == ["prove", "generate", "compile", "verify"]
    out, err = capsys.readouterr()
    assert "build: prove ..." in err  # progress
    assert "3/3 theorems hold" in out
    # f, d/dx and d/dparam per scalar activation; f and its gradient or VJP per vector one
    n = sum(2 + (0 if e.vector else len(e.params)) for e in ENTRIES)
    assert f"kernels generated: {n} functions, each in numpy, c for float32 and float64" in out
    assert "worst numpy/float64: 0.7 ULP" in out
    assert out.rstrip().endswith("build: OK")


def test_build_fails_on_a_theorem(steps, capsys):
    calls, state = steps
    state["prove"] = False
    assert main(["build"]) == 1
    assert calls == ["prove", "generate", "compile", "verify"]  # the other steps still report
    assert capsys.readouterr().out.rstrip().endswith("build: FAILED")


def test_build_fails_on_a_crashing_step(steps, capsys):
    _, state = steps
    state["prove"] = "raise"
    assert main(["build"]) == 1
    assert "RuntimeError: engine exploded" in capsys.readouterr().out


def test_build_fails_on_accuracy(steps, capsys):
    _, state = steps
    state["verify"] = False
    assert main(["build"]) == 1
    out = capsys.readouterr().out
    assert "1 kernel(s) over budget" in out and "FAIL softplus" in out
