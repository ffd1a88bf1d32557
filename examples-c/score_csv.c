/*
 * score_csv: score a CSV file of numbers in one batch call.
 *
 *   score_csv MODEL_DIR FILE.csv
 *
 * The first line names the columns. For a model whose inputs are all numbers, each column is
 * matched to an input by name (every input needs a column; extra columns are ignored). For a
 * model whose only input is a vector, the columns are the vector's elements in order. An
 * empty cell is NaN. Prints one line per row:
 *   <row> OK <value> <value> ...      (the flat output row)
 *   <row> SKIPPED
 * and, if a row fails, "<row> ERROR <code> <message>" and stops there, as the batch does.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlscore.h"

/* Splits `line` in place at commas; returns the number of fields (at most `max`). */
static size_t split(char *line, char **fields, size_t max) {
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max; n++) {
        fields[n] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL) {
            return n + 1;
        }
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR FILE.csv\n", argv[0]);
        return 2;
    }
    FILE *csv = fopen(argv[2], "r");
    if (csv == NULL) {
        perror(argv[2]);
        return 2;
    }
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    mlscore_status st = mlscore_model_load(argv[1], NULL, &model, &error);
    if (st != MLSCORE_STATUS_OK) {
        fprintf(stderr, "load failed (%d): %s\n", (int)st, mlscore_error_message(error));
        mlscore_error_free(error);
        fclose(csv);
        return 1;
    }
    size_t in_width = 0, out_width = 0;
    if (mlscore_model_input_width(model, &in_width) != MLSCORE_STATUS_OK ||
        mlscore_model_output_width(model, &out_width) != MLSCORE_STATUS_OK) {
        fprintf(stderr, "not a flat model\n");
        mlscore_model_free(model);
        fclose(csv);
        return 1;
    }

    char *line = NULL;
    size_t cap = 0;
    enum { MAX_FIELDS = 4096 };
    static char *fields[MAX_FIELDS];
    static size_t target[MAX_FIELDS]; /* CSV column -> position in the flat row, or SIZE_MAX */
    int code = 0;
    size_t n_fields = 0;
    if (getline(&line, &cap, csv) > 0) {
        n_fields = split(line, fields, MAX_FIELDS);
    }
    /* A single vector input takes the columns in order; scalar inputs are matched by name. */
    mlscore_type first_type = MLSCORE_TYPE_DOUBLE;
    int vector_input = mlscore_model_input_count(model) == 1 &&
                       mlscore_model_input_type(model, 0, &first_type) == MLSCORE_STATUS_OK &&
                       first_type == MLSCORE_TYPE_VECTOR;
    size_t matched = 0;
    for (size_t f = 0; f < n_fields; f++) {
        size_t index = SIZE_MAX;
        if (vector_input) {
            index = f < in_width ? f : SIZE_MAX;
        } else if (mlscore_model_input_index(model, fields[f], &index) != MLSCORE_STATUS_OK) {
            index = SIZE_MAX;
        }
        target[f] = index;
        matched += index != SIZE_MAX;
    }
    if (matched != in_width) {
        fprintf(stderr, "the CSV header covers %zu of the model's %zu inputs\n", matched, in_width);
        code = 2;
    }

    /* Read every row into one flat buffer: row i starts at rows[i * in_width]. */
    double *rows = NULL;
    size_t n_rows = 0, rows_cap = 0;
    while (code == 0 && getline(&line, &cap, csv) > 0) {
        if (n_rows == rows_cap) {
            rows_cap = rows_cap ? 2 * rows_cap : 64;
            double *grown = realloc(rows, rows_cap * (in_width + 1) * sizeof(double));
            if (grown == NULL) {
                code = 1;
                break;
            }
            rows = grown;
        }
        size_t n = split(line, fields, MAX_FIELDS);
        double *row = rows + n_rows * in_width;
        for (size_t i = 0; i < in_width; i++) {
            row[i] = strtod("nan", NULL);
        }
        for (size_t f = 0; f < n && f < n_fields; f++) {
            if (target[f] != SIZE_MAX && fields[f][0] != '\0') {
                row[target[f]] = strtod(fields[f], NULL);
            }
        }
        n_rows++;
    }

    mlscore_session *session = NULL;
    double *out = NULL;
    mlscore_status *row_status = NULL;
    if (code == 0 && mlscore_session_new(model, &session) == MLSCORE_STATUS_OK) {
        out = calloc(n_rows * out_width + 1, sizeof(double));
        row_status = calloc(n_rows + 1, sizeof(mlscore_status));
        st = mlscore_session_score_batch(session, rows, n_rows * in_width, n_rows, in_width, out,
                                         n_rows * out_width, out_width, row_status, n_rows);
        size_t failed_row = n_rows;
        if (st != MLSCORE_STATUS_OK &&
            mlscore_session_last_error_row(session, &failed_row) != MLSCORE_STATUS_OK) {
            failed_row = 0;
        }
        for (size_t i = 0; i < n_rows && i < failed_row; i++) {
            if (row_status[i] == MLSCORE_STATUS_SKIPPED) {
                printf("%zu SKIPPED\n", i);
                continue;
            }
            printf("%zu OK", i);
            for (size_t j = 0; j < out_width; j++) {
                printf(" %.17g", out[i * out_width + j]);
            }
            printf("\n");
        }
        if (st != MLSCORE_STATUS_OK) {
            char message[512];
            size_t len = 0;
            if (mlscore_session_last_error(session, message, sizeof message, &len) != MLSCORE_STATUS_OK) {
                message[0] = '\0';
            }
            printf("%zu ERROR %d %s\n", failed_row, (int)st, message);
        }
    }

    free(line);
    free(rows);
    free(out);
    free(row_status);
    mlscore_session_free(session);
    mlscore_model_free(model);
    fclose(csv);
    return code;
}
