//! `mlscore_model`: a loaded model behind an `Arc`, plus the NUL-terminated names C callers
//! read (column names, labels, stage uids), built once at load time.

use std::ffi::{c_char, CStr, CString};
use std::path::PathBuf;
use std::sync::Arc;

use super::error::{c_string, mlscore_error, mlscore_status};
use super::options::{mlscore_load_options, resolve};
use super::ptr::{
    guard, guard_status, require, try_c_str, try_ref, try_slice_mut, try_write, FfiResult,
};
use super::types::mlscore_type;
use crate::model::{LoadOptions, Model};
use crate::plan::ColumnSpec;

/// A loaded model: immutable, reference-counted, and safe to use from any number of threads
/// at once (every function taking `const mlscore_model *` is thread-safe). Load each model
/// version once, open one mlscore_session per worker thread, and to swap models load the new
/// version and open new sessions. Freeing the model while sessions are open is safe: each
/// session holds its own reference.
///
/// Functions: mlscore_model_load(), mlscore_model_clone(), mlscore_model_free(),
/// mlscore_model_input_count(), mlscore_model_input_name(), mlscore_model_input_type(),
/// mlscore_model_input_vector_width(), mlscore_model_input_index(), mlscore_model_output_count(),
/// mlscore_model_output_name(), mlscore_model_output_type(), mlscore_model_output_vector_width(),
/// mlscore_model_output_index(), mlscore_model_prediction_output(), mlscore_model_class_count(),
/// mlscore_model_class_label(), mlscore_model_input_width(), mlscore_model_output_width(),
/// mlscore_model_flat_output_count(), mlscore_model_flat_output(), mlscore_model_spark_version(),
/// mlscore_model_stage_count(), mlscore_model_stage_uid(), mlscore_model_stage_class(),
/// mlscore_model_recommend_for_user(), mlscore_model_recommend_for_item().
pub struct mlscore_model {
    pub(crate) model: Model,
    inputs: Vec<CString>,
    outputs: Vec<CString>,
    prediction: Option<usize>,
    class_count: usize,
    class_labels: Vec<CString>,
    stages: Vec<(CString, CString)>,
    spark_version: CString,
}

impl mlscore_model {
    pub(crate) fn new(model: Model) -> Self {
        let names =
            |cols: &mut dyn Iterator<Item = &ColumnSpec>| cols.map(|c| c_string(&c.name)).collect();
        let inputs = names(&mut model.inputs());
        let outputs = names(&mut model.outputs());
        // The prediction column: the last double output carrying a nominal attribute, as
        // classifiers (and indexers) write it.
        let prediction = model
            .outputs()
            .enumerate()
            .filter(|(_, c)| c.nominal.is_some())
            .map(|(k, _)| k)
            .last();
        let nominal = prediction
            .and_then(|k| model.outputs().nth(k))
            .and_then(|c| c.nominal.as_ref());
        let class_count = nominal.map_or(0, |n| n.num_values);
        let class_labels = nominal
            .and_then(|n| n.labels.as_ref())
            .map_or(Vec::new(), |l| l.iter().map(|s| c_string(s)).collect());
        let stages = model
            .stages()
            .iter()
            .map(|s| (c_string(&s.uid), c_string(&s.class)))
            .collect();
        let spark_version = c_string(model.spark_version());
        mlscore_model {
            model,
            inputs,
            outputs,
            prediction,
            class_count,
            class_labels,
            stages,
            spark_version,
        }
    }
}

/// A path from a C string: any bytes on Unix (paths need not be UTF-8), UTF-8 elsewhere.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn path_from(p: *const c_char) -> FfiResult<PathBuf> {
    if p.is_null() {
        return Err(mlscore_status::NullArgument);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: non-NULL; the header requires `path` to be NUL-terminated.
        let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        Ok(PathBuf::from(try_c_str!(p)))
    }
}

/// Loads the Spark model saved in directory `path` (what `model.write().save(path)` wrote).
/// `options` may be NULL for defaults; it is only read during the call. On success stores a new
/// model in `*model` (the caller owns it: mlscore_model_free()). On failure `*model` is left
/// untouched and, when `error` is not NULL, `*error` receives an mlscore_error the caller frees
/// with mlscore_error_free(); `*error` is left untouched on success.
/// All parsing, checks and allocation happen here; scoring later allocates nothing.
/// Thread-safe.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT (path or model), a 2xx code (the saved files),
///         _UNSUPPORTED_STAGE, _BAD_OPTION, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_load(
    path: *const c_char,
    options: *const mlscore_load_options,
    model: *mut *mut mlscore_model,
    error: *mut *mut mlscore_error,
) -> mlscore_status {
    let mut failure: Option<mlscore_error> = None;
    let status = guard_status(|| {
        require(model)?;
        // SAFETY: the header requires `path` to be NULL or NUL-terminated.
        let path = unsafe { path_from(path) }?;
        let default = LoadOptions::default();
        let options = resolve(options, &default)?;
        match Model::load_with(&path, options) {
            Ok(m) => {
                let handle = Arc::into_raw(Arc::new(mlscore_model::new(m))).cast_mut();
                try_write!(model, handle);
                Ok(mlscore_status::Ok)
            }
            Err(e) => {
                let e = mlscore_error::from_load(&e);
                let code = e.code;
                failure = Some(e);
                Err(code)
            }
        }
    });
    if status != mlscore_status::Ok && !error.is_null() {
        let e =
            failure.unwrap_or_else(|| mlscore_error::new(status, &status.text().to_string_lossy()));
        // SAFETY: non-NULL; the header requires `error` to be writable for one pointer.
        unsafe { error.write(Box::into_raw(Box::new(e))) };
    }
    status
}

/// Adds a reference to `model` for a new owner, who frees it with mlscore_model_free().
/// Returns `model` itself (the same pointer), or NULL when `model` is NULL.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_clone(model: *const mlscore_model) -> *mut mlscore_model {
    if model.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: a non-NULL `model` came from Arc::into_raw in mlscore_model_load and the caller
    // holds a reference, so the count is at least one.
    unsafe { Arc::increment_strong_count(model) };
    model.cast_mut()
}

/// Drops the caller's reference to `model`; the model is freed when the last reference (other
/// owners, open sessions) goes. NULL does nothing. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_free(model: *mut mlscore_model) {
    if model.is_null() {
        return;
    }
    // SAFETY: a non-NULL `model` came from Arc::into_raw (load or clone) and the caller gives
    // up the one reference it owns.
    drop(unsafe { Arc::from_raw(model.cast_const()) });
}

fn column<'a>(
    cols: &mut dyn Iterator<Item = &'a ColumnSpec>,
    index: usize,
) -> FfiResult<&'a ColumnSpec> {
    cols.nth(index).ok_or(mlscore_status::IndexOutOfRange)
}

/// Number of raw input columns the caller provides (0 when `model` is NULL). Input indices
/// used by the typed-row setters run from 0 to this count - 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_input_count(model: *const mlscore_model) -> usize {
    guard(|| Ok(try_ref!(model).inputs.len()))
}

/// Name of raw input `index`, NUL-terminated; lives as long as `model`.
/// NULL when `model` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_input_name(
    model: *const mlscore_model,
    index: usize,
) -> *const c_char {
    guard(|| {
        Ok(try_ref!(model)
            .inputs
            .get(index)
            .map_or(std::ptr::null(), |s| s.as_ptr()))
    })
}

/// Stores the type of raw input `index` in `*column_type`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_input_type(
    model: *const mlscore_model,
    index: usize,
    column_type: *mut mlscore_type,
) -> mlscore_status {
    guard_status(|| {
        let col = column(&mut try_ref!(model).model.inputs(), index)?;
        try_write!(column_type, col.ty.into());
        Ok(mlscore_status::Ok)
    })
}

/// Stores the width of vector input `index` in `*width`: 0 when the input is not a vector or
/// its width is not known from the model (any width is then accepted as the stages allow).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_input_vector_width(
    model: *const mlscore_model,
    index: usize,
    width: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let col = column(&mut try_ref!(model).model.inputs(), index)?;
        try_write!(width, col.width.unwrap_or(0));
        Ok(mlscore_status::Ok)
    })
}

/// Stores the index of the raw input called `name` (NUL-terminated UTF-8) in `*index`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _UNKNOWN_COLUMN, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_input_index(
    model: *const mlscore_model,
    name: *const c_char,
    index: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let m = try_ref!(model);
        let k = m
            .model
            .input_index(try_c_str!(name))
            .ok_or(mlscore_status::UnknownColumn)?;
        try_write!(index, k);
        Ok(mlscore_status::Ok)
    })
}

/// Number of output columns the stages produce, in the order Spark's transform appends them
/// (0 when `model` is NULL). Output indices used by the session getters run up to this count - 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_output_count(model: *const mlscore_model) -> usize {
    guard(|| Ok(try_ref!(model).outputs.len()))
}

/// Name of output `index`, NUL-terminated; lives as long as `model`.
/// NULL when `model` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_output_name(
    model: *const mlscore_model,
    index: usize,
) -> *const c_char {
    guard(|| {
        Ok(try_ref!(model)
            .outputs
            .get(index)
            .map_or(std::ptr::null(), |s| s.as_ptr()))
    })
}

/// Stores the type of output `index` in `*column_type`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_output_type(
    model: *const mlscore_model,
    index: usize,
    column_type: *mut mlscore_type,
) -> mlscore_status {
    guard_status(|| {
        let col = column(&mut try_ref!(model).model.outputs(), index)?;
        try_write!(column_type, col.ty.into());
        Ok(mlscore_status::Ok)
    })
}

/// Stores the width of vector output `index` in `*width`: 0 when the output is not a vector or
/// its width is only known per row (mlscore_session_output_vector_size() then tells).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INDEX_OUT_OF_RANGE, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_output_vector_width(
    model: *const mlscore_model,
    index: usize,
    width: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let col = column(&mut try_ref!(model).model.outputs(), index)?;
        try_write!(width, col.width.unwrap_or(0));
        Ok(mlscore_status::Ok)
    })
}

/// Stores the index of the output called `name` (NUL-terminated UTF-8) in `*index`.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _UNKNOWN_COLUMN, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_output_index(
    model: *const mlscore_model,
    name: *const c_char,
    index: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let m = try_ref!(model);
        let k = m
            .model
            .output_index(try_c_str!(name))
            .ok_or(mlscore_status::UnknownColumn)?;
        try_write!(index, k);
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*index` the output index of the prediction column: the last output holding a
/// category index (a classifier's prediction, or an indexer's output when no classifier follows).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _UNKNOWN_COLUMN (no such column, e.g. a
///         regression), _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_prediction_output(
    model: *const mlscore_model,
    index: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let k = try_ref!(model)
            .prediction
            .ok_or(mlscore_status::UnknownColumn)?;
        try_write!(index, k);
        Ok(mlscore_status::Ok)
    })
}

/// Number of classes (categories) of the prediction column; 0 when there is none or `model`
/// is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_class_count(model: *const mlscore_model) -> usize {
    guard(|| Ok(try_ref!(model).class_count))
}

/// Label of class `index` of the prediction column (the category whose index the prediction
/// holds), NUL-terminated; lives as long as `model`. NULL when labels are not known (a
/// classifier's metadata stores only the class count) or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_class_label(
    model: *const mlscore_model,
    index: usize,
) -> *const c_char {
    guard(|| {
        Ok(try_ref!(model)
            .class_labels
            .get(index)
            .map_or(std::ptr::null(), |s| s.as_ptr()))
    })
}

/// Stores in `*width` the length of a flat numeric input row (mlscore_session_score_flat()):
/// the number of inputs when all are numeric, or the width of the only input when it is a
/// vector of known width.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NOT_FLAT, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_input_width(
    model: *const mlscore_model,
    width: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let w = try_ref!(model)
            .model
            .flat()
            .map_err(|e| mlscore_status::from(e.kind))?
            .input_width;
        try_write!(width, w);
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*width` the length of a flat output row: the numeric output columns of the last
/// stage that produces numeric columns, in Spark's order, each vector flattened to its width
/// (dense). For a classifier: rawPrediction, probability, prediction. See
/// mlscore_model_flat_output() for which column sits where.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NOT_FLAT, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_output_width(
    model: *const mlscore_model,
    width: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let w = try_ref!(model)
            .model
            .flat()
            .map_err(|e| mlscore_status::from(e.kind))?
            .output_width;
        try_write!(width, w);
        Ok(mlscore_status::Ok)
    })
}

/// Number of output columns in a flat output row; 0 when the model is not flat or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_flat_output_count(model: *const mlscore_model) -> usize {
    guard(|| Ok(try_ref!(model).model.flat().map_or(0, |f| f.outputs.len())))
}

/// Describes column `column` of a flat output row: its output index (for
/// mlscore_model_output_name()), its first element `offset` and its `width` (1 for a number).
/// All three out-pointers are required.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NOT_FLAT, _INDEX_OUT_OF_RANGE, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_flat_output(
    model: *const mlscore_model,
    column: usize,
    output_index: *mut usize,
    offset: *mut usize,
    width: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let flat = try_ref!(model)
            .model
            .flat()
            .map_err(|e| mlscore_status::from(e.kind))?;
        let c = flat
            .outputs
            .get(column)
            .ok_or(mlscore_status::IndexOutOfRange)?;
        require(output_index)?;
        require(offset)?;
        require(width)?;
        try_write!(output_index, c.output);
        try_write!(offset, c.offset);
        try_write!(width, c.width);
        Ok(mlscore_status::Ok)
    })
}

/// The Spark version that wrote the model (e.g. "3.5.1"), empty when not recorded (old
/// spark.mllib models); lives as long as `model`. NULL when `model` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_spark_version(model: *const mlscore_model) -> *const c_char {
    guard(|| Ok(try_ref!(model).spark_version.as_ptr()))
}

/// Number of stages in the flattened pipeline (nested pipelines expanded, the best model of a
/// tuning wrapper); 0 when `model` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_stage_count(model: *const mlscore_model) -> usize {
    guard(|| Ok(try_ref!(model).stages.len()))
}

/// Uid of stage `index` (e.g. "StringIndexerModel_4f2a"); lives as long as `model`.
/// NULL when `model` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_stage_uid(
    model: *const mlscore_model,
    index: usize,
) -> *const c_char {
    guard(|| {
        Ok(try_ref!(model)
            .stages
            .get(index)
            .map_or(std::ptr::null(), |s| s.0.as_ptr()))
    })
}

/// Full Spark class of stage `index` (e.g. "org.apache.spark.ml.feature.StringIndexerModel");
/// lives as long as `model`. NULL when `model` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_model_stage_class(
    model: *const mlscore_model,
    index: usize,
) -> *const c_char {
    guard(|| {
        Ok(try_ref!(model)
            .stages
            .get(index)
            .map_or(std::ptr::null(), |s| s.1.as_ptr()))
    })
}

/// Shared body of the two recommend functions.
///
/// # Safety
/// As for mlscore_model_recommend_for_user().
unsafe fn recommend(
    model: *const mlscore_model,
    for_user: bool,
    id: i32,
    k: usize,
    ids: *mut i32,
    ratings: *mut f32,
    written: *mut usize,
) -> mlscore_status {
    guard_status(|| {
        let model = &try_ref!(model).model;
        require(written)?;
        let ids = try_slice_mut!(ids, k);
        let ratings = try_slice_mut!(ratings, k);
        let n = model
            .recommend(for_user, id, ids, ratings)
            .ok_or(mlscore_status::NotRecommender)?;
        try_write!(written, n);
        Ok(mlscore_status::Ok)
    })
}

/// The `k` items with the highest predicted rating for `user`, as Spark's ALS
/// `recommendForUserSubset` gives them: best first, equal ratings by ascending item id.
/// Writes `*written` (≤ k) ids and ratings into `item_ids` and `ratings` (each holding at
/// least `k` elements; both may be NULL when `k` is 0). A user the model has no factors for
/// gives MLSCORE_STATUS_OK with `*written` = 0 (Spark returns no row for it). Allocates
/// nothing; thread-safe.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _MISALIGNED_POINTER, _NOT_RECOMMENDER, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_recommend_for_user(
    model: *const mlscore_model,
    user: i32,
    k: usize,
    item_ids: *mut i32,
    ratings: *mut f32,
    written: *mut usize,
) -> mlscore_status {
    // SAFETY: the arguments' contract is this function's.
    unsafe { recommend(model, true, user, k, item_ids, ratings, written) }
}

/// The `k` users with the highest predicted rating for `item`, as Spark's ALS
/// `recommendForItemSubset` gives them; otherwise as mlscore_model_recommend_for_user().
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _MISALIGNED_POINTER, _NOT_RECOMMENDER, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_model_recommend_for_item(
    model: *const mlscore_model,
    item: i32,
    k: usize,
    user_ids: *mut i32,
    ratings: *mut f32,
    written: *mut usize,
) -> mlscore_status {
    // SAFETY: the arguments' contract is this function's.
    unsafe { recommend(model, false, item, k, user_ids, ratings, written) }
}
