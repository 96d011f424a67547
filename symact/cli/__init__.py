"""``symact`` command line: ``main(argv) -> int``.

Each subcommand lives in ``symact.cli.<name>`` with ``add_arguments(parser)``
and ``run(args) -> int``; this module only dispatches.  Exit codes follow
docs/contract.md: 0 success, 1 a failed check, 2 bad input, 3 undecided.

Start-up: only the module of the command being run is imported (SymPy and the
proof engine are loaded by the commands that need them), so ``symact list``
does not pay for the theorems; ``benchmarks/startup.py`` measures it.  An
expression argument that starts with ``-`` (``symact check "-x" "x"``) is an
expression, not an option: the subcommands have no one-dash options besides
``-h``.
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
    ("check", "decide LHS == RHS (or <=, <, >=, >) for all real x (under --where)"),
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


def _command(argv) -> str | None:
    """The subcommand named in ``argv``: the first word that is not an option."""
    for word in argv:
        if not word.startswith("-"):
            return word
        if word == "--":
            return None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the arguments of ``command`` only (all commands when None), so that
    running one command imports one command module."""
    from symact import __version__
    parser = _Parser(prog="symact", description="Activation functions: proved facts and generated kernels.")
    parser.add_argument("--version", action="version", version=f"symact {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    parser.commands = {}
    for name, help_ in COMMANDS:
        if command is not None and name != command:
            sub.add_parser(name, help=help_)
            continue
        module = importlib.import_module(f"symact.cli.{name}")
        p = sub.add_parser(name, help=help_, description=(module.__doc__ or help_).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
        parser.commands[name] = p
    return parser


def _expressions_first(argv, parser, command):
    """``argv`` with each argument of ``command`` that starts with ``-`` but is no option
    of it (``-x``, ``-softplus(x)``) prefixed by a space: argparse then reads it as a
    positional, and the whitelist parser ignores the space."""
    if command is None:
        return argv
    options = [o for a in parser.commands[command]._actions for o in a.option_strings]

    def is_option(word):
        head = word.split("=", 1)[0]
        return head in options or (head.startswith("--") and any(o.startswith(head) for o in options))

    out, state = [], "before"  # before the command word, after it, after "--"
    for word in argv:
        if state == "after" and word == "--":
            state = "literal"
        elif state == "after" and word.startswith("-") and len(word) > 1 and not is_option(word):
            word = " " + word
        elif state == "before" and word == command:
            state = "after"
        out.append(word)
    return out


def main(argv: list[str] | None = None) -> int:
    # (no list(): importing symact.cli.list binds the name ``list`` in this package)
    argv = [*(sys.argv[1:] if argv is None else argv)]
    command = _command(argv)
    if command not in {name for name, _ in COMMANDS}:
        command = None
    parser = build_parser(command)
    try:
        args = parser.parse_args(_expressions_first(argv, parser, command))
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
