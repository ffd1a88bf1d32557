//! Small C enums shared by several objects: column types and load limits. Functions that
//! receive one take a plain `int32_t` and convert it with `TryFrom`, since an out-of-range
//! value in a Rust enum would already be undefined behaviour.

use crate::plan::ColumnType;
use crate::spark::LoadLimits;

/// The Spark SQL type of an input or output column.
/// Numeric types other than double (int, float, boolean) are read and written as double.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum mlscore_type {
    /// Spark `double`.
    Double = 1,
    /// Spark `int` (e.g. a KMeans prediction); exchanged as double.
    Int = 2,
    /// Spark `float`; exchanged as double.
    Float = 3,
    /// Spark `boolean`; exchanged as double (0 or 1).
    Bool = 4,
    /// Spark `string` (UTF-8).
    String = 5,
    /// Spark ML `vector` (dense or sparse).
    Vector = 6,
    /// Spark `array<string>`.
    StringArray = 7,
    /// Spark `array<vector>` (an LSH model's `hashes`); output only, read with
    /// mlscore_session_output_vector_array_len() and mlscore_session_output_vector_array_item().
    VectorArray = 8,
}

impl From<ColumnType> for mlscore_type {
    fn from(t: ColumnType) -> Self {
        match t {
            ColumnType::Double => mlscore_type::Double,
            ColumnType::Int => mlscore_type::Int,
            ColumnType::Float => mlscore_type::Float,
            ColumnType::Bool => mlscore_type::Bool,
            ColumnType::String => mlscore_type::String,
            ColumnType::Vector => mlscore_type::Vector,
            ColumnType::StringArray => mlscore_type::StringArray,
            ColumnType::VectorArray => mlscore_type::VectorArray,
        }
    }
}

impl TryFrom<i32> for mlscore_type {
    type Error = ();
    fn try_from(v: i32) -> Result<Self, ()> {
        Ok(match v {
            1 => mlscore_type::Double,
            2 => mlscore_type::Int,
            3 => mlscore_type::Float,
            4 => mlscore_type::Bool,
            5 => mlscore_type::String,
            6 => mlscore_type::Vector,
            7 => mlscore_type::StringArray,
            8 => mlscore_type::VectorArray,
            _ => return Err(()),
        })
    }
}

impl From<mlscore_type> for ColumnType {
    fn from(t: mlscore_type) -> Self {
        match t {
            mlscore_type::Double => ColumnType::Double,
            mlscore_type::Int => ColumnType::Int,
            mlscore_type::Float => ColumnType::Float,
            mlscore_type::Bool => ColumnType::Bool,
            mlscore_type::String => ColumnType::String,
            mlscore_type::Vector => ColumnType::Vector,
            mlscore_type::StringArray => ColumnType::StringArray,
            mlscore_type::VectorArray => ColumnType::VectorArray,
        }
    }
}

/// What an ::mlscore_value holds.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum mlscore_value_kind {
    /// SQL NULL.
    Null = 0,
    /// `number`, for any numeric input.
    Double = 1,
    /// The `length` UTF-8 bytes at `string` (no NUL needed), for a string input.
    String = 2,
}

/// One input value for mlscore_session_set_row(): NULL, a number or a UTF-8 string.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct mlscore_value {
    /// An #mlscore_value_kind value (an `int32_t`, so any value from C is safe to read).
    pub kind: i32,
    /// The number when `kind` is MLSCORE_VALUE_KIND_DOUBLE; otherwise ignored.
    pub number: f64,
    /// The string's UTF-8 bytes (no NUL needed; NULL with `length` 0 is the empty string)
    /// when `kind` is MLSCORE_VALUE_KIND_STRING; otherwise ignored.
    pub string: *const std::ffi::c_char,
    /// The string's length in bytes.
    pub length: usize,
}

/// A load limit settable with mlscore_load_options_set_limit(). Every size or count read from
/// a model directory is checked against its limit before anything is allocated from it.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum mlscore_limit {
    /// Largest metadata JSON file, in bytes (default 64 MiB).
    MaxMetadataBytes = 1,
    /// Largest single Parquet file, in bytes (default 2 GiB).
    MaxParquetBytes = 2,
    /// Most rows read from one stage's Parquet data (default 50,000,000).
    MaxRows = 3,
    /// Largest uncompressed column chunk a Parquet footer may declare, in bytes (default 4 GiB).
    MaxUncompressedBytes = 4,
    /// Widest vector a stage may declare (default 2^28).
    MaxVectorWidth = 5,
    /// Most nodes in one tree (default 2^22).
    MaxTreeNodes = 6,
    /// Deepest tree (default 64; at most 2^32 - 1).
    MaxTreeDepth = 7,
    /// Deepest nesting of pipelines and wrapper models (default 16; at most 2^32 - 1).
    MaxNesting = 8,
    /// Most stages in the flattened pipeline (default 10,000).
    MaxStages = 9,
}

impl TryFrom<i32> for mlscore_limit {
    type Error = ();
    fn try_from(v: i32) -> Result<Self, ()> {
        Ok(match v {
            1 => mlscore_limit::MaxMetadataBytes,
            2 => mlscore_limit::MaxParquetBytes,
            3 => mlscore_limit::MaxRows,
            4 => mlscore_limit::MaxUncompressedBytes,
            5 => mlscore_limit::MaxVectorWidth,
            6 => mlscore_limit::MaxTreeNodes,
            7 => mlscore_limit::MaxTreeDepth,
            8 => mlscore_limit::MaxNesting,
            9 => mlscore_limit::MaxStages,
            _ => return Err(()),
        })
    }
}

impl mlscore_limit {
    /// Sets this limit in `limits`; false when `value` does not fit the limit's type.
    pub(crate) fn apply(self, limits: &mut LoadLimits, value: u64) -> bool {
        let small = u32::try_from(value).ok();
        match self {
            mlscore_limit::MaxMetadataBytes => limits.max_metadata_bytes = value,
            mlscore_limit::MaxParquetBytes => limits.max_parquet_bytes = value,
            mlscore_limit::MaxRows => limits.max_rows = value,
            mlscore_limit::MaxUncompressedBytes => limits.max_uncompressed_bytes = value,
            mlscore_limit::MaxVectorWidth => limits.max_vector_width = value,
            mlscore_limit::MaxTreeNodes => limits.max_tree_nodes = value,
            mlscore_limit::MaxStages => limits.max_stages = value,
            mlscore_limit::MaxTreeDepth => match small {
                Some(v) => limits.max_tree_depth = v,
                None => return false,
            },
            mlscore_limit::MaxNesting => match small {
                Some(v) => limits.max_nesting = v,
                None => return false,
            },
        }
        true
    }
}

/// Flag for mlscore_session_score_json(): write sparse vectors as Spark holds them,
/// `{"size": n, "indices": [...], "values": [...]}`, instead of dense arrays.
pub const MLSCORE_JSON_SPARK_VECTORS: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip() {
        for v in 1..=8 {
            let t = mlscore_type::try_from(v).unwrap();
            assert_eq!(t as i32, v);
            assert_eq!(mlscore_type::from(ColumnType::from(t)), t);
        }
        assert!(mlscore_type::try_from(0).is_err());
        assert!(mlscore_type::try_from(9).is_err());
    }

    #[test]
    fn limits_check_their_range() {
        let mut l = LoadLimits::default();
        assert!(mlscore_limit::MaxRows.apply(&mut l, 7));
        assert_eq!(l.max_rows, 7);
        assert!(!mlscore_limit::MaxTreeDepth.apply(&mut l, u64::from(u32::MAX) + 1));
        assert!(mlscore_limit::try_from(10).is_err());
    }
}
