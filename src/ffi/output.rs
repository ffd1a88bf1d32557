//! Reading the outputs of a scored row by output index (typed-row API). Getters copy into the
//! caller's buffers or lend pointers into the session; none allocates.

use std::ffi::c_char;

use super::error::mlscore_status;
use super::ptr::{require, try_slice_mut, try_write, FfiResult};
use super::session::{mlscore_session, session_call, Fail};
use crate::session::Value;

/// Output `output` of the scored row, or NO_RESULT / INDEX_OUT_OF_RANGE.
fn value(s: &mlscore_session, output: usize) -> FfiResult<Value<'_>> {
    if !s.has_result {
        return Err(mlscore_status::NoResult);
    }
    if output >= s.session.model().plan().outputs.len() {
        return Err(mlscore_status::IndexOutOfRange);
    }
    Ok(s.session.output(output))
}

/// Stores in `*is_null` whether output `output` of the scored row is SQL NULL.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_is_null(
    session: *mut mlscore_session,
    output: usize,
    is_null: *mut bool,
) -> mlscore_status {
    session_call!(session, |s| {
        let v = value(s, output)?;
        try_write!(is_null, matches!(v, Value::Null));
        Ok(mlscore_status::Ok)
    })
}

/// Stores numeric output `output` (double, int, float or boolean column) of the scored row in
/// `*value`; NULL reads as NaN.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_double(
    session: *mut mlscore_session,
    output: usize,
    value: *mut f64,
) -> mlscore_status {
    session_call!(session, |s| {
        let x = match self::value(s, output)? {
            Value::Null => f64::NAN,
            Value::Double(x) => x,
            Value::Int(i) => i as f64,
            Value::Float(f) => f64::from(f),
            Value::Bool(b) => f64::from(u8::from(b)),
            Value::Str(_) | Value::Vector(_) | Value::Tokens(_) | Value::Vectors(_) => {
                return Err(mlscore_status::WrongOutputType.into())
            }
        };
        try_write!(value, x);
        Ok(mlscore_status::Ok)
    })
}

/// Lends string output `output` of the scored row: `*value` points to its UTF-8 bytes (not
/// NUL-terminated), `*len` receives their count. NULL reads as `*value` = NULL, `*len` = 0.
/// The bytes belong to the session and stay valid until the next call that sets an input,
/// scores, or resets or frees the session.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_string(
    session: *mut mlscore_session,
    output: usize,
    value: *mut *const c_char,
    len: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        require(value)?;
        require(len)?;
        let (p, n) = match self::value(s, output)? {
            Value::Null => (std::ptr::null(), 0),
            Value::Str(t) => (t.as_ptr().cast::<c_char>(), t.len()),
            _ => return Err(mlscore_status::WrongOutputType.into()),
        };
        try_write!(value, p);
        try_write!(len, n);
        Ok(mlscore_status::Ok)
    })
}

/// The vector behind output `output`, or WRONG_OUTPUT_TYPE (a NULL vector reads as size 0).
fn vector(s: &mlscore_session, output: usize) -> Result<Option<&crate::plan::VecBuf>, Fail> {
    match value(s, output)? {
        Value::Vector(v) => Ok(Some(v)),
        Value::Null => Ok(None),
        _ => Err(mlscore_status::WrongOutputType.into()),
    }
}

/// Stores in `*size` the size of vector output `output` of the scored row (0 when NULL).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_size(
    session: *mut mlscore_session,
    output: usize,
    size: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let n = vector(s, output)?.map_or(0, |v| v.size);
        try_write!(size, n);
        Ok(mlscore_status::Ok)
    })
}

/// Copies vector output `output` of the scored row into `values` as a dense array;
/// `len` must equal its size (mlscore_session_output_vector_size()).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_LENGTH, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector(
    session: *mut mlscore_session,
    output: usize,
    values: *mut f64,
    len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let v = vector(s, output)?;
        if v.map_or(0, |v| v.size) != len {
            return Err(mlscore_status::BadLength.into());
        }
        let out = try_slice_mut!(values, len);
        if let Some(v) = v {
            if v.sparse {
                out.fill(0.0);
                for (&i, &x) in v.indices.iter().zip(&v.values) {
                    if let Some(d) = out.get_mut(i as usize) {
                        *d = x;
                    }
                }
            } else {
                for (d, &x) in out.iter_mut().zip(&v.values) {
                    *d = x;
                }
            }
        }
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*count` how many entries vector output `output` stores (the non-zeros Spark
/// keeps for a sparse vector; the size for a dense one), and in `*is_sparse` whether Spark
/// holds it as sparse.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_nnz(
    session: *mut mlscore_session,
    output: usize,
    count: *mut usize,
    is_sparse: *mut bool,
) -> mlscore_status {
    session_call!(session, |s| {
        require(count)?;
        require(is_sparse)?;
        let v = vector(s, output)?;
        try_write!(
            count,
            v.map_or(0, |v| if v.sparse { v.indices.len() } else { v.size })
        );
        try_write!(is_sparse, v.is_some_and(|v| v.sparse));
        Ok(mlscore_status::Ok)
    })
}

/// Copies the stored entries of vector output `output` into `indices` and `values` (a dense
/// vector gives indices 0..size-1); `len` must equal the count from
/// mlscore_session_output_vector_nnz().
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_LENGTH, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_sparse(
    session: *mut mlscore_session,
    output: usize,
    indices: *mut u32,
    values: *mut f64,
    len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let v = vector(s, output)?;
        let stored = v.map_or(0, |v| if v.sparse { v.indices.len() } else { v.size });
        if stored != len {
            return Err(mlscore_status::BadLength.into());
        }
        let idx = try_slice_mut!(indices, len);
        let val = try_slice_mut!(values, len);
        let Some(v) = v else {
            return Ok(mlscore_status::Ok);
        };
        let mut k = 0;
        v.for_each_active(|i, x| {
            if let (Some(di), Some(dv)) = (idx.get_mut(k), val.get_mut(k)) {
                *di = i as u32;
                *dv = x;
            }
            k += 1;
        });
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*count` the number of strings in array-of-strings output `output` (0 when NULL).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_token_count(
    session: *mut mlscore_session,
    output: usize,
    count: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let n = match value(s, output)? {
            Value::Tokens(t) => t.len(),
            Value::Null => 0,
            _ => return Err(mlscore_status::WrongOutputType.into()),
        };
        try_write!(count, n);
        Ok(mlscore_status::Ok)
    })
}

/// Lends string `index` of array-of-strings output `output`: `*value` points to its UTF-8
/// bytes (not NUL-terminated), `*len` receives their count. Valid as for
/// mlscore_session_output_string().
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE (output or
///         string index), _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_token(
    session: *mut mlscore_session,
    output: usize,
    index: usize,
    value: *mut *const c_char,
    len: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        require(value)?;
        require(len)?;
        let t = match self::value(s, output)? {
            Value::Tokens(t) if index < t.len() => t.get(index),
            Value::Tokens(_) | Value::Null => return Err(mlscore_status::IndexOutOfRange.into()),
            _ => return Err(mlscore_status::WrongOutputType.into()),
        };
        try_write!(value, t.as_ptr().cast::<c_char>());
        try_write!(len, t.len());
        Ok(mlscore_status::Ok)
    })
}

/// The vectors behind array-of-vectors output `output`, or WRONG_OUTPUT_TYPE (NULL reads as
/// an empty array).
fn vectors(s: &mlscore_session, output: usize) -> Result<&[crate::plan::VecBuf], Fail> {
    match value(s, output)? {
        Value::Vectors(v) => Ok(v),
        Value::Null => Ok(&[]),
        _ => Err(mlscore_status::WrongOutputType.into()),
    }
}

/// Stores in `*count` the number of vectors in array-of-vectors output `output` of the scored
/// row (0 when NULL). An LSH model's `hashes` holds one vector per hash table.
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE,
///         _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_array_len(
    session: *mut mlscore_session,
    output: usize,
    count: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let n = vectors(s, output)?.len();
        try_write!(count, n);
        Ok(mlscore_status::Ok)
    })
}

/// Stores in `*size` the size of vector `index` of array-of-vectors output `output` of the
/// scored row (1 for an LSH hash).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _NO_RESULT, _INDEX_OUT_OF_RANGE (output or
///         vector index), _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_array_item_size(
    session: *mut mlscore_session,
    output: usize,
    index: usize,
    size: *mut usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let v = vectors(s, output)?
            .get(index)
            .ok_or(mlscore_status::IndexOutOfRange)?;
        try_write!(size, v.size);
        Ok(mlscore_status::Ok)
    })
}

/// Copies vector `index` of array-of-vectors output `output` of the scored row into `values`
/// as a dense array; `len` must equal its size
/// (mlscore_session_output_vector_array_item_size()).
/// @return MLSCORE_STATUS_OK, _NULL_ARGUMENT, _BAD_LENGTH, _NO_RESULT, _INDEX_OUT_OF_RANGE
///         (output or vector index), _WRONG_OUTPUT_TYPE, _POISONED, _PANIC.
#[unsafe(no_mangle)]
#[must_use]
pub unsafe extern "C" fn mlscore_session_output_vector_array_item(
    session: *mut mlscore_session,
    output: usize,
    index: usize,
    values: *mut f64,
    len: usize,
) -> mlscore_status {
    session_call!(session, |s| {
        let v = vectors(s, output)?
            .get(index)
            .ok_or(mlscore_status::IndexOutOfRange)?;
        if v.size != len {
            return Err(mlscore_status::BadLength.into());
        }
        let out = try_slice_mut!(values, len);
        out.fill(0.0);
        v.for_each_active(|i, x| {
            if let Some(d) = out.get_mut(i) {
                *d = x;
            }
        });
        Ok(mlscore_status::Ok)
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    use crate::ffi::*;

    /// The Spark 3.5.9 BucketedRandomProjectionLSH fixture (4 hash tables over 4 features) and
    /// Spark's hashes for its first row, [1, 2, 3, 4].
    fn brp() -> (*mut mlscore_model, Vec<f64>) {
        let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/spark/fixtures-formula/spark-3.5.9/bucketed_random_projection_lsh");
        let first = std::fs::read_to_string(case.join("expected.jsonl")).unwrap();
        let row: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        let hashes = row["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h[0].as_f64().unwrap())
            .collect();
        let path = CString::new(case.join("model").to_str().unwrap()).unwrap();
        let mut model = null_mut();
        // SAFETY: valid C string and out-pointer; no options, no error slot.
        let st = unsafe { mlscore_model_load(path.as_ptr(), null(), &mut model, null_mut()) };
        assert_eq!(st, mlscore_status::Ok);
        (model, hashes)
    }

    #[test]
    fn vector_array_outputs() {
        let (model, expected) = brp();
        let mut s = null_mut();
        let mut k = 0;
        let mut ty = mlscore_type::Double;
        let name = CString::new("hashes").unwrap();
        // SAFETY: live model and session, valid pointers and exact lengths throughout.
        unsafe {
            assert_eq!(mlscore_session_new(model, &mut s), mlscore_status::Ok);
            assert_eq!(
                mlscore_model_output_index(model, name.as_ptr(), &mut k),
                mlscore_status::Ok
            );
            assert_eq!(
                mlscore_model_output_type(model, k, &mut ty),
                mlscore_status::Ok
            );
            assert_eq!(ty, mlscore_type::VectorArray);
            let mut count = 0;
            assert_eq!(
                mlscore_session_output_vector_array_len(s, k, &mut count),
                mlscore_status::NoResult
            );
            let x = [1.0, 2.0, 3.0, 4.0];
            assert_eq!(
                mlscore_session_set_dense(s, 0, x.as_ptr(), 4),
                mlscore_status::Ok
            );
            assert_eq!(mlscore_session_score(s), mlscore_status::Ok);
            assert_eq!(
                mlscore_session_output_vector_array_len(s, k, &mut count),
                mlscore_status::Ok
            );
            assert_eq!(count, expected.len());
            for (i, want) in expected.iter().enumerate() {
                let mut size = 0;
                assert_eq!(
                    mlscore_session_output_vector_array_item_size(s, k, i, &mut size),
                    mlscore_status::Ok
                );
                assert_eq!(size, 1);
                let mut v = [f64::NAN];
                assert_eq!(
                    mlscore_session_output_vector_array_item(s, k, i, v.as_mut_ptr(), 1),
                    mlscore_status::Ok
                );
                assert_eq!(v[0], *want);
                assert_eq!(
                    mlscore_session_output_vector_array_item(s, k, i, v.as_mut_ptr(), 2),
                    mlscore_status::BadLength
                );
            }
            let mut size = 0;
            assert_eq!(
                mlscore_session_output_vector_array_item_size(s, k, count, &mut size),
                mlscore_status::IndexOutOfRange
            );
            assert_eq!(
                mlscore_session_output_vector_array_len(s, k, null_mut()),
                mlscore_status::NullArgument
            );
            assert_eq!(
                mlscore_session_output_vector_array_item(s, k, 0, null_mut(), 1),
                mlscore_status::NullArgument
            );
            let mut d = 0.0;
            assert_eq!(
                mlscore_session_output_double(s, k, &mut d),
                mlscore_status::WrongOutputType
            );
            assert_eq!(
                mlscore_session_output_vector_array_len(s, k + 1, &mut count),
                mlscore_status::IndexOutOfRange
            );
            mlscore_session_free(s);
            mlscore_model_free(model);
        }
    }
}
