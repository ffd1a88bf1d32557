/*
 * score_json: score JSON lines, one object per line, as `mlscore score` reads them.
 *
 *   score_json MODEL_DIR FILE.jsonl
 *
 * Prints per line "OK <json>", "SKIPPED <json>" or "ERROR <code> <message>". The output
 * buffer starts small and grows to the size mlscore reports, as a caller that cannot bound
 * the output in advance would do.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlscore.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR FILE.jsonl\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[2], "r");
    if (in == NULL) {
        perror(argv[2]);
        return 2;
    }
    mlscore_model *model = NULL;
    mlscore_error *error = NULL;
    mlscore_status st = mlscore_model_load(argv[1], NULL, &model, &error);
    if (st != MLSCORE_STATUS_OK) {
        fprintf(stderr, "load failed (%d): %s\n", (int)st, mlscore_error_message(error));
        mlscore_error_free(error);
        fclose(in);
        return 1;
    }
    mlscore_session *session = NULL;
    if (mlscore_session_new(model, &session) != MLSCORE_STATUS_OK) {
        mlscore_model_free(model);
        fclose(in);
        return 1;
    }

    size_t out_cap = 16;
    char *out = malloc(out_cap);
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    while (out != NULL && (n = getline(&line, &line_cap, in)) > 0) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0) {
            continue;
        }
        size_t needed = 0;
        st = mlscore_session_score_json(session, line, len, 0, out, out_cap, &needed);
        if (st == MLSCORE_STATUS_BUFFER_TOO_SMALL) {
            char *grown = realloc(out, needed);
            if (grown == NULL) {
                break;
            }
            out = grown;
            out_cap = needed;
            st = mlscore_session_score_json(session, line, len, 0, out, out_cap, &needed);
        }
        if (st == MLSCORE_STATUS_OK || st == MLSCORE_STATUS_SKIPPED) {
            printf("%s %s\n", st == MLSCORE_STATUS_OK ? "OK" : "SKIPPED", out);
        } else {
            char message[1024];
            size_t message_len = 0;
            if (mlscore_session_last_error(session, message, sizeof message, &message_len) != MLSCORE_STATUS_OK) {
                message[0] = '\0';
            }
            printf("ERROR %d %s\n", (int)st, message);
        }
    }

    free(line);
    free(out);
    mlscore_session_free(session);
    mlscore_model_free(model);
    fclose(in);
    return 0;
}
