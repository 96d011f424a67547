"""The torch runtime: ``ops.py`` (the array operations the shared runtime of
symact/emit/tensor/runtime is written in, in torch) and ``autograd.py`` (dtypes,
parameters, autograd Functions and nn.Modules), copied into ``<library>_torch.py``."""
