"""Parameter values, besides the catalogue defaults, that parametrised kernels are
measured at.  Data only.

Every value is exactly representable in float32 and float64, so the kernel and
the oracle see the same number in both dtypes (defaults such as 0.01 are not, and
are measured against the exact catalogue value).  The sets cover both sides of
each constraint's boundary that is allowed (elu alpha = 0), large and small
scales (softplus beta = 64 moves exp's thresholds to |x| ~ 11) and signs the
constraints leave open (negative slopes, swish beta < 0).
"""

EXTRA = {
    "leaky_relu": ({"negative_slope": 0.125}, {"negative_slope": -0.5}),
    "prelu": ({"a": -0.75}, {"a": 1.5}),
    "softplus": ({"beta": 0.5}, {"beta": 64.0}),
    "heaviside": ({"h0": 0.0}, {"h0": 1.0}),
    "elu": ({"alpha": 0.5}, {"alpha": 2.5}, {"alpha": 0.0}),
    "srelu": ({"alpha": 0.0}, {"alpha": 2.5}),
    "celu": ({"alpha": 0.5}, {"alpha": 3.0}),
    "swish": ({"beta": 0.5}, {"beta": 4.0}, {"beta": -1.0}),
    "hardtanh": ({"min_val": -2.0, "max_val": 0.5}, {"min_val": 0.25, "max_val": 8.0}),
    "squareplus": ({"b": 1.0}, {"b": 0.0625}, {"b": 1024.0}),
}

#: Grid size for non-default parameter sets (per sign / on [-40, 40]): smaller, since
#: the default set already covers the range densely.
EXTRA_LOG_N = 150
EXTRA_LINEAR_N = 801
