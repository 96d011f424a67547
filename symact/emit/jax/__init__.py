"""The JAX backend: one module, ``<library>_jax.py``, that imports only jax.

Printer: :mod:`.printer`; runtime: the shared array-framework runtime
(symact/emit/tensor/runtime, with its accurate expm1, log1p and tanh) with JAX's
operations (``runtime/ops.py``) and the custom-derivative layer
(``runtime/custom.py``: custom_jvp with the derived derivative kernels, custom_vjp
with the derived VJPs); loader: :mod:`.loader` (the symact_numpy API, numpy
arrays in and out).  Kernels compute in float64 (64-bit types enabled for each
call's trace) and round once to the input's dtype.
"""

from __future__ import annotations

from pathlib import Path

from symact.emit.backend import DType
from symact.emit.jax.printer import JaxPrinter
from symact.emit.tensor import TensorBackend

RUNTIME = Path(__file__).with_name("runtime")

#: Why verify, build and new skip this backend where JAX runs on the CPU: XLA's CPU
#: client flushes subnormal operands and results to zero (FTZ and DAZ, documented by
#: JAX as intended), so no float64 kernel can return a result below 2^-1022 or read
#: such an input there.  The module itself works on the CPU: float32 kernels are
#: exact there (their float64 work stays in the normal range, and the float32
#: subnormals are carried in and out by their bits), float64 ones everywhere but in
#: that range; tests/test_emit_jax.py measures both.
CPU_REASON = ("XLA on the CPU flushes subnormals to zero (FTZ/DAZ), so float64 kernels cannot meet the "
              "contract below 2^-1022 here (float32: exact; tests/test_emit_jax.py measures both)")


class JaxBackend(TensorBackend):
    name = "jax"
    framework = "jax"
    printer_class = JaxPrinter
    OPS = RUNTIME / "ops.py"
    # native.py: the C library under the layer, as XLA custom calls (use_c_library)
    LAYERS = (RUNTIME / "native.py", RUNTIME / "custom.py")
    axis = "axis"
    modules = False
    accurate = True
    dtypes = (DType("float64", "f64", "jnp.float64"), DType("float32", "f32", "jnp.float32"))

    def outputs(self, library: str) -> dict[str, str]:
        return {f"{library}_jax.py": "jax/symact_jax.py.j2"}

    def load(self, out_dir=None, kernels=None, library: str = "symact"):
        from symact.emit.jax.loader import load
        return load(out_dir, kernels, library)

    def unavailable(self) -> str | None:
        from symact.emit.tensor.loader import missing
        reason = missing("jax")
        if reason is None:
            import jax
            if jax.default_backend() == "cpu":
                reason = CPU_REASON
        return reason


BACKEND = JaxBackend()
