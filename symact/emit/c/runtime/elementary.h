/* Elementary functions for the primitives: PROVISIONAL libm-backed versions with the
 * runtime's names, until the vectorisable libm-free implementations replace them. */
#ifndef SYMACT_RUNTIME_ELEMENTARY_H
#define SYMACT_RUNTIME_ELEMENTARY_H

#include <math.h>

#include "common.h"

SYMACT__INLINE double symact__exp_f64(double x) { return exp(x); }
SYMACT__INLINE double symact__expm1_f64(double x) { return expm1(x); }
SYMACT__INLINE double symact__log_f64(double x) { return log(x); }
SYMACT__INLINE double symact__log1p_f64(double x) { return log1p(x); }
SYMACT__INLINE double symact__tanh_f64(double x) { return tanh(x); }
SYMACT__INLINE double symact__erfc_f64(double x) { return erfc(x); }
/* exp(hi + lo) = exp(hi)*(1 + lo) to within lo^2/2 */
SYMACT__INLINE double symact__exp_dd_f64(double hi, double lo) { double e = exp(hi); return e + e * lo; }

#endif /* SYMACT_RUNTIME_ELEMENTARY_H */
