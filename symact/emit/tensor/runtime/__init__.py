"""The runtime shared by the array-framework backends (torch, jax): real Python modules.

Written once against the operations of a framework's ``ops.py``
(symact/emit/torch/runtime/ops.py, symact/emit/jax/runtime/ops.py: the same
names, one function per operation), never against torch or jax directly, so
each primitive exists once for both frameworks.  Traced (torch.compile, jax.jit)
or differentiated through, everything is branch-free (``_where`` selects, no
Python ``if`` on a value), one graph; in torch's eager mode (``_eager`` in the ops)
values may decide the work: costly branches run only where they apply.  A backend copies, in :data:`FILES` order, its own
``ops.py``, the NumPy runtime's error-free transformations (operators only, so
they work on tensors as they are), these modules and its own autograd layer
into the generated module, without their imports of each other.  Run from
source (tests, linters), :mod:`.ops` binds the operations to torch, or to jax
where torch is not installed.
"""

#: The shared modules in the order the generated module holds them; ``vector`` only
#: when vector kernels are generated, ``accurate`` only for a backend that asks for it.
FILES = ("doubleword", "api", "primitives", "exact", "precise", "accurate", "vector")
