"""Parameter values, besides the catalogue defaults, that parametrised kernels are
measured at.  Data only.

Every value is exactly representable in float32 and float64, so the kernel and
the oracle see the same number in both dtypes (defaults such as 0.01 are not, and
are measured against the exact catalogue value).  The sets cover both sides of
each constraint's boundary that is allowed (elu alpha = 0) and values close to
an excluded one (softplus beta, celu alpha and squareplus b near 0, hardtanh's
min_val near max_val), large and small scales (softplus beta = 64 moves exp's
thresholds to |x| ~ 11) and signs the constraints leave open (negative slopes,
swish beta < 0).

Powers of two hide the rounding of products such as beta*x (docs/numerics.md,
pitfall 17), so every parameter also gets values OFF the powers of two: dyadic
numbers with 6 to 12 significant bits (:data:`OFF_POWER_OF_TWO` lists them;
tests/test_verify.py checks the count of bits), plus the source article's
values (softplus beta = 0.296875 and 1.703125, swish beta = 1.5).
"""

EXTRA = {
    "leaky_relu": ({"negative_slope": 0.125}, {"negative_slope": -0.5},
                   {"negative_slope": 0.0101318359375}, {"negative_slope": -0.3046875}),
    "prelu": ({"a": -0.75}, {"a": 1.5}, {"a": 0.2734375}, {"a": -1.3046875}),
    "softplus": ({"beta": 0.5}, {"beta": 64.0}, {"beta": 0.296875}, {"beta": 1.703125},
                 {"beta": 11.4375}, {"beta": 0.01171875}),
    "heaviside": ({"h0": 0.0}, {"h0": 1.0}, {"h0": 0.3046875}),
    "elu": ({"alpha": 0.5}, {"alpha": 2.5}, {"alpha": 0.0}, {"alpha": 0.8046875}, {"alpha": 2.9453125}),
    "srelu": ({"alpha": 0.0}, {"alpha": 2.5}, {"alpha": 1.703125}),
    "celu": ({"alpha": 0.5}, {"alpha": 3.0}, {"alpha": 1.703125}, {"alpha": 0.296875},
             {"alpha": 0.01171875}),
    "swish": ({"beta": 0.5}, {"beta": 4.0}, {"beta": -1.0}, {"beta": 1.5}, {"beta": 1.703125},
              {"beta": -0.8046875}, {"beta": 0.296875}),
    "hardtanh": ({"min_val": -2.0, "max_val": 0.5}, {"min_val": 0.25, "max_val": 8.0},
                 {"min_val": -1.296875, "max_val": 0.703125}, {"min_val": 0.296875, "max_val": 0.3046875}),
    "squareplus": ({"b": 1.0}, {"b": 0.0625}, {"b": 1024.0}, {"b": 2.890625}, {"b": 0.001434326171875}),
}

#: The values above that are off the powers of two (6 to 12 significant bits), the
#: article's values and those near an excluded end of a constraint.
OFF_POWER_OF_TWO = {
    "leaky_relu": {"negative_slope": (0.0101318359375, -0.3046875)},
    "prelu": {"a": (0.2734375, -1.3046875)},
    "softplus": {"beta": (0.296875, 1.703125, 11.4375)},
    "heaviside": {"h0": (0.3046875,)},
    "elu": {"alpha": (0.8046875, 2.9453125)},
    "srelu": {"alpha": (1.703125,)},
    "celu": {"alpha": (1.703125, 0.296875)},
    "swish": {"beta": (1.5, 1.703125, -0.8046875, 0.296875)},
    "hardtanh": {"min_val": (-1.296875, 0.296875), "max_val": (0.703125, 0.3046875)},
    "squareplus": {"b": (2.890625, 0.001434326171875)},
}

#: Grid size for non-default parameter sets (per sign / on [-40, 40]): smaller, since
#: the default set already covers the range densely.
EXTRA_LOG_N = 100
EXTRA_LINEAR_N = 601
