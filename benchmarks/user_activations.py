"""User activations through ``symact new``: the time each takes and its ULP table.

    python benchmarks/user_activations.py [--cold] [--only NAME,...]

Runs ``symact new`` (the whole pipeline: derive, properties, stabilise with every rewrite
proved, generate both backends, compile, verify against the mpmath oracle) for each
expression of ``tests/test_user_activations.py`` (its USER_EXPRESSIONS, MORE_EXPRESSIONS
and the two it expects to fail), in a
temporary directory, and prints a markdown table: the expression, the exit code, the
wall time, the worst kernel per backend and dtype.  ``--cold`` uses an empty oracle
cache (``$SYMACT_CACHE_DIR`` in a temporary directory), the time a first run takes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _expressions():
    spec = importlib.util.spec_from_file_location("user_activations", HERE.parent / "tests" / "test_user_activations.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return (list(mod.USER_EXPRESSIONS) + list(mod.MORE_EXPRESSIONS)
            + [("tanhshrink", "x - tanh(x)", {}), ("heavi_x", "Heaviside(x)*x", {})])


def _worst(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith("worst ")]
    return "; ".join(line[len("worst "):].split(" (")[0] for line in lines)


def run(name, expr, params, work: Path, env) -> dict:
    argv = [sys.executable, "-m", "symact", "new", name, expr, "--out", str(work / name)]
    for k, v in params.items():
        argv += ["--param", f"{k}={v}"]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    return {"name": name, "expr": expr, "params": params, "code": proc.returncode,
            "seconds": round(time.perf_counter() - start, 1), "worst": _worst(proc.stdout),
            "fail": [line for line in proc.stdout.splitlines() if line.startswith("FAIL ")][:2]
            + [line for line in proc.stderr.splitlines() if "error" in line][:1]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cold", action="store_true", help="an empty oracle cache")
    ap.add_argument("--only", default="", help="comma-separated names")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if args.cold:
            env["SYMACT_CACHE_DIR"] = str(Path(tmp) / "cache")
        rows = [run(n, e, p, Path(tmp), env) for n, e, p in _expressions() if not only or n in only]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| name | expression | params | exit | seconds | worst ULP (c/f32; c/f64; numpy/f32; numpy/f64) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
        worst = r["worst"] or " / ".join(r["fail"])
        print(f"| {r['name']} | `{r['expr']}` | {params} | {r['code']} | {r['seconds']} | {worst} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
