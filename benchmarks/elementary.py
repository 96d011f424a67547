"""Speed of the C elementary functions (runtime/elementary.h) against the libm loop.

    python benchmarks/elementary.py [--n 1000000] [--rounds 9] [--cc gcc] [--flags="-O3 -march=native"]
                                    [--clock cpu|wall]

Both sides are the loops the tests verify (``tests/elementary_driver.py``), compiled
with the same compiler and flags: symact's functions, and the same source with
``-DSYMACT_USE_LIBM``, where every function is the C library's (the scalar libm loop).
Each loop runs over n elements into a preallocated buffer, one thread, called through
ctypes (a few microseconds per call, under 1% of a call at n = 1e6); every (function,
dtype, implementation; dtype f32x: the double functions at float's precision that float
kernels computed in double call, against libm's double function) is timed once per
round, the rounds interleaved so that a change
of the machine's load touches all alike, and the median per entry is reported as
ns/element with the ratio libm/symact (above 1: symact is faster).  The time is the
calling thread's CPU time (``--clock cpu``, the default: on a shared machine it leaves out
the time other processes hold the core) or the wall clock (``--clock wall``).

Inputs (fixed seed): exp, expm1, tanh, erfc: uniform(-10, 10); log: e^uniform(-10, 10);
log1p: uniform(-0.99, 10) (f32x: the same, in double); exp_dd and exp2dd: hi
uniform(-10, 10), lo a random fraction of half an ulp of hi (their libm reference is
exp(hi) + exp(hi) lo, which does not carry lo exactly; exp2dd's is a double-word only in
form).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from elementary_driver import FUNCS, Lib, build  # noqa: E402



def inputs(name, dtype, n, rng):
    """The benchmark's arguments for loop ``name``: (x,) or (hi, lo)."""
    if name == "log":
        return (np.exp(rng.uniform(-10, 10, n)).astype(dtype),)
    if name == "log1p":
        return (rng.uniform(-0.99, 10, n).astype(dtype),)
    x = rng.uniform(-10, 10, n).astype(dtype)
    if name in ("exp_dd", "exp2dd"):
        return x, (rng.uniform(-0.5, 0.5, n) * np.spacing(np.abs(x))).astype(dtype)
    return (x,)


def cases():
    """(loop name, dtype, tag) for every loop of the driver (tag f32x: the double functions
    at float's precision that float kernels computed in double call, on double inputs)."""
    out = [(f, d, t) for f in FUNCS + ("exp_dd",) for d, t in ((np.float64, "f64"), (np.float32, "f32"),
                                                                (np.float64, "f32x"))]
    return out + [("exp2dd", np.float64, "f64")]


CLOCKS = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}


def run(n: int, rounds: int, cc: list[str], flags: list[str], clock: str = "cpu", say=print) -> list[dict]:
    now = CLOCKS[clock]
    with tempfile.TemporaryDirectory() as tmp:
        libs = {"symact": Lib(build(cc, flags, Path(tmp) / "own.so")),
                "libm": Lib(build(cc, [*flags, "-DSYMACT_USE_LIBM"], Path(tmp) / "libm.so"))}
        rng = np.random.default_rng(2024)
        work = []
        for name, dtype, tag in cases():
            args = inputs(name, dtype, n, rng)
            outs = [np.empty(n, dtype=dtype) for _ in range(2 if name == "exp2dd" else 1)]
            work.append((name, tag, args, outs))
        times = {(name, tag, impl): [] for name, tag, _, _ in work for impl in libs}
        for name, tag, args, outs in work:      # warm-up: page in every buffer once
            for lib in libs.values():
                lib.into(name, *args, *outs, tag=tag)
        for r in range(rounds):
            for name, tag, args, outs in work:
                for impl, lib in libs.items():
                    t0 = now()
                    lib.into(name, *args, *outs, tag=tag)
                    times[(name, tag, impl)].append((now() - t0) / n)
            say(f"round {r + 1}/{rounds}")
        rows = []
        for name, tag, _, _ in work:
            own = statistics.median(times[(name, tag, "symact")])
            ref = statistics.median(times[(name, tag, "libm")])
            dtype = {"f64": "float64", "f32": "float32", "f32x": "f32x"}[tag]
            rows.append({"function": name, "dtype": dtype, "symact_ns": own, "libm_ns": ref, "ratio": ref / own})
        return rows


def table(rows, n, rounds, cc, flags, clock="cpu") -> str:
    lines = [f"C elementary functions, {n:g} elements, one thread, median of {rounds} interleaved rounds "
             f"({clock} time); {' '.join(cc + flags)}",
             "",
             "| function | dtype | symact ns/elem | libm ns/elem | libm / symact |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['function']} | {r['dtype']} | {r['symact_ns']:.2f} | {r['libm_ns']:.2f} | "
                     f"{r['ratio']:.2f} |")
    ratios = [r["ratio"] for r in rows]
    lines += ["", f"median libm/symact {statistics.median(ratios):.2f}, min {min(ratios):.2f}, "
                  f"max {max(ratios):.2f}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="elements per call (default 1e6)")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    ap.add_argument("--cc", default="gcc", help="the C compiler (default gcc)")
    ap.add_argument("--flags", default="-O3 -march=native", help='compiler flags (default "-O3 -march=native")')
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="thread CPU time (default) or wall clock")
    args = ap.parse_args(argv)
    if args.n < 1 or args.rounds < 1:
        print("elementary.py: --n and --rounds must be at least 1", file=sys.stderr)
        return 2
    cc, flags = shlex.split(args.cc), shlex.split(args.flags)
    rows = run(args.n, args.rounds, cc, flags, args.clock, say=lambda s: print(s, file=sys.stderr))
    print(table(rows, args.n, args.rounds, cc, flags, args.clock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
