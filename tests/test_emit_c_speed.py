"""The generated C is built for speed: every kernel's elementwise loop, and every pass of
the vector kernels' fast path, vectorises under gcc -O3 -march=native -fno-math-errno
(the recommended flags: the generated code never reads errno, and a sqrt that may set it
is a call); the plain -O2
build (no -march: no FMA, no AVX) and the scalar libm reference build stay within the
accuracy budget.  Speed itself is measured by benchmarks/speed_c.py, never here."""

from __future__ import annotations

import re
import subprocess

import pytest

from symact.define.catalogue import ENTRIES
from symact.emit.c.loader import BASE_FLAGS, load
from symact.emit.resources import generated_dir
from symact.verify import run as verify_run
from conftest import compiler_command, required_compiler

GEN = generated_dir()


def _vectorisation(cc, tmp_path):
    """Source lines of the loops gcc reports vectorised, and of those it reports it could
    not vectorise, at any of the places they are inlined (identical functions not folded,
    so that each kernel's loop is reported at its own lines)."""
    proc = subprocess.run([*cc, "-std=c99", "-O3", "-march=native", "-fno-math-errno", "-fno-ipa-icf",
                           "-fopt-info-vec-all", "-c", str(GEN / "symact.c"),
                           "-o", str(tmp_path / "v.o")], capture_output=True, text=True, check=True)

    def lines(what):
        return {int(m.group(1)) for m in re.finditer(r"symact\.c:(\d+):\d+: " + what, proc.stderr)}
    # a loop whose body (the line after its head) gcc turned into memset (a derivative that
    # is 0 everywhere, heaviside's) is the C library's vectorised code: it counts as vectorised
    filled = {line - 1 for line in lines(r"missed: statement clobbers memory: __builtin_memset")}
    return lines("optimized: loop vectorized") | filled, lines("missed: couldn't vectorize loop") - filled


def _loops():
    """(enclosing function, line) of every loop the runtime marks as elementwise or as
    lanes (SYMACT__LOOP, SYMACT__LANES): each scalar kernel's loop and each pass of the
    vector kernels' fast path, in the double and the float instantiations; a loop under
    ``#if SYMACT_<SETTING>`` counts only in the instantiations that compile it (the
    settings are the ``#define SYMACT_<SETTING> 0|1`` lines before it)."""
    lines = (GEN / "symact.c").read_text().splitlines()
    out, owner, marked = [], "?", False
    settings, active = {}, []       # one per open #if: its branch's setting, None for any other #if
    for i, line in enumerate(lines, 1):
        d = re.match(r"#define (SYMACT_\w+) ([01])$", line)
        if d:
            settings[d.group(1)] = d.group(2) == "1"
        c = re.match(r"#if (SYMACT_\w+)$", line)
        if c and c.group(1) in settings:
            active.append(settings[c.group(1)])
        elif line.startswith("#if"):
            active.append(None)
        elif line.startswith("#else") and active and active[-1] is not None:
            active[-1] = not active[-1]
        elif line.startswith("#endif") and active:
            active.pop()
        if False in active:
            continue
        m = re.match(r"(?:SYMACT__INLINE|SYMACT__COLD|int)\b.*?\b(symact\w*|SYMACT_FN\(\w+\))\(", line)
        if m and not line.startswith(" "):
            owner = m.group(1)
        if line.strip() in ("SYMACT__LOOP", "SYMACT__LANES"):
            marked = True
        elif marked and line.strip().startswith("for ("):
            out.append((owner, i))
            marked = False
    return out


@pytest.mark.slow
def test_every_kernel_loop_vectorises(tmp_path):
    cc = compiler_command("gcc")
    if cc is None:
        pytest.skip("gcc is not installed")
    vec, failed = _vectorisation(cc, tmp_path)
    loops = _loops()
    assert len([w for w, _ in loops if w.startswith("symact__loop_")]) >= 80
    missed = [f"{what} (line {line})" for what, line in loops if line not in vec]
    assert not missed, "not vectorised: " + ", ".join(missed)
    # a loop inlined into several callers must vectorise in each: the fast path's sums
    # once did at one call site of five (a ?: that gcc kept as a branch elsewhere)
    partly = [f"{what} (line {line})" for what, line in loops if line in failed]
    assert not partly, "not vectorised at some call sites: " + ", ".join(partly)


@pytest.mark.slow
@pytest.mark.parametrize("opt", [("-O2",), ("-O2", "-DSYMACT_USE_LIBM"), ("-O0",)],
                         ids=["portable-O2", "libm-reference", "O0"])
def test_other_builds_stay_within_budget(opt, monkeypatch):
    """The build without -march (no FMA: Dekker's products; SSE2 only), the scalar libm
    reference build and the unoptimised one: every C kernel within the budget, as the
    default -O3 -march=native build is (tests/test_verify_budget.py)."""
    cc = required_compiler("gcc")
    monkeypatch.setenv("CC", " ".join(cc))
    module = load(flags=[*opt, *BASE_FLAGS])
    report = verify_run(ENTRIES, modules={"c": module}, progress=None)
    assert report.measurements and report.ok, "\n".join(report.summary_lines())
