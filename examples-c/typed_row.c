/*
 * typed_row: score rows of any column types through the typed-row API.
 *
 *   typed_row MODEL_DIR FILE.tsv
 *
 * The first line names the columns (matched to the model's inputs by name; inputs without a
 * column stay NULL). Cells: \N is NULL; strings are raw UTF-8 with \t, \n, \\ escapes;
 * numbers as strtod reads them; dense vectors "1,2,3"; sparse vectors "@SIZE:I=V,I=V";
 * arrays of strings joined by "|" (a literal "|" written "\|"). Prints per row:
 *   <row> OK                      then one line per output: "  <name> <value>"
 *   <row> SKIPPED
 *   <row> ERROR <code> <message>
 * Values: null, numbers with %.17g, strings in double quotes, vectors of up to 64 values
 * "[v v ...]" (dense) and wider ones "(size) i:v i:v ..." (the entries Spark stores), arrays
 * of strings "[\"a\" \"b\"]". The predicted class label is printed when known.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlscore.h"

enum { MAX_FIELDS = 1024, SMALL_VECTOR = 64 };

/* Splits `line` in place at tabs. */
static size_t split_tabs(char *line, char **fields) {
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < MAX_FIELDS; n++) {
        fields[n] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL) {
            return n + 1;
        }
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* Undoes \t \n \\ \| escapes in place; returns the new length. */
static size_t unescape(char *s, size_t len) {
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        char c = s[r];
        if (c == '\\' && r + 1 < len) {
            char e = s[++r];
            c = e == 't' ? '\t' : e == 'n' ? '\n' : e;
        }
        s[w++] = c;
    }
    return w;
}

/* Number of comma-separated items in `cell` (at least 1 when not empty). */
static size_t count_items(const char *cell) {
    size_t n = *cell != '\0';
    for (const char *p = cell; *p != '\0'; p++) {
        n += *p == ',';
    }
    return n;
}

static mlscore_status set_vector(mlscore_session *session, size_t input, char *cell) {
    size_t cap = count_items(cell) + 1, n = 0;
    double *values = malloc(cap * sizeof(double));
    uint32_t *indices = malloc(cap * sizeof(uint32_t));
    mlscore_status st = MLSCORE_STATUS_INVALID_ARGUMENT;
    char *p = cell;
    if (values != NULL && indices != NULL && *p == '@') { /* sparse: @SIZE:I=V,I=V */
        size_t size = strtoul(p + 1, &p, 10);
        while ((*p == ':' || *p == ',') && p[1] != '\0' && n < cap) {
            indices[n] = (uint32_t)strtoul(p + 1, &p, 10);
            values[n++] = strtod(p + 1, &p);
        }
        st = mlscore_session_set_sparse(session, input, size, indices, values, n);
    } else if (values != NULL && indices != NULL) {
        while (*p != '\0' && n < cap) {
            values[n++] = strtod(p, &p);
            if (*p == ',') {
                p++;
            }
        }
        st = mlscore_session_set_dense(session, input, values, n);
    }
    free(values);
    free(indices);
    return st;
}

static mlscore_status set_strings(mlscore_session *session, size_t input, char *cell) {
    size_t len = strlen(cell);
    if (len == 0) {
        return mlscore_session_set_strings(session, input, NULL, NULL, 0);
    }
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) {
        cap += cell[i] == '|';
    }
    const char **items = malloc(cap * sizeof(char *));
    size_t *lengths = malloc(cap * sizeof(size_t));
    size_t n = 0;
    char *start = cell;
    for (size_t i = 0; i <= len && items != NULL && lengths != NULL && n < cap; i++) {
        if (cell[i] == '\\' && i + 1 < len) {
            i++;
        } else if (cell[i] == '|' || cell[i] == '\0') {
            items[n] = start;
            lengths[n++] = unescape(start, (size_t)(cell + i - start));
            start = cell + i + 1;
        }
    }
    mlscore_status st = items != NULL && lengths != NULL
                            ? mlscore_session_set_strings(session, input, items, lengths, n)
                            : MLSCORE_STATUS_INVALID_ARGUMENT;
    free(items);
    free(lengths);
    return st;
}

static mlscore_status set_cell(mlscore_session *session, const mlscore_model *model, size_t input, char *cell) {
    mlscore_type type = MLSCORE_TYPE_DOUBLE;
    mlscore_status st = mlscore_model_input_type(model, input, &type);
    if (st != MLSCORE_STATUS_OK) {
        return st;
    }
    if (strcmp(cell, "\\N") == 0) {
        return mlscore_session_set_null(session, input);
    }
    switch (type) {
    case MLSCORE_TYPE_STRING:
        return mlscore_session_set_string(session, input, cell, unescape(cell, strlen(cell)));
    case MLSCORE_TYPE_VECTOR:
        return set_vector(session, input, cell);
    case MLSCORE_TYPE_STRING_ARRAY:
        return set_strings(session, input, cell);
    default:
        return mlscore_session_set_double(session, input, strtod(cell, NULL));
    }
}

static void print_output(mlscore_session *session, const mlscore_model *model, size_t k) {
    mlscore_type type = MLSCORE_TYPE_DOUBLE;
    bool is_null = false;
    printf("  %s ", mlscore_model_output_name(model, k));
    if (mlscore_model_output_type(model, k, &type) != MLSCORE_STATUS_OK ||
        mlscore_session_output_is_null(session, k, &is_null) != MLSCORE_STATUS_OK || is_null) {
        printf("null\n");
        return;
    }
    if (type == MLSCORE_TYPE_STRING) {
        const char *text = NULL;
        size_t len = 0;
        if (mlscore_session_output_string(session, k, &text, &len) == MLSCORE_STATUS_OK) {
            printf("\"%.*s\"\n", (int)len, text);
        }
    } else if (type == MLSCORE_TYPE_VECTOR) {
        /* Small vectors dense; wide ones (hashed text features) as the entries Spark stores. */
        size_t size = 0, stored = 0;
        bool sparse = false;
        if (mlscore_session_output_vector_size(session, k, &size) != MLSCORE_STATUS_OK ||
            mlscore_session_output_vector_nnz(session, k, &stored, &sparse) != MLSCORE_STATUS_OK) {
            printf("?\n");
            return;
        }
        double *values = malloc((size > stored ? size : stored) * sizeof(double) + 1);
        uint32_t *indices = malloc(stored * sizeof(uint32_t) + 1);
        if (size <= SMALL_VECTOR && values != NULL &&
            mlscore_session_output_vector(session, k, values, size) == MLSCORE_STATUS_OK) {
            printf("[");
            for (size_t i = 0; i < size; i++) {
                printf(i ? " %.17g" : "%.17g", values[i]);
            }
            printf("]");
        } else if (values != NULL && indices != NULL &&
                   mlscore_session_output_vector_sparse(session, k, indices, values, stored) == MLSCORE_STATUS_OK) {
            printf("(%zu)", size);
            for (size_t i = 0; i < stored; i++) {
                printf(" %u:%.17g", (unsigned)indices[i], values[i]);
            }
        }
        printf("\n");
        free(values);
        free(indices);
    } else if (type == MLSCORE_TYPE_VECTOR_ARRAY) {
        /* LSH hashes: one small dense vector per hash table. */
        size_t count = 0;
        if (mlscore_session_output_vector_array_len(session, k, &count) == MLSCORE_STATUS_OK) {
            printf("[");
            for (size_t i = 0; i < count; i++) {
                size_t size = 0;
                double *values = NULL;
                if (mlscore_session_output_vector_array_item_size(session, k, i, &size) == MLSCORE_STATUS_OK &&
                    (values = malloc(size * sizeof(double) + 1)) != NULL &&
                    mlscore_session_output_vector_array_item(session, k, i, values, size) == MLSCORE_STATUS_OK) {
                    printf(i ? " [" : "[");
                    for (size_t j = 0; j < size; j++) {
                        printf(j ? " %.17g" : "%.17g", values[j]);
                    }
                    printf("]");
                }
                free(values);
            }
            printf("]\n");
        }
    } else if (type == MLSCORE_TYPE_STRING_ARRAY) {
        size_t count = 0;
        if (mlscore_session_output_token_count(session, k, &count) == MLSCORE_STATUS_OK) {
            printf("[");
            for (size_t i = 0; i < count; i++) {
                const char *text = NULL;
                size_t len = 0;
                if (mlscore_session_output_token(session, k, i, &text, &len) == MLSCORE_STATUS_OK) {
                    printf(i ? " \"%.*s\"" : "\"%.*s\"", (int)len, text);
                }
            }
            printf("]\n");
        }
    } else {
        double x = 0;
        if (mlscore_session_output_double(session, k, &x) == MLSCORE_STATUS_OK) {
            printf("%.17g\n", x);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR FILE.tsv\n", argv[0]);
        return 2;
    }
    FILE *tsv = fopen(argv[2], "r");
    if (tsv == NULL) {
        perror(argv[2]);
        return 2;
    }
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    mlscore_status st = mlscore_model_load(argv[1], NULL, &model, &error);
    if (st != MLSCORE_STATUS_OK) {
        fprintf(stderr, "load failed (%d): %s\n", (int)st, mlscore_error_message(error));
        mlscore_error_free(error);
        fclose(tsv);
        return 1;
    }
    mlscore_session *session = NULL;
    if (mlscore_session_new(model, &session) != MLSCORE_STATUS_OK) {
        mlscore_model_free(model);
        fclose(tsv);
        return 1;
    }
    size_t prediction = SIZE_MAX;
    if (mlscore_model_prediction_output(model, &prediction) != MLSCORE_STATUS_OK) {
        prediction = SIZE_MAX;
    }

    static char *fields[MAX_FIELDS];
    static size_t input_of[MAX_FIELDS];
    char *line = NULL;
    size_t cap = 0, n_columns = 0;
    if (getline(&line, &cap, tsv) > 0) {
        n_columns = split_tabs(line, fields);
        for (size_t f = 0; f < n_columns; f++) {
            if (mlscore_model_input_index(model, fields[f], &input_of[f]) != MLSCORE_STATUS_OK) {
                input_of[f] = SIZE_MAX;
            }
        }
    }
    for (size_t row = 0; getline(&line, &cap, tsv) > 0; row++) {
        /* Inputs keep their values between rows: start each row from all-NULL. */
        st = mlscore_session_reset(session);
        size_t n = split_tabs(line, fields);
        for (size_t f = 0; f < n && f < n_columns && st == MLSCORE_STATUS_OK; f++) {
            if (input_of[f] != SIZE_MAX) {
                st = set_cell(session, model, input_of[f], fields[f]);
            }
        }
        if (st == MLSCORE_STATUS_OK) {
            st = mlscore_session_score(session);
        }
        if (st == MLSCORE_STATUS_SKIPPED) {
            printf("%zu SKIPPED\n", row);
            continue;
        }
        if (st != MLSCORE_STATUS_OK) {
            char message[512];
            size_t len = 0;
            if (mlscore_session_last_error(session, message, sizeof message, &len) != MLSCORE_STATUS_OK) {
                message[0] = '\0';
            }
            printf("%zu ERROR %d %s\n", row, (int)st, message);
            continue;
        }
        printf("%zu OK\n", row);
        for (size_t k = 0; k < mlscore_model_output_count(model); k++) {
            print_output(session, model, k);
        }
        double predicted = 0;
        if (prediction != SIZE_MAX &&
            mlscore_session_output_double(session, prediction, &predicted) == MLSCORE_STATUS_OK &&
            predicted >= 0 && predicted < (double)mlscore_model_class_count(model)) {
            const char *label = mlscore_model_class_label(model, (size_t)predicted);
            if (label != NULL) {
                printf("  label \"%s\"\n", label);
            }
        }
    }

    free(line);
    mlscore_session_free(session);
    mlscore_model_free(model);
    fclose(tsv);
    return 0;
}
