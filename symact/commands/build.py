"""The main job: prove the theorems, generate the kernels, compile the C, verify.

Steps, with progress on stderr: ``symact.proof.engine.run_theorems()`` (every
theorem PROVED or NUMERIC), ``symact.generate.generate()`` (generated/ written
or up to date), ``symact.cbuild.load()`` (the C compiles and loads), then
``symact.verify.run()`` on both backends and dtypes.  A closing summary gives
theorems proved, kernels generated, the worst ULP per backend/dtype and the
time.  Exit 0 only when every step holds, 1 otherwise.
"""

from __future__ import annotations

import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _say(quiet: bool):
    return (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))


def _step(name: str, say, fn):
    """Run one step: ``(ok, summary line, value)``; an exception fails the step."""
    t0 = time.perf_counter()
    say(f"build: {name} ...")
    try:
        ok, line, value = fn()
    except Exception as err:  # a broken step must not hide the others' results
        ok, line, value = False, f"{type(err).__name__}: {err}", None
    line = f"{name}: {line} ({time.perf_counter() - t0:.1f} s)"
    say(f"build: {line}")
    return ok, line, value


def _prove():
    from ..proof.engine import run_theorems
    results = run_theorems()
    good = [r for r in results if str(getattr(r.status, "value", r.status)) in ("PROVED", "NUMERIC")]
    proved = sum(str(getattr(r.status, "value", r.status)) == "PROVED" for r in results)
    bad = [r.name for r in results if r not in good]
    line = f"{len(good)}/{len(results)} theorems hold ({proved} PROVED, {len(good) - proved} NUMERIC)"
    if bad:
        line += "; not proved: " + ", ".join(bad[:10])
    return (not bad and bool(results)), line, results


def _generate():
    from ..generate import generate
    rep = generate()
    written = getattr(rep, "written", None)
    line = "generated/ up to date" if not written else f"wrote {len(written)} file(s)"
    return True, line, rep


def _count_kernels():
    import importlib
    mod = importlib.import_module("symact_numpy")
    importlib.reload(mod)  # generate() may have just rewritten it
    return sum(1 for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
               and getattr(getattr(mod, n), "__module__", None) == mod.__name__)


def _compile():
    from ..cbuild import load
    lib = load()
    return True, "C library compiled and loaded", lib


def run(args) -> int:
    say = _say(args.quiet)
    t0 = time.perf_counter()
    lines, all_ok = [], True

    for name, fn in (("prove", _prove), ("generate", _generate), ("compile", _compile)):
        ok, line, _ = _step(name, say, fn)
        all_ok &= ok
        lines.append(line)
    try:
        lines.append(f"kernels generated: {_count_kernels()} NumPy functions (each also in C, f32 and f64)")
    except Exception as err:
        all_ok = False
        lines.append(f"kernels generated: cannot import symact_numpy ({err})")

    def _verify():
        from .. import verify
        from ..verify import backends
        backends._LOADED.clear()  # measure what generate() just wrote
        rep = verify.run(progress=say)
        return rep.ok, ("all kernels within budget" if rep.ok else f"{len(rep.failing)} kernel(s) over budget"), rep

    ok, line, rep = _step("verify", say, _verify)
    all_ok &= ok
    lines.append(line)
    print("symact build summary")
    for line in lines:
        print(f"  {line}")
    if rep is not None:
        for extra in rep.summary_lines()[:-1]:
            print(f"  {extra}")
    print(f"  total time: {time.perf_counter() - t0:.1f} s")
    print(f"build: {'OK' if all_ok else 'FAILED'}")
    return 0 if all_ok else 1
