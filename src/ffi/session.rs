//! `mlscore_session`: a `Session` plus what the C API keeps between calls: the poisoned flag,
//! whether a scored row can be read, and the last error record (`Copy`, so failing allocates
//! nothing). Typed-row setters, scoring, and the error accessors live here; outputs, flat rows
//! and JSON in their own files.

use std::ffi::c_char;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::mlscore_status;
use super::model::mlscore_model;
use super::ptr::{
    guard_status, require, try_mut, try_ref, try_slice, try_slice_mut, try_utf8, try_write,
    FfiResult,
};
use super::types::mlscore_value;
use crate::error::{BatchError, ScoreError};
use crate::session::{Outcome, Session};

/// Per-thread scoring state for one model: every buffer scoring needs, so that scoring
/// allocates nothing once the buffers have grown to the largest row seen. Create one per
/// worker thread with mlscore_session_new(). A session may move between threads but must never
/// be used by two threads at once. It holds its own reference to the model.
///
/// Inputs keep their values between rows until set again or mlscore_session_reset() is called.
/// A session whose call panicked answers MLSCORE_STATUS_POISONED until mlscore_session_reset().
///
/// Functions: mlscore_session_new(), mlscore_session_free(), mlscore_session_reset(),
/// mlscore_session_set_double(), mlscore_session_set_null(), mlscore_session_set_string(),
/// mlscore_session_set_dense(), mlscore_session_set_sparse(), mlscore_session_set_strings(),
/// mlscore_session_set_row(),
/// mlscore_session_score(), mlscore_session_output_is_null(), mlscore_session_output_double(),
/// mlscore_session_output_string(), mlscore_session_output_vector_size(),
/// mlscore_session_output_vector(), mlscore_session_output_vector_nnz(),
/// mlscore_session_output_vector_sparse(), mlscore_session_output_token_count(),
/// mlscore_session_output_token(), mlscore_session_output_vector_array_len(),
/// mlscore_session_output_vector_array_item_size(), mlscore_session_output_vector_array_item(),
/// mlscore_session_score_flat(),
/// mlscore_session_score_flat_f32(), mlscore_session_score_batch(),
/// mlscore_session_score_batch_f32(), mlscore_session_score_json(),
/// mlscore_session_last_error_code(), mlscore_session_last_error(),
/// mlscore_session_last_error_row().
pub struct mlscore_session {
    pub(crate) session: Session,
    poisoned: bool,
    /// Outputs hold a scored row (cleared by setters, failures and skips).
    pub(crate) has_result: bool,
    last: LastError,
    /// Message of the last failure that has no `ScoreError` (JSON parsing); capacity reused.
    pub(crate) text: String,
    /// The JSON output of the last JSON call; capacity reused.
    pub(crate) json_out: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct LastError {
    code: mlscore_status,
    score: Option<ScoreError>,
    row: Option<usize>,
    has_text: bool,
}

const NO_ERROR: LastError = LastError {
    code: mlscore_status::Ok,
    score: None,
    row: None,
    has_text: false,
};

/// Why a session call failed, with the detail its error record keeps.
pub(crate) enum Fail {
    Status(mlscore_status),
    Score(ScoreError),
    Batch(BatchError),
    /// The message was written to `mlscore_session::text`.
    Text(mlscore_status),
}

impl From<mlscore_status> for Fail {
    fn from(s: mlscore_status) -> Self {
        Fail::Status(s)
    }
}

impl From<ScoreError> for Fail {
    fn from(e: ScoreError) -> Self {
        Fail::Score(e)
    }
}

impl From<BatchError> for Fail {
    fn from(e: BatchError) -> Self {
        Fail::Batch(e)
    }
}

impl mlscore_session {
    fn new(session: Session) -> Self {
        mlscore_session {
            session,
            poisoned: false,
            has_result: false,
            last: NO_ERROR,
            text: String::new(),
            json_out: Vec::new(),
        }
    }

    fn record(&mut self, fail: Fail) -> mlscore_status {
        self.last = match fail {
            Fail::Status(code) => LastError { code, ..NO_ERROR },
            Fail::Score(e) => LastError {
                code: e.kind.into(),
                score: Some(e),
                ..NO_ERROR
            },
            Fail::Batch(b) => LastError {
                code: b.error.kind.into(),
                score: Some(b.error),
                row: Some(b.row),
                has_text: false,
            },
            Fail::Text(code) => LastError {
                code,
                has_text: true,
                ..NO_ERROR
            },
        };
        self.last.code
    }

    /// Turns a score outcome into the status C sees, remembering whether outputs are readable.
    pub(crate) fn outcome(&mut self, o: Outcome) -> mlscore_status {
        self.has_result = o == Outcome::Scored;
        match o {
            Outcome::Scored => mlscore_status::Ok,
            Outcome::Skipped => mlscore_status::Skipped,
        }
    }

    /// Writes the last error's message: stage, column and what went wrong, prefixed by the row
    /// for batch errors.
    fn write_message(&self, w: &mut dyn fmt::Write) -> fmt::Result {
        if let Some(row) = self.last.row {
            write!(w, "row {row}: ")?;
        }
        match self.last.score {
            Some(e) => self.session.model().write_error(&e, w),
            None if self.last.has_text => w.write_str(&self.text),
            None => w.write_str(&self.last.code.text().to_string_lossy()),
        }
    }
}

/// Runs a session call: `session_call!(session, |s| body)`. The NULL check, the poison check,
/// the one panic guard of the call (which poisons the session), and the error record on failure.
/// Nothing before the guard can panic, so session functions need no outer `guard`.
macro_rules! session_call {
    ($session:expr, $body:expr) => {
        $crate::ffi::session::run_session(
            // SAFETY: the header requires a session argument to be NULL or a live session that
            // no other thread uses during the call, so the reference is valid and exclusive.
            unsafe { $crate::ffi::ptr::as_mut($session) },
            $body,
        )
    };
}

pub(crate) use session_call;

/// The body of `session_call!`.
pub(crate) fn run_session(
    session: FfiResult<&mut mlscore_session>,
    body: impl FnOnce(&mut mlscore_session) -> Result<mlscore_status, Fail>,
) -> mlscore_status {
    let s = match session {
        Ok(s) => s,
        Err(status) => return status,
    };
    if s.poisoned {
        return mlscore_status::Poisoned;
    }
    match catch_unwind(AssertUnwindSafe(|| body(s))) {
        Ok(Ok(status)) => status,
        Ok(Err(fail)) => s.record(fail),
        Err(_) => {
            s.poisoned = true;
            s.has_result = false;
            s.last = LastError {
                code: mlscore_status::Panic,
                ..NO_ERROR
            };
            mlscore_status::Panic
        }
    }
}

/// Opens a session on `model`. On success stores it in `*session`; the caller owns it and
/// frees it with mlscore_session_free(). `*session` is left untouched on failure.
/// Allocates the session's buffers at their initial size. Thread-safe on `model`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_new(
    model: *const mlscore_model,
    session: *mut *mut mlscore_session,
) -> mlscore_status {
    guard_status(|| {
        let model = try_ref!(model);
        require(session)?;
        let handle = Box::into_raw(Box::new(mlscore_session::new(model.model.session())));
        try_write!(session, handle);
        Ok(mlscore_status::Ok)
    })
}

/// Frees a session and its reference to the model. Takes ownership of `session`; NULL does
/// nothing. Strings read from the session's outputs become invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_session_free(session: *mut mlscore_session) {
    if session.is_null() {
        return;
    }
    // SAFETY: a non-NULL `session` came from Box::into_raw in mlscore_session_new and, by the
    // header's contract, is freed once and not in use by another thread.
    drop(unsafe { Box::from_raw(session) });
}

/// Returns the session to its state when new: every input NULL, no result, no error, and not
/// poisoned (after a panic its buffers are rebuilt from the model).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_reset(session: *mut mlscore_session) -> mlscore_status {
    guard_status(|| {
        let s = try_mut!(session);
        if s.poisoned {
            let model = s.session.model().clone();
            *s = mlscore_session::new(model.session());
        } else {
            s.session.reset();
            s.has_result = false;
            s.last = NO_ERROR;
        }
        Ok(mlscore_status::Ok)
    })
}

/// Sets numeric input `input` (an index below mlscore_model_input_count()) to `value`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _WRONG_INPUT_TYPE (not a
///         numeric column), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_double(
    session: *mut mlscore_session,
    input: usize,
    value: f64,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        s.session.set_f64(input, value)?;
        Ok(mlscore_status::Ok)
    })
}

/// Sets input `input` (any type) to SQL NULL.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_null(
    session: *mut mlscore_session,
    input: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        s.session.set_null(input)?;
        Ok(mlscore_status::Ok)
    })
}

/// Sets string input `input` to the `len` bytes at `value` (UTF-8, no NUL needed; NULL with
/// `len` 0 is the empty string). The bytes are copied; `value` is only read during the call.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _INDEX_OUT_OF_RANGE,
///         _WRONG_INPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_string(
    session: *mut mlscore_session,
    input: usize,
    value: *const c_char,
    len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        s.session.set_str(input, try_utf8!(value, len))?;
        Ok(mlscore_status::Ok)
    })
}

/// Sets inputs 0 to `count - 1` from `values` in one call: the quick way to set a row of
/// numbers, strings and NULLs (a vector or array-of-strings input keeps its own setter; call
/// it before or after, and pass a NULL value here for its place). Strings are copied and
/// only read during the call. Values are set in order; at the first that fails, the call
/// stops with its status, the inputs before it set, and mlscore_session_last_error() names
/// the input.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _MISALIGNED_POINTER, _BAD_UTF8,
///         _INDEX_OUT_OF_RANGE (count above the number of inputs), _WRONG_INPUT_TYPE,
///         _INVALID_ARGUMENT (unknown kind), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_row(
    session: *mut mlscore_session,
    values: *const mlscore_value,
    count: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        for (k, v) in try_slice!(values, count).iter().enumerate() {
            match v.kind {
                0 => s.session.set_null(k)?,
                1 => s.session.set_f64(k, v.number)?,
                2 => s.session.set_str(k, try_utf8!(v.string, v.length))?,
                _ => return Err(mlscore_status::InvalidArgument.into()),
            }
        }
        Ok(mlscore_status::Ok)
    })
}

/// Sets vector input `input` to the dense vector of `len` values at `values` (copied).
/// The width is checked by the stages when scoring, as Spark checks it.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _WRONG_INPUT_TYPE,
///         _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_dense(
    session: *mut mlscore_session,
    input: usize,
    values: *const f64,
    len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        s.session.set_dense(input, try_slice!(values, len))?;
        Ok(mlscore_status::Ok)
    })
}

/// Sets vector input `input` to a sparse vector of `size` with `nnz` stored entries: `indices`
/// strictly increasing and below `size`, `values` the matching values (both copied).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_SPARSE_VECTOR, _INDEX_OUT_OF_RANGE,
///         _WRONG_INPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_sparse(
    session: *mut mlscore_session,
    input: usize,
    size: usize,
    indices: *const u32,
    values: *const f64,
    nnz: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        s.session.set_sparse(
            input,
            size,
            try_slice!(indices, nnz),
            try_slice!(values, nnz),
        )?;
        Ok(mlscore_status::Ok)
    })
}

/// Sets array-of-strings input `input` to `count` strings: string `i` is the `lengths[i]`
/// UTF-8 bytes at `strings[i]` (no NUL needed). Everything is checked before the input
/// changes, and copied.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _INDEX_OUT_OF_RANGE,
///         _WRONG_INPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_set_strings(
    session: *mut mlscore_session,
    input: usize,
    strings: *const *const c_char,
    lengths: *const usize,
    count: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        let strings = try_slice!(strings, count);
        let lengths = try_slice!(lengths, count);
        for (&p, &len) in strings.iter().zip(lengths) {
            try_utf8!(p, len);
        }
        let mut tokens = strings.iter().zip(lengths).map(|(&p, &len)| {
            // SAFETY: each (pointer, length) pair was checked above; the caller keeps them
            // readable for the call.
            unsafe { super::ptr::utf8(p, len) }.unwrap_or_default()
        });
        s.session.set_tokens(input, &mut tokens)?;
        Ok(mlscore_status::Ok)
    })
}

/// Scores the row formed by the inputs set so far. On MLSCORE_STATUS_OK the outputs can be
/// read with the mlscore_session_output_* getters until an input is set or another row is
/// scored. MLSCORE_STATUS_SKIPPED means Spark would drop the row (not an error).
/// Allocates nothing once the session's buffers have grown.
/// @return MLSCORE_STATUS_OK, _SKIPPED, _NULL_ARGUMENT, a 4xx code (the row; details with
///         mlscore_session_last_error()), _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_score(session: *mut mlscore_session) -> mlscore_status {
    session_call!(session, |s| {
        s.has_result = false;
        let o = s.session.score()?;
        Ok(s.outcome(o))
    })
}

/// The status of the last failed call on `session` (MLSCORE_STATUS_OK if none since it was
/// created or reset). Does not change the record. NULL gives MLSCORE_STATUS_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_session_last_error_code(
    session: *const mlscore_session,
) -> mlscore_status {
    guard_status(|| Ok(try_ref!(session).last.code))
}

/// Renders the message of the last failed call on `session` (stage uid and class, column,
/// what went wrong; the row for batches) into `buffer` as a NUL-terminated string, and stores
/// its size including the NUL in `*len`. When `capacity` is below that size nothing is
/// written to `buffer`, `*len` still receives the size, and MLSCORE_STATUS_BUFFER_TOO_SMALL is
/// returned. Allocates nothing; does not change the record.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BUFFER_TOO_SMALL, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_last_error(
    session: *const mlscore_session,
    buffer: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let s = try_ref!(session);
        require(len)?;
        let mut count = Counter(0);
        let _ = s.write_message(&mut count);
        let needed = count.0 + 1;
        try_write!(len, needed);
        if capacity < needed {
            return Err(mlscore_status::BufferTooSmall);
        }
        let buf = try_slice_mut!(buffer.cast::<u8>(), capacity);
        let mut w = SliceWriter { buf, at: 0 };
        s.write_message(&mut w)
            .map_err(|_| mlscore_status::BufferTooSmall)?;
        let end = w.at;
        if let Some(b) = w.buf.get_mut(end) {
            *b = 0;
        }
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*row` the batch row at which the last failed batch call stopped, or SIZE_MAX
/// when the last failure was not a batch row (or there was none).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_last_error_row(
    session: *const mlscore_session,
    row: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let s = try_ref!(session);
        try_write!(row, s.last.row.unwrap_or(usize::MAX));
        Ok(mlscore_status::Ok)
    })
}

/// Counts the bytes a message needs.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Writes into a caller's byte buffer, failing rather than truncating.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.at.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.at..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.at = end;
        Ok(())
    }
}

/// Copies `bytes` plus a NUL into `buffer`; `*len` always receives the needed size.
///
/// # Safety
/// `buffer` is NULL or writable for `capacity` bytes; `len` is NULL or writable.
pub(crate) unsafe fn copy_out(
    bytes: &[u8],
    buffer: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> Result<(), Fail> {
    let needed = bytes.len() + 1;
    try_write!(len, needed);
    if capacity < needed {
        return Err(Fail::Status(mlscore_status::BufferTooSmall));
    }
    let buf = try_slice_mut!(buffer.cast::<u8>(), capacity);
    let (dst, rest) = buf.split_at_mut(bytes.len());
    dst.copy_from_slice(bytes);
    if let Some(nul) = rest.first_mut() {
        *nul = 0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::ffi::testutil;
    use crate::ffi::*;

    fn load(handle_invalid: &str) -> *mut mlscore_model {
        let path = testutil::assembler(handle_invalid);
        let mut model = null_mut();
        // SAFETY: valid C string and out-pointer; no options, no error slot.
        let st = unsafe { mlscore_model_load(path.as_ptr(), null(), &mut model, null_mut()) };
        assert_eq!(st, mlscore_status::Ok);
        model
    }

    fn open(model: *const mlscore_model) -> *mut mlscore_session {
        let mut s = null_mut();
        // SAFETY: live model, valid out-pointer.
        assert_eq!(
            unsafe { mlscore_session_new(model, &mut s) },
            mlscore_status::Ok
        );
        s
    }

    fn message(s: *const mlscore_session) -> String {
        let mut buf = [0 as c_char; 512];
        let mut len = 0;
        // SAFETY: live session, buffer of the stated capacity.
        let st = unsafe { mlscore_session_last_error(s, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(st, mlscore_status::Ok);
        // SAFETY: the call wrote a NUL-terminated string.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn null_handles_give_a_status_never_a_crash() {
        let mut x = 0.0;
        let mut n = 0usize;
        // SAFETY: every handle is NULL, which the header allows.
        unsafe {
            let s = null_mut();
            assert_eq!(
                mlscore_session_new(null(), &mut null_mut()),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_session_set_double(s, 0, 1.0),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_session_set_string(s, 0, null(), 0),
                mlscore_status::NullArgument
            );
            assert_eq!(mlscore_session_score(s), mlscore_status::NullArgument);
            assert_eq!(
                mlscore_session_output_double(s, 0, &mut x),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_session_score_flat(s, null(), 0, null_mut(), 0),
                mlscore_status::NullArgument
            );
            assert_eq!(mlscore_session_reset(s), mlscore_status::NullArgument);
            assert_eq!(
                mlscore_session_last_error_code(s),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_session_last_error_row(s, &mut n),
                mlscore_status::NullArgument
            );
            assert_eq!(mlscore_model_input_count(null()), 0);
            assert!(mlscore_model_input_name(null(), 0).is_null());
            assert!(mlscore_model_spark_version(null()).is_null());
            assert_eq!(
                mlscore_model_input_width(null(), &mut n),
                mlscore_status::NullArgument
            );
            assert!(mlscore_model_clone(null()).is_null());
            mlscore_session_free(null_mut());
            mlscore_model_free(null_mut());
            mlscore_error_free(null_mut());
            mlscore_load_options_free(null_mut());
        }
    }

    #[test]
    fn load_errors_name_the_file_and_go_to_the_error_object() {
        let mut model = null_mut();
        let mut error = null_mut();
        // SAFETY: valid strings and out-pointers; the error is freed once.
        unsafe {
            let st = mlscore_model_load(
                c"/nonexistent/model".as_ptr(),
                null(),
                &mut model,
                &mut error,
            );
            assert_eq!(st, mlscore_status::MissingFile);
            assert!(model.is_null(), "out-parameter untouched on failure");
            assert_eq!(mlscore_error_code(error), mlscore_status::MissingFile);
            let msg = CStr::from_ptr(mlscore_error_message(error))
                .to_str()
                .unwrap();
            assert!(msg.contains("does not exist"), "{msg}");
            assert!(!mlscore_error_file(error).is_null());
            assert!(mlscore_error_stage_uid(error).is_null());
            mlscore_error_free(error);
            // NULL error slot, NULL model slot.
            assert_eq!(
                mlscore_model_load(c"/nonexistent".as_ptr(), null(), &mut model, null_mut()),
                mlscore_status::MissingFile
            );
            let path = testutil::assembler("error");
            assert_eq!(
                mlscore_model_load(path.as_ptr(), null(), null_mut(), &mut error),
                mlscore_status::NullArgument
            );
            assert_eq!(mlscore_error_code(error), mlscore_status::NullArgument);
            mlscore_error_free(error);
            assert_eq!(
                mlscore_model_load(null(), null(), &mut model, null_mut()),
                mlscore_status::NullArgument
            );
        }
    }

    #[test]
    fn selected_outputs_are_checked_at_load() {
        let path = testutil::assembler("error");
        let (mut m, mut e) = (null_mut(), null_mut());
        // SAFETY: live handles, NUL-terminated strings; every handle is freed once.
        unsafe {
            let all = load("error");
            let name = CStr::from_ptr(mlscore_model_output_name(all, 0)).to_owned();
            let o = mlscore_load_options_new();
            assert_eq!(
                mlscore_load_options_select_output(o, null()),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_load_options_select_output(o, c"nope".as_ptr()),
                mlscore_status::Ok
            );
            assert_eq!(
                mlscore_model_load(path.as_ptr(), o, &mut m, &mut e),
                mlscore_status::BadOption
            );
            assert!(m.is_null());
            let column = CStr::from_ptr(mlscore_error_column(e)).to_str().unwrap();
            assert_eq!(column, "nope");
            mlscore_error_free(e);
            mlscore_load_options_free(o);
            let o = mlscore_load_options_new();
            assert_eq!(
                mlscore_load_options_select_output(o, name.as_ptr()),
                mlscore_status::Ok
            );
            assert_eq!(
                mlscore_model_load(path.as_ptr(), o, &mut m, null_mut()),
                mlscore_status::Ok
            );
            assert_eq!(mlscore_model_output_count(m), 1);
            mlscore_load_options_free(o);
            mlscore_model_free(m);
            mlscore_model_free(all);
        }
    }

    #[test]
    fn introspection_describes_inputs_outputs_and_flat_layout() {
        let m = load("error");
        let mut ty = mlscore_type::Double;
        let (mut w, mut k, mut off) = (0usize, 0usize, 0usize);
        // SAFETY: live model, valid out-pointers; strings read while the model lives.
        unsafe {
            assert_eq!(mlscore_model_input_count(m), 2);
            assert_eq!(
                CStr::from_ptr(mlscore_model_input_name(m, 1))
                    .to_str()
                    .unwrap(),
                "b"
            );
            assert!(mlscore_model_input_name(m, 2).is_null());
            assert_eq!(mlscore_model_input_type(m, 0, &mut ty), mlscore_status::Ok);
            assert_eq!(ty, mlscore_type::Double);
            assert_eq!(
                mlscore_model_input_type(m, 9, &mut ty),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_model_input_type(m, 0, null_mut()),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_model_input_index(m, c"b".as_ptr(), &mut k),
                mlscore_status::Ok
            );
            assert_eq!(k, 1);
            assert_eq!(
                mlscore_model_input_index(m, c"zz".as_ptr(), &mut k),
                mlscore_status::UnknownColumn
            );
            assert_eq!(mlscore_model_output_count(m), 1);
            assert_eq!(mlscore_model_output_type(m, 0, &mut ty), mlscore_status::Ok);
            assert_eq!(ty, mlscore_type::Vector);
            assert_eq!(
                mlscore_model_output_vector_width(m, 0, &mut w),
                mlscore_status::Ok
            );
            assert_eq!(w, 2);
            assert_eq!(mlscore_model_input_width(m, &mut w), mlscore_status::Ok);
            assert_eq!(w, 2);
            assert_eq!(mlscore_model_output_width(m, &mut w), mlscore_status::Ok);
            assert_eq!(w, 2);
            assert_eq!(mlscore_model_flat_output_count(m), 1);
            assert_eq!(
                mlscore_model_flat_output(m, 0, &mut k, &mut off, &mut w),
                mlscore_status::Ok
            );
            assert_eq!((k, off, w), (0, 0, 2));
            assert_eq!(
                mlscore_model_flat_output(m, 1, &mut k, &mut off, &mut w),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_model_prediction_output(m, &mut k),
                mlscore_status::UnknownColumn
            );
            assert_eq!(mlscore_model_class_count(m), 0);
            assert_eq!(
                CStr::from_ptr(mlscore_model_spark_version(m))
                    .to_str()
                    .unwrap(),
                "3.5.0"
            );
            assert_eq!(mlscore_model_stage_count(m), 1);
            assert_eq!(
                CStr::from_ptr(mlscore_model_stage_uid(m, 0))
                    .to_str()
                    .unwrap(),
                "VectorAssembler_test"
            );
            assert!(CStr::from_ptr(mlscore_model_stage_class(m, 0))
                .to_str()
                .unwrap()
                .ends_with("VectorAssembler"));
            mlscore_model_free(m);
        }
    }

    #[test]
    fn flat_rows_check_lengths_and_write_only_on_success() {
        let m = load("error");
        let s = open(m);
        let mut out = [7.0; 2];
        let mut status = [mlscore_status::Panic; 3];
        // SAFETY: live session; every buffer pointer is valid for the length passed (or the
        // length is deliberately wrong, which must be refused before any access).
        unsafe {
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, out.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(out, [1.0, 2.0]);
            assert_eq!(
                mlscore_session_score_flat(s, [1.0].as_ptr(), 1, out.as_mut_ptr(), 2),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, out.as_mut_ptr(), 1),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_score_flat(s, null(), 2, out.as_mut_ptr(), 2),
                mlscore_status::NullArgument
            );
            // NaN is rejected by handleInvalid=error; the output stays as it was.
            out = [7.0; 2];
            assert_eq!(
                mlscore_session_score_flat(s, [f64::NAN, 2.0].as_ptr(), 2, out.as_mut_ptr(), 2),
                mlscore_status::NanValue
            );
            assert_eq!(out, [7.0; 2]);
            assert_eq!(mlscore_session_last_error_code(s), mlscore_status::NanValue);
            let msg = message(s);
            assert!(
                msg.contains("VectorAssembler_test") && msg.contains("column `a`"),
                "{msg}"
            );
            // Misaligned output pointer.
            let mut raw = [0u8; 24];
            let odd = raw.as_mut_ptr().add(1).cast::<f64>();
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, odd, 2),
                mlscore_status::MisalignedPointer
            );
            // f32 variant.
            let mut out32 = [0f32; 2];
            assert_eq!(
                mlscore_session_score_flat_f32(s, [1.5f32, 2.5].as_ptr(), 2, out32.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(out32, [1.5, 2.5]);
            // Batch with padded rows: stride 3, third row fails.
            let rows = [1.0, 2.0, -1.0, 3.0, 4.0, -1.0, f64::NAN, 0.0];
            let mut outs = [0.0; 6];
            let st = mlscore_session_score_batch(
                s,
                rows.as_ptr(),
                rows.len(),
                3,
                3,
                outs.as_mut_ptr(),
                6,
                2,
                status.as_mut_ptr(),
                3,
            );
            assert_eq!(st, mlscore_status::NanValue);
            assert_eq!(&outs[..4], &[1.0, 2.0, 3.0, 4.0]);
            assert_eq!(&status[..2], &[mlscore_status::Ok, mlscore_status::Ok]);
            let mut row = 0;
            assert_eq!(
                mlscore_session_last_error_row(s, &mut row),
                mlscore_status::Ok
            );
            assert_eq!(row, 2);
            assert!(message(s).starts_with("row 2: "));
            // Stride below the width, short buffers, wrong status length.
            assert_eq!(
                mlscore_session_score_batch(
                    s,
                    rows.as_ptr(),
                    8,
                    2,
                    1,
                    outs.as_mut_ptr(),
                    6,
                    2,
                    null_mut(),
                    0
                ),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_score_batch(
                    s,
                    rows.as_ptr(),
                    4,
                    2,
                    3,
                    outs.as_mut_ptr(),
                    6,
                    2,
                    null_mut(),
                    0
                ),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_score_batch(
                    s,
                    rows.as_ptr(),
                    8,
                    2,
                    3,
                    outs.as_mut_ptr(),
                    6,
                    2,
                    status.as_mut_ptr(),
                    3
                ),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_score_batch(s, null(), 0, 0, 0, null_mut(), 0, 0, null_mut(), 0),
                mlscore_status::Ok
            );
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
    }

    #[test]
    fn typed_rows_validate_and_outputs_need_a_scored_row() {
        let m = load("skip");
        let s = open(m);
        let mut v = [0.0; 2];
        let (mut n, mut sparse) = (0usize, false);
        let mut x = 0.0;
        // SAFETY: live session; buffers valid for the lengths passed.
        unsafe {
            assert_eq!(
                mlscore_session_output_vector(s, 0, v.as_mut_ptr(), 2),
                mlscore_status::NoResult
            );
            assert_eq!(
                mlscore_session_set_double(s, 2, 1.0),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_session_set_string(s, 0, c"x".as_ptr(), 1),
                mlscore_status::WrongInputType
            );
            let bad = [0xffu8, 0xfe];
            assert_eq!(
                mlscore_session_set_string(s, 0, bad.as_ptr().cast(), 2),
                mlscore_status::BadUtf8
            );
            assert_eq!(
                mlscore_session_set_dense(s, 0, [1.0].as_ptr(), 1),
                mlscore_status::WrongInputType
            );
            assert_eq!(mlscore_session_set_double(s, 0, 0.0), mlscore_status::Ok);
            // b is still NULL: skip mode drops the row.
            assert_eq!(mlscore_session_score(s), mlscore_status::Skipped);
            assert_eq!(
                mlscore_session_output_vector_size(s, 0, &mut n),
                mlscore_status::NoResult
            );
            assert_eq!(mlscore_session_set_double(s, 1, 5.0), mlscore_status::Ok);
            assert_eq!(mlscore_session_score(s), mlscore_status::Ok);
            assert_eq!(
                mlscore_session_output_vector_size(s, 0, &mut n),
                mlscore_status::Ok
            );
            assert_eq!(n, 2);
            assert_eq!(
                mlscore_session_output_vector(s, 0, v.as_mut_ptr(), 1),
                mlscore_status::BadLength
            );
            assert_eq!(
                mlscore_session_output_vector(s, 0, v.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(v, [0.0, 5.0]);
            assert_eq!(
                mlscore_session_output_vector_nnz(s, 0, &mut n, &mut sparse),
                mlscore_status::Ok
            );
            assert_eq!(n, 2);
            let (mut idx, mut val) = ([0u32; 2], [0.0; 2]);
            assert_eq!(
                mlscore_session_output_vector_sparse(s, 0, idx.as_mut_ptr(), val.as_mut_ptr(), n),
                mlscore_status::Ok
            );
            assert_eq!((idx, val), ([0, 1], [0.0, 5.0]));
            // A failing getter leaves the result readable.
            assert_eq!(
                mlscore_session_output_double(s, 0, &mut x),
                mlscore_status::WrongOutputType
            );
            assert_eq!(
                mlscore_session_output_double(s, 1, &mut x),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_session_output_vector_size(s, 0, &mut n),
                mlscore_status::Ok
            );
            // Setting an input invalidates the result.
            assert_eq!(mlscore_session_set_null(s, 1), mlscore_status::Ok);
            assert_eq!(
                mlscore_session_output_vector_size(s, 0, &mut n),
                mlscore_status::NoResult
            );
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
    }

    #[test]
    fn set_row_sets_numbers_and_nulls_and_refuses_bad_values() {
        let m = load("skip");
        let s = open(m);
        let val = |kind: i32, number: f64| mlscore_value {
            kind,
            number,
            string: null(),
            length: 0,
        };
        let text = mlscore_value {
            kind: mlscore_value_kind::String as i32,
            number: 0.0,
            string: c"x".as_ptr(),
            length: 1,
        };
        let mut v = [0.0; 2];
        // SAFETY: live session; every array is valid for the count passed.
        unsafe {
            assert_eq!(
                mlscore_session_set_row(s, null(), 1),
                mlscore_status::NullArgument
            );
            assert_eq!(mlscore_session_set_row(s, null(), 0), mlscore_status::Ok);
            let three = [val(1, 1.0), val(1, 2.0), val(1, 3.0)];
            assert_eq!(
                mlscore_session_set_row(s, three.as_ptr(), 3),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_session_set_row(s, [val(7, 0.0)].as_ptr(), 1),
                mlscore_status::InvalidArgument
            );
            assert_eq!(
                mlscore_session_set_row(s, [val(1, 0.0), text].as_ptr(), 2),
                mlscore_status::WrongInputType
            );
            assert!(message(s).contains("type"), "{}", message(s));
            let row = [val(1, 1.5), val(1, -2.0)];
            assert_eq!(
                mlscore_session_set_row(s, row.as_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(mlscore_session_score(s), mlscore_status::Ok);
            assert_eq!(
                mlscore_session_output_vector(s, 0, v.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(v, [1.5, -2.0]);
            // A NULL (its number ignored): skip mode drops the row.
            let row = [val(1, 1.0), val(0, 9.0)];
            assert_eq!(
                mlscore_session_set_row(s, row.as_ptr(), 2),
                mlscore_status::Ok
            );
            assert_eq!(mlscore_session_score(s), mlscore_status::Skipped);
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
    }

    #[test]
    fn a_panic_poisons_the_session_until_reset() {
        let m = load("error");
        let s = open(m);
        let mut out = [0.0; 2];
        let st = session_call!(s, |_| panic!("forced panic for the test"));
        assert_eq!(st, mlscore_status::Panic);
        // SAFETY: live session and model; buffers valid for their lengths.
        unsafe {
            assert_eq!(mlscore_session_last_error_code(s), mlscore_status::Panic);
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, out.as_mut_ptr(), 2),
                mlscore_status::Poisoned
            );
            assert_eq!(
                mlscore_session_set_double(s, 0, 1.0),
                mlscore_status::Poisoned
            );
            assert_eq!(mlscore_session_reset(s), mlscore_status::Ok);
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, out.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
        // The guard's fallback for pointer-returning bodies is NULL.
        let p: *const c_char = crate::ffi::ptr::guard(|| panic!("forced"));
        assert!(p.is_null());
    }

    #[test]
    fn owners_free_independently() {
        let m = load("error");
        // SAFETY: every pointer freed is owned once: two model references, one session.
        unsafe {
            let m2 = mlscore_model_clone(m);
            assert_eq!(m2, m);
            let s = open(m);
            mlscore_model_free(m);
            mlscore_model_free(m2);
            // The session keeps the model alive.
            let mut out = [0.0; 2];
            assert_eq!(
                mlscore_session_score_flat(s, [1.0, 2.0].as_ptr(), 2, out.as_mut_ptr(), 2),
                mlscore_status::Ok
            );
            mlscore_session_free(s);
        }
        // The documented pattern: free, set to NULL, free again is a no-op.
        let mut s = open(load("error"));
        // SAFETY: `s` is freed once, then NULL.
        unsafe {
            mlscore_session_free(s);
            s = null_mut();
            mlscore_session_free(s);
        }
    }

    #[test]
    fn last_error_reports_its_size() {
        let m = load("error");
        let s = open(m);
        let mut len = 0;
        let mut small = [0 as c_char; 4];
        // SAFETY: live session; buffers valid for their lengths.
        unsafe {
            assert_eq!(mlscore_session_score(s), mlscore_status::NullValue);
            assert_eq!(
                mlscore_session_last_error(s, small.as_mut_ptr(), 4, &mut len),
                mlscore_status::BufferTooSmall
            );
            assert_eq!(small, [0; 4], "nothing written when too small");
            let msg = message(s);
            assert_eq!(len, msg.len() + 1);
            assert!(msg.contains("null value"), "{msg}");
            assert_eq!(
                mlscore_session_last_error(s, null_mut(), 0, null_mut()),
                mlscore_status::NullArgument
            );
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
    }

    #[test]
    fn json_rows_round_trip_and_report_sizes() {
        let m = load("error");
        let s = open(m);
        let mut len = 0;
        let mut out = [0 as c_char; 128];
        let row = br#"{"_id": 3, "a": 1.5, "b": "NaN"}"#;
        let good = br#"{"_id": 3, "a": 1.5, "b": 2}"#;
        // SAFETY: live session; buffers valid for their lengths.
        unsafe {
            let st = mlscore_session_score_json(
                s,
                row.as_ptr().cast(),
                row.len(),
                0,
                out.as_mut_ptr(),
                128,
                &mut len,
            );
            assert_eq!(st, mlscore_status::NanValue);
            let st = mlscore_session_score_json(
                s,
                good.as_ptr().cast(),
                good.len(),
                0,
                out.as_mut_ptr(),
                4,
                &mut len,
            );
            assert_eq!(st, mlscore_status::BufferTooSmall);
            let needed = len;
            let st = mlscore_session_score_json(
                s,
                good.as_ptr().cast(),
                good.len(),
                0,
                out.as_mut_ptr(),
                needed,
                &mut len,
            );
            assert_eq!(st, mlscore_status::Ok);
            let text = CStr::from_ptr(out.as_ptr()).to_str().unwrap();
            assert_eq!(text, r#"{"_id":3,"a":1.5,"b":2,"features":[1.5,2.0]}"#);
            assert_eq!(len, text.len() + 1);
            let st = mlscore_session_score_json(
                s,
                c"[1]".as_ptr(),
                3,
                0,
                out.as_mut_ptr(),
                128,
                &mut len,
            );
            assert_eq!(st, mlscore_status::BadJson);
            assert!(message(s).contains("not a JSON object"));
            let st =
                mlscore_session_score_json(s, c"{".as_ptr(), 1, 0, out.as_mut_ptr(), 128, &mut len);
            assert_eq!(st, mlscore_status::BadJson);
            let st = mlscore_session_score_json(
                s,
                good.as_ptr().cast(),
                good.len(),
                8,
                out.as_mut_ptr(),
                128,
                &mut len,
            );
            assert_eq!(st, mlscore_status::InvalidArgument);
            mlscore_session_free(s);
            mlscore_model_free(m);
        }
    }
}
