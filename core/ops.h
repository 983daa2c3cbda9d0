/* Whole-column operations on datasets, all in C (no per-row callbacks): one
 * header per module; this one includes them all for callers that use several.
 *   stats.h     statistics           expr.h      expressions, filter, derive
 *   groupby.h   group-by             join.h      joins
 *   sort.h      sorting              csvwrite.h  CSV writing */
#ifndef SG_OPS_H
#define SG_OPS_H

#include "csvwrite.h"
#include "expr.h"
#include "groupby.h"
#include "join.h"
#include "sort.h"
#include "stats.h"

#endif
