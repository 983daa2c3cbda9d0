"""pandas side of `scripts/bench peers`: load + clean + RFM quintile scores.
python3 rfm_pandas.py FILE OUT.csv CUSTOMER INVOICE QUANTITY PRICE DATE AS_OF"""
import sys
import numpy as np
import pandas as pd

file, out, cust, inv, qty, price, date, as_of = sys.argv[1:9]
tx = pd.read_csv(file, usecols=[cust, inv, qty, price, date], dtype={cust: str, inv: str},
                 parse_dates=[date])
tx = tx[tx[cust].notna() & ~tx[inv].str.startswith("C") & (tx[qty] > 0) & (tx[price] > 0)]
tx = tx.assign(amount=tx[qty] * tx[price])
rfm = tx.groupby(cust).agg(last=(date, "max"), frequency=(inv, "nunique"), monetary=("amount", "sum"))
rfm["recency_days"] = (pd.Timestamp(as_of) - rfm["last"]) // pd.Timedelta(days=1)


def score(s):
    """1 + the number of type-7 quintile edges strictly below the value: ties share a score"""
    edges = s.quantile([0.2, 0.4, 0.6, 0.8]).to_numpy()
    return 1 + (s.to_numpy()[:, None] > edges[None, :]).sum(axis=1)


rfm["r_score"] = 6 - score(rfm.recency_days)
rfm["f_score"] = score(rfm.frequency)
rfm["m_score"] = score(rfm.monetary)
rfm.index.name = "customer"
rfm[["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]].to_csv(out)
print(len(rfm))
