//! Errors. `LoadError` owns rich context (file, stage uid, Spark class, column) because loading
//! may allocate; `ScoreError` is `Copy` and holds indices only, so a failing score allocates
//! nothing. The plan renders a `ScoreError` into words on request.

use std::fmt;

/// What went wrong while loading; each kind has a fixed status code in the C API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// A file or directory could not be read.
    Io,
    /// A file or directory the format requires is absent.
    MissingFile,
    /// A metadata file is not the JSON Spark writes.
    BadMetadata,
    /// A Parquet file is corrupt, truncated or not Parquet.
    BadParquet,
    /// A Parquet or JSON value has a shape or value Spark never writes.
    BadData,
    /// A size read from disk is above its load limit.
    LimitExceeded,
    /// The directory holds a Spark class mlscore does not score.
    UnsupportedStage,
    /// The directory holds an estimator, evaluator or unfitted pipeline, not a fitted model.
    NotAModel,
    /// Stages do not fit together (missing column, wrong type, unknown vector width).
    Schema,
    /// A load option is invalid.
    BadOption,
}

/// A load failure with the culprit named: file, stage uid, Spark class and column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub message: String,
    pub file: Option<String>,
    pub stage_uid: Option<String>,
    pub class: Option<String>,
    pub column: Option<String>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.stage_uid, &self.class) {
            (Some(uid), Some(class)) => write!(f, "stage {uid} ({}): ", short_class(class))?,
            (None, Some(class)) => write!(f, "{}: ", short_class(class))?,
            (Some(uid), None) => write!(f, "stage {uid}: ")?,
            (None, None) => {}
        }
        if let Some(column) = &self.column {
            write!(f, "column `{column}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(file) = &self.file {
            write!(f, " (in {file})")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// `org.apache.spark.ml.feature.StringIndexerModel` → `StringIndexerModel`.
pub fn short_class(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

impl LoadError {
    pub fn new(kind: LoadErrorKind, message: impl Into<String>) -> Self {
        LoadError {
            kind,
            message: message.into(),
            file: None,
            stage_uid: None,
            class: None,
            column: None,
        }
    }
    pub fn bad_data(message: impl Into<String>) -> Self {
        Self::new(LoadErrorKind::BadData, message)
    }
    pub fn schema(message: impl Into<String>) -> Self {
        Self::new(LoadErrorKind::Schema, message)
    }
    /// Sets the file unless an inner layer already named a more precise one.
    pub fn in_file(mut self, file: impl fmt::Display) -> Self {
        if self.file.is_none() {
            self.file = Some(file.to_string());
        }
        self
    }
    /// Sets the stage unless an inner (nested) stage was already named.
    pub fn in_stage(mut self, uid: &str, class: &str) -> Self {
        if self.stage_uid.is_none() && self.class.is_none() {
            self.stage_uid = Some(uid.to_string());
            self.class = Some(class.to_string());
        }
        self
    }
    pub fn in_column(mut self, column: &str) -> Self {
        if self.column.is_none() {
            self.column = Some(column.to_string());
        }
        self
    }
}

/// Adds context to a `Result<_, LoadError>` without closures at every call site.
pub trait LoadContext<T> {
    fn in_file(self, file: impl fmt::Display) -> Result<T, LoadError>;
    fn in_column(self, column: &str) -> Result<T, LoadError>;
}

impl<T> LoadContext<T> for Result<T, LoadError> {
    fn in_file(self, file: impl fmt::Display) -> Result<T, LoadError> {
        self.map_err(|e| e.in_file(file))
    }
    fn in_column(self, column: &str) -> Result<T, LoadError> {
        self.map_err(|e| e.in_column(column))
    }
}

/// Why a row could not be scored. Mirrors the exceptions Spark raises in `transform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreErrorKind {
    /// A categorical value was not seen when the model was fitted (handleInvalid = error).
    UnseenCategory,
    /// A NULL where the stage requires a value.
    NullValue,
    /// A NaN where the stage rejects it (handleInvalid = error).
    NanValue,
    /// A vector has a size other than the one the stage expects.
    BadVectorSize,
    /// A value lies outside what the stage accepts (bucket bounds, negative or non-binary
    /// feature, out-of-range index).
    InvalidValue,
    /// The caller set an input with the wrong type (e.g. a string for a numeric column).
    WrongInputType,
    /// The caller passed a buffer or row whose length does not match the model.
    BadLength,
    /// Probabilities cannot be normalised (all-zero or negative raw prediction).
    ZeroVector,
    /// The caller named an input or output index the model does not have.
    IndexOutOfRange,
    /// The caller passed sparse indices that are unordered, repeated or not below the size.
    BadSparseVector,
    /// The caller used the flat numeric API on a model whose inputs are not all numeric (or
    /// one vector), or whose outputs hold no numbers.
    NotFlat,
}

impl ScoreErrorKind {
    pub fn describe(self) -> &'static str {
        match self {
            ScoreErrorKind::UnseenCategory => "unseen category",
            ScoreErrorKind::NullValue => "null value",
            ScoreErrorKind::NanValue => "NaN value not allowed",
            ScoreErrorKind::BadVectorSize => "vector of the wrong size",
            ScoreErrorKind::InvalidValue => "invalid value",
            ScoreErrorKind::WrongInputType => "wrong input type",
            ScoreErrorKind::BadLength => "buffer or row of the wrong length",
            ScoreErrorKind::ZeroVector => "cannot normalize a zero or negative vector",
            ScoreErrorKind::IndexOutOfRange => "input or output index out of range",
            ScoreErrorKind::BadSparseVector => {
                "sparse indices unordered or not below the vector size"
            }
            ScoreErrorKind::NotFlat => "the model does not take and give flat numeric rows",
        }
    }
}

/// Where scoring stopped: `Copy`, no strings, so failing never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreError {
    pub kind: ScoreErrorKind,
    /// Index of the stage in `Model::stages()`, or `u32::MAX` for the caller's arguments.
    pub stage: u32,
    /// Column slot the error is about, or `u32::MAX`.
    pub column: u32,
}

pub const NO_INDEX: u32 = u32::MAX;

impl ScoreError {
    pub fn new(kind: ScoreErrorKind, stage: u32, column: u32) -> Self {
        ScoreError {
            kind,
            stage,
            column,
        }
    }
    pub fn argument(kind: ScoreErrorKind) -> Self {
        ScoreError::new(kind, NO_INDEX, NO_INDEX)
    }
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.describe())?;
        if self.stage != NO_INDEX {
            write!(f, " in stage {}", self.stage)?;
        }
        if self.column != NO_INDEX {
            write!(f, " (column slot {})", self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScoreError {}

/// A batch stopped at row `row` (rows before it were scored and written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchError {
    pub row: usize,
    pub error: ScoreError,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.error)
    }
}

impl std::error::Error for BatchError {}
