"""The main job: prove the theorems, generate the kernels, compile the C, verify.

Steps, with progress on stderr: ``symact.proof.engine.run_theorems()`` (every
theorem PROVED or NUMERIC), ``symact.generate.generate()`` (./generated/ written
or up to date), then the NumPy module and the C library (``symact.cbuild.load``)
loaded from that directory — what was just generated, not the installed copies —
and ``symact.verify.run()`` on both backends and dtypes.  A closing summary gives
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
    line = f"{rep.out_dir}/ up to date" if not written else f"wrote {len(written)} file(s) in {rep.out_dir}/"
    return True, line, rep


def _load(out_dir):
    """Compile and load what generate() just wrote (not the installed copies)."""
    from .. import cbuild
    from ..verify.backends import load_numpy_from
    modules = {"numpy": load_numpy_from(out_dir), "c": cbuild.load(out_dir)}
    return True, f"C library compiled and loaded from {out_dir}/", modules


def _count_kernels(module) -> int:
    return sum(1 for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))
               and getattr(getattr(module, n), "__module__", None) == module.__name__)


def run(args) -> int:
    say = _say(args.quiet)
    t0 = time.perf_counter()
    lines, all_ok = [], True

    ok, line, _ = _step("prove", say, _prove)
    all_ok &= ok
    lines.append(line)
    ok, line, generated = _step("generate", say, _generate)
    all_ok &= ok
    lines.append(line)
    modules = None
    if generated is not None:
        ok, line, modules = _step("compile", say, lambda: _load(generated.out_dir))
        all_ok &= ok
        lines.append(line)
    if modules is not None:
        lines.append(f"kernels generated: {_count_kernels(modules['numpy'])} NumPy functions "
                     "(each also in C, f32 and f64)")

    def _verify():
        if modules is None:
            return False, "nothing to verify (generate or compile failed)", None
        from .. import verify
        rep = verify.run(progress=say, modules=modules)
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
