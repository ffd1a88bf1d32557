/*
 * bench_typed: single-row latency of the typed-row C API, measured from C.
 *
 *   bench_typed MODEL_DIR ROWS.jsonl [--select COL,COL,...] [--calls N] [--per-input 1]
 *
 * ROWS.jsonl holds flat JSON objects (one per line) whose values are strings, numbers or
 * null, matched to the model's inputs by name (the benchmark pipelines' rows.jsonl). With
 * --select only those outputs are built (mlscore_load_options_select_output). One call is:
 * set every input (mlscore_session_set_row(), or with --per-input 1 one setter per input),
 * mlscore_session_score(), read the prediction. Prints
 *
 *   hot:      p50/p99 over N calls cycling the first 256 rows; before each call the row's
 *             strings are copied into a request buffer, as a service receives a request,
 *             so the row is in cache as a parser leaves it (the copy is not timed);
 *   streamed: p50/p99 over N calls walking every row from memory;
 *   batch:    rows per second scoring every row back to back (one thread);
 *   timer:    the median cost of one clock_gettime pair, included in each call's time;
 *   check:    rows scored and the sum of their predictions (the tests compare it with the
 *             Rust API's).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlscore.h"

enum { HOT_ROWS = 256, MAX_COLUMNS = 64 };

/* One input value of a row: a number, a string (offset into the text arena) or NULL. */
typedef struct {
    int kind; /* 0 NULL, 1 number, 2 string */
    double number;
    size_t offset, length;
} cell;

typedef struct {
    size_t n_inputs, n_rows, cap_rows;
    cell *cells; /* n_rows * n_inputs */
    char *text;  /* every string of every row */
    size_t text_len, text_cap;
} rows;

static int push_text(rows *r, const char *s, size_t n, size_t *offset) {
    if (r->text_len + n > r->text_cap) {
        size_t cap = (r->text_cap + n) * 2;
        char *t = realloc(r->text, cap);
        if (t == NULL) {
            return -1;
        }
        r->text = t;
        r->text_cap = cap;
    }
    memcpy(r->text + r->text_len, s, n);
    *offset = r->text_len;
    r->text_len += n;
    return 0;
}

/* Appends the UTF-8 form of code point `c` to `out`; returns the bytes written. */
static size_t utf8(unsigned long c, char *out) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

/* Reads a JSON string at *p (after the opening quote) into `buf`, unescaping; returns its
 * length or -1. Surrogate pairs are not joined (the benchmark rows have none). */
static long json_string(const char **p, char *buf, size_t cap) {
    size_t n = 0;
    const char *s = *p;
    while (*s != '"') {
        if (*s == '\0' || n + 4 > cap) {
            return -1;
        }
        if (*s != '\\') {
            buf[n++] = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case 'n': buf[n++] = '\n'; break;
        case 't': buf[n++] = '\t'; break;
        case 'r': buf[n++] = '\r'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'u': {
            char hex[5] = {0};
            memcpy(hex, s + 1, 4);
            n += utf8(strtoul(hex, NULL, 16), buf + n);
            s += 4;
            break;
        }
        default: buf[n++] = *s; break;
        }
        s++;
    }
    *p = s + 1;
    return (long)n;
}

static const char *skip_ws(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    return s;
}

/* Parses one flat JSON object into row `r->n_rows`; -1 on a malformed line. */
static int parse_row(rows *r, const mlscore_model *model, const char *line) {
    static char key[4096], value[65536];
    if (r->n_rows == r->cap_rows) {
        size_t cap = r->cap_rows ? r->cap_rows * 2 : 1024;
        cell *c = realloc(r->cells, cap * r->n_inputs * sizeof(cell));
        if (c == NULL) {
            return -1;
        }
        r->cells = c;
        r->cap_rows = cap;
    }
    cell *row = r->cells + r->n_rows * r->n_inputs;
    memset(row, 0, r->n_inputs * sizeof(cell));
    const char *s = skip_ws(line);
    if (*s++ != '{') {
        return -1;
    }
    for (;;) {
        s = skip_ws(s);
        if (*s == '}') {
            break;
        }
        if (*s++ != '"') {
            return -1;
        }
        long kn = json_string(&s, key, sizeof key - 1);
        if (kn < 0) {
            return -1;
        }
        key[kn] = '\0';
        s = skip_ws(s);
        if (*s++ != ':') {
            return -1;
        }
        s = skip_ws(s);
        size_t input;
        int known = mlscore_model_input_index(model, key, &input) == MLSCORE_STATUS_OK;
        cell c = {0, 0.0, 0, 0};
        if (*s == '"') {
            s++;
            long vn = json_string(&s, value, sizeof value);
            if (vn < 0 || push_text(r, value, (size_t)vn, &c.offset) != 0) {
                return -1;
            }
            c.kind = 2;
            c.length = (size_t)vn;
        } else if (strncmp(s, "null", 4) == 0) {
            s += 4;
        } else {
            char *end;
            c.number = strtod(s, &end);
            if (end == s) {
                return -1; /* arrays and objects are not benchmark inputs */
            }
            c.kind = 1;
            s = end;
        }
        if (known) {
            row[input] = c;
        }
        s = skip_ws(s);
        if (*s == ',') {
            s++;
        }
    }
    r->n_rows++;
    return 0;
}

/* The row as mlscore_session_set_row() takes it, its strings in `text`. */
static void to_values(const rows *r, const cell *row, const char *text, mlscore_value *v) {
    for (size_t k = 0; k < r->n_inputs; k++) {
        v[k].kind = row[k].kind == 1   ? MLSCORE_VALUE_KIND_DOUBLE
                    : row[k].kind == 2 ? MLSCORE_VALUE_KIND_STRING
                                       : MLSCORE_VALUE_KIND_NULL;
        v[k].number = row[k].number;
        v[k].string = text + row[k].offset;
        v[k].length = row[k].length;
    }
}

/* One typed row through the C API: set every input in one call, score, read the
 * prediction. */
static int score_values(mlscore_session *session, const mlscore_value *values, size_t n,
                        size_t prediction, double *out) {
    if (mlscore_session_set_row(session, values, n) != MLSCORE_STATUS_OK ||
        mlscore_session_score(session) != MLSCORE_STATUS_OK) {
        return -1;
    }
    return mlscore_session_output_double(session, prediction, out) == MLSCORE_STATUS_OK ? 0
                                                                                       : -1;
}

/* The same with one setter call per input. */
static int score_row(mlscore_session *session, const rows *r, const cell *row,
                     const char *text, size_t prediction, double *out) {
    for (size_t k = 0; k < r->n_inputs; k++) {
        const cell *c = &row[k];
        mlscore_status st = c->kind == 1 ? mlscore_session_set_double(session, k, c->number)
                            : c->kind == 2
                                ? mlscore_session_set_string(session, k, text + c->offset,
                                                             c->length)
                                : mlscore_session_set_null(session, k);
        if (st != MLSCORE_STATUS_OK) {
            return -1;
        }
    }
    if (mlscore_session_score(session) != MLSCORE_STATUS_OK) {
        return -1;
    }
    return mlscore_session_output_double(session, prediction, out) == MLSCORE_STATUS_OK ? 0
                                                                                       : -1;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, size_t n, const char *how) {
    qsort(t, n, sizeof *t, by_value);
    printf("%s: p50 %.3f us, p99 %.3f us (%zu calls %s)\n", what, t[n / 2] / 1e3,
           t[n * 99 / 100] / 1e3, n, how);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL_DIR ROWS.jsonl [--select COL,...] [--calls N]\n",
                argv[0]);
        return 2;
    }
    size_t calls = 200000;
    int per_input = 0;
    mlscore_load_options *options = mlscore_load_options_new();
    if (options == NULL) {
        return 1;
    }
    for (int a = 3; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--calls") == 0) {
            calls = strtoul(argv[a + 1], NULL, 10);
        } else if (strcmp(argv[a], "--per-input") == 0) {
            per_input = strcmp(argv[a + 1], "0") != 0;
        } else if (strcmp(argv[a], "--select") == 0) {
            for (char *col = strtok(argv[a + 1], ","); col; col = strtok(NULL, ",")) {
                if (mlscore_load_options_select_output(options, col) != MLSCORE_STATUS_OK) {
                    return 1;
                }
            }
        } else {
            fprintf(stderr, "unknown option %s\n", argv[a]);
            return 2;
        }
    }
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    if (mlscore_model_load(argv[1], options, &model, &error) != MLSCORE_STATUS_OK) {
        fprintf(stderr, "load failed: %s\n", mlscore_error_message(error));
        mlscore_error_free(error);
        mlscore_load_options_free(options);
        return 1;
    }
    mlscore_load_options_free(options);
    size_t prediction;
    mlscore_session *session = NULL;
    if (mlscore_model_prediction_output(model, &prediction) != MLSCORE_STATUS_OK ||
        mlscore_session_new(model, &session) != MLSCORE_STATUS_OK) {
        fprintf(stderr, "no prediction column, or no session\n");
        mlscore_model_free(model);
        return 1;
    }

    rows r = {mlscore_model_input_count(model), 0, 0, NULL, NULL, 0, 0};
    FILE *f = fopen(argv[2], "r");
    char *line = NULL;
    size_t cap = 0;
    int ok = f != NULL && r.n_inputs <= MAX_COLUMNS;
    while (ok && getline(&line, &cap, f) > 0) {
        if (strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        }
        ok = parse_row(&r, model, line) == 0;
    }
    free(line);
    if (f != NULL) {
        fclose(f);
    }
    if (!ok || r.n_rows == 0) {
        fprintf(stderr, "%s: unreadable, or not flat JSON objects of strings and numbers\n",
                argv[2]);
        return 1;
    }

    /* Every row as set_row values, pointing into the text arena. */
    mlscore_value *values = malloc(r.n_rows * r.n_inputs * sizeof *values);
    double *t = malloc((calls ? calls : 1) * sizeof *t);
    char *request = malloc(r.text_len ? r.text_len : 1);
    mlscore_value request_values[MAX_COLUMNS];
    if (values == NULL || t == NULL || request == NULL) {
        return 1;
    }
    for (size_t i = 0; i < r.n_rows; i++) {
        to_values(&r, r.cells + i * r.n_inputs, r.text, values + i * r.n_inputs);
    }
#define SCORE(i, text, vals)                                                                 \
    (per_input ? score_row(session, &r, r.cells + (i) * r.n_inputs, (text), prediction, &x)  \
               : score_values(session, (vals), r.n_inputs, prediction, &x))

    /* Check pass: every row once, counting the scored ones and summing predictions. */
    size_t scored = 0;
    double sum = 0.0, x;
    for (size_t i = 0; i < r.n_rows; i++) {
        if (SCORE(i, r.text, values + i * r.n_inputs) == 0) {
            scored++;
            sum += x;
        }
    }
    printf("check: %zu of %zu rows scored, predictions sum to %.17g\n", scored, r.n_rows, sum);
    double timer[1001];
    for (int i = 0; i < 1001; i++) {
        double a = now_ns();
        timer[i] = now_ns() - a;
    }
    qsort(timer, 1001, sizeof *timer, by_value);

    size_t hot = r.n_rows < HOT_ROWS ? r.n_rows : HOT_ROWS;
    for (size_t i = 0; i < calls; i++) {
        const cell *row = r.cells + (i % hot) * r.n_inputs;
        /* Receive the request: its strings land in cache, as after parsing. */
        for (size_t k = 0; k < r.n_inputs; k++) {
            memcpy(request + row[k].offset, r.text + row[k].offset, row[k].length);
        }
        to_values(&r, row, request, request_values);
        double a = now_ns();
        SCORE(i % hot, request, request_values);
        t[i] = now_ns() - a;
    }
    if (calls) {
        report("hot", t, calls, "over the first 256 rows, each just received");
    }
    for (size_t i = 0; i < calls; i++) {
        size_t row = i % r.n_rows;
        double a = now_ns();
        SCORE(row, r.text, values + row * r.n_inputs);
        t[i] = now_ns() - a;
    }
    if (calls) {
        report("streamed", t, calls, "walking every row");
    }
    size_t done = 0;
    double a = now_ns();
    while (done < calls) {
        for (size_t i = 0; i < r.n_rows && done < calls; i++, done++) {
            SCORE(i, r.text, values + i * r.n_inputs);
        }
    }
    double wall = now_ns() - a;
    if (calls) {
        printf("batch: %.0f rows/s (one thread, %.3f us/row)\n", (double)calls / wall * 1e9,
               wall / (double)calls / 1e3);
    }
    printf("timer: %.0f ns per clock_gettime pair (included in each call's time)\n",
           timer[500]);

    free(values);
    free(request);
    free(t);
    free(r.cells);
    free(r.text);
    mlscore_session_free(session);
    mlscore_model_free(model);
    return 0;
}
