"""Every generated kernel x backend x dtype within the 4-ULP budget over the whole
grid, with no non-finite mismatch, no warning, no systematic error and the
special-value contract exact.  The full sweep takes minutes with a cold oracle
cache (seconds warm), so it is marked slow; CI runs it.  A backend that says it
cannot run here (its ``unavailable()``) is skipped with its reason, as ``symact
build`` skips it."""

import pytest

from symact.define.catalogue import ENTRIES
from symact.emit import registry
from symact.verify import backends
from symact.verify import measure as measure_mod
from symact.verify.kernels import all_kernels
from symact.verify.metric import FORMATS

CASES = [(k, b, d) for k in all_kernels(ENTRIES) for b in backends.BACKENDS for d in FORMATS]


@pytest.mark.slow
@pytest.mark.parametrize("kernel,backend,dtype", CASES, ids=[f"{k.function}-{b}-{d}" for k, b, d in CASES])
def test_kernel_within_budget(kernel, backend, dtype):
    reason = registry.get(backend).unavailable()
    if reason:
        pytest.skip(f"backend {backend}: {reason}")
    module = backends.load(backend)
    m = measure_mod.measure(kernel, module, backend, FORMATS[dtype])
    assert m.ok, f"{kernel.function} [{backend}/{dtype}]: " + "; ".join(m.problems())


#: The kernels whose forms changed most (double-word windows, rounded arguments carried,
#: reflections), scanned densely: random bit patterns and every 2^k-th float of [-50, 50].
DENSE = ("silu_grad", "swish_grad", "mish_grad", "softplus_grad_beta", "gelu_grad", "celu_grad")
DENSE_N = 4000
DENSE_CASES = [(k, b, d) for k in all_kernels(ENTRIES) if k.function in DENSE
               for b in backends.BACKENDS for d in FORMATS]


@pytest.mark.slow
@pytest.mark.parametrize("kernel,backend,dtype", DENSE_CASES,
                         ids=[f"{k.function}-{b}-{d}" for k, b, d in DENSE_CASES])
def test_dense_scan_within_budget(kernel, backend, dtype):
    reason = registry.get(backend).unavailable()
    if reason:
        pytest.skip(f"backend {backend}: {reason}")
    module = backends.load(backend)
    m = measure_mod.measure(kernel, module, backend, FORMATS[dtype], dense=DENSE_N)
    assert m.ok, f"{kernel.function} [{backend}/{dtype}] dense: " + "; ".join(m.problems())
