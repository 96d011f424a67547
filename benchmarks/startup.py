"""Start-up time of the command line: ``symact list``, ``check`` and ``show`` against baselines.

    python benchmarks/startup.py [--repeat 7] [--importtime] [--against DIR]

Runs each command ``--repeat`` times as a fresh process (``python -m symact``,
this interpreter) and reports the fastest and the median wall time, and the
fastest CPU time (user + system of the process: what an idle machine's wall
time would be, close enough, when other work shares the cores).  The
baselines are measured in the same run, interleaved with the commands, so a
busy machine slows both alike: ``python -c pass`` (the interpreter) and
``python -c "import sympy"`` (the floor for any command that needs SymPy).
The ratio column is a command's fastest time over ``import sympy``'s.

What is measured:

- ``list``: the whole command (catalogue and SymPy, no proof engine);
- ``check x x``: the whole command, whose proof takes no time: parser, domain
  check and prover imported and run once;
- ``check softplus``: ``softplus(x) - softplus(-x) == x``, the README's example;
  the proof's own seconds, as ``check`` reports them, are subtracted;
- ``show --help``: everything ``show`` imports (the theorems, the properties),
  without running a proof; ``show relu`` adds relu's theorems and properties,
  which are work, not start-up.

The target is 0.5 s per start-up (issue 11); ``--importtime`` adds the symact
modules that cost the most to import (``python -X importtime``) for ``check``.
``--against DIR`` also runs every command with another checkout's ``symact``
first on ``PYTHONPATH`` (e.g. ``git archive REV | tar -x -C DIR``), interleaved,
and reports this checkout's time over that one's.  No number here is asserted
by a test.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.5
#: This checkout (put first on the path) and a neutral working directory, so that the
#: current directory never decides which symact is imported.
HERE = str(Path(__file__).resolve().parents[1])
NEUTRAL = tempfile.gettempdir()

BASELINES = {
    "python -c pass": ["-c", "pass"],
    "import sympy": ["-c", "import sympy"],
}
COMMANDS = {
    "list": ["-m", "symact", "list"],
    "check x x": ["-m", "symact", "check", "x", "x"],
    "check softplus": ["-m", "symact", "check", "softplus(x) - softplus(-x)", "x"],
    "show --help": ["-m", "symact", "show", "--help"],
    "show relu": ["-m", "symact", "show", "relu"],
}
#: Commands that report their own work (``PROVED  (cases:..., 0.03 s)``): subtracted.
_OWN_SECONDS = re.compile(r"^\w+\s+\([^,]*, ([0-9.]+) s\)", re.M)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args, src=None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, seconds the command reports as its own work) of one
    fresh process, with ``src`` (another checkout) first on the path when given."""
    env = dict(os.environ, PYTHONPATH=src or HERE)
    t0, c0 = time.perf_counter(), _cpu()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=NEUTRAL)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    own = _OWN_SECONDS.search(proc.stdout)
    return wall, cpu, float(own.group(1)) if own else 0.0


def measure(repeat: int, against=None) -> tuple[dict, dict]:
    """name -> list of (wall, CPU) start-up seconds (own work subtracted), all names
    interleaved; the same for the commands run from ``against`` (empty without it)."""
    out = {name: [] for name in (*BASELINES, *COMMANDS)}
    other = {name: [] for name in COMMANDS} if against else {}
    for _ in range(repeat):
        for name, args in {**BASELINES, **COMMANDS}.items():
            wall, cpu, own = _run(args)
            out[name].append((wall - own, cpu - own))
            if against and name in COMMANDS:
                wall, cpu, own = _run(args, against)
                other[name].append((wall - own, cpu - own))
    return out, other


def importtime(args) -> list[tuple[float, str]]:
    """(cumulative seconds, module) of the symact modules imported by ``args``, costliest first."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=HERE), cwd=NEUTRAL)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip().startswith("symact"):
            rows.append((int(parts[1]) / 1e6, parts[2].strip()))
    return sorted(rows, reverse=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (default 7)")
    parser.add_argument("--importtime", action="store_true", help="the costliest symact imports of check")
    parser.add_argument("--against", metavar="DIR", help="another checkout to compare with")
    args = parser.parse_args(argv)
    times, other = measure(args.repeat, args.against)
    sympy_min = min(w for w, _ in times["import sympy"])
    print(f"start-up, {args.repeat} runs each (fresh processes, {sys.executable})\n")
    extra = f" {'vs --against':>12} |" if other else ""
    print(f"| {'command':<16} | fastest s | median s | CPU s | / import sympy | target {TARGET} s |{extra}")
    print(f"|{'-' * 18}|-----------|----------|-------|----------------|--------------|"
          f"{'-' * 14 + '|' if other else ''}")
    for name, values in times.items():
        walls = [w for w, _ in values]
        best, cpu = min(walls), min(c for _, c in values)
        flag = "" if name in BASELINES else ("yes" if best < TARGET else f"no (CPU {'<' if cpu < TARGET else '>='})")
        if name == "show relu":
            flag = "(work)"
        ratio = (f" {best / min(w for w, _ in other[name]):12.2f} |" if name in other
                 else (f" {'':>12} |" if other else ""))
        print(f"| {name:<16} | {best:9.3f} | {statistics.median(walls):8.3f} | {cpu:5.3f} | "
              f"{best / sympy_min:14.2f} | {flag:<12} |{ratio}")
    if args.importtime:
        print("\nsymact imports of `check softplus` (cumulative s):")
        for seconds, module in importtime(COMMANDS["check softplus"])[:12]:
            print(f"  {seconds:6.3f}  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
