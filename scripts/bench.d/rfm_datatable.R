# data.table side of `scripts/bench peers`: load + clean + RFM quintile scores.
# Rscript rfm_datatable.R FILE OUT.csv CUSTOMER INVOICE QUANTITY PRICE DATE AS_OF THREADS
suppressPackageStartupMessages(library(data.table))
a <- commandArgs(trailingOnly = TRUE)
setDTthreads(as.integer(a[9]))
cols <- a[3:7]
tx <- fread(a[1], select = cols, colClasses = list(character = a[3:4]), tz = "UTC", showProgress = FALSE)
setnames(tx, cols, c("customer", "invoice", "quantity", "price", "date"))
tx <- tx[!is.na(customer) & customer != "" & !startsWith(invoice, "C") & quantity > 0 & price > 0]
as_of <- as.POSIXct(a[8], tz = "UTC")
tx[, `:=`(amount = quantity * price, t = as.numeric(date))]
# GForce-optimised per-group max and sum; distinct invoices through unique()
rfm <- tx[, .(last = max(t), monetary = sum(amount)), keyby = customer]
rfm[unique(tx, by = c("customer", "invoice"))[, .(frequency = .N), keyby = customer], frequency := i.frequency]
rfm[, recency_days := as.integer(floor((as.numeric(as_of) - last) / 86400))]
setcolorder(rfm, c("customer", "recency_days", "frequency", "monetary"))
rfm[, last := NULL]
# 1 + the number of type-7 quintile edges strictly below the value: ties share a score
score <- function(x) {
  e <- quantile(x, c(0.2, 0.4, 0.6, 0.8), type = 7, names = FALSE)
  1L + (x > e[1]) + (x > e[2]) + (x > e[3]) + (x > e[4])
}
rfm[, `:=`(r_score = 6L - score(recency_days), f_score = score(frequency), m_score = score(monetary))]
fwrite(rfm, a[2])
cat(nrow(rfm), "\n")
