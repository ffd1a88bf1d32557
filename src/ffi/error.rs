//! Status codes and the load error object. Codes sit in numbered blocks and keep their
//! number and meaning forever once released; new codes go at the end of their block.

use std::ffi::{c_char, CString};
use std::ptr;

use super::ptr::{guard, try_ref};
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};

/// Outcome of a call. Every fallible function returns one; the doc line of each code is also
/// the text mlscore_status_str() returns for it.
///
/// Blocks: 0–99 success, 1xx the caller's arguments, 2xx the saved model, 3xx unsupported
/// Spark features, 4xx the row being scored, 9xx faults inside mlscore.
///
/// Functions: mlscore_status_str().
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum mlscore_status {
    /// Success.
    Ok = 0,
    /// Spark would drop this row (handleInvalid = skip); no outputs were written.
    Skipped = 1,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A buffer or row length does not match what the model or call expects.
    BadLength = 101,
    /// A pointer is not aligned for its element type.
    MisalignedPointer = 102,
    /// A string argument is not valid UTF-8.
    BadUtf8 = 103,
    /// An input, output, stage, label or token index is out of range.
    IndexOutOfRange = 104,
    /// The value's type does not match the input column's type.
    WrongInputType = 105,
    /// The output column does not hold the type this getter reads.
    WrongOutputType = 106,
    /// Sparse vector indices are not strictly increasing or not below the vector size.
    BadSparseVector = 107,
    /// The model does not take flat numeric rows (inputs not all numbers or one vector, or no numeric outputs).
    NotFlat = 108,
    /// No row has been scored since the session was created, reset or given new inputs.
    NoResult = 109,
    /// The output buffer is too small; the needed size was reported.
    BufferTooSmall = 110,
    /// The JSON row is malformed or a value does not fit its column.
    BadJson = 111,
    /// An argument is outside its documented range (unknown flag, limit, type or version).
    InvalidArgument = 112,
    /// No input or output column has that name.
    UnknownColumn = 113,
    /// The model has no stage that recommends (an ALS model).
    NotRecommender = 114,
    /// A file or directory could not be read.
    Io = 200,
    /// A size read from disk is above its load limit.
    LimitExceeded = 201,
    /// A file or directory the saved format requires is missing.
    MissingFile = 202,
    /// A metadata file is not the JSON Spark writes.
    BadMetadata = 203,
    /// A Parquet file is corrupt, truncated or not Parquet.
    BadParquet = 204,
    /// A saved value has a shape or value Spark never writes.
    BadData = 205,
    /// The directory holds an estimator, evaluator or unfitted pipeline, not a fitted model.
    NotAModel = 206,
    /// The stages do not fit together (missing column, wrong type, unknown vector width).
    Schema = 207,
    /// A load option is invalid.
    BadOption = 208,
    /// The pipeline uses a Spark class that mlscore does not support.
    UnsupportedStage = 300,
    /// A NULL where the stage requires a value.
    NullValue = 400,
    /// A category was not seen when the model was fitted.
    UnseenCategory = 401,
    /// A NaN where the stage rejects it.
    NanValue = 402,
    /// A vector has a size other than the one the stage expects.
    BadVectorSize = 403,
    /// A value lies outside what the stage accepts.
    InvalidValue = 404,
    /// Probabilities cannot be normalised (zero or negative raw prediction).
    ZeroVector = 405,
    /// An internal fault was caught at the boundary; please report it.
    Panic = 900,
    /// An earlier call on this session panicked; reset or free the session.
    Poisoned = 901,
}

impl mlscore_status {
    /// Every code, for conversions from C integers; a test checks it against the header.
    pub(crate) const ALL: &'static [mlscore_status] = {
        use mlscore_status::*;
        &[
            Ok,
            Skipped,
            NullArgument,
            BadLength,
            MisalignedPointer,
            BadUtf8,
            IndexOutOfRange,
            WrongInputType,
            WrongOutputType,
            BadSparseVector,
            NotFlat,
            NoResult,
            BufferTooSmall,
            BadJson,
            InvalidArgument,
            UnknownColumn,
            NotRecommender,
            Io,
            LimitExceeded,
            MissingFile,
            BadMetadata,
            BadParquet,
            BadData,
            NotAModel,
            Schema,
            BadOption,
            UnsupportedStage,
            NullValue,
            UnseenCategory,
            NanValue,
            BadVectorSize,
            InvalidValue,
            ZeroVector,
            Panic,
            Poisoned,
        ]
    };

    /// The doc line of the code, NUL-terminated.
    pub(crate) fn text(self) -> &'static std::ffi::CStr {
        use mlscore_status::*;
        match self {
            Ok => c"Success.",
            Skipped => c"Spark would drop this row (handleInvalid = skip); no outputs were written.",
            NullArgument => c"A required pointer argument was NULL.",
            BadLength => c"A buffer or row length does not match what the model or call expects.",
            MisalignedPointer => c"A pointer is not aligned for its element type.",
            BadUtf8 => c"A string argument is not valid UTF-8.",
            IndexOutOfRange => c"An input, output, stage, label or token index is out of range.",
            WrongInputType => c"The value's type does not match the input column's type.",
            WrongOutputType => c"The output column does not hold the type this getter reads.",
            BadSparseVector => c"Sparse vector indices are not strictly increasing or not below the vector size.",
            NotFlat => c"The model does not take flat numeric rows (inputs not all numbers or one vector, or no numeric outputs).",
            NoResult => c"No row has been scored since the session was created, reset or given new inputs.",
            BufferTooSmall => c"The output buffer is too small; the needed size was reported.",
            BadJson => c"The JSON row is malformed or a value does not fit its column.",
            InvalidArgument => c"An argument is outside its documented range (unknown flag, limit, type or version).",
            UnknownColumn => c"No input or output column has that name.",
            NotRecommender => c"The model has no stage that recommends (an ALS model).",
            Io => c"A file or directory could not be read.",
            LimitExceeded => c"A size read from disk is above its load limit.",
            MissingFile => c"A file or directory the saved format requires is missing.",
            BadMetadata => c"A metadata file is not the JSON Spark writes.",
            BadParquet => c"A Parquet file is corrupt, truncated or not Parquet.",
            BadData => c"A saved value has a shape or value Spark never writes.",
            NotAModel => c"The directory holds an estimator, evaluator or unfitted pipeline, not a fitted model.",
            Schema => c"The stages do not fit together (missing column, wrong type, unknown vector width).",
            BadOption => c"A load option is invalid.",
            UnsupportedStage => c"The pipeline uses a Spark class that mlscore does not support.",
            NullValue => c"A NULL where the stage requires a value.",
            UnseenCategory => c"A category was not seen when the model was fitted.",
            NanValue => c"A NaN where the stage rejects it.",
            BadVectorSize => c"A vector has a size other than the one the stage expects.",
            InvalidValue => c"A value lies outside what the stage accepts.",
            ZeroVector => c"Probabilities cannot be normalised (zero or negative raw prediction).",
            Panic => c"An internal fault was caught at the boundary; please report it.",
            Poisoned => c"An earlier call on this session panicked; reset or free the session.",
        }
    }
}

impl TryFrom<i32> for mlscore_status {
    type Error = ();
    fn try_from(code: i32) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| *s as i32 == code)
            .ok_or(())
    }
}

impl From<LoadErrorKind> for mlscore_status {
    fn from(kind: LoadErrorKind) -> Self {
        match kind {
            LoadErrorKind::Io => mlscore_status::Io,
            LoadErrorKind::MissingFile => mlscore_status::MissingFile,
            LoadErrorKind::BadMetadata => mlscore_status::BadMetadata,
            LoadErrorKind::BadParquet => mlscore_status::BadParquet,
            LoadErrorKind::BadData => mlscore_status::BadData,
            LoadErrorKind::LimitExceeded => mlscore_status::LimitExceeded,
            LoadErrorKind::UnsupportedStage => mlscore_status::UnsupportedStage,
            LoadErrorKind::NotAModel => mlscore_status::NotAModel,
            LoadErrorKind::Schema => mlscore_status::Schema,
            LoadErrorKind::BadOption => mlscore_status::BadOption,
        }
    }
}

impl From<ScoreErrorKind> for mlscore_status {
    fn from(kind: ScoreErrorKind) -> Self {
        match kind {
            ScoreErrorKind::UnseenCategory => mlscore_status::UnseenCategory,
            ScoreErrorKind::NullValue => mlscore_status::NullValue,
            ScoreErrorKind::NanValue => mlscore_status::NanValue,
            ScoreErrorKind::BadVectorSize => mlscore_status::BadVectorSize,
            ScoreErrorKind::InvalidValue => mlscore_status::InvalidValue,
            ScoreErrorKind::WrongInputType => mlscore_status::WrongInputType,
            ScoreErrorKind::BadLength => mlscore_status::BadLength,
            ScoreErrorKind::ZeroVector => mlscore_status::ZeroVector,
            ScoreErrorKind::IndexOutOfRange => mlscore_status::IndexOutOfRange,
            ScoreErrorKind::BadSparseVector => mlscore_status::BadSparseVector,
            ScoreErrorKind::NotFlat => mlscore_status::NotFlat,
        }
    }
}

/// Describes a status code in one sentence (the code's documentation line).
/// Takes a plain integer so any value is safe to pass; an unknown code gives "Unknown status code.".
/// The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn mlscore_status_str(code: i32) -> *const c_char {
    match mlscore_status::try_from(code) {
        Ok(status) => status.text().as_ptr(),
        Err(()) => c"Unknown status code.".as_ptr(),
    }
}

/// Why a model failed to load: a status code, a message naming the culprit, and each part of
/// the context (file, stage uid, Spark class, column) where known. Created by
/// mlscore_model_load(); owned by the caller, who frees it with mlscore_error_free(). Immutable:
/// safe to read from any thread.
///
/// Functions: mlscore_error_code(), mlscore_error_message(), mlscore_error_file(),
/// mlscore_error_stage_uid(), mlscore_error_class(), mlscore_error_column(), mlscore_error_free().
pub struct mlscore_error {
    pub(crate) code: mlscore_status,
    message: CString,
    file: Option<CString>,
    stage_uid: Option<CString>,
    class: Option<CString>,
    column: Option<CString>,
}

/// A C string from Rust text; an interior NUL (possible in a hostile metadata file) becomes
/// U+FFFD so the text is never cut short silently.
pub(crate) fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

impl mlscore_error {
    pub(crate) fn new(code: mlscore_status, message: &str) -> Self {
        mlscore_error {
            code,
            message: c_string(message),
            file: None,
            stage_uid: None,
            class: None,
            column: None,
        }
    }

    pub(crate) fn from_load(e: &LoadError) -> Self {
        let part = |p: &Option<String>| p.as_deref().map(c_string);
        mlscore_error {
            code: e.kind.into(),
            message: c_string(&e.to_string()),
            file: part(&e.file),
            stage_uid: part(&e.stage_uid),
            class: part(&e.class),
            column: part(&e.column),
        }
    }
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// The status code of a load error.
/// Borrows `error`. NULL gives MLSCORE_STATUS_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_code(error: *const mlscore_error) -> mlscore_status {
    guard(|| Ok(try_ref!(error).code))
}

/// The full message: stage uid and class, column, what went wrong, and the file.
/// The string lives as long as `error`. NULL gives NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_message(error: *const mlscore_error) -> *const c_char {
    guard(|| Ok(try_ref!(error).message.as_ptr()))
}

/// The file the error is about, relative to the model directory; NULL when not known.
/// The string lives as long as `error`. NULL gives NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_file(error: *const mlscore_error) -> *const c_char {
    guard(|| Ok(opt_ptr(&try_ref!(error).file)))
}

/// The uid of the stage the error is about; NULL when not known.
/// The string lives as long as `error`. NULL gives NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_stage_uid(error: *const mlscore_error) -> *const c_char {
    guard(|| Ok(opt_ptr(&try_ref!(error).stage_uid)))
}

/// The Spark class of the stage the error is about (full name); NULL when not known.
/// The string lives as long as `error`. NULL gives NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_class(error: *const mlscore_error) -> *const c_char {
    guard(|| Ok(opt_ptr(&try_ref!(error).class)))
}

/// The column the error is about; NULL when not known.
/// The string lives as long as `error`. NULL gives NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_column(error: *const mlscore_error) -> *const c_char {
    guard(|| Ok(opt_ptr(&try_ref!(error).column)))
}

/// Frees a load error. Takes ownership of `error`; NULL does nothing.
/// Do not use `error` or any string read from it afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_error_free(error: *mut mlscore_error) {
    if error.is_null() {
        return;
    }
    // SAFETY: a non-NULL `error` came from Box::into_raw in mlscore_model_load and, by the
    // header's contract, is freed once. Dropping frees only plain Rust data (no panic).
    drop(unsafe { Box::from_raw(error) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let all = mlscore_status::ALL;
        for (i, a) in all.iter().enumerate() {
            assert_eq!(mlscore_status::try_from(*a as i32), Ok(*a));
            for b in &all[i + 1..] {
                assert_ne!(*a as i32, *b as i32, "{a:?} and {b:?} share a code");
            }
        }
        assert_eq!(mlscore_status::try_from(2), Err(()));
        assert_eq!(mlscore_status::try_from(-1), Err(()));
    }

    /// Each code's header doc line is the text mlscore_status_str() gives, and every code the
    /// header declares converts back from its number.
    #[test]
    fn header_docs_match_status_text() {
        let header =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/mlscore.h"))
                .unwrap();
        let mut doc = String::new();
        let mut seen = 0;
        for line in header.lines().map(str::trim) {
            if let Some(text) = line.strip_prefix("* ") {
                doc = text.to_string();
            } else if let Some(rest) = line.strip_prefix("MLSCORE_STATUS_") {
                let number: i32 = rest
                    .split(" = ")
                    .nth(1)
                    .unwrap()
                    .trim_end_matches(',')
                    .parse()
                    .unwrap();
                let status = mlscore_status::try_from(number).unwrap();
                assert_eq!(
                    status.text().to_str().unwrap(),
                    doc,
                    "MLSCORE_STATUS_{rest}"
                );
                seen += 1;
            }
        }
        assert_eq!(seen, mlscore_status::ALL.len());
    }

    #[test]
    fn status_str_never_fails() {
        for code in [i32::MIN, -1, 0, 1, 99, 100, 401, 900, 902, i32::MAX] {
            let p = mlscore_status_str(code);
            assert!(!p.is_null());
        }
    }

    #[test]
    fn free_accepts_null() {
        // SAFETY: NULL is documented as accepted.
        unsafe { mlscore_error_free(ptr::null_mut()) };
        // SAFETY: NULL handles are documented as accepted.
        unsafe {
            assert_eq!(
                mlscore_error_code(ptr::null()),
                mlscore_status::NullArgument
            );
            assert!(mlscore_error_message(ptr::null()).is_null());
            assert!(mlscore_error_file(ptr::null()).is_null());
        }
    }
}
