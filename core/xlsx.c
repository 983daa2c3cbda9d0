/* Excel workbooks on libxlsxwriter (see xlsx.h).
 *
 * The workbook is built in libxlsxwriter's constant-memory mode: rows go
 * to a temporary file as they are written, so a sheet of 100,000
 * customers does not hold a tree of cells in memory (text cells are then
 * inline strings, which Excel, LibreOffice and Power BI read).  The
 * creation time in docProps/core.xml comes from the caller, and
 * libxlsxwriter stamps every zip entry with a fixed date, so the same
 * tables give the same bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "datetime.h"
#include "mem.h"
#include "xlsx.h"

/* ---- sheet names ---- */

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
                 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xC2))
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Copies at most max characters of s into out; returns the bytes written. */
static size_t copy_chars(const char *s, size_t max, char *out)
{
    size_t k = 0, chars = 0;
    while (*s && chars < max) {
        size_t n = utf8_len((const unsigned char *)s, strlen(s));
        memcpy(out + k, s, n);
        k += n;
        s += n;
        chars++;
    }
    out[k] = '\0';
    return k;
}

static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int name_taken(const char *name, const char *const *used, size_t nused)
{
    if (same_name(name, "History"))
        return 1;
    for (size_t i = 0; i < nused; i++)
        if (same_name(name, used[i]))
            return 1;
    return 0;
}

void sg_xlsx_sheet_name(const char *wish, const char *const *used, size_t nused, char *out)
{
    /* clean: one character at a time, valid UTF-8 only */
    char clean[SG_XLSX_NAME_SIZE];
    size_t k = 0, chars = 0;
    const unsigned char *s = (const unsigned char *)(wish ? wish : "");
    size_t left = strlen((const char *)s);
    while (left && chars < SG_XLSX_NAME_CHARS) {
        size_t n = utf8_len(s, left);
        if (n == 0) {                 /* an invalid byte */
            clean[k++] = '_';
            n = 1;
        } else if (n == 1 && s[0] < 0x20) {
            s += 1;
            left -= 1;
            continue;                 /* control characters are dropped */
        } else if (n == 1 && strchr("[]:*?/\\", s[0])) {
            clean[k++] = '_';
        } else {
            memcpy(clean + k, s, n);
            k += n;
        }
        s += n;
        left -= n;
        chars++;
    }
    clean[k] = '\0';
    /* no apostrophe at either end */
    char *start = clean;
    while (*start == '\'')
        start++;
    size_t len = strlen(start);
    while (len && start[len - 1] == '\'')
        start[--len] = '\0';
    if (len == 0)
        start = "Sheet";
    copy_chars(start, SG_XLSX_NAME_CHARS, out);
    if (!name_taken(out, used, nused))
        return;
    for (unsigned i = 2;; i++) {
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, " (%u)", i);
        size_t kb = copy_chars(start, SG_XLSX_NAME_CHARS - (size_t)sl, out);
        memcpy(out + kb, suffix, (size_t)sl + 1);
        if (!name_taken(out, used, nused))
            return;
    }
}

/* ---- writing ---- */

typedef struct formats {
    lxw_format *header, *money, *date, *datetime;
} formats;

static int lxw_fail(sg_error *err, const char *path, const char *what, lxw_error e)
{
    return sg_error_set(err, SG_EIO, "write_xlsx: %s: %s: %s", path, what, lxw_strerror(e));
}

/* Width of a column, in characters: its name and its first rows. */
static double column_width(const sg_column *c, size_t nrows, int is_date)
{
    size_t w = strlen(c->name) + 3;   /* room for the autofilter button */
    if (c->type == SG_DATETIME || is_date)
        w = w > 19 ? w : (c->type == SG_DATETIME && c->date_only) || is_date ? 11 : 19;
    else {
        char buf[64];
        size_t n = nrows < 200 ? nrows : 200;
        for (size_t i = 0; i < n; i++) {
            size_t l;
            if (c->type == SG_STRING) {
                const char *s = sg_column_str(c, i, &l);
                if (!s)
                    l = 0;
            } else {
                l = sg_column_format(c, i, buf, sizeof buf);
            }
            if (l + 1 > w)
                w = l + 1;
        }
    }
    if (w < 8)
        w = 8;
    if (w > 50)
        w = 50;
    return (double)w;
}

static lxw_datetime to_lxw(int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sec = t - days * 86400;
    int64_t y;
    unsigned m, d;
    sg_civil_from_days(days, &y, &m, &d);
    lxw_datetime dt = { (int)y, (int)m, (int)d, (int)(sec / 3600), (int)(sec / 60 % 60), (double)(sec % 60) };
    return dt;
}

static int write_sheet(lxw_workbook *wb, const char *name, const sg_xlsx_sheet *sh, const formats *fm,
                       const char *path, sg_error *err)
{
    const sg_table *t = sh->table;
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return sg_error_set(err, SG_EIO, "write_xlsx: %s: cannot add the sheet '%s'", path, name);
    for (size_t j = 0; j < t->ncols; j++) {
        const sg_column *c = t->cols[j];
        int is_date = sh->dates && sh->dates[j];
        lxw_format *f = (sh->money && sh->money[j]) ? fm->money
                        : c->type == SG_DATETIME ? (c->date_only ? fm->date : fm->datetime)
                        : is_date ? fm->date : NULL;
        lxw_error e = worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, column_width(c, t->nrows, is_date), f);
        if (e != LXW_NO_ERROR)
            return lxw_fail(err, path, name, e);
        e = worksheet_write_string(ws, 0, (lxw_col_t)j, c->name, fm->header);
        if (e != LXW_NO_ERROR)
            return lxw_fail(err, path, name, e);
    }
    for (size_t i = 0; i < t->nrows; i++) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        for (size_t j = 0; j < t->ncols; j++) {
            const sg_column *c = t->cols[j];
            lxw_col_t col = (lxw_col_t)j;
            if (sg_column_is_na(c, i))
                continue;
            lxw_format *money = (sh->money && sh->money[j]) ? fm->money : NULL;
            lxw_error e = LXW_NO_ERROR;
            switch (c->type) {
            case SG_INT64:
                e = worksheet_write_number(ws, row, col, (double)sg_column_i64(c)[i], money);
                break;
            case SG_DOUBLE: {
                double v = sg_column_f64(c)[i];
                if (isfinite(v))
                    e = worksheet_write_number(ws, row, col, v, money);
                break;
            }
            case SG_BOOL:
                e = worksheet_write_boolean(ws, row, col, sg_column_bools(c)[i], NULL);
                break;
            case SG_DATETIME: {
                lxw_datetime dt = to_lxw(sg_column_i64(c)[i]);
                e = worksheet_write_datetime(ws, row, col, &dt, c->date_only ? fm->date : fm->datetime);
                break;
            }
            case SG_STRING: {
                size_t len;
                const char *s = sg_column_str(c, i, &len);
                if (!s || len == 0)
                    break;
                if (sh->dates && sh->dates[j]) {
                    int64_t v;
                    int has_time = 0;
                    if (sg_datetime_parse(s, len, SG_DATE_ISO, &v, &has_time) != 0)
                        return sg_error_set(err, SG_EDATA,
                                            "write_xlsx: sheet '%s', column '%s', row %zu: '%.60s' is not a date "
                                            "(YYYY-MM-DD[ HH:MM:SS])", name, c->name, i + 1, s);
                    lxw_datetime dt = to_lxw(v);
                    e = worksheet_write_datetime(ws, row, col, &dt, has_time ? fm->datetime : fm->date);
                    break;
                }
                if (len > SG_XLSX_MAX_TEXT)
                    return sg_error_set(err, SG_EINVAL,
                                        "write_xlsx: sheet '%s', column '%s', row %zu: a text of %zu bytes; "
                                        "an Excel cell holds at most %u characters", name, c->name, i + 1, len,
                                        SG_XLSX_MAX_TEXT);
                e = worksheet_write_string(ws, row, col, s, NULL);
                break;
            }
            }
            if (e != LXW_NO_ERROR)
                return lxw_fail(err, path, name, e);
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (t->ncols > 0) {
        lxw_error e = worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows, (lxw_col_t)(t->ncols - 1));
        if (e != LXW_NO_ERROR)
            return lxw_fail(err, path, name, e);
    }
    return 0;
}

/* Checks what Excel cannot hold before any file is made. */
static int check_sheets(const sg_xlsx_sheet *sheets, size_t n, sg_error *err)
{
    if (n == 0)
        return sg_error_set(err, SG_EINVAL, "write_xlsx: no sheet to write");
    for (size_t s = 0; s < n; s++) {
        const sg_table *t = sheets[s].table;
        const char *name = sheets[s].name ? sheets[s].name : "";
        if (!t)
            return sg_error_set(err, SG_EINVAL, "write_xlsx: sheet %zu ('%s') has no table", s + 1, name);
        if (t->nrows > SG_XLSX_MAX_ROWS)
            return sg_error_set(err, SG_EINVAL, "write_xlsx: sheet '%s' has %zu rows; an Excel sheet holds at most %u "
                                "below its header", name, t->nrows, SG_XLSX_MAX_ROWS);
        if (t->ncols > SG_XLSX_MAX_COLS)
            return sg_error_set(err, SG_EINVAL, "write_xlsx: sheet '%s' has %zu columns; an Excel sheet holds at most %u",
                                name, t->ncols, SG_XLSX_MAX_COLS);
        for (size_t j = 0; j < t->ncols; j++) {
            const sg_column *c = t->cols[j];
            if (sheets[s].money && sheets[s].money[j] && c->type != SG_INT64 && c->type != SG_DOUBLE)
                return sg_error_set(err, SG_EINVAL, "write_xlsx: sheet '%s': money column '%s' is not numeric (%s)",
                                    name, c->name, sg_type_name(c->type));
            if (sheets[s].dates && sheets[s].dates[j] && c->type != SG_STRING && c->type != SG_DATETIME)
                return sg_error_set(err, SG_EINVAL, "write_xlsx: sheet '%s': date column '%s' is %s, not text or a date",
                                    name, c->name, sg_type_name(c->type));
        }
    }
    return 0;
}

static int build(const char *tmp, const char *path, const sg_xlsx_sheet *sheets, size_t n,
                 const sg_xlsx_options *opts, sg_error *err)
{
    lxw_workbook_options wo = { .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE };
    lxw_workbook *wb = workbook_new_opt(tmp, &wo);
    if (!wb)
        return sg_error_set(err, SG_EIO, "write_xlsx: %s: cannot start the workbook", path);
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    /* 0 would mean "now" to libxlsxwriter */
    props.created = (time_t)(opts && opts->created > 0 ? opts->created : 1);
    props.title = (char *)(opts && opts->title ? opts->title : "");
    props.author = "segmint";
    int rc = 0;
    lxw_error e = workbook_set_properties(wb, &props);
    if (e != LXW_NO_ERROR)
        rc = lxw_fail(err, path, "properties", e);
    formats fm;
    fm.header = workbook_add_format(wb);
    fm.money = workbook_add_format(wb);
    fm.date = workbook_add_format(wb);
    fm.datetime = workbook_add_format(wb);
    if (!rc && (!fm.header || !fm.money || !fm.date || !fm.datetime))
        rc = sg_error_nomem(err);
    if (!rc) {
        format_set_bold(fm.header);
        format_set_bottom(fm.header, LXW_BORDER_THIN);
        format_set_num_format(fm.money, "#,##0.00");
        format_set_num_format(fm.date, "yyyy-mm-dd");
        format_set_num_format(fm.datetime, "yyyy-mm-dd hh:mm:ss");
    }
    char (*names)[SG_XLSX_NAME_SIZE] = rc ? NULL : sg_malloc(n * sizeof *names);
    const char **used = rc ? NULL : sg_malloc(n * sizeof *used);
    if (!rc && (!names || !used))
        rc = sg_error_nomem(err);
    for (size_t s = 0; !rc && s < n; s++) {
        sg_xlsx_sheet_name(sheets[s].name, used, s, names[s]);
        used[s] = names[s];
        rc = write_sheet(wb, names[s], &sheets[s], &fm, path, err);
    }
    sg_free(names);
    sg_free(used);
    e = workbook_close(wb);   /* frees the workbook, whatever happened */
    if (!rc && e != LXW_NO_ERROR)
        rc = lxw_fail(err, path, "writing the file", e);
    return rc;
}

int sg_xlsx_write(const char *path, const sg_xlsx_sheet *sheets, size_t nsheets,
                  const sg_xlsx_options *opts, sg_error *err)
{
    int rc = check_sheets(sheets, nsheets, err);
    if (rc)
        return rc;
    size_t len = strlen(path);
    char *tmp = sg_malloc(len + 8);
    if (!tmp)
        return sg_error_nomem(err);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = sg_error_set(err, SG_EIO, "write_xlsx: cannot create a file beside %s: %s", path, strerror(errno));
        sg_free(tmp);
        return rc;
    }
    close(fd);
    rc = build(tmp, path, sheets, nsheets, opts, err);
    if (!rc) {
        mode_t mask = umask(0);
        umask(mask);
        if (chmod(tmp, 0666 & ~mask) != 0 || rename(tmp, path) != 0)
            rc = sg_error_set(err, SG_EIO, "write_xlsx: cannot write %s: %s", path, strerror(errno));
    }
    if (rc)
        unlink(tmp);
    sg_free(tmp);
    return rc;
}
