//! Flat numeric rows: one row of numbers in, the numeric outputs of the last stage out, for
//! models whose inputs are all numeric or one vector (see `crate::model::FlatLayout`). The
//! `f32` variants convert at the edges; scoring runs in f64 as Spark does.

use super::error::mlscore_status;
use super::ptr::{try_slice, try_slice_mut};
use super::session::{mlscore_session, session_call, Fail};
use crate::session::{FlatNum, Outcome};

fn score_flat<T: FlatNum>(
    s: &mut mlscore_session,
    row: &[T],
    out: &mut [T],
) -> Result<mlscore_status, Fail> {
    s.has_result = false;
    let o = s.session.score_flat(row, out)?;
    Ok(s.outcome(o))
}

/// The batch arguments after their pointers were checked.
struct Batch<'a, T> {
    rows: &'a [T],
    n_rows: usize,
    row_stride: usize,
    out: &'a mut [T],
    out_stride: usize,
    row_status: &'a mut [mlscore_status],
}

fn score_batch<T: FlatNum>(
    s: &mut mlscore_session,
    b: Batch<'_, T>,
) -> Result<mlscore_status, Fail> {
    s.has_result = false;
    if !b.row_status.is_empty() && b.row_status.len() != b.n_rows {
        return Err(mlscore_status::BadLength.into());
    }
    let status = b.row_status;
    s.session.score_batch(
        b.rows,
        b.n_rows,
        b.row_stride,
        b.out,
        b.out_stride,
        |i, o| {
            if let Some(st) = status.get_mut(i) {
                *st = if o == Outcome::Scored {
                    mlscore_status::Ok
                } else {
                    mlscore_status::Skipped
                };
            }
        },
    )?;
    Ok(mlscore_status::Ok)
}

/// Scores one flat numeric row. `row_len` must equal mlscore_model_input_width() and `out_len`
/// mlscore_model_output_width(); `out` receives the numeric outputs of the last stage that
/// produces numbers, vectors flattened (see mlscore_model_flat_output()). `out` is written
/// only when MLSCORE_STATUS_OK is returned. A NaN in `row` is a NaN value, never NULL. Borrows
/// `row` and `out` for the call; they must not overlap. Allocates nothing after the first call.
/// @return MLSCORE_STATUS_OK, _SKIPPED, _NULL_ARGUMENT, _BAD_LENGTH, _NOT_FLAT, a 4xx code
///         (the row), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_score_flat(
    session: *mut mlscore_session,
    row: *const f64,
    row_len: usize,
    out: *mut f64,
    out_len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        score_flat(s, try_slice!(row, row_len), try_slice_mut!(out, out_len))
    })
}

/// mlscore_session_score_flat() for `float` rows and outputs (values are converted to double
/// for scoring and rounded to float on output).
/// @return as mlscore_session_score_flat().
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_score_flat_f32(
    session: *mut mlscore_session,
    row: *const f32,
    row_len: usize,
    out: *mut f32,
    out_len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        score_flat(s, try_slice!(row, row_len), try_slice_mut!(out, out_len))
    })
}

/// Scores `n_rows` flat rows. Row `i` is the mlscore_model_input_width() values starting at
/// `rows[i * row_stride]`; its outputs go to the mlscore_model_output_width() values starting
/// at `out[i * out_stride]` (strides count elements and are at least the widths, so rows may
/// be padded). `rows_len` and `out_len` are the elements available, at least
/// `(n_rows - 1) * stride + width`. `row_status` may be NULL with `row_status_len` 0;
/// otherwise `row_status_len` must equal `n_rows` and entry `i` receives MLSCORE_STATUS_OK or
/// MLSCORE_STATUS_SKIPPED for each row scored; a skipped row's outputs are set to NaN.
/// Stops at the first row that fails: rows before it are written, the row and the reason are
/// in mlscore_session_last_error_row() and mlscore_session_last_error(). Buffers must not
/// overlap. Allocates nothing after the first call.
/// @return MLSCORE_STATUS_OK (every row scored or skipped), _NULL_ARGUMENT, _BAD_LENGTH,
///         _NOT_FLAT, a 4xx code (a row), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
#[allow(clippy::too_many_arguments)] // the C shape: every buffer followed by its length
pub unsafe extern "C" fn mlscore_session_score_batch(
    session: *mut mlscore_session,
    rows: *const f64,
    rows_len: usize,
    n_rows: usize,
    row_stride: usize,
    out: *mut f64,
    out_len: usize,
    out_stride: usize,
    row_status: *mut mlscore_status,
    row_status_len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let b = Batch {
            rows: try_slice!(rows, rows_len),
            n_rows,
            row_stride,
            out: try_slice_mut!(out, out_len),
            out_stride,
            row_status: try_slice_mut!(row_status, row_status_len),
        };
        score_batch(s, b)
    })
}

/// mlscore_session_score_batch() for `float` rows and outputs.
/// @return as mlscore_session_score_batch().
#[unsafe(no_mangle)]
#[must_use]
#[allow(clippy::too_many_arguments)] // the C shape: every buffer followed by its length
pub unsafe extern "C" fn mlscore_session_score_batch_f32(
    session: *mut mlscore_session,
    rows: *const f32,
    rows_len: usize,
    n_rows: usize,
    row_stride: usize,
    out: *mut f32,
    out_len: usize,
    out_stride: usize,
    row_status: *mut mlscore_status,
    row_status_len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let b = Batch {
            rows: try_slice!(rows, rows_len),
            n_rows,
            row_stride,
            out: try_slice_mut!(out, out_len),
            out_stride,
            row_status: try_slice_mut!(row_status, row_status_len),
        };
        score_batch(s, b)
    })
}
