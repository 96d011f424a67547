"""Decide a statement for all real values of its symbols (under --where), where both sides are defined.

    symact check LHS RHS                  LHS == RHS
    symact check "LHS <= RHS"             also <, >=, >, ==
    symact check LHS "<=" RHS

Exit 0 PROVED, 1 DISPROVED (a certified counterexample is printed), 3 UNDECIDED,
2 bad input.  Expressions are read by the whitelist parser (symact.define.parse):
numbers exactly as typed, any plain name besides x a real symbol.  A statement
is proved only where both sides are defined: the points where one is not (x = 0
for x/x) are excluded and named.  An expression starting with '-' is read as
an expression (no '--' needed).
"""

from __future__ import annotations

from symact.cli.common import dump_json, fail_usage

EXIT = {"PROVED": 0, "DISPROVED": 1, "UNDECIDED": 3, "NUMERIC": 3}


def add_arguments(parser) -> None:
    parser.usage = "%(prog)s [-h] [--where COND] [--json] (LHS RHS | 'LHS OP RHS' | LHS OP RHS)"
    parser.add_argument("statement", nargs="+", metavar="ARG",
                        help="'LHS RHS' (an equality), 'LHS OP RHS' or one quoted 'LHS OP RHS', "
                             "OP one of == <= < >= >; e.g. 'softplus(x) - softplus(-x)' 'x', "
                             "or 'mish(x) <= x'")
    parser.add_argument("--where", default=None, metavar="COND",
                        help="condition on the symbols, e.g. 'x > 0 and alpha >= 0'")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _sign_symbols(where) -> dict:
    """Symbols whose sign ``where`` fixes outright (``b > 0``, ``a <= 0`` as a top-level
    conjunct), carrying that sign as an assumption, so that ``limit``/``diff``, which
    are evaluated while parsing, know it."""
    import sympy as sp
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


def _sides(items):
    """``(lhs_text, op, rhs_text)`` from the one, two or three positional arguments."""
    from symact.define.parse import ParseError, split_statement
    if len(items) == 1:
        parts = split_statement(items[0])
        if parts is None:
            raise ParseError("one argument must be a statement such as 'mish(x) <= x' "
                             "(for an equality give LHS and RHS)")
        return parts
    if len(items) == 2:
        return items[0], "==", items[1]
    if len(items) == 3:
        op = "==" if items[1].strip() == "=" else items[1].strip()
        return items[0], op, items[2]
    raise ParseError(f"expected LHS RHS, LHS OP RHS or 'LHS OP RHS', got {len(items)} arguments")


def _parse(args):
    """(statement, where, where's own conditions) with sign-carrying symbols replaced by
    plain real ones again: the sign lives in ``where``, where the prover splits on it."""
    import sympy as sp
    from symact.define.parse import ParseError, parse_condition_defined, parse_statement

    lhs_text, op, rhs_text = _sides(args.statement)
    where = parse_condition_defined(args.where) if args.where else None
    signs = _sign_symbols(where.expr) if where else {}
    st = parse_statement(lhs_text, op, rhs_text, params=signs, free_symbols=True)
    plain = {s: sp.Symbol(s.name, real=True) for s in signs.values()}
    conditions = [c.xreplace(plain) for c in st.lhs.conditions + st.rhs.conditions]
    lhs, rhs = st.lhs.expr.xreplace(plain), st.rhs.expr.xreplace(plain)
    for side, text in ((lhs, lhs_text), (rhs, rhs_text)):
        if side not in (sp.oo, sp.S.NegativeInfinity) and side.has(sp.oo, sp.S.NegativeInfinity):
            raise ParseError(f"{text.strip()!r}: oo may only be a whole side (e.g. the value of a "
                             "limit), not part of an expression")
    cond = where.expr if where else sp.true
    return lhs, op, rhs, cond, conditions + list(where.conditions if where else ())


def run(args) -> int:
    import sympy as sp
    from symact.define.parse import ParseError
    from symact.proof.statement import decide

    try:
        lhs, op, rhs, where, conditions = _parse(args)
    except ParseError as err:
        return fail_usage(f"input refused: {err}")
    except (ValueError, TypeError, ZeroDivisionError, NotImplementedError) as err:
        return fail_usage(f"input could not be evaluated: {err}")
    if where is sp.false:
        return fail_usage("--where is never true")
    decision = decide(lhs, op, rhs, where, conditions)
    result, domain = decision.result, decision.domain
    status = str(result.status)
    if args.json:
        dump_json({"lhs": str(lhs), "relation": op, "rhs": str(rhs), "where": str(where),
                   **result.as_dict(), "domain": domain.as_dict()})
        return EXIT[status]
    print(f"{status}  ({result.strategy}, {result.seconds:.2f} s)")
    print(f"  lhs:   {lhs}")
    if op != "==":
        print(f"  rel:   {op}")
    print(f"  rhs:   {rhs}")
    if where is not sp.true:
        print(f"  where: {where}")
    for c in domain.implied:
        print(f"  defined (proved): {c.expr} {c.op} 0  [{c.origin}]")
    for e in domain.excluded:
        print(f"  excluded (a side is undefined there): {e.text()}")
    if result.counterexample is not None:
        point = ", ".join(f"{k} = {v}" for k, v in result.counterexample.items()) or "(no free symbols)"
        print(f"  counterexample: {point}")
    if result.detail:
        print(f"  {result.detail}")
    return EXIT[status]
