"""Decide whether LHS == RHS for all real values of the free symbols (under --where).

Exit 0 PROVED, 1 DISPROVED (a certified counterexample is printed), 3 UNDECIDED,
2 bad input.  Expressions are read by the whitelist parser (symact.define.parse).
"""

from __future__ import annotations

import sympy as sp

from symact.cli.common import dump_json, fail_usage


def add_arguments(parser) -> None:
    parser.add_argument("lhs", help="left-hand side, e.g. 'softplus(x) - softplus(-x)'")
    parser.add_argument("rhs", help="right-hand side, e.g. 'x'")
    parser.add_argument("--where", default=None, metavar="COND",
                        help="condition on the symbols, e.g. 'x > 0 and alpha >= 0'")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


EXIT = {"PROVED": 0, "DISPROVED": 1, "UNDECIDED": 3, "NUMERIC": 3}


def _sign_symbols(where) -> dict:
    """Symbols whose sign ``where`` fixes outright (``b > 0``, ``a <= 0`` as a top-level
    conjunct), carrying that sign as an assumption, so that ``limit``/``diff``, which
    are evaluated while parsing, know it."""
    out = {}
    for rel in sp.And.make_args(where):
        if not isinstance(rel, sp.core.relational.Relational) or rel.rel_op in ("==", "!="):
            continue
        lhs, rhs, op = rel.lhs, rel.rhs, rel.rel_op
        if lhs == 0:
            lhs, rhs, op = rhs, lhs, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
        if isinstance(lhs, sp.Symbol) and rhs == 0 and lhs.name not in out:
            kind = {">": "positive", ">=": "nonnegative", "<": "negative", "<=": "nonpositive"}[op]
            out[lhs.name] = sp.Symbol(lhs.name, real=True, **{kind: True})
    return out


def run(args) -> int:
    from symact.define.parse import ParseError, parse_condition, parse_expression
    from symact.proof.equal import prove_equal

    try:
        where = parse_condition(args.where) if args.where else sp.true
        signs = _sign_symbols(where)
        if signs:
            where = parse_condition(args.where, params=signs)
        lhs = parse_expression(args.lhs, params=signs, free_symbols=True)
        rhs = parse_expression(args.rhs, params=signs, free_symbols=True)
    except ParseError as err:
        return fail_usage(f"input refused: {err}")
    except (ValueError, TypeError, ZeroDivisionError, NotImplementedError) as err:
        return fail_usage(f"input could not be evaluated: {err}")
    if where is sp.false:
        return fail_usage("--where is never true")
    result = prove_equal(lhs, rhs, where=where)
    status = str(result.status)
    if args.json:
        dump_json({"lhs": str(lhs), "rhs": str(rhs), "where": str(where), **result.as_dict()})
        return EXIT[status]
    print(f"{status}  ({result.strategy}, {result.seconds:.2f} s)")
    print(f"  lhs:   {lhs}")
    print(f"  rhs:   {rhs}")
    if where is not sp.true:
        print(f"  where: {where}")
    if result.counterexample is not None:
        point = ", ".join(f"{k} = {v}" for k, v in result.counterexample.items()) or "(no free symbols)"
        print(f"  counterexample: {point}")
    if result.detail:
        print(f"  {result.detail}")
    return EXIT[status]
