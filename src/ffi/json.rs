//! One JSON object in, one JSON object out, with the conventions of the CLI (`crate::json`).
//! This path parses and renders JSON, so unlike the others it allocates per call.

use std::ffi::c_char;

use super::error::mlscore_status;
use super::ptr::try_utf8;
use super::session::{copy_out, mlscore_session, session_call, Fail};
use super::types::MLSCORE_JSON_SPARK_VECTORS;
use crate::json::{self, VectorFormat};
use crate::session::Outcome;

/// Keeps `msg` as the session's error text and fails with `code`.
fn fail_text(s: &mut mlscore_session, code: mlscore_status, msg: &str) -> Fail {
    s.text.clear();
    s.text.push_str(msg);
    Fail::Text(code)
}

/// Scores one row given as a JSON object: keys are raw input column names (a missing key is
/// NULL), numbers may be the strings "NaN", "Infinity", "-Infinity", vectors are dense arrays
/// or {"size","indices","values"}, and an "_id" key is echoed back. The `json_len` bytes at
/// `json` are UTF-8 (no NUL needed). `flags` is 0 or MLSCORE_JSON_SPARK_VECTORS.
///
/// On MLSCORE_STATUS_OK `out` receives, NUL-terminated, the input keys followed by every
/// column the stages produce in Spark's order; on MLSCORE_STATUS_SKIPPED it receives
/// {"_id": ..., "_skipped": true}. `*out_len` always receives the size the output needs,
/// including the NUL; when `out_capacity` is smaller, nothing is written to `out` and
/// MLSCORE_STATUS_BUFFER_TOO_SMALL is returned: call again with a buffer of that size. On any
/// other failure `out` is untouched and the message is in mlscore_session_last_error().
/// Afterwards the typed output getters read the same row. Allocates (JSON parsing).
/// @return MLSCORE_STATUS_OK, _SKIPPED, _NULL_ARGUMENT, _BAD_UTF8, _BAD_JSON,
///         _BUFFER_TOO_SMALL, _INVALID_ARGUMENT (flags), a 4xx code (the row), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_score_json(
    session: *mut mlscore_session,
    json: *const c_char,
    json_len: usize,
    flags: u32,
    out: *mut c_char,
    out_capacity: usize,
    out_len: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        if flags & !MLSCORE_JSON_SPARK_VECTORS != 0 {
            return Err(mlscore_status::InvalidArgument.into());
        }
        let format = if flags & MLSCORE_JSON_SPARK_VECTORS != 0 {
            VectorFormat::Spark
        } else {
            VectorFormat::Dense
        };
        let text = try_utf8!(json, json_len);
        let row = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => {
                return Err(fail_text(
                    s,
                    mlscore_status::BadJson,
                    "input is not a JSON object",
                ))
            }
            Err(e) => {
                return Err(fail_text(
                    s,
                    mlscore_status::BadJson,
                    &format!("input is not valid JSON: {e}"),
                ))
            }
        };
        if let Err(msg) = json::set_inputs(&mut s.session, &row) {
            return Err(fail_text(s, mlscore_status::BadJson, &msg));
        }
        let outcome = s.session.score()?;
        let rendered = json::output_row(&s.session, &row, Ok(outcome), format);
        s.json_out.clear();
        serde_json::to_writer(&mut s.json_out, &rendered).map_err(|_| mlscore_status::Panic)?;
        let status = s.outcome(outcome);
        // SAFETY: the header requires `out` to be writable for `out_capacity` bytes and
        // `out_len` for one size_t.
        unsafe { copy_out(&s.json_out, out, out_capacity, out_len) }?;
        if outcome == Outcome::Skipped {
            s.has_result = false;
        }
        Ok(status)
    })
}
