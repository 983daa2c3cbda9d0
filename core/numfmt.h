/* Double to text for CSV output and display: the shortest of %.15g,
 * %.16g and %.17g that reads back as the same double (integral values
 * keep a ".0" so the column reads back as double; NaN, Inf, -Inf).
 * Values from 1e-5 to 1e19 are formatted exactly in 128-bit integer
 * arithmetic, giving the same text as printf far faster; the others go
 * through printf. */
#ifndef SG_NUMFMT_H
#define SG_NUMFMT_H

#include <stddef.h>

/* Writes the text and a terminating NUL into buf (size bytes; 32 are
 * always enough); returns its length. */
size_t sg_format_double(double v, char *buf, size_t size);

#endif
