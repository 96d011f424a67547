"""Printing shared by both backends: products as divisions, small powers as products,
and pairs (double-word evaluation) where the stable form asks for them.

Products print numerator first, then one division per denominator factor
(``b/2/(S - x)/S``): no denominator product that can overflow where the
quotient is finite, and rational coefficients stay exact divisions; where a
power of the input meets a denominator (``x**2/(S + 1)``) the factors alternate
(``x/(S + 1)*x``), so that neither the numerator nor the denominator overflows
where their quotient is finite.  Integer powers 2 and 3 print as products
(correctly rounded, no ``pow`` call).

Pairs (:mod:`symact.stabilise.rules_exact`): a primitive whose argument is
``dw(u)`` prints as its ``_dw`` variant called with u evaluated as a pair hi + lo,
and ``dw_eval(e)`` prints e evaluated in pairs and rounded once; the backend spells
the pair operations (``_pair_call``, ``_pair_const``, ``_pair_of``, ``_pair_val``,
``_dw_call``).  A printer with ``exact = False`` prints dw arguments as plain
values (the C float kernels, evaluated in double, where the product of two floats is
exact), one with ``windows = False`` dw_eval as the plain expression.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.primitives import Primitive, shift
from symact.emit.literals import float_literal, split_constant


class KernelPrinterMixin:
    """Needs ``dtype`` ("float64"/"float32"), ``_const(text) -> str``, ``_int(n) -> str``,
    ``_call(name, args) -> str`` and ``_prim(impl) -> str`` from the backend, and the
    pair spellings (see the module docstring)."""

    dtype = "float64"
    #: print dw arguments as pairs (False: as the plain argument)
    exact = True
    #: print dw_eval windows as pair evaluations (False: as the plain expression)
    windows = True
    #: evaluate a primitive that every branch of a Piecewise calls once as one call on
    #: selected arguments (:func:`hoisted_calls`): for printers whose Piecewise evaluates
    #: every branch (selects), where it halves the work; needs ``_pair_select``
    hoist = False

    #: shared subexpression -> the name of the local variable that holds it (see
    #: :meth:`doprint_shared`); empty outside it
    _shared: dict = {}

    def _print(self, expr, **kwargs):
        name = self._shared.get(expr) if isinstance(expr, sp.Basic) else None
        return name if name is not None else super()._print(expr, **kwargs)

    def _as_ordered_terms(self, expr, order=None):
        """A sum's terms with the exactly representable ones first (x, 1, 2*x: what
        :func:`symact.stabilise.windows.magnitude` counts as carrying no rounding), the
        others after them in SymPy's order: the printed sum is evaluated left to right,
        so ``x + 1 + exp(x)`` forms x + 1 first, exact near x = -1 (Sterbenz), where
        ``x + exp(x) + 1`` would round x + exp(x) and then cancel it."""
        from symact.stabilise.windows import is_exact
        terms = super()._as_ordered_terms(expr, order=order)
        return [t for t in terms if is_exact(t)] + [t for t in terms if not is_exact(t)]

    def doprint_shared(self, expr, prefix="cse"):
        """``(lets, text)``: ``expr`` printed with every function call that occurs more
        than once in it (:func:`shared_calls`) evaluated once, into a local variable:
        ``lets`` is ``[(name, printed value), ...]`` in dependency order, and ``text``
        refers to the names.  The expression tree itself is not rebuilt (which would
        re-evaluate the unevaluated sums that carry exact constants as hi + lo)."""
        lets = []
        try:
            self._shared = {}
            for i, node in enumerate(shared_calls(expr)):
                lets.append((f"{prefix}{i}", self.doprint(node)))
                self._shared[node] = f"{prefix}{i}"
            if self.hoist:
                for i, (call, branch_calls) in enumerate(hoisted_calls(expr)):
                    lets.append((f"{prefix}h{i}", self.doprint(call)))
                    for c in branch_calls:
                        self._shared[c] = f"{prefix}h{i}"
            text = self.doprint(expr)
        finally:
            self._shared = {}
        # a call met only inside pair evaluations is printed there in pair form, never by
        # its name: such lets would be unused variables (an error under -Werror)
        used, kept = text, []
        for name, value in reversed(lets):
            if re.search(rf"\b{name}\b", used):
                kept.append((name, value))
                used += " " + value
        return kept[::-1], text

    # --- numbers ------------------------------------------------------------------------
    def _print_Integer(self, expr):
        return self._int(int(expr))

    _print_Zero = _print_One = _print_NegativeOne = _print_Integer

    def _print_Rational(self, expr):
        return self._const(float_literal(expr, self.dtype))

    _print_Half = _print_Rational

    def _print_Float(self, expr):
        return self._const(float_literal(expr, self.dtype))

    def _print_NumberSymbol(self, expr):
        return self._const(float_literal(expr.evalf(40), self.dtype))

    _print_Pi = _print_Exp1 = _print_EulerGamma = _print_NumberSymbol

    def _print_Infinity(self, expr):
        return self._inf(1)

    def _print_NegativeInfinity(self, expr):
        return self._inf(-1)

    # --- products and powers ----------------------------------------------------------------
    def _factor(self, e):
        return self.parenthesize(e, PRECEDENCE["Mul"], strict=False)

    def _divisor(self, e):
        if e.is_Atom or isinstance(e, sp.Function):
            return self._print(e)
        return f"({self._print(e)})"

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest) if rest != 1 else ()
        num, den = [], []
        for f in factors:
            if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            else:
                num.append(f)
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        q = 1
        parts = []
        if coeff.is_Rational:
            p, q = int(coeff.p), int(coeff.q)
            if p != 1 or not num:
                parts.append(self._int(p))
        else:
            parts.append(self._print(coeff))
        parts += [self._factor(f) for f in num]
        if den and any(self._power_of_input(f) for f in num):
            return sign + self._alternating(parts, num, den, q)
        text = "*".join(parts)
        for d in den:
            text += "/" + self._divisor(d)
        if q != 1:
            text += "/" + self._int(q)
        return sign + text

    @staticmethod
    def _power_of_input(f) -> bool:
        """A positive integer power (>= 2) of a symbol: x**2 and a denominator of similar
        growth must not be formed apart."""
        return f.is_Pow and f.base.is_Symbol and f.exp.is_Integer and f.exp >= 2

    def _alternating(self, parts, num, den, q) -> str:
        """``x**2/(S + 1)`` as ``x/(S + 1)*x``, ``x**3/S**3`` as ``x/S*x/S*x/S``: integer
        powers split into their factors, one division after each multiplication while
        denominators remain."""
        lead = parts[:len(parts) - len(num)]  # the coefficient, when printed
        singles = []
        for f in num:
            if self._power_of_input(f):
                singles += [self._print(f.base)] * int(f.exp)
            else:
                singles.append(self._factor(f))
        pending = []
        for d in den:
            if d.is_Pow and d.exp.is_Integer and 2 <= d.exp <= 4:
                pending += [d.base] * int(d.exp)
            else:
                pending.append(d)
        text = "*".join(lead + singles[:1])
        for f in singles[1:]:
            if pending:
                text += "/" + self._divisor(pending.pop(0))
            text += "*" + f
        for d in pending:
            text += "/" + self._divisor(d)
        if q != 1:
            text += "/" + self._int(q)
        return text

    def _print_Pow(self, expr, rational=False):
        base, e = expr.base, expr.exp
        b = self.parenthesize(base, PRECEDENCE["Mul"], strict=True) if not (
            base.is_Atom or isinstance(base, sp.Function)) else self._print(base)
        if e == 2:
            return f"{b}*{b}"
        if e == 3:
            return f"{b}*{b}*{b}"
        # sqrt of the input: x + 0 turns -0 into +0 (sqrt(-0) = -0, and 1/sqrt(-0) = -inf
        # where the contract wants the value at 0 from the side where sqrt is defined)
        root = self._print(base) + (f" + {self._int(0)}" if base.is_Symbol else "")
        if e == sp.S.Half:
            return self._call("sqrt", [root])
        if e == -sp.S.Half:
            return f"{self._int(1)}/{self._call('sqrt', [root])}"
        if e == -1:
            return f"{self._int(1)}/{b}"
        if e.is_Integer and e < 0:
            return f"{self._int(1)}/({self._print(sp.Pow(base, -e, evaluate=False))})"
        return self._call("pow", [self._print(base), self._print(e)])

    # --- functions -------------------------------------------------------------------------------
    _FUNCS = {"exp": "exp", "log": "log", "tanh": "tanh", "Abs": "fabs", "erf": "erf",
              "erfc": "erfc", "sign": "sign"}

    def _print_Function(self, expr):
        if isinstance(expr, P.dw):
            return self._print(expr.args[0])
        if isinstance(expr, P.at_infinity):
            e, lpos, lneg = expr.args
            limit = [self._nan() if v is sp.nan else self._print(v) for v in (lpos, lneg)]
            return f"{self._prim('at_infinity')}({self._print(X)}, {self._print(e)}, {limit[0]}, {limit[1]})"
        if isinstance(expr, P.dw_eval):
            if not self.windows:
                return self._print(expr.args[0])
            return self._pair_val(self._pair_shared(expr.args[0]))
        pos = dw_position(expr)
        if pos is not None:
            u = expr.args[pos].args[0]
            if not self.exact:
                args = list(expr.args)
                args[pos] = u
                return self._print(expr.func(*args))
            others = [self._print(a) for i, a in enumerate(expr.args) if i != pos]
            impl = expr.impl if isinstance(expr, Primitive) else type(expr).__name__
            return self._dw_call(impl, others, self._pair(u))
        if isinstance(expr, P.ratio):
            return self._print(sp.Mul(expr.args[0], sp.Pow(expr.args[1], -1)))
        if isinstance(expr, shift):
            u, c = expr.args
            hi, lo = split_constant(c, self.dtype)
            op_hi, hi = ("+", hi[1:]) if hi.startswith("-") else ("-", hi)
            op_lo, lo = ("+", lo[1:]) if lo.startswith("-") else ("-", lo)
            return f"(({self._print(u)} {op_hi} {self._const(hi)}) {op_lo} {self._const(lo)})"
        if isinstance(expr, Primitive):
            return f"{self._prim(expr.impl)}({', '.join(self._print(a) for a in expr.args)})"
        name = type(expr).__name__
        if name not in self._FUNCS:
            raise ValueError(f"no {self.language} implementation for the function {name}")
        return self._call(self._FUNCS[name], [self._print(a) for a in expr.args])

    # SymPy's printers have _print_expm1/_print_log1p for sympy.codegen's functions of
    # those names; dispatch is by class name, so route the primitives back here.
    _print_exp = _print_log = _print_tanh = _print_Abs = _print_erf = _print_erfc = \
        _print_sign = _print_expm1 = _print_log1p = _print_Function

    def _print_Primitive(self, expr):
        return self._print_Function(expr)

    # --- pairs ------------------------------------------------------------------------------
    _PAIR_FUNCS = {sp.exp: "exp", sp.tanh: "tanh", sp.Abs: "abs", sp.sign: "sign", P.expm1: "expm1",
                   P.log1p: "log1p"}

    def _pair_shared(self, e) -> str:
        """``e`` as a pair, its repeated subexpressions evaluated once (primitives in their
        pair forms first: exp(-|u|) is shared by sigmoid(u) and dsigmoid(u)), where the
        backend can bind them (``_pair_let``)."""
        e = P.in_pair_forms(e)
        if not hasattr(self, "_pair_let"):
            return self._pair(e)
        names = sp.numbered_symbols("_p")
        shared, (main,) = sp.cse([e], symbols=names, optimizations=None)
        if not shared:
            return self._pair(e)
        bound = []
        self._bound = set()
        for t, v in shared:
            bound.append((t.name, self._pair(v)))
            self._bound.add(t)
        text = self._pair_let(bound, self._pair(main))
        self._bound = set()
        return text

    def _pair_select(self, branches):
        """[(printed condition, pair text), ...] (the last condition True): the pair of the
        first branch whose condition holds (only printers with ``hoist`` need it)."""
        raise NotImplementedError(f"{type(self).__name__} does not select pairs")

    def _pair(self, e) -> str:
        """``e`` evaluated as a pair (text of an expression giving one)."""
        if isinstance(e, P.dw):
            return self._pair(e.args[0])
        if e in getattr(self, "_bound", ()):
            return e.name
        if e.is_Integer and abs(int(e)) < 2 ** 53:
            return self._pair_const(f"{int(e)}.0", "0.0")
        if e.is_number:
            hi, lo = split_constant(e.evalf(40), "float64")
            return self._pair_const(hi, lo)
        if e.is_Symbol:
            return self._pair_of(self._print(e))
        if e.is_Add:
            out = None
            for t in e.as_ordered_terms():
                c, rest = t.as_coeff_Mul()
                if out is not None and c.is_negative:
                    out = self._pair_call("sub", [out, self._pair(-t)])
                    continue
                p = self._pair(t)
                out = p if out is None else self._pair_call("add", [out, p])
            return out
        if e.is_Mul:
            return self._pair_mul(e)
        if isinstance(e, sp.Piecewise) and self.hoist:  # a hoisted call's selected argument
            return self._pair_select([(self._print(c), self._pair(v)) for v, c in e.args])
        if e.is_Pow:
            return self._pair_pow(e.base, e.exp)
        if isinstance(e, sp.log):
            u = e.args[0]
            if u.is_Add and sp.S.One in u.args:  # log(1 + v): log1p, no cancellation at v = 0
                return self._pair_call("log1p", [self._pair(u - 1)])
            return self._pair_call("log", [self._pair(u)])
        for kind, name in self._PAIR_FUNCS.items():
            if isinstance(e, kind):
                return self._pair_call(name, [self._pair(a) for a in e.args])
        if isinstance(e, P.exp_rem):
            return self._pair_call("exp_rem", [self._pair(e.args[0]), str(int(e.args[1]))])
        if isinstance(e, P.sqrt_quad):
            return self._pair_call("sqrt_quad", [self._pair(a) for a in e.args])
        if isinstance(e, P.sqrt_sq_plus):
            return self._pair_call("sqrt_quad", [self._pair(sp.S.One), *(self._pair(a) for a in e.args)])
        if isinstance(e, P.ratio):  # kept whole: (u/v)**3 must not become u**3/v**3
            return self._pair_call("div", [self._pair(a) for a in e.args])
        if isinstance(e, Primitive):
            return self._pair(type(e).pair_form(*e.args))
        return self._pair_of(self._print(e))  # no pair implementation: the plain value

    def _pair_mul(self, e) -> str:
        coeff, rest = e.as_coeff_Mul()
        num, den = [], []
        for f in sp.Mul.make_args(rest):
            if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            else:
                num.append(f)
        neg = coeff.is_negative
        coeff = -coeff if neg else coeff
        out = None
        for f in num:
            p = self._pair(f)
            out = p if out is None else self._pair_call("mul", [out, p])
        if coeff.is_Rational and out is not None and coeff != 1 and _power_of_two(coeff):
            out = self._pair_call("scale", [out, self._print(sp.Float(coeff, 40))])
        elif coeff.is_Rational:
            if coeff.p != 1 or out is None:
                c = self._pair(sp.Integer(coeff.p))
                out = c if out is None else self._pair_call("mul", [out, c])
            if coeff.q != 1:
                den.append(sp.Integer(coeff.q))
        elif coeff != 1:
            c = self._pair(coeff)
            out = c if out is None else self._pair_call("mul", [out, c])
        for d in den:
            if d.is_Integer and _power_of_two(d):
                out = self._pair_call("scale", [out, self._print(sp.Float(sp.Rational(1, d), 40))])
            else:
                out = self._pair_call("div", [out, self._pair(d)])
        return self._pair_call("neg", [out]) if neg else out

    def _pair_pow(self, base, e) -> str:
        b = self._pair(base)
        if e.is_Integer:
            return self._pair_call("powi", [b, str(int(e))])
        if e == sp.S.Half:
            return self._pair_call("sqrt", [b])
        if e == -sp.S.Half:
            return self._pair_call("div", [self._pair(sp.S.One), self._pair_call("sqrt", [b])])
        if e.is_Rational and e.q == 2:
            return self._pair_call("mul", [self._pair_call("powi", [b, str(int(e.p // 2))]),
                                           self._pair_call("sqrt", [b])]) if e.p > 0 else \
                self._pair_call("div", [self._pair(sp.S.One), self._pair_pow(base, -e)])
        return self._pair_call("exp", [self._pair_call("mul", [self._pair(e), self._pair_call("log", [b])])])

    # --- relations --------------------------------------------------------------------------------
    _REL = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

    def _print_Relational(self, expr):
        lhs = self.parenthesize(expr.lhs, PRECEDENCE["Relational"], strict=True)
        rhs = self.parenthesize(expr.rhs, PRECEDENCE["Relational"], strict=True)
        return f"({lhs} {self._REL[expr.rel_op]} {rhs})"

    def _print_Symbol(self, expr):
        return expr.name

    _print_Dummy = _print_Symbol



class PythonPrinterMixin:
    """What the Python backends (NumPy, torch, jax) spell alike: boolean conditions as
    the elementwise operators ``& | ~``, and pairs as tuples (hi, lo) of float64 arrays,
    operated on by the runtime's ``_w_*`` functions, a primitive of a rounded argument
    being ``_<impl>_dw(..., hi, lo)``."""

    def _print_And(self, expr):
        return "(" + " & ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(self._print(a) for a in expr.args) + ")"

    def _print_Not(self, expr):
        return f"~{self._print(expr.args[0])}"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"

    def _pair_call(self, name, args):
        return f"_w_{name}({', '.join(args)})"

    def _pair_const(self, hi, lo):
        return f"({hi}, {lo})"

    def _pair_of(self, text):
        return f"({text}, 0.0)"

    def _pair_val(self, pair):
        return f"_w_val({pair})"

    def _pair_let(self, bound, body):
        """``body`` with the pairs ``bound`` ([(name, text)], each may use the earlier ones)
        bound to their names: nested immediately-called lambdas (a kernel's branch is one
        expression)."""
        for name, text in reversed(bound):
            body = f"(lambda {name}: {body})({text})"
        return body

    def _dw_call(self, impl, args, pair):
        return f"_{impl}_dw({', '.join([*args, '*' + pair])})"


def shared_calls(expr) -> list:
    """The function calls (elementary functions, primitives, non-integer powers) that
    occur more than once in ``expr``, smallest first, so that each one's value only
    refers to calls listed before it.  Printed kernels evaluate every branch (selects),
    so a call shared by two branches is evaluated once either way."""
    counts: dict = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, P.dw):  # a marker: printed as its argument, or as a pair
            continue
        if isinstance(node, sp.Function) or (isinstance(node, sp.Pow) and not node.exp.is_Integer):
            counts[node] = counts.get(node, 0) + 1
    repeated = [n for n, c in counts.items() if c > 1]
    return sorted(repeated, key=lambda n: (sum(1 for _ in sp.preorder_traversal(n)), sp.default_sort_key(n)))


#: primitives that are markers or printed inline, never hoisted
_NOT_HOISTED = (P.dw, P.dw_eval, P.at_infinity, shift)


def _calls_outside_windows(e) -> list:
    """The primitive calls of ``e``, not descending into dw_eval windows (evaluated in pairs
    as a whole) or into the calls themselves."""
    out, stack = [], [e]
    while stack:
        t = stack.pop()
        if isinstance(t, P.dw_eval):
            continue
        if isinstance(t, Primitive) and not isinstance(t, _NOT_HOISTED):
            out.append(t)
            continue
        stack.extend(t.args if isinstance(t, sp.Basic) else ())
    return out


def hoisted_calls(expr) -> list:
    """``[(call, [branch call, ...]), ...]``: for each Piecewise of ``expr`` whose branches
    each hold exactly one call of one primitive class (outside windows), the calls not all
    alike, that primitive called once on arguments selected by the Piecewise's conditions
    (``f(Piecewise((a1, c1), (a2, True)))``: in branch i it is f(a_i), bit for bit), and the
    branch calls it stands for.  A dw argument stays a pair: dw of the selection."""
    out, taken = [], set()
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Piecewise) or len(node.args) < 2:
            continue
        per = [_calls_outside_windows(e) for e, _ in node.args]
        for cls in sorted({type(t) for t in per[0]}, key=lambda k: k.__name__):
            chosen = []
            for calls in per:
                same = [t for t in calls if type(t) is cls]
                if len(same) != 1:
                    break
                chosen.append(same[0])
            else:
                if len(set(chosen)) < 2 or taken & set(chosen) or \
                        any(t.has(sp.Piecewise) for t in chosen) or \
                        {dw_position(t) for t in chosen} != {dw_position(chosen[0])}:
                    continue
                conds = [c for _, c in node.args]
                args = []
                for j in range(len(chosen[0].args)):
                    vals = [t.args[j] for t in chosen]
                    if len(set(vals)) == 1:
                        args.append(vals[0])
                    elif j == dw_position(chosen[0]):
                        args.append(P.dw(sp.Piecewise(*[(v.args[0], c) for v, c in zip(vals, conds)])))
                    else:
                        args.append(sp.Piecewise(*zip(vals, conds)))
                out.append((cls(*args), chosen))
                taken |= set(chosen)
    return out


def _power_of_two(c) -> bool:
    p, q = abs(int(c.p)), int(c.q)
    return c != 0 and p & (p - 1) == 0 and q & (q - 1) == 0


def dw_position(expr) -> int | None:
    """The position of a ``dw`` argument of ``expr`` (a primitive's ``argument``, or the
    argument of exp or erfc), or None."""
    if isinstance(expr, (sp.exp, sp.erfc)):
        pos = 0
    elif isinstance(expr, Primitive) and expr.argument is not None:
        pos = expr.argument % len(expr.args)
    else:
        return None
    return pos if isinstance(expr.args[pos], P.dw) else None


def needs_parens(expr) -> bool:  # pragma: no cover - helper kept for templates' docs
    return precedence(expr) < PRECEDENCE["Mul"]


#: A branch value with at most this many operations and no function call is cheap:
#: computing it on every entry costs less than gathering the entries it applies to.
CHEAP_OPS = 8


def cheap(e) -> bool:
    """Whether branch value ``e`` is a few arithmetic operations (no call, no division by
    an expression in x, so evaluating it where it does not apply cannot fail or cost)."""
    e = sp.sympify(e)
    if e.atoms(sp.Function) or any(p.exp not in (2, 3) for p in e.atoms(sp.Pow)):
        return False
    return sp.count_ops(e) <= CHEAP_OPS


def branches(expr):
    """``[(condition or None, expression), ...]``: a top-level Piecewise's branches
    (the last one's condition ``None`` when it is ``True``), or ``[(None, expr)]``."""
    if not isinstance(expr, sp.Piecewise):
        return [(None, expr)]
    out = []
    for e, c in expr.args:
        out.append((None if c is sp.true else c, e))
        if c is sp.true:
            break
    return out


def safe_comment(text: str) -> str:
    """``text`` safe inside a C comment and a Python docstring (no ``*/``, ``\"\"\"`` or
    backslashes)."""
    return text.replace("*/", "* /").replace('"""', "'''").replace("\\", "/")
