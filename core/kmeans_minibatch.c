/* Mini-batch k-means (Sculley 2010, as scikit-learn's MiniBatchKMeans).
 *
 * APPROXIMATE: the centres follow random batches, so the inertia is
 * usually a little above what Lloyd/Hamerly reach from the same seeding;
 * it trades that for time on very large data.  Labels and inertia of the
 * result are still exact for the centres it ends with (the caller runs a
 * full assignment pass after km_minibatch_run).
 *
 * - Seeding: greedy k-means++ on min(n, max(3 * batch_size, k)) rows drawn
 *   without replacement (gsl_ran_choose).
 * - Each step draws batch_size rows with replacement with the run's GSL
 *   generator, assigns them to the closest centre (ties: lowest index) and
 *   moves every centre that received points to the running mean of all
 *   points it ever received: c <- (c * count + batch_sum) / (count + b), a
 *   per-centre learning rate of 1 / count.
 * - Steps: at most max_iter passes over the data (max_iter * ceil(n /
 *   batch_size) steps).  Stops early when the squared centre shift of a
 *   step is <= tol * mean column variance, or when the exponentially
 *   weighted average of the batch inertia has not improved for 10 steps
 *   (scikit-learn's max_no_improvement); both count as converged.
 *   `iterations` reports the number of steps.
 * - Unlike scikit-learn there is no random reassignment of rarely used
 *   centres.  Everything is serial and seeded, so the result never
 *   depends on the thread count. */
#include "kmeans_internal.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "mem.h"

int km_minibatch_init(const double *x, size_t n, size_t d, int k, size_t batch, gsl_rng *rng,
                      km_pool *pool, double *centers, sg_error *err)
{
    size_t m = 3 * batch > (size_t)k ? 3 * batch : (size_t)k;
    if (m >= n)
        return km_plusplus(x, n, d, k, rng, pool, centers, err);
    double *sub = sg_malloc(m * d * sizeof *sub);
    if (!sub)
        return sg_error_nomem(err);
    /* rows in their original order, without replacement */
    gsl_ran_choose(rng, sub, m, (void *)(uintptr_t)x, n, d * sizeof *sub);
    int rc = km_plusplus(sub, m, d, k, rng, pool, centers, err);
    sg_free(sub);
    return rc;
}

int km_minibatch_run(const double *x, size_t n, size_t d, int k, const sg_kmeans_options *o,
                     double tol_abs, gsl_rng *rng, double *centers, int *iterations,
                     int *converged, sg_error *err)
{
    size_t kk = (size_t)k, b = o->batch_size < n ? o->batch_size : n;
    double *wsum = sg_calloc(kk, sizeof *wsum);
    double *bsum = sg_malloc(kk * d * sizeof *bsum);
    double *bcnt = sg_malloc(kk * sizeof *bcnt);
    if (!wsum || !bsum || !bcnt) {
        sg_free(wsum);
        sg_free(bsum);
        sg_free(bcnt);
        return sg_error_nomem(err);
    }
    double per_pass = ceil((double)n / (double)b);
    double steps_d = (double)o->max_iter * per_pass;
    long steps = steps_d > 2e9 ? 2000000000L : (long)steps_d;
    double alpha = 2.0 * (double)b / ((double)n + 1);
    if (alpha > 1)
        alpha = 1;
    double ewa = 0, ewa_min = INFINITY;
    int no_improve = 0;
    *iterations = 0;
    *converged = 0;
    for (long step = 1; step <= steps; step++) {
        memset(bsum, 0, kk * d * sizeof *bsum);
        memset(bcnt, 0, kk * sizeof *bcnt);
        double binertia = 0;
        for (size_t s = 0; s < b; s++) {
            size_t i = (size_t)gsl_rng_uniform_int(rng, n);
            const double *xi = x + i * d;
            double dist;
            size_t a = (size_t)km_nearest(xi, centers, k, d, &dist);
            binertia += dist;
            for (size_t t = 0; t < d; t++)
                bsum[a * d + t] += xi[t];
            bcnt[a] += 1;
        }
        double shift = 0;
        for (size_t j = 0; j < kk; j++) {
            if (bcnt[j] == 0)
                continue;
            double total = wsum[j] + bcnt[j];
            for (size_t t = 0; t < d; t++) {
                double old = centers[j * d + t];
                double nv = (old * wsum[j] + bsum[j * d + t]) / total;
                shift += (nv - old) * (nv - old);
                centers[j * d + t] = nv;
            }
            wsum[j] = total;
        }
        *iterations = (int)(step < 2147483647L ? step : 2147483647L);
        binertia /= (double)b;
        ewa = step == 1 ? binertia : ewa * (1 - alpha) + binertia * alpha;
        if (step == 1)
            continue; /* the first step only initialises the averages */
        if (tol_abs > 0 && shift <= tol_abs) {
            *converged = 1;
            break;
        }
        if (ewa < ewa_min) {
            no_improve = 0;
            ewa_min = ewa;
        } else if (++no_improve >= 10) {
            *converged = 1;
            break;
        }
    }
    sg_free(wsum);
    sg_free(bsum);
    sg_free(bcnt);
    return 0;
}
