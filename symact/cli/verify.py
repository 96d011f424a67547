"""ULP table of the generated kernels against an mpmath oracle of the definitions.

Every kernel (forward, d/dx, d/dparam; vector kernels and their gradients and
VJPs) of the named activations (all when none are named), on each backend and
dtype, over the whole finite range; special values against the contract.
Exit 0 when every kernel is within the 4-ULP budget, 1 otherwise, 2 for bad
input.  Progress goes to stderr; oracle values are cached in
~/.cache/symact/oracle (or $SYMACT_CACHE_DIR), safe to delete.

--record writes the results into ./generated/accuracy.json (merged with what
is recorded there for kernels not measured this time), which `symact generate`
reads for the accuracy in generated/CATALOGUE.md and symact.h
(:mod:`symact.verify.record`).
"""

from __future__ import annotations

import sys

from symact.define.catalogue import get
from symact.cli.common import USER_ERRORS, dump_json, fail_usage


def add_arguments(parser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="catalogue names (default: all)")
    from symact.emit.registry import NAMES
    parser.add_argument("--backend", default=None,
                        help=f"comma-separated: {', '.join(NAMES)} (default: every one that can run "
                             "here; the others are named as skipped, with the reason)")
    parser.add_argument("--dtype", default="float32,float64", help="comma-separated: float32, float64 (default: both)")
    parser.add_argument("--dense", type=int, default=0, metavar="N",
                        help="add the slow scan: N random bit patterns and about N floats of "
                             "[-50, 50] (every 2^k-th) per kernel (default: 0, the standard grid)")
    parser.add_argument("--exhaustive", metavar="FUNCTION",
                        help="check the float32 kernel FUNCTION (e.g. silu_grad) on all 2^32 inputs, "
                             "on each --backend, and report the time (minutes per backend)")
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--record", action="store_true",
                        help="write the results into ./generated/accuracy.json (read by `symact generate`)")


def split_list(text: str, allowed: tuple, what: str) -> tuple:
    items = tuple(s.strip() for s in text.split(",") if s.strip())
    if not items:
        raise ValueError(f"--{what} needs at least one of {', '.join(allowed)}")
    for s in items:
        if s not in allowed:
            raise ValueError(f"unknown {what} {s!r} (choose from {', '.join(allowed)})")
    return tuple(dict.fromkeys(items))


def _exhaustive(function: str, entries, backend_names, progress) -> int:
    from symact.verify import backends as _backends
    from symact.verify.exhaustive import exhaustive
    from symact.verify.kernels import all_kernels
    from symact.verify.metric import BUDGET_ULP
    kernel = next((k for k in all_kernels(entries) if k.function == function and not k.vector), None)
    if kernel is None:
        return fail_usage(f"--exhaustive {function}: not a scalar kernel of the catalogue")
    ok = True
    for b in backend_names:
        result = exhaustive(kernel, _backends.load(b), b, progress=progress)
        print(result.text())
        ok = ok and result.max_ulp <= BUDGET_ULP and result.nonfinite == 0
    return 0 if ok else 1


def run(args) -> int:
    from symact.verify import run as verify_run
    from symact.verify.backends import BACKENDS
    from symact.verify.metric import FORMATS

    try:
        for name in args.names:
            get(name)
        backends = split_list(args.backend, BACKENDS, "backend") if args.backend is not None else None
        dtypes = split_list(args.dtype, tuple(FORMATS), "dtype")
        if args.dense < 0:
            raise ValueError(f"--dense {args.dense}: the number of points must be >= 0")
    except USER_ERRORS as err:
        return fail_usage(str(err))
    except ValueError as err:
        return fail_usage(str(err))
    from symact.verify import record
    previous = None
    if args.record:
        if not record.PATH.parent.is_dir():
            return fail_usage(f"--record: no ./{record.PATH.parent} here; run it from the root of a "
                              "symact checkout (the record is committed beside the generated code)")
        try:
            previous = record.load(record.PATH)
        except record.RecordError as err:
            return fail_usage(str(err))
    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if backends is None:
        # every backend that can run here; one named explicitly but unavailable fails below
        from symact.emit import registry
        available = []
        for b in BACKENDS:
            reason = registry.get(b).unavailable()
            if reason:
                print(f"verify: backend {b} skipped: {reason}", file=sys.stderr)
            else:
                available.append(b)
        backends = tuple(available)
    from symact.define.catalogue import ENTRIES
    if args.exhaustive:
        return _exhaustive(args.exhaustive, ENTRIES, backends, progress)
    report = verify_run(ENTRIES, args.names or None, backends=backends, dtypes=dtypes,
                        progress=progress, dense=args.dense)
    if args.json:
        dump_json(report.as_dict())
    else:
        print(report.text())
    if args.record and report.measurements:
        path = record.write(record.from_report(report, previous), record.PATH)
        print(f"verify: recorded {len(report.measurements)} results in {path}; "
              "run `symact generate` to update generated/CATALOGUE.md and the C header",
              file=sys.stderr)
    return 0 if report.ok else 1
