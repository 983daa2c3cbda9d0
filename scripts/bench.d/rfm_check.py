"""Checks that every side of `scripts/bench peers` computed the same thing as segmint:
the same customers, recency_days, frequency and scores, and monetary within 1e-9 relative
(sums taken in another order differ in the last bits).  A score may differ only where
the value lies within that 1e-9 of a quintile edge (a sum that rounds to either side of
an edge it equals); such customers are counted and reported, never silently passed.
python3 rfm_check.py SEGMINT.csv NAME=OTHER.csv ...      exit 1 on a difference"""
import csv
import math
import sys

FIELDS = ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score")


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    key = "customer" if "customer" in rows[0] else next(iter(rows[0]))
    return {r[key]: tuple(float(r[k]) for k in FIELDS) for r in rows}


def edges(values):
    """type-7 quantiles at 0.2, 0.4, 0.6, 0.8 (R's default, numpy's and DuckDB's linear)"""
    v = sorted(values)
    out = []
    for p in (0.2, 0.4, 0.6, 0.8):
        h = (len(v) - 1) * p
        lo = math.floor(h)
        out.append(v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo]))
    return out


def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


ref = read(sys.argv[1])
ref_edges = [edges([r[k] for r in ref.values()]) for k in range(3)]
bad = 0
for arg in sys.argv[2:]:
    name, path = arg.split("=", 1)
    other = read(path)
    notes, excused = [], 0
    if set(other) != set(ref):
        notes.append("customers differ: %d only in segmint, %d only in %s"
                     % (len(set(ref) - set(other)), len(set(other) - set(ref)), name))
    common = set(ref) & set(other)
    for k, field in enumerate(FIELDS):
        n = 0
        for c in common:
            a, b = ref[c][k], other[c][k]
            if k == 2 and close(a, b) or k != 2 and a == b:
                continue
            if k >= 3 and any(close(ref[c][k - 3], e) for e in ref_edges[k - 3]):
                excused += 1
                continue
            n += 1
        if n:
            notes.append("%s differs on %d customers" % (field, n))
    if notes:
        bad += 1
        print("  check %-10s DIFFERENT: %s" % (name, "; ".join(notes)))
    else:
        print("  check %-10s same %d customers, R F M and scores%s" % (name, len(ref),
              " (%d score(s) differ on a value equal to a quintile edge within 1e-9)" % excused if excused else ""))
sys.exit(1 if bad else 0)
