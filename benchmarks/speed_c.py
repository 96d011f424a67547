"""Speed of the generated C kernels against PyTorch, NumPy, SciPy, libm and memory bandwidth.

Run from the checkout (after ``pip install -e '.[test]'``; PyTorch and SciPy are optional)::

    python benchmarks/speed_c.py                    # every kernel, f32 and f64, 1e4/1e6/1e7
    python benchmarks/speed_c.py --sizes 1e6 --kernels gelu,silu,softmax --rounds 5

For every generated C kernel (forward, d/dx, d/dparam; vector kernels on rows) and dtype,
in one process, on one thread, in interleaved rounds (each round times every
implementation once, in turn, so the machine's load shifts all of them alike), the median
time per call of:

- ``symact``: generated/symact.c built as ``symact.load_c()`` builds it
  (``symact.emit.c.loader.compile_flags``: ``-O3 -fno-math-errno -march=native``, and
  ``-mprefer-vector-width=512`` on AVX-512 machines), called through ctypes into a
  preallocated buffer;
- ``libm``: the same source built with ``-O2 -DSYMACT_USE_LIBM`` (the scalar libm path the
  runtime keeps as a reference), when the runtime has that switch, else plain ``-O2``;
- ``torch``: PyTorch's own kernel (the ``out=`` overload where ATen has one, so no
  allocation is timed; the backward kernels for d/dx), with ``torch.set_num_threads(1)``,
  and again with all threads (``torch_mt``);
- ``naive``: the textbook formula in NumPy (as people type it); ``scipy``: scipy.special
  where it has the function (ufuncs with ``out=``);
- ``copy``: ``np.copyto`` of the input, the memory-bandwidth ceiling of any elementwise kernel.

Ratios are ``other / symact`` (above 1: symact is faster).  The table is printed and
written to docs/speed.md (``--out``); the ctypes per-call overhead is measured apart.
Absolute times depend on the machine and its load; only ratios within one run count.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from symact.define.catalogue import ENTRIES  # noqa: E402
from symact.derive.kernels import kernel_specs  # noqa: E402

from symact.emit.c.loader import compile_flags  # noqa: E402

SYMACT_FLAGS = compile_flags(os.environ.get("CC", "cc").split())
LIBM_FLAGS = ["-O2", "-std=c99", "-fPIC", "-shared", "-DSYMACT_USE_LIBM"]


def build(flags: list[str], out: Path) -> ctypes.CDLL:
    src = REPO / "generated"
    cc = os.environ.get("CC", "cc").split()
    subprocess.run([*cc, *flags, "-I", str(src), "-o", str(out), str(src / "symact.c"), "-lm"],
                   check=True, capture_output=True, text=True)
    return ctypes.CDLL(str(out))


# --- callables: each takes (x, y) preallocated arrays and fills y ------------------------------

_CT = {np.float64: ctypes.c_double, np.float32: ctypes.c_float}
_TAG = {np.float64: "f64", np.float32: "f32"}


def c_call(lib, spec, dtype, shape):
    fn = getattr(lib, f"symact_{spec.name}_{_TAG[dtype]}")
    fn.restype = ctypes.c_int
    ct = _CT[dtype]
    if spec.vector:
        rows, cols = shape
        n_args = 3 if spec.takes_g else 2
        fn.argtypes = [ctypes.c_size_t, ctypes.c_size_t] + [ctypes.c_void_p] * n_args

        def call(x, y, g=None):
            args = [x.ctypes.data] + ([g.ctypes.data] if spec.takes_g else []) + [y.ctypes.data]
            fn(rows, cols, *args)
        return call
    fn.argtypes = [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p] + [ct] * len(spec.params)
    params = [p.default for p in spec.params]
    n = int(np.prod(shape))

    def call(x, y, g=None):
        fn(n, x.ctypes.data, y.ctypes.data, *params)
    return call


def torch_calls(spec, dtype):
    """(single-thread callable, label) of PyTorch's kernel for ``spec``, or None."""
    try:
        import torch
    except ImportError:
        return None
    aten = torch.ops.aten
    t_dtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    name, wrt = spec.activation, spec.wrt
    ones = {}

    def gout(x):
        key = (x.shape, x.dtype)
        if key not in ones:
            ones[key] = torch.ones_like(x)
        return ones[key]

    forward = {
        "relu": lambda x, y: torch.clamp_min(x, 0, out=y),
        "leaky_relu": lambda x, y: aten.leaky_relu.out(x, 0.01, out=y),
        "prelu": lambda x, y: y.copy_(aten._prelu_kernel(x, torch.tensor(0.25, dtype=x.dtype))),
        "gelu": lambda x, y: aten.gelu.out(x, out=y),
        "gelu_tanh": lambda x, y: aten.gelu.out(x, approximate="tanh", out=y),
        "silu": lambda x, y: aten.silu.out(x, out=y),
        "swish": lambda x, y: aten.silu.out(x, out=y),
        "softplus": lambda x, y: aten.softplus.out(x, 1, 20, out=y),
        "sigmoid": lambda x, y: torch.sigmoid(x, out=y),
        "tanh": lambda x, y: torch.tanh(x, out=y),
        "elu": lambda x, y: aten.elu.out(x, 1.0, 1, 1, out=y),
        "selu": lambda x, y: y.copy_(torch.selu(x)),
        "celu": lambda x, y: y.copy_(torch.celu(x)),
        "mish": lambda x, y: aten.mish.out(x, out=y),
        "log_sigmoid": lambda x, y: y.copy_(torch.nn.functional.logsigmoid(x)),
        "softsign": lambda x, y: y.copy_(torch.nn.functional.softsign(x)),
        "relu6": lambda x, y: aten.hardtanh.out(x, 0.0, 6.0, out=y),
        "hardtanh": lambda x, y: aten.hardtanh.out(x, -1.0, 1.0, out=y),
        "hardsigmoid": lambda x, y: aten.hardsigmoid.out(x, out=y),
        "hardswish": lambda x, y: y.copy_(aten.hardswish(x)),
        "logsumexp": lambda x, y: torch.logsumexp(x, -1, out=y),
        "softmax": lambda x, y: aten._softmax.out(x, -1, False, out=y),
        "log_softmax": lambda x, y: aten._log_softmax.out(x, -1, False, out=y),
    }
    backward = {
        "relu": lambda x, y: aten.threshold_backward.grad_input(gout(x), x, 0, grad_input=y),
        "leaky_relu": lambda x, y: aten.leaky_relu_backward.grad_input(gout(x), x, 0.01, False, grad_input=y),
        "gelu": lambda x, y: aten.gelu_backward.grad_input(gout(x), x, grad_input=y),
        "gelu_tanh": lambda x, y: aten.gelu_backward.grad_input(gout(x), x, approximate="tanh", grad_input=y),
        "silu": lambda x, y: aten.silu_backward.grad_input(gout(x), x, grad_input=y),
        "swish": lambda x, y: aten.silu_backward.grad_input(gout(x), x, grad_input=y),
        "softplus": lambda x, y: aten.softplus_backward.grad_input(gout(x), x, 1, 20, grad_input=y),
        # sigmoid/tanh backward take the forward's output, as autograd stores it
        "sigmoid": lambda x, y: aten.sigmoid_backward.grad_input(gout(x), x, grad_input=y),
        "tanh": lambda x, y: aten.tanh_backward.grad_input(gout(x), x, grad_input=y),
        "elu": lambda x, y: aten.elu_backward.grad_input(gout(x), 1.0, 1, 1, False, x, grad_input=y),
        "mish": lambda x, y: y.copy_(aten.mish_backward(gout(x), x)),
        "hardtanh": lambda x, y: aten.hardtanh_backward.grad_input(gout(x), x, -1.0, 1.0, grad_input=y),
        "relu6": lambda x, y: aten.hardtanh_backward.grad_input(gout(x), x, 0.0, 6.0, grad_input=y),
        "hardsigmoid": lambda x, y: aten.hardsigmoid_backward.grad_input(gout(x), x, grad_input=y),
        "hardswish": lambda x, y: y.copy_(aten.hardswish_backward(gout(x), x)),
        "softmax": lambda x, y: aten._softmax_backward_data.out(gout(x), x, -1, t_dtype, grad_input=y),
        "log_softmax": lambda x, y: aten._log_softmax_backward_data.out(gout(x), x, -1, t_dtype, out=y),
    }
    if wrt == "f":
        fn = forward.get(name)
    elif wrt in ("x", "vjp", "grad"):
        fn = backward.get(name)
    else:
        fn = None
    if fn is None:
        return None

    def call(x, y, g=None):
        fn(torch.from_numpy(x), torch.from_numpy(y))
    return call


def naive_call(spec, dtype):
    """The textbook NumPy formula of the forward (allocating, as people write it)."""
    if spec.wrt != "f":
        return None
    from peers import naive  # noqa: E402  (benchmarks/peers.py)
    fn = getattr(naive(), spec.name, None)
    if fn is None:
        return None

    def call(x, y, g=None):
        with np.errstate(all="ignore"):
            y[...] = fn(x)
    return call


def scipy_call(spec, dtype):
    try:
        from scipy import special
    except ImportError:
        return None
    ufuncs = {("sigmoid", "f"): special.expit, ("log_sigmoid", "f"): special.log_expit}
    fn = ufuncs.get((spec.activation, spec.wrt))
    if fn is None:
        return None
    return lambda x, y, g=None: fn(x, out=y)


def copy_call():
    return lambda x, y, g=None: np.copyto(y, x)


def timeit(call, x, y, g, budget: float = 0.05) -> float:
    """Seconds per call: repeat until ``budget`` seconds have passed (at least 3 calls)."""
    call(x, y, g)
    n, start = 0, time.perf_counter()
    while True:
        call(x, y, g)
        n += 1
        el = time.perf_counter() - start
        if n >= 3 and el > budget:
            return el / n


def inputs(spec, dtype, size, rng):
    if spec.vector:
        cols = 1000
        shape = (max(1, size // cols), cols)
    else:
        shape = (size,)
    x = rng.uniform(-10, 10, shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    out_shape = shape[:1] if spec.reduces else shape
    return x, np.empty(out_shape, dtype=dtype), g, shape


def measure(specs, dtypes, sizes, rounds, libs, threads_all):
    rng = np.random.default_rng(20261201)
    rows = []
    try:
        import torch
    except ImportError:
        torch = None
    for spec in specs:
        for dtype in dtypes:
            for size in sizes:
                x, y, g, shape = inputs(spec, dtype, size, rng)
                impls = {"symact": c_call(libs["symact"], spec, dtype, shape),
                         "libm": c_call(libs["libm"], spec, dtype, shape)}
                tc = torch_calls(spec, dtype)
                if tc is not None:
                    impls["torch"] = tc
                for label, make in (("naive", naive_call), ("scipy", scipy_call)):
                    c = make(spec, dtype)
                    if c is not None:
                        impls[label] = c
                if not spec.vector:
                    impls["copy"] = copy_call()
                times = {k: [] for k in impls}
                if tc is not None and threads_all > 1:
                    times["torch_mt"] = []
                budget = 0.02 if size <= 10 ** 4 else 0.1
                for _ in range(rounds):
                    for label, call in impls.items():
                        if torch is not None:
                            torch.set_num_threads(1)
                        times[label].append(timeit(call, x, y, g, budget))
                    if "torch_mt" in times:
                        torch.set_num_threads(threads_all)
                        times["torch_mt"].append(timeit(impls["torch"], x, y, g, budget))
                        torch.set_num_threads(1)
                med = {k: statistics.median(v) for k, v in times.items()}
                rows.append({"kernel": spec.name, "dtype": np.dtype(dtype).name, "size": size,
                             "ns": {k: v / max(1, int(np.prod(shape))) * 1e9 for k, v in med.items()}})
                r = rows[-1]["ns"]
                shown = "  ".join(f"{k} {r[k] / r['symact']:.2f}x" for k in r if k != "symact")
                print(f"{spec.name:<28} {np.dtype(dtype).name:<8} {size:>9}  symact "
                      f"{r['symact']:.3f} ns/el  {shown}", file=sys.stderr, flush=True)
    return rows


def ctypes_overhead(lib) -> float:
    fn = lib.symact_relu_f64
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p]
    x = np.zeros(1)
    y = np.zeros(1)
    px, py = x.ctypes.data, y.ctypes.data
    n = 200000
    start = time.perf_counter()
    for _ in range(n):
        fn(1, px, py)
    return (time.perf_counter() - start) / n


def table(rows, columns) -> str:
    head = "| kernel | dtype | n | symact ns/el | " + " | ".join(f"{c} / symact" for c in columns) + " |"
    sep = "|" + "---|" * (4 + len(columns))
    lines = [head, sep]
    for r in rows:
        ns = r["ns"]
        cells = [f"{ns[c] / ns['symact']:.2f}" if c in ns else "" for c in columns]
        lines.append(f"| {r['kernel']} | {r['dtype']} | {r['size']:.0e} | {ns['symact']:.3f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(rows) -> list[str]:
    out = []
    for size in sorted({r["size"] for r in rows}):
        sel = [r for r in rows if r["size"] == size]
        for col in ("torch", "torch_mt", "libm", "naive", "copy"):
            ratios = [r["ns"][col] / r["ns"]["symact"] for r in sel if col in r["ns"]]
            if ratios:
                below = sorted({r["kernel"] for r in sel if col in r["ns"]
                                and r["ns"][col] / r["ns"]["symact"] < 1.0})
                out.append(f"n = {size:.0e}: {col} / symact median {statistics.median(ratios):.2f} "
                           f"(min {min(ratios):.2f}, {len(ratios)} kernels; below 1.0: "
                           f"{', '.join(below) or 'none'})")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e4,1e6,1e7")
    ap.add_argument("--kernels", default="", help="comma-separated kernel names (default: all)")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=str(REPO / "docs" / "speed.md"))
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "benchmarks"))
    specs = kernel_specs(ENTRIES)
    if args.kernels:
        wanted = set(args.kernels.split(","))
        specs = [s for s in specs if s.name in wanted]
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    dtypes = [np.dtype(d).type for d in args.dtypes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        libs = {"symact": build(SYMACT_FLAGS, Path(tmp) / "symact.so"),
                "libm": build(LIBM_FLAGS, Path(tmp) / "libm.so")}
        threads_all = os.cpu_count() or 1
        try:
            import torch
            torch.set_num_threads(1)
            torch_version = torch.__version__
        except ImportError:
            torch_version = None
        rows = measure(specs, dtypes, sizes, args.rounds, libs, threads_all)
        overhead = ctypes_overhead(libs["symact"])
    columns = ["torch", "torch_mt", "libm", "naive", "scipy", "copy"]
    text = ["# Speed of the generated C kernels", "",
            f"Generated by `python benchmarks/speed_c.py {' '.join(sys.argv[1:])}` (method in its docstring). Ratios are "
            "other / symact: above 1, symact is faster. One thread unless `torch_mt` (all "
            f"{threads_all} threads). symact built with `{' '.join(f for f in SYMACT_FLAGS if f not in ('-std=c99', '-fPIC', '-shared'))}`; libm: "
            f"`{' '.join(LIBM_FLAGS[:1] + LIBM_FLAGS[-1:])}`. PyTorch {torch_version or 'not installed'}, "
            f"NumPy {np.__version__}. Inputs uniform(-10, 10); vector kernels on rows of 1000.",
            "", *[f"- {line}" for line in summary(rows)],
            f"- ctypes call overhead: {overhead * 1e9:.0f} ns per call", "", table(rows, columns), ""]
    Path(args.out).write_text("\n".join(text))
    print("\n".join(summary(rows)))
    print(f"ctypes call overhead: {overhead * 1e9:.0f} ns per call")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
