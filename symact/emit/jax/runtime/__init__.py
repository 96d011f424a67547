"""The JAX runtime: ``ops.py`` (the array operations the shared runtime of
symact/emit/tensor/runtime is written in, in JAX) and ``custom.py`` (dtypes,
parameters, custom_jvp and custom_vjp functions), copied into ``<library>_jax.py``."""
