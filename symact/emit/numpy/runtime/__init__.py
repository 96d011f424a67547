"""The NumPy runtime: hand-written numerics as real Python modules.

The backend copies them into the generated module, in :data:`FILES` order,
without their imports of each other and of the constants (which it prints
from the data file under the same names); each is importable as it is, so
tests, coverage and linters see the code that ships.
"""

#: The runtime modules in the order the generated module holds them; ``vector`` only
#: when vector kernels are generated.
FILES = ("doubleword", "api", "primitives", "precise", "exact", "vector")
