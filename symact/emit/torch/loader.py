"""Load the generated torch module with symact_numpy's API (numpy arrays in and out).

``load(out_dir=None, kernels=None, library="symact")``: ``<library>_torch.py`` from
``out_dir`` (None: the installed ``symact_torch``), each kernel of ``kernels``
(None: the catalogue's) called on ``torch.as_tensor`` of its input under
``torch.no_grad()``, on the CPU, its result back as an ndarray.
"""

from __future__ import annotations


def load(out_dir=None, kernels=None, library: str = "symact"):
    import torch

    from symact.emit.tensor.loader import import_generated, numpy_api
    if kernels is None:
        from symact.define.catalogue import ENTRIES
        from symact.derive.kernels import kernel_specs
        kernels = kernel_specs(ENTRIES)
    module = import_generated(out_dir, library, "torch")

    def to_torch(a):
        # torch takes no negative strides (a reversed view): those arrays are copied
        if hasattr(a, "strides") and any(st < 0 for st in a.strides):
            a = a.copy()
        return torch.as_tensor(a)

    def to_numpy(t):
        return t.detach().cpu().numpy()

    return numpy_api(module, kernels, to_torch, to_numpy, "dim", around=torch.no_grad)
