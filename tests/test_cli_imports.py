"""Start-up: each command imports only what it needs (benchmarks/startup.py measures the time).

Run in fresh interpreters: which symact modules a command leaves in ``sys.modules``.
"""

import json
import subprocess
import sys

import pytest

PROBE = ("import json, sys; from symact.cli import main; code = main({argv!r}); "
         "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('symact'))]))")


def _modules(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True)
    code, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    return code, set(modules)


def _loaded(modules, package):
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


@pytest.mark.parametrize("argv, code, absent", [
    (["list"], 0, ("symact.proof", "symact.stabilise", "symact.emit", "symact.verify", "symact.derive")),
    (["check", "softplus(x) - softplus(-x)", "x"], 0,
     ("symact.proof.theorems", "symact.stabilise", "symact.emit", "symact.verify", "symact.derive")),
    (["check", "mish(x) <= x"], 1, ("symact.proof.theorems", "symact.stabilise", "symact.emit", "symact.verify")),
    (["show", "--help"], 0, ("symact.emit", "symact.verify", "symact.cli.check", "symact.cli.new")),
])
def test_a_command_imports_only_what_it_needs(argv, code, absent):
    got, modules = _modules(argv)
    assert got == code
    for package in absent:
        assert not _loaded(modules, package), (argv, _loaded(modules, package))
    other_commands = {f"symact.cli.{c}" for c in ("list", "show", "prove", "check", "generate", "verify",
                                                  "build", "new")} - {f"symact.cli.{argv[0]}"}
    assert not modules & other_commands


def test_show_does_not_build_the_vector_theorems_for_a_scalar_activation():
    proc = subprocess.run([sys.executable, "-c",
                           "from symact.cli import main; import contextlib, io\n"
                           "with contextlib.redirect_stdout(io.StringIO()): main(['show', 'relu'])\n"
                           "from symact.proof import theorems; print(theorems._vector.cache_info().currsize)"],
                          capture_output=True, text=True)
    assert proc.stdout.strip().splitlines()[-1] == "0", proc.stderr[-2000:]
