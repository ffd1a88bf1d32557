/*
 * errors: how each kind of failure looks through the C API.
 *
 *   errors MODEL_DIR
 *
 * Checks the library version, loads a missing directory (an mlscore_error naming the file),
 * loads MODEL_DIR under a limit it exceeds, passes NULL and wrong lengths, asks for an input
 * name that does not exist, scores a row whose inputs are all NULL, and shows how the size of
 * a message is reported when the buffer is too small. Prints one line per check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlscore.h"

static void show_load_error(const char *what, mlscore_status st, const mlscore_error *error) {
    const char *file = mlscore_error_file(error);
    printf("%s: %d %s | %s | file=%s\n", what, (int)st, mlscore_status_str(st), mlscore_error_message(error),
           file ? file : "(none)");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
        return 2;
    }
    /* 1. The library loaded must be the one this program was compiled against. */
    printf("abi: %s\n", mlscore_abi_version() == MLSCORE_ABI_VERSION ? "match" : "MISMATCH");
    printf("version: %s\n", mlscore_version());

    /* 2. A directory that does not exist: the error object names the file. */
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    mlscore_status st = mlscore_model_load("/nonexistent/mlscore-model", NULL, &model, &error);
    show_load_error("missing", st, error);
    mlscore_error_free(error);
    error = NULL;

    /* 3. Load limits: allow no stage at all, so any model exceeds the limit. */
    mlscore_load_options *options = mlscore_load_options_new();
    if (mlscore_load_options_set_limit(options, MLSCORE_LIMIT_MAX_STAGES, 0) != MLSCORE_STATUS_OK) {
        printf("set_limit failed\n");
    }
    printf("bad limit id: %d\n", (int)mlscore_load_options_set_limit(options, 999, 1));
    st = mlscore_model_load(argv[1], options, &model, &error);
    show_load_error("limit", st, error);
    mlscore_error_free(error);
    mlscore_load_options_free(options);

    /* 4. The real load; NULL arguments give a status, never a crash. */
    st = mlscore_model_load(argv[1], NULL, &model, NULL);
    if (st != MLSCORE_STATUS_OK) {
        printf("load: %d\n", (int)st);
        return 1;
    }
    mlscore_session *session = NULL;
    printf("null model: %d\n", (int)mlscore_session_new(NULL, &session));
    printf("null out: %d\n", (int)mlscore_session_new(model, NULL));
    if (mlscore_session_new(model, &session) != MLSCORE_STATUS_OK) {
        return 1;
    }
    printf("null session: %d\n", (int)mlscore_session_score(NULL));

    /* 5. Wrong lengths: one value too many (or the model is not flat). The buffers still
     *    hold the lengths passed: a length must never exceed the memory behind a pointer. */
    size_t width = 0;
    if (mlscore_model_input_width(model, &width) != MLSCORE_STATUS_OK) {
        width = 0;
    }
    double *row = calloc(width + 1, sizeof(double));
    double out[1] = {0};
    printf("wrong length: %d\n", (int)mlscore_session_score_flat(session, row, width + 1, out, 1));
    free(row);

    /* 6. Names and indices that do not exist. */
    size_t index = 0;
    printf("unknown input: %d\n", (int)mlscore_model_input_index(model, "no such column", &index));
    printf("input out of range: %d\n", (int)mlscore_session_set_null(session, mlscore_model_input_count(model)));
    printf("output before scoring: %d\n", (int)mlscore_session_output_is_null(session, 0, &(bool){false}));

    /* 7. A row whose inputs are all NULL: a row error (or a skip) with a message. */
    st = mlscore_session_score(session);
    printf("all null: %d %s\n", (int)st, mlscore_status_str(st));
    char small[8];
    size_t needed = 0;
    mlscore_status too_small = mlscore_session_last_error(session, small, sizeof small, &needed);
    printf("small buffer: %d\n", (int)too_small);
    char *message = malloc(needed);
    if (message != NULL && mlscore_session_last_error(session, message, needed, &needed) == MLSCORE_STATUS_OK) {
        printf("message (%zu bytes): %s\n", needed, message);
    }
    free(message);

    /* 8. Codes are stable numbers with a description. */
    printf("unknown code: %s\n", mlscore_status_str(12345));

    mlscore_session_free(session);
    mlscore_model_free(model);
    return 0;
}
