/* Lua 5.4 patterns (the language of string.find, match, gmatch and gsub)
 * with a bound on the work a match may do.
 *
 * Lua's own matcher backtracks without limit inside one C call, where
 * the instruction budget of a recipe cannot stop it: matching
 * ("a?"):rep(40) .. ("a"):rep(40) against 40 a's takes 2^40 steps.  This
 * matcher follows the same language and semantics (manual section 6.4.1)
 * and counts its steps: every attempt at a pattern position and every
 * character an expansion or %b scans is one step.  Past max_steps it stops
 * with SG_PATTERN_EBUDGET.  The caller turns errors into Lua errors. */
#ifndef SG_PATTERN_H
#define SG_PATTERN_H

#include <stddef.h>

#define SG_PATTERN_MAXCAPTURES 32
#define SG_PATTERN_CAP_UNFINISHED (-1)
#define SG_PATTERN_CAP_POSITION (-2)

enum { SG_PATTERN_OK = 0, SG_PATTERN_EBAD = 1, SG_PATTERN_EBUDGET = 2 };

typedef struct sg_pattern_state {
    const char *src_init, *src_end;     /* the subject (NUL after src_end) */
    const char *p_end;                  /* end of the pattern (NUL there) */
    int level;                          /* captures opened or closed so far */
    int depth;                          /* recursion still allowed */
    struct {
        const char *init;
        ptrdiff_t len;                  /* length, or SG_PATTERN_CAP_* */
    } capture[SG_PATTERN_MAXCAPTURES];
    unsigned long long steps;           /* steps taken since init */
    unsigned long long max_steps;       /* 0: no limit */
    int status;                         /* SG_PATTERN_OK or an error */
    char msg[96];                       /* the error for SG_PATTERN_EBAD */
} sg_pattern_state;

/* Prepares a match of the pattern p[0..lp) over s[0..ls); both must be
 * followed by a NUL byte, as Lua strings are. */
void sg_pattern_init(sg_pattern_state *ms, const char *s, size_t ls, const char *p, size_t lp,
                     unsigned long long max_steps);
/* Forgets the captures of the previous attempt. */
void sg_pattern_restart(sg_pattern_state *ms);
/* Where a match of the pattern p (a position in the pattern given to
 * init, after a leading '^' the caller handled) starting at s ends, or
 * NULL: no match, or ms->status tells the error. */
const char *sg_pattern_match(sg_pattern_state *ms, const char *s, const char *p);
/* Whether p has any pattern special character (else a plain search does). */
int sg_pattern_has_specials(const char *p, size_t lp);

#endif
