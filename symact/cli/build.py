"""The main job: prove the theorems, generate the kernels, compile the C, verify.

Steps, with progress on stderr: ``symact.proof.engine.run_theorems()`` (every
theorem PROVED or NUMERIC), ``symact.emit.generate.generate()`` (./generated/ written
or up to date), then the NumPy module and the C library (``symact.emit.c.loader.load``)
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
    from symact.proof.engine import run_theorems
    results = run_theorems()
    good = [r for r in results if str(getattr(r.status, "value", r.status)) in ("PROVED", "NUMERIC")]
    proved = sum(str(getattr(r.status, "value", r.status)) == "PROVED" for r in results)
    bad = [r.name for r in results if r not in good]
    line = f"{len(good)}/{len(results)} theorems hold ({proved} PROVED, {len(good) - proved} NUMERIC)"
    if bad:
        line += "; not proved: " + ", ".join(bad[:10])
    return (not bad and bool(results)), line, results


def _generate():
    from symact.define.catalogue import ENTRIES
    from symact.emit.generate import generate
    rep = generate(ENTRIES)
    written = getattr(rep, "written", None)
    line = f"{rep.out_dir}/ up to date" if not written else f"wrote {len(written)} file(s) in {rep.out_dir}/"
    return True, line, rep


def _load(out_dir):
    """Load every backend's output from what generate() just wrote (not the installed
    copies).  A backend that says it cannot run here (no C compiler, framework not
    installed) is skipped with its reason; one that should load and does not fails."""
    from symact.emit import registry
    from symact.verify import backends
    modules, skipped, failed = {}, [], []
    for name, backend in registry.backends().items():
        reason = backend.unavailable()
        if reason:
            skipped.append(f"{name} ({reason})")
            continue
        try:
            modules[name] = backends.load(name, out_dir)
        except backends.BackendError as err:
            failed.append(str(err))
    line = f"{', '.join(modules) or 'nothing'} loaded from {out_dir}/"
    if skipped:
        line += "; skipped: " + ", ".join(skipped)
    if failed:
        line += "; FAILED: " + "; ".join(failed)
    return not failed and bool(modules), line, modules


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
    if modules:
        from symact.define.catalogue import ENTRIES
        from symact.derive.kernels import kernel_specs
        lines.append(f"kernels generated: {len(kernel_specs(ENTRIES))} functions, each in "
                     f"{', '.join(modules)} for float32 and float64")

    def _verify():
        if not modules:
            return False, "nothing to verify (generate or compile failed)", None
        from symact import verify
        from symact.define.catalogue import ENTRIES
        rep = verify.run(ENTRIES, progress=say, modules=modules)
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
