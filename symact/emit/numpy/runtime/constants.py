"""The data file's constants (symact/emit/constants/constants.json) as module attributes.

In the generated module the NumPy backend prints them as literals under the
same names: ``_NAME`` (a float, a tuple, or a tuple of (hi, lo) pairs) and
``_NAME_LO`` (the low part of a fit's leading coefficient).  Importing this
module lets the runtime sources run, and be tested, unrendered.
"""

from symact.emit.constants import load


def _as_python(values):
    if len(values) == 1:
        return values[0]
    return tuple(tuple(v) if isinstance(v, list) else v for v in values)


for _name, _entry in load().items():
    globals()[f"_{_name}"] = _as_python(_entry["values"])
    if "lo" in _entry:
        globals()[f"_{_name}_LO"] = _entry["lo"]
del _name, _entry
