/*
 * score_row: score one flat numeric row given on the command line.
 *
 *   score_row MODEL_DIR X1 X2 ...
 *
 * For models whose inputs are all numbers (or one vector): the row holds one value per input
 * (or the vector's values). Prints the status, then one line per output value:
 *   <flat index> <output column>[<element>] <value>
 */
#include <stdio.h>
#include <stdlib.h>

#include "mlscore.h"

static int fail(const char *what, mlscore_status status) {
    fprintf(stderr, "%s: %s\n", what, mlscore_status_str(status));
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR X1 X2 ...\n", argv[0]);
        return 2;
    }
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    mlscore_status st = mlscore_model_load(argv[1], NULL, &model, &error);
    if (st != MLSCORE_STATUS_OK) {
        fprintf(stderr, "load failed (%d): %s\n", (int)st, mlscore_error_message(error));
        mlscore_error_free(error);
        return 1;
    }

    /* Ask the widths first, then pass exact lengths. */
    size_t in_width = 0, out_width = 0;
    if ((st = mlscore_model_input_width(model, &in_width)) != MLSCORE_STATUS_OK ||
        (st = mlscore_model_output_width(model, &out_width)) != MLSCORE_STATUS_OK) {
        mlscore_model_free(model);
        return fail("not a flat model", st);
    }
    if ((size_t)(argc - 2) != in_width) {
        fprintf(stderr, "the model takes %zu values, %d given\n", in_width, argc - 2);
        mlscore_model_free(model);
        return 2;
    }
    double *row = calloc(in_width + 1, sizeof(double));
    double *out = calloc(out_width + 1, sizeof(double));
    for (size_t i = 0; i < in_width; i++) {
        row[i] = strtod(argv[i + 2], NULL);
    }

    mlscore_session *session = NULL;
    if ((st = mlscore_session_new(model, &session)) != MLSCORE_STATUS_OK) {
        free(row);
        free(out);
        mlscore_model_free(model);
        return fail("session", st);
    }
    st = mlscore_session_score_flat(session, row, in_width, out, out_width);
    if (st == MLSCORE_STATUS_OK) {
        printf("OK\n");
        for (size_t c = 0; c < mlscore_model_flat_output_count(model); c++) {
            size_t output = 0, offset = 0, width = 0;
            if (mlscore_model_flat_output(model, c, &output, &offset, &width) != MLSCORE_STATUS_OK) {
                continue;
            }
            for (size_t j = 0; j < width; j++) {
                printf("%zu %s[%zu] %.17g\n", offset + j, mlscore_model_output_name(model, output), j,
                       out[offset + j]);
            }
        }
    } else if (st == MLSCORE_STATUS_SKIPPED) {
        printf("SKIPPED\n");
    } else {
        char message[512];
        size_t len = 0;
        if (mlscore_session_last_error(session, message, sizeof message, &len) != MLSCORE_STATUS_OK) {
            message[0] = '\0';
        }
        printf("ERROR %d %s\n", (int)st, message);
    }

    mlscore_session_free(session);
    mlscore_model_free(model);
    free(row);
    free(out);
    return 0;
}
