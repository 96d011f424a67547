/* XLA FFI handlers: the kernels as custom calls of a jax.jit graph (symact_jax's
 * use_c_library), compiled only with SYMACT_XLA_FFI defined and XLA's C API header on
 * the include path (symact.c_library(xla_ffi=True) passes jax.ffi.include_dir()).
 *
 *   symact_xla_scalar: (fn, x, p1 .. pk) -> y, k <= SYMACT__XLA_PARAMS, for a scalar kernel
 *     int fn(size_t n, const T *x, T *y, T p1, ...);
 *   symact_xla_rows: (fn, x[, g]) -> y, for a vector kernel
 *     int fn(size_t rows, size_t cols, const T *x, [const T *g,] T *y),
 *     rows = the product of x's dimensions but the last (y: the rows, or one per row).
 *
 * fn is the kernel's address, an operand of two 32-bit words (no 64-bit type needed in
 * the graph).  The handlers are generic, so one registration serves every kernel.  Under
 * vmap (vmap_method="broadcast_all") every operand gains the batch dimensions in front:
 * a row kernel takes them as more rows, and a scalar kernel's parameters then hold one
 * value per batch entry, so x is taken one batch entry (a run of n / count entries) at a
 * time.  XLA runs its CPU threads with subnormals flushed (FTZ and DAZ set in MXCSR on
 * x86): the handlers clear those bits for the call and restore them, since the kernels'
 * subnormal results and arguments are part of their contract (docs/contract.md).
 * The method is XLA's documented C API (xla/ffi/api/c_api.h): a handler answers the
 * metadata query with the API version it was built against, and works in the execute
 * stage only. */
#ifndef SYMACT_RUNTIME_XLA_FFI_H
#define SYMACT_RUNTIME_XLA_FFI_H
#ifdef SYMACT_XLA_FFI

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xla/ffi/api/c_api.h>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#include <xmmintrin.h>
#define SYMACT__XLA_MXCSR 1
/* MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) */
#define SYMACT__XLA_FLUSH 0x8040u
#endif

#define SYMACT__XLA_PARAMS 3

/* 1 (and the metadata filled in) when XLA asks for the handler's metadata */
static int symact__xla_metadata(XLA_FFI_CallFrame *cf)
{
    XLA_FFI_Metadata_Extension *e;
    if (cf->extension_start == NULL || cf->extension_start->type != XLA_FFI_Extension_Metadata)
        return 0;
    e = (XLA_FFI_Metadata_Extension *)cf->extension_start;
    e->metadata->api_version.major_version = XLA_FFI_API_MAJOR;
    e->metadata->api_version.minor_version = XLA_FFI_API_MINOR;
    e->metadata->traits = 0;
    return 1;
}

static XLA_FFI_Error *symact__xla_error(XLA_FFI_CallFrame *cf, const char *message)
{
    XLA_FFI_Error_Create_Args a;
    memset(&a, 0, sizeof a);
    a.struct_size = XLA_FFI_Error_Create_Args_STRUCT_SIZE;
    a.message = message;
    a.errc = XLA_FFI_Error_Code_INVALID_ARGUMENT;
    return cf->api->XLA_FFI_Error_Create(&a);
}

static XLA_FFI_Buffer *symact__xla_arg(XLA_FFI_CallFrame *cf, int64_t i)
{
    return (XLA_FFI_Buffer *)cf->args.args[i];
}

static size_t symact__xla_count(const XLA_FFI_Buffer *b, int64_t skip_last)
{
    size_t n = 1;
    int64_t i;
    for (i = 0; i < b->rank - skip_last; ++i)
        n *= (size_t)b->dims[i];
    return n;
}

/* Any kernel's address (cast to its own type before the call: C converts between
 * function pointer types, not between them and void *; gcc takes void (*)(void) as
 * the type that matches every other without a warning). */
typedef void (*symact__xla_any)(void);

/* the kernel's address from its two 32-bit words (the caller wrote the bytes of the
 * address as the host stores it) */
static symact__xla_any symact__xla_fn(const XLA_FFI_Buffer *b)
{
    symact__xla_any fn;
    memcpy(&fn, b->data, sizeof fn);
    return fn;
}

/* Subnormals kept for the call: MXCSR's flushing bits cleared (returned, to restore) */
static unsigned int symact__xla_enter(void)
{
#ifdef SYMACT__XLA_MXCSR
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr & ~SYMACT__XLA_FLUSH);
    return csr;
#else
    return 0;
#endif
}

static void symact__xla_leave(unsigned int csr)
{
#ifdef SYMACT__XLA_MXCSR
    _mm_setcsr(csr);
#else
    (void)csr;
#endif
}

typedef int (*symact__xla_d0)(size_t, const double *, double *);
typedef int (*symact__xla_d1)(size_t, const double *, double *, double);
typedef int (*symact__xla_d2)(size_t, const double *, double *, double, double);
typedef int (*symact__xla_d3)(size_t, const double *, double *, double, double, double);
typedef int (*symact__xla_f0)(size_t, const float *, float *);
typedef int (*symact__xla_f1)(size_t, const float *, float *, float);
typedef int (*symact__xla_f2)(size_t, const float *, float *, float, float);
typedef int (*symact__xla_f3)(size_t, const float *, float *, float, float, float);

/* one batch entry: n entries from x to y with the parameters at index g */
static int symact__xla_scalar_run(symact__xla_any fn, int f32, int64_t np, size_t n, const void *x, void *y,
                                  XLA_FFI_Buffer *const *p, size_t g)
{
    if (f32) {
        const float *xs = (const float *)x;
        float *ys = (float *)y;
#define SYMACT__XLA_P(i) (((const float *)p[i]->data)[g])
        switch (np) {
        case 0: return ((symact__xla_f0)fn)(n, xs, ys);
        case 1: return ((symact__xla_f1)fn)(n, xs, ys, SYMACT__XLA_P(0));
        case 2: return ((symact__xla_f2)fn)(n, xs, ys, SYMACT__XLA_P(0), SYMACT__XLA_P(1));
        default: return ((symact__xla_f3)fn)(n, xs, ys, SYMACT__XLA_P(0), SYMACT__XLA_P(1), SYMACT__XLA_P(2));
        }
#undef SYMACT__XLA_P
    } else {
        const double *xs = (const double *)x;
        double *ys = (double *)y;
#define SYMACT__XLA_P(i) (((const double *)p[i]->data)[g])
        switch (np) {
        case 0: return ((symact__xla_d0)fn)(n, xs, ys);
        case 1: return ((symact__xla_d1)fn)(n, xs, ys, SYMACT__XLA_P(0));
        case 2: return ((symact__xla_d2)fn)(n, xs, ys, SYMACT__XLA_P(0), SYMACT__XLA_P(1));
        default: return ((symact__xla_d3)fn)(n, xs, ys, SYMACT__XLA_P(0), SYMACT__XLA_P(1), SYMACT__XLA_P(2));
        }
#undef SYMACT__XLA_P
    }
}

XLA_FFI_Error *symact_xla_scalar(XLA_FFI_CallFrame *cf);
XLA_FFI_Error *symact_xla_scalar(XLA_FFI_CallFrame *cf)
{
    XLA_FFI_Buffer *x, *y, *p[SYMACT__XLA_PARAMS];
    size_t n, groups, per, g, size;
    int64_t np, j;
    int rc = 0, f32;
    unsigned int csr;
    symact__xla_any fn;
    if (symact__xla_metadata(cf) || cf->stage != XLA_FFI_ExecutionStage_EXECUTE)
        return NULL;
    np = cf->args.size - 2;
    if (np < 0 || np > SYMACT__XLA_PARAMS || cf->rets.size != 1)
        return symact__xla_error(cf, "symact_xla_scalar takes (fn, x, up to 3 parameters) and gives y");
    fn = symact__xla_fn(symact__xla_arg(cf, 0));
    x = symact__xla_arg(cf, 1);
    y = (XLA_FFI_Buffer *)cf->rets.rets[0];
    for (j = 0; j < np; ++j)
        p[j] = symact__xla_arg(cf, 2 + j);
    f32 = x->dtype == XLA_FFI_DataType_F32;
    if (!f32 && x->dtype != XLA_FFI_DataType_F64)
        return symact__xla_error(cf, "symact_xla_scalar: x must be float32 or float64");
    size = f32 ? sizeof(float) : sizeof(double);
    n = symact__xla_count(x, 0);
    groups = np > 0 ? symact__xla_count(p[0], 0) : 1;
    per = groups ? n / groups : 0;
    csr = symact__xla_enter();
    for (g = 0; g < groups && rc == 0; ++g)
        rc = symact__xla_scalar_run(fn, f32, np, per, (const char *)x->data + g * per * size,
                                    (char *)y->data + g * per * size, p, g);
    symact__xla_leave(csr);
    return rc == 0 ? NULL : symact__xla_error(cf, "symact: a parameter breaks its constraint");
}

typedef int (*symact__xla_rd)(size_t, size_t, const double *, double *);
typedef int (*symact__xla_rdg)(size_t, size_t, const double *, const double *, double *);
typedef int (*symact__xla_rf)(size_t, size_t, const float *, float *);
typedef int (*symact__xla_rfg)(size_t, size_t, const float *, const float *, float *);

XLA_FFI_Error *symact_xla_rows(XLA_FFI_CallFrame *cf);
XLA_FFI_Error *symact_xla_rows(XLA_FFI_CallFrame *cf)
{
    XLA_FFI_Buffer *x, *g = NULL, *y;
    size_t rows, cols;
    int rc = 0, f32;
    unsigned int csr;
    symact__xla_any fn;
    if (symact__xla_metadata(cf) || cf->stage != XLA_FFI_ExecutionStage_EXECUTE)
        return NULL;
    if (cf->args.size < 2 || cf->args.size > 3 || cf->rets.size != 1)
        return symact__xla_error(cf, "symact_xla_rows takes (fn, x[, g]) and gives y");
    fn = symact__xla_fn(symact__xla_arg(cf, 0));
    x = symact__xla_arg(cf, 1);
    if (cf->args.size == 3)
        g = symact__xla_arg(cf, 2);
    y = (XLA_FFI_Buffer *)cf->rets.rets[0];
    f32 = x->dtype == XLA_FFI_DataType_F32;
    if ((!f32 && x->dtype != XLA_FFI_DataType_F64) || x->rank < 1)
        return symact__xla_error(cf, "symact_xla_rows: x must be float32 or float64 rows");
    rows = symact__xla_count(x, 1);
    cols = (size_t)x->dims[x->rank - 1];
    csr = symact__xla_enter();
    if (f32 && g)
        rc = ((symact__xla_rfg)fn)(rows, cols, (const float *)x->data, (const float *)g->data, (float *)y->data);
    else if (f32)
        rc = ((symact__xla_rf)fn)(rows, cols, (const float *)x->data, (float *)y->data);
    else if (g)
        rc = ((symact__xla_rdg)fn)(rows, cols, (const double *)x->data, (const double *)g->data, (double *)y->data);
    else
        rc = ((symact__xla_rd)fn)(rows, cols, (const double *)x->data, (double *)y->data);
    symact__xla_leave(csr);
    return rc == 0 ? NULL : symact__xla_error(cf, "symact: a vector kernel failed");
}

#endif /* SYMACT_XLA_FFI */
#endif /* SYMACT_RUNTIME_XLA_FFI_H */
