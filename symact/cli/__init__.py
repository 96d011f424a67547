"""``symact`` command line: ``main(argv) -> int``.

Each subcommand lives in ``symact.cli.<name>`` with ``add_arguments(parser)``
and ``run(args) -> int``; this module only dispatches.  Exit codes follow
docs/contract.md: 0 success, 1 a failed check, 2 bad input, 3 undecided.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: (command, one-line help) in the order ``symact --help`` lists them.
COMMANDS = (
    ("list", "the catalogue: names and parameters with defaults"),
    ("show", "definition, derivatives, properties and theorems of one activation"),
    ("prove", "run the theorems (all, or those about NAME): PROVED / NUMERIC / ..."),
    ("check", "decide whether LHS == RHS for all real x (under --where)"),
    ("generate", "render generated/: the NumPy module and the C99 kernels"),
    ("verify", "ULP table of the generated kernels against an mpmath oracle"),
    ("build", "the main job: prove, generate, compile the C, verify"),
    ("new", "a user-defined activation through the whole pipeline"),
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNDECIDED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors by exit code 2 without raising SystemExit."""

    def error(self, message):  # pragma: no cover - exercised through main()
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    from symact import __version__
    parser = _Parser(prog="symact", description="Activation functions: proved facts and generated kernels.")
    parser.add_argument("--version", action="version", version=f"symact {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, help_ in COMMANDS:
        module = importlib.import_module(f"symact.cli.{name}")
        p = sub.add_parser(name, help=help_, description=(module.__doc__ or help_).strip())
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    return args._run(args)


def console() -> None:  # the ``symact`` console script
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `symact list | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
