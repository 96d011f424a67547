"""What the array-framework backends (torch, jax) share: printer, runtime, template context.

Both frameworks have the same array operations under other names, so the
numerics are written once: :mod:`.printer` prints a stable form as calls of the
runtime's names, :mod:`.runtime` (real modules) implements every primitive, the
GELU kernels and the vector kernels in those names, and each framework's
``runtime/ops.py`` binds the names to its operations.  A backend
(:class:`TensorBackend`) adds its ops file, its autograd layer and its template;
the generated module holds, in order: its ops, the NumPy runtime's thresholds,
the shared modules and its layer.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import sympy as sp

from symact.define.model import X
from symact.emit.backend import Backend
from symact.emit.literals import prepare
from symact.emit.numpy import RUNTIME as NUMPY_RUNTIME
from symact.emit.numpy import constant_lines
from symact.emit.printing import branches, cheap, safe_comment
from symact.emit.render import python_source

RUNTIME = Path(__file__).with_name("runtime")

#: Pieces of the NumPy runtime the generated modules hold as they are: (file, names or
#: None for all, names left out, why).
NUMPY_PIECES = (
    ("doubleword", None, ("_opaque", "_horner"), "the double-word arithmetic; _opaque is the framework's"),
    ("primitives", ("_TAIL", "_SECH2_TAIL", "_SMALL", "_SQRT_BIG", "_n_and_n_plus_2"), (),
     "the primitives' thresholds and n = e(2 + e) as double-words"),
    ("exact", ("_W_LN2_C", "_W_SQUARINGS", "_W_TANH_BIG", "_W_REM_SERIES", "_W_REM_TERMS", "_W_QUAD_BIG"), (),
     "the pair functions' parameters"),
)

#: Points tried, in order, as the input a Piecewise branch sees off its piece (the first
#: one inside the piece, at the default parameters, where the branch is finite).
SAFE_POINTS = (0, 1, -1, 2, -2, 8, -8, sp.Rational(1, 2), -sp.Rational(1, 2))


def _names(node) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def select_source(text: str, keep=None, drop=()) -> str:
    """The top-level statements of Python ``text`` named in ``keep`` (all when None) but
    not in ``drop``, each with the comment lines right above it; other lines (the
    module comment block included) are kept only when ``keep`` is None."""
    lines = text.splitlines()
    tree = ast.parse(text)
    spans = []
    for node in tree.body:
        start = node.lineno - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#") and lines[start - 1].strip():
            start -= 1
        spans.append((start, node.end_lineno, _names(node)))
    out = []
    if keep is None:
        removed = set()
        for start, end, names in spans:
            if names & set(drop):
                removed.update(range(start, end))
        out = [line for k, line in enumerate(lines) if k not in removed]
    else:
        for start, end, names in spans:
            if names & set(keep) and not names & set(drop):
                out += lines[start:end] + [""]
    return re.sub(r"\n{3,}", "\n\n\n", "\n".join(out)).strip("\n") + "\n"


def numpy_pieces() -> list[dict]:
    """The runtime sections taken from the NumPy runtime (:data:`NUMPY_PIECES`)."""
    out = []
    for name, keep, drop, why in NUMPY_PIECES:
        text = select_source(python_source(NUMPY_RUNTIME / f"{name}.py"), keep, drop)
        out.append({"name": f"symact/emit/numpy/runtime/{name}.py ({why})", "text": text})
    return out


def float_primitives() -> frozenset:
    """The primitives with a float-precision version in runtime/primitives.py or
    runtime/precise.py (``_NAME_x`` beside ``_NAME``), which the float forms call.  Read,
    not imported: importing the runtime imports a framework, and generating must work
    where neither is installed."""
    names = set()
    for source in ("primitives.py", "precise.py"):
        tree = ast.parse((RUNTIME / source).read_text(encoding="utf-8"))
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return frozenset(n[1:-2] for n in names if n.endswith("_x") and n[:-2] in names)


def _holds(cond, subs) -> bool:
    value = cond.subs(subs)
    return value is sp.true or value == True  # noqa: E712 - SymPy booleans


def _finite(expr, subs) -> bool:
    try:
        value = complex(sp.N(expr.subs(subs), 20))
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    return value.imag == 0 and math.isfinite(value.real)


def safe_points(pieces, defaults: dict) -> list[str]:
    """For each (condition or None, expression) of a Piecewise: the point (printed) its
    branch sees where it does not apply, one inside its piece at the default parameters
    where it is finite (0 when none of :data:`SAFE_POINTS` is)."""
    out = []
    for i, (cond, expr) in enumerate(pieces):
        chosen = 0
        for p in SAFE_POINTS:
            subs = {**defaults, X: p}
            earlier = any(_holds(c, subs) for c, _ in pieces[:i] if c is not None)
            if not earlier and (cond is None or _holds(cond, subs)) and _finite(expr, subs):
                chosen = p
                break
        out.append(repr(float(chosen)))
    return out


def class_name(activation: str) -> str:
    """The module class name of an activation: ``gelu_tanh`` -> ``GeluTanh``."""
    return "".join(part.capitalize() for part in activation.split("_"))


def learnable(param) -> bool:
    """Whether the catalogue marks a parameter as learned (its doc says so: PReLU's ``a``,
    "learned slope for x < 0")."""
    return param.doc.lower().startswith("learned")


def _check(constraints) -> list[dict]:
    """The printed tests of a constraint check, one per constraint (numbers only)."""
    out = []
    for c in constraints:
        names = sorted(s.name for s in c.free_symbols)
        guard = " and ".join(f"_is_number({n})" for n in names)
        shown = ", ".join(f"{n}=%r" for n in names)
        out.append({"test": f"{guard} and not ({c})", "text": str(c), "shown": shown,
                    "args": ", ".join(names) + ","})
    return out


class TensorBackend(Backend):
    """An array-framework backend: the shared context; a subclass names its framework
    (the module its generated file imports), its ops file and layer files (``OPS``,
    ``LAYERS``, included in that order after the shared runtime), its printer, the name of
    the axis argument and whether it makes module classes.

    The layer files provide what the printed calls use: ``_function(name, kernel,
    derivatives)`` and ``_vector_function(name, row_kernel, row_derivative, reduces)``
    (the differentiable activation), ``_call(fn, x, params)``, ``_call_vector(fn, x,
    axis)``, ``_apply(kernel, x, params)`` and ``_vector_apply(row_kernel, x, axis[, g],
    reduces=...)`` (a derivative kernel as a plain function), ``_param`` and ``_is_number``;
    with ``modules``, ``_Activation`` and ``_VectorActivation``.
    """

    framework = ""
    printer_class = None
    OPS: Path = Path()
    LAYERS: tuple = ()
    #: the name of the axis argument of vector kernels (torch: dim, jax: axis)
    axis = "dim"
    #: whether the module gets a class per activation (torch.nn.Module)
    modules = False
    #: whether the module holds the shared accurate expm1, log1p and tanh (accurate.py)
    accurate = False

    def runtime_parts(self, kernels) -> list[dict]:
        """The runtime sections of the generated module, in order."""
        from symact.emit.tensor.runtime import FILES
        vector = any(k.vector for k in kernels)
        drop = (self.framework, "math")
        parts = [{"name": self._rel(self.OPS), "text": python_source(self.OPS, drop)}]
        parts += numpy_pieces()
        for f in FILES:
            if (f != "vector" or vector) and (f != "accurate" or self.accurate):
                parts.append({"name": f"symact/emit/tensor/runtime/{f}.py",
                              "text": python_source(RUNTIME / f"{f}.py", drop)})
        parts += [{"name": self._rel(f), "text": python_source(f, drop)} for f in self.LAYERS]
        return parts

    @staticmethod
    def _rel(path: Path) -> str:
        parts = Path(path).parts
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("symact"):])

    @staticmethod
    def scalar_kernel(spec, form, printer, float_printer) -> dict:
        """A scalar kernel's printed branches, each with its safe point and whether it is
        cheap (computed on every entry in torch's eager mode, see runtime/api.py); and
        the branches of its float form where they differ (None where not)."""
        defaults = {sp.Symbol(p.name, real=True): sp.Rational(repr(p.default)) for p in spec.params}

        def printed(expr, p):
            pieces = branches(prepare(expr))
            return [{"cond": None if c is None else p.doprint(c), "expr": p.doprint(e), "x0": x0,
                     "cheap": cheap(e)} for (c, e), x0 in zip(pieces, safe_points(pieces, defaults))]

        plain = printed(form.stable, printer)
        floated = printed(form.stable if form.stable_float is None else form.stable_float, float_printer)
        return {"name": spec.name, "params": [p.name for p in spec.params], "branches": plain,
                "float_branches": None if floated == plain else floated}

    def _function_line(self, name, specs) -> str:
        """The printed definition of an activation's differentiable function."""
        head = specs[0]
        if head.vector:
            # read, not imported: importing the runtime imports a framework, and generating
            # must work where neither is installed
            tree = ast.parse((RUNTIME / "vector.py").read_text(encoding="utf-8"))
            rows = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            for spec in specs:
                if f"_vec_{spec.name}" not in rows:
                    raise ValueError(f"the {self.name} runtime has no row kernel _vec_{spec.name} "
                                     f"(symact/emit/tensor/runtime/vector.py) for {spec.name}")
            return (f'_{name}_fn = _vector_function("{name}", _vec_{head.name}, _vec_{specs[1].name}, '
                    f"{head.reduces})")
        derivatives = ", ".join(f"_k_{s.name}" for s in specs[1:]) + ("," if len(specs) == 2 else "")
        return f'_{name}_fn = _function("{name}", _k_{head.name}, ({derivatives}))'

    def _public(self, spec, form) -> dict:
        """A public function: its signature and the printed call of its kernel."""
        args = "".join(f"{p.name}, " for p in spec.params)
        if spec.vector:
            signature = f"x, g, {self.axis}=-1" if spec.takes_g else f"x, {self.axis}=-1"
            if spec.wrt == "f":
                body = f"_call_vector(_{spec.activation}_fn, x, {self.axis})"
            else:
                g = ", g" if spec.takes_g else ""
                body = f"_vector_apply(_vec_{spec.name}, x, {self.axis}{g})"
        else:
            signature = "x" + "".join([", *"] + [f", {p.name}={p.default!r}" for p in spec.params]) \
                if spec.params else "x"
            body = f"_call(_{spec.activation}_fn, x, ({args}))" if spec.wrt == "f" else \
                f"_apply(_k_{spec.name}, x, ({args}))"
        return {
            "name": spec.name, "signature": signature, "body": body,
            "summary": safe_comment(spec.description),
            "definition": "" if form is None else safe_comment(str(form.definition)),
            "stable": "" if form is None else safe_comment(str(form.stable)),
            "params": [p.name for p in spec.params],
        }

    def context(self, kernels, forms, library: str) -> dict:
        printer = self.printer_class()
        float_printer = self.printer_class()
        float_printer.exact = False
        float_printer.float_prims = float_primitives()
        by_activation: dict = {}
        for spec in kernels:
            by_activation.setdefault(spec.activation, []).append(spec)
        activations, public = [], []
        for name, specs in by_activation.items():
            head = specs[0]
            activations.append({
                "name": name, "class_name": class_name(name), "vector": head.vector,
                "summary": safe_comment(head.description),
                "params": [{"name": p.name, "default": repr(p.default), "learnable": repr(learnable(p))}
                           for p in head.params],
                "param_names": ", ".join(p.name for p in head.params),
                "checks": _check(head.constraints),
                "function": self._function_line(name, specs),
                "kernels": [self._public(s, None if s.vector else forms[s.name]) for s in specs],
            })
            public += [s.name for s in specs] + ([class_name(name)] if self.modules else [])
        return {
            "library": library,
            "axis": self.axis,
            "modules": self.modules,
            "public": public,
            "kernel_names": [s.name for s in kernels],
            "constants": constant_lines(),
            "runtime": self.runtime_parts(kernels),
            "kernels": [self.scalar_kernel(s, forms[s.name], printer, float_printer) for s in kernels if not s.vector],
            "activations": activations,
        }
