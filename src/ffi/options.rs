//! `mlscore_load_options`: an opaque builder for `LoadOptions` (limits, scoring semantics,
//! declared input types and vector attributes). Opaque so it can grow without breaking the ABI.

use std::ffi::c_char;

use super::error::mlscore_status;
use super::ptr::{guard, guard_status, try_c_str, try_mut, try_slice, FfiResult};
use super::types::{mlscore_limit, mlscore_type};
use crate::model::LoadOptions;
use crate::spark::{SparkVersion, VectorAttributes};

/// Options for mlscore_model_load(): load limits, the Spark version whose scoring formulas to
/// follow, and the types of raw inputs the saved files cannot tell. Created with
/// mlscore_load_options_new(), freed with mlscore_load_options_free(); the library copies what
/// it needs, so options may be freed right after loading. Not thread-safe while being set;
/// reading it from several mlscore_model_load() calls at once is safe.
///
/// Functions: mlscore_load_options_new(), mlscore_load_options_set_spark_semantics(),
/// mlscore_load_options_set_limit(), mlscore_load_options_declare_input(),
/// mlscore_load_options_declare_vector_attributes(), mlscore_load_options_select_output(),
/// mlscore_load_options_free().
pub struct mlscore_load_options {
    pub(crate) options: LoadOptions,
}

/// Creates options holding the defaults (writer's semantics, default limits, nothing declared).
/// The caller owns the result and frees it with mlscore_load_options_free().
/// @return the new options, or NULL if an internal fault occurred.
#[unsafe(no_mangle)]
pub extern "C" fn mlscore_load_options_new() -> *mut mlscore_load_options {
    guard(|| {
        Ok(Box::into_raw(Box::new(mlscore_load_options {
            options: LoadOptions::default(),
        })))
    })
}

/// Frees options. Takes ownership of `options`; NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlscore_load_options_free(options: *mut mlscore_load_options) {
    if options.is_null() {
        return;
    }
    // SAFETY: a non-NULL `options` came from Box::into_raw in mlscore_load_options_new and, by
    // the header's contract, is freed once.
    drop(unsafe { Box::from_raw(options) });
}

/// Scores with the formulas of Spark `version` ("3.5", "2.4.8", ...) instead of those of the
/// Spark version that wrote each stage. NULL `version` restores the default.
/// Borrows both arguments for the call.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT (options), _BAD_UTF8, _INVALID_ARGUMENT
///         (not a version), _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_load_options_set_spark_semantics(
    options: *mut mlscore_load_options,
    version: *const c_char,
) -> mlscore_status {
    guard_status(|| {
        let options = try_mut!(options);
        options.options.semantics = if version.is_null() {
            None
        } else {
            Some(SparkVersion::parse(try_c_str!(version)).ok_or(mlscore_status::InvalidArgument)?)
        };
        Ok(mlscore_status::Ok)
    })
}

/// Sets one load limit. `limit` is an #mlscore_limit value.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _INVALID_ARGUMENT (unknown limit, or a value
///         above 2^32 - 1 for a depth), _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_load_options_set_limit(
    options: *mut mlscore_load_options,
    limit: i32,
    value: u64,
) -> mlscore_status {
    guard_status(|| {
        let options = try_mut!(options);
        let limit = mlscore_limit::try_from(limit).map_err(|()| mlscore_status::InvalidArgument)?;
        if !limit.apply(&mut options.options.limits, value) {
            return Err(mlscore_status::InvalidArgument);
        }
        Ok(mlscore_status::Ok)
    })
}

/// Declares the type of raw input column `name` where the saved files cannot tell it: a raw
/// vector column's width, or a VectorAssembler input that is a vector rather than a double.
/// `column_type` is an #mlscore_type value; `vector_width` is the vector's width, 0 when unknown or
/// not a vector. Declaring a name again replaces the earlier declaration.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _INVALID_ARGUMENT (unknown type), _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_load_options_declare_input(
    options: *mut mlscore_load_options,
    name: *const c_char,
    column_type: i32,
    vector_width: usize,
) -> mlscore_status {
    guard_status(|| {
        let options = try_mut!(options);
        let name = try_c_str!(name);
        let ty =
            mlscore_type::try_from(column_type).map_err(|()| mlscore_status::InvalidArgument)?;
        let width = (vector_width > 0).then_some(vector_width);
        options.options.declare_input(name, ty.into(), width);
        Ok(mlscore_status::Ok)
    })
}

/// Selects output column `name`: once any is selected, the model's outputs are exactly the
/// selected columns, in Spark's output order (output indices count only those), as
/// `transform(df).select(...)` would keep them. Intermediate columns that no selected
/// output needs are then not built, which makes scoring faster (the census-style chain
/// OneHotEncoder → VectorAssembler → StandardScaler → LogisticRegression runs as one step).
/// Every stage still runs, so a row is skipped or fails exactly as without a selection.
/// Call once per column; selecting a name twice is harmless. Checked when a model is
/// loaded: a name the model does not produce fails the load with MLSCORE_STATUS_BAD_OPTION
/// and an error naming the column.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_UTF8, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_load_options_select_output(
    options: *mut mlscore_load_options,
    name: *const c_char,
) -> mlscore_status {
    guard_status(|| {
        let options = try_mut!(options);
        let name = try_c_str!(name);
        options.options.select_outputs(&[name]);
        Ok(mlscore_status::Ok)
    })
}

/// Declares the ML attributes of raw input vector column `column`: `names[i]` is the name of
/// slot i, as the column's `ml_attr` metadata would give it in Spark, so the vector's width is
/// `count`. A NULL entry is a slot without a name (Spark allows those; VectorSlicer `names`
/// cannot select it). A VectorSlicer selecting by `names` from a raw input vector needs this:
/// Spark reads the names from the DataFrame's schema, which the saved model does not hold.
/// Declaring a column again replaces the earlier attributes. The strings are copied. Names
/// are checked when a model is loaded: empty or repeated names, or a width other than one
/// given to mlscore_load_options_declare_input(), fail the load with
/// MLSCORE_STATUS_BAD_OPTION and an error naming the stage and column.
/// @param names  `count` pointers to NUL-terminated UTF-8 strings, or NULL when `count` is 0.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT (options, column, or names with count > 0),
///         _MISALIGNED_POINTER, _BAD_LENGTH, _BAD_UTF8, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_load_options_declare_vector_attributes(
    options: *mut mlscore_load_options,
    column: *const c_char,
    names: *const *const c_char,
    count: usize,
) -> mlscore_status {
    guard_status(|| {
        let options = try_mut!(options);
        let column = try_c_str!(column);
        let names = try_slice!(names, count);
        let mut slots = Vec::with_capacity(names.len());
        for &name in names {
            slots.push(if name.is_null() {
                None
            } else {
                Some(try_c_str!(name).to_string())
            });
        }
        options
            .options
            .declare_attributes(column, VectorAttributes::from_slots(slots));
        Ok(mlscore_status::Ok)
    })
}

/// The options behind a possibly-NULL pointer (NULL means defaults).
pub(crate) fn resolve(
    options: *const mlscore_load_options,
    default: &LoadOptions,
) -> FfiResult<&LoadOptions> {
    if options.is_null() {
        return Ok(default);
    }
    // SAFETY: a non-NULL `options` is a live handle by the header's contract.
    unsafe { super::ptr::as_ref(options) }.map(|o| &o.options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_validate() {
        let o = mlscore_load_options_new();
        // SAFETY: `o` is a live handle; strings are NUL-terminated literals.
        unsafe {
            assert_eq!(
                mlscore_load_options_set_spark_semantics(o, c"3.1".as_ptr()),
                mlscore_status::Ok
            );
            assert_eq!((*o).options.semantics, Some(SparkVersion::new(3, 1)));
            assert_eq!(
                mlscore_load_options_set_spark_semantics(o, c"x".as_ptr()),
                mlscore_status::InvalidArgument
            );
            assert_eq!(
                mlscore_load_options_set_spark_semantics(o, std::ptr::null()),
                mlscore_status::Ok
            );
            assert_eq!((*o).options.semantics, None);
            assert_eq!(mlscore_load_options_set_limit(o, 3, 10), mlscore_status::Ok);
            assert_eq!((*o).options.limits.max_rows, 10);
            assert_eq!(
                mlscore_load_options_set_limit(o, 99, 10),
                mlscore_status::InvalidArgument
            );
            assert_eq!(
                mlscore_load_options_declare_input(o, c"v".as_ptr(), 6, 3),
                mlscore_status::Ok
            );
            assert_eq!(
                mlscore_load_options_declare_input(o, c"v".as_ptr(), 0, 3),
                mlscore_status::InvalidArgument
            );
            assert_eq!(
                mlscore_load_options_declare_input(o, std::ptr::null(), 6, 3),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_load_options_set_limit(std::ptr::null_mut(), 3, 1),
                mlscore_status::NullArgument
            );
            let names = [c"a".as_ptr(), std::ptr::null(), c"c".as_ptr()];
            assert_eq!(
                mlscore_load_options_declare_vector_attributes(
                    o,
                    c"v".as_ptr(),
                    names.as_ptr(),
                    names.len()
                ),
                mlscore_status::Ok
            );
            assert_eq!(
                (*o).options.declared_attributes.get("v"),
                Some(&VectorAttributes {
                    width: 3,
                    names: vec![(0, "a".into()), (2, "c".into())]
                })
            );
            assert_eq!(
                mlscore_load_options_declare_vector_attributes(
                    o,
                    c"w".as_ptr(),
                    std::ptr::null(),
                    0
                ),
                mlscore_status::Ok
            );
            assert_eq!(
                (*o).options.declared_attributes.get("w").map(|a| a.width),
                Some(0)
            );
            assert_eq!(
                mlscore_load_options_declare_vector_attributes(
                    o,
                    c"v".as_ptr(),
                    std::ptr::null(),
                    2
                ),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_load_options_declare_vector_attributes(
                    o,
                    std::ptr::null(),
                    names.as_ptr(),
                    1
                ),
                mlscore_status::NullArgument
            );
            let bad = [c"\xff".as_ptr()];
            assert_eq!(
                mlscore_load_options_declare_vector_attributes(o, c"v".as_ptr(), bad.as_ptr(), 1),
                mlscore_status::BadUtf8
            );
            mlscore_load_options_free(o);
            mlscore_load_options_free(std::ptr::null_mut());
        }
    }
}
