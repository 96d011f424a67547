"""Render generated/ (or --out DIR) from the catalogue: NumPy module and C99 sources.

Deterministic and atomic: a file is written only when it changes, stale
generated files are removed, and an error leaves the directory as it was.
--check writes nothing, prints a unified diff of what is stale and exits 1; it
compares an existing directory, so outside a checkout (no ./generated, or no
--out DIR) it says so and exits 2 instead of listing every file as new.
"""

from __future__ import annotations

import sys

from symact.cli.common import USER_ERRORS, fail_usage


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="DIR", help="output directory (default: generated/)")
    parser.add_argument("--only", metavar="N1,N2", help="only these scalar activations")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when the output is stale")


def run(args) -> int:
    from symact.define.catalogue import ENTRIES
    from symact.emit.generate import generate

    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    if args.only is not None and not only:
        return fail_usage("--only expects a comma-separated list of activation names")
    if args.check:
        from pathlib import Path
        from symact.emit.generate import DEFAULT_OUT
        target = Path(args.out) if args.out else DEFAULT_OUT
        if not target.is_dir():
            where = f"--out {args.out}" if args.out else f"./{DEFAULT_OUT}"
            return fail_usage(f"{where}: no such directory, so there is nothing to check; "
                              "`symact generate --check` compares a symact checkout's generated/ "
                              "with what the definitions give: run it from the root of the checkout "
                              "(or pass --out DIR), or run `symact generate` to write the files")
    try:
        report = generate(ENTRIES, args.out, only=only, check=args.check)
    except USER_ERRORS as err:
        return fail_usage(str(err))
    except KeyError as err:
        return fail_usage(err.args[0])
    if args.check:
        if report.stale:
            sys.stdout.write(report.diff)
            print(f"symact: stale in {report.out_dir}: {', '.join(report.stale)}; "
                  f"run `symact generate`", file=sys.stderr)
            return 1
        print(f"{report.out_dir}: up to date ({report.kernels} scalar kernels, "
              f"{report.seconds:.1f} s)")
        return 0
    for name in report.written:
        print(f"wrote {report.out_dir / name}")
    for name in report.removed:
        print(f"removed {report.out_dir / name}")
    print(f"{report.kernels} scalar kernels; {len(report.written)} written, "
          f"{len(report.unchanged)} unchanged, {len(report.removed)} removed "
          f"({report.seconds:.1f} s)")
    return 0
