// DuckDB side of `scripts/bench peers`: load + clean + RFM quintile scores.
// node rfm_duckdb.mjs FILE OUT.csv CUSTOMER INVOICE QUANTITY PRICE DATE AS_OF THREADS
import { DuckDBInstance } from '@duckdb/node-api';

const [file, out, cust, inv, qty, price, date, asOf, threads] = process.argv.slice(2);
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const id = (s) => '"' + s.replaceAll('"', '""') + '"';
const instance = await DuckDBInstance.create(':memory:', { threads: threads || '2' });
const con = await instance.connect();
// the ids are read as text (as every side does); the date as a timestamp
const types = `{${q(cust)}: 'VARCHAR', ${q(inv)}: 'VARCHAR', ${q(date)}: 'TIMESTAMP'}`;
const sql = `
COPY (
  WITH tx AS (
    SELECT ${id(cust)} AS customer, ${id(inv)} AS invoice, ${id(date)} AS date,
           ${id(qty)} * ${id(price)} AS amount
    FROM read_csv(${q(file)}, header = true, types = ${types})
    WHERE ${id(cust)} IS NOT NULL AND NOT starts_with(${id(inv)}, 'C')
      AND ${id(qty)} > 0 AND ${id(price)} > 0),
  per AS (
    SELECT customer,
           floor((epoch(TIMESTAMP ${q(asOf)}) - epoch(max(date))) / 86400)::BIGINT AS recency_days,
           count(DISTINCT invoice) AS frequency, sum(amount) AS monetary
    FROM tx GROUP BY customer),
  e AS (
    SELECT quantile_cont(recency_days, [0.2, 0.4, 0.6, 0.8]) AS r,
           quantile_cont(frequency, [0.2, 0.4, 0.6, 0.8]) AS f,
           quantile_cont(monetary, [0.2, 0.4, 0.6, 0.8]) AS m FROM per)
  SELECT customer, recency_days, frequency, monetary,
         5 - ((recency_days > r[1])::INT + (recency_days > r[2])::INT + (recency_days > r[3])::INT + (recency_days > r[4])::INT) AS r_score,
         1 + (frequency > f[1])::INT + (frequency > f[2])::INT + (frequency > f[3])::INT + (frequency > f[4])::INT AS f_score,
         1 + (monetary > m[1])::INT + (monetary > m[2])::INT + (monetary > m[3])::INT + (monetary > m[4])::INT AS m_score
  FROM per, e ORDER BY customer
) TO ${q(out)} (FORMAT csv, HEADER)`;
await con.run(sql);
const n = await con.runAndReadAll(`SELECT count(*) FROM read_csv(${q(out)})`);
console.log(String(n.getRows()[0][0]));
