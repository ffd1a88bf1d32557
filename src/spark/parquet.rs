//! Parquet data of a saved stage, read into a small owned `Table` of `Datum`s, plus the Spark
//! UDT decodings every stage needs: `VectorUDT` and `MatrixUDT` (spark-format.md section 3).
//!
//! Sizes are checked against `LoadLimits` before decoding: file size, row count and the
//! uncompressed size each column chunk declares in the footer, so a hostile footer cannot make
//! us allocate gigabytes. The parquet crate is not panic-free on corrupt input, so decoding runs
//! under `catch_unwind` as a second line of defence and a panic becomes a `BadParquet` error.

use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::{dir, limits, ReadContext};
use crate::error::{LoadError, LoadErrorKind};

/// One decoded Parquet value. Integers of every width become `Int`, floats become `Double`
/// (f32 → f64 is exact).
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    List(Vec<Datum>),
    /// A long list of doubles or integers read column-wise (`read_one_row_fast`), kept
    /// packed: a 2^18-wide vector as `Datum`s would be 8 MB to allocate and drop.
    Doubles(Vec<f64>),
    Ints(Vec<i64>),
    Struct(Vec<(String, Datum)>),
    Map(Vec<(Datum, Datum)>),
}

/// Rows of every part file of one data directory, in file order.
#[derive(Debug, Clone)]
pub struct Table {
    /// The data directory, as shown in messages.
    pub file: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Datum>>,
    /// The writer's `org.apache.spark.version` from the first footer that has one (Spark
    /// writes it into every Parquet file; old mllib metadata records no Spark version).
    pub spark_version: Option<String>,
}

/// A Spark ML vector as stored: dense values, or sparse (size, indices, values).
#[derive(Debug, Clone, PartialEq)]
pub struct SparkVector {
    pub size: usize,
    /// `None` for a dense vector.
    pub indices: Option<Vec<u32>>,
    pub values: Vec<f64>,
}

impl SparkVector {
    pub fn to_dense(&self) -> Vec<f64> {
        match &self.indices {
            None => self.values.clone(),
            Some(indices) => {
                let mut out = vec![0.0; self.size];
                for (&i, &v) in indices.iter().zip(&self.values) {
                    if let Some(slot) = out.get_mut(i as usize) {
                        *slot = v;
                    }
                }
                out
            }
        }
    }
}

/// A dense matrix in row-major order (`values[r * cols + c]`), whatever the stored layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.values.get(r * self.cols + c).copied().unwrap_or(0.0)
    }
    pub fn row(&self, r: usize) -> &[f64] {
        self.values
            .get(r * self.cols..(r + 1) * self.cols)
            .unwrap_or(&[])
    }
}

fn bad(msg: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadData, msg)
}

impl Datum {
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }
    /// The one value inside a legacy two-level list element (older writers name the repeated
    /// field `array` or `bag`, which the record reader nests one level deeper).
    fn single(&self) -> Option<&Datum> {
        match self {
            Datum::List(items) if items.len() == 1 => items.first(),
            Datum::Struct(fields) if fields.len() == 1 => fields.first().map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Result<f64, LoadError> {
        match self {
            Datum::Double(v) => Ok(*v),
            Datum::Int(v) => Ok(*v as f64),
            other if other.single().is_some() => other.single().map_or(Ok(f64::NAN), Datum::as_f64),
            other => Err(bad(format!("expected a number, found {}", other.kind()))),
        }
    }
    pub fn as_i64(&self) -> Result<i64, LoadError> {
        match self {
            Datum::Int(v) => Ok(*v),
            other if other.single().is_some() => other.single().map_or(Ok(0), Datum::as_i64),
            other => Err(bad(format!("expected an integer, found {}", other.kind()))),
        }
    }
    pub fn as_bool(&self) -> Result<bool, LoadError> {
        match self {
            Datum::Bool(v) => Ok(*v),
            other => Err(bad(format!("expected a boolean, found {}", other.kind()))),
        }
    }
    pub fn as_str(&self) -> Result<&str, LoadError> {
        match self {
            Datum::Str(v) => Ok(v),
            other if other.single().is_some() => other.single().map_or(Ok(""), Datum::as_str),
            other => Err(bad(format!("expected a string, found {}", other.kind()))),
        }
    }
    pub fn as_list(&self) -> Result<&[Datum], LoadError> {
        match self {
            Datum::List(v) => Ok(v),
            other => Err(bad(format!("expected a list, found {}", other.kind()))),
        }
    }
    pub fn as_map(&self) -> Result<&[(Datum, Datum)], LoadError> {
        match self {
            Datum::Map(v) => Ok(v),
            other => Err(bad(format!("expected a map, found {}", other.kind()))),
        }
    }
    pub fn field(&self, name: &str) -> Result<&Datum, LoadError> {
        match self {
            Datum::Struct(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| bad(format!("struct has no field `{name}`"))),
            other => Err(bad(format!("expected a struct, found {}", other.kind()))),
        }
    }
    pub fn opt_field(&self, name: &str) -> Option<&Datum> {
        match self {
            Datum::Struct(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
    /// Field by position, for 4.x tuples written as `_1, _2, …` and older named ones alike.
    pub fn field_at(&self, index: usize) -> Result<&Datum, LoadError> {
        match self {
            Datum::Struct(fields) => fields
                .get(index)
                .map(|(_, v)| v)
                .ok_or_else(|| bad(format!("struct has no field number {index}"))),
            other => Err(bad(format!("expected a struct, found {}", other.kind()))),
        }
    }
    /// The items of a list of primitives. A legacy two-level list can reach us nested once
    /// more (`[[a, b, c]]`); a list of primitives never legitimately holds lists, so flatten.
    fn primitive_items(&self) -> Result<Vec<&Datum>, LoadError> {
        let items = self.as_list()?;
        if !items.is_empty() && items.iter().all(|d| matches!(d, Datum::List(_))) {
            let mut flat = Vec::new();
            for d in items {
                flat.extend(d.as_list()?.iter());
            }
            return Ok(flat);
        }
        Ok(items.iter().collect())
    }
    pub fn f64_list(&self) -> Result<Vec<f64>, LoadError> {
        match self {
            Datum::Doubles(v) => return Ok(v.clone()),
            Datum::Ints(v) => return Ok(v.iter().map(|&x| x as f64).collect()),
            _ => {}
        }
        self.primitive_items()?
            .into_iter()
            .map(Datum::as_f64)
            .collect()
    }
    pub fn i64_list(&self) -> Result<Vec<i64>, LoadError> {
        match self {
            Datum::Ints(v) => return Ok(v.clone()),
            Datum::Doubles(_) => return Err(bad(String::from("expected integers, found doubles"))),
            _ => {}
        }
        self.primitive_items()?
            .into_iter()
            .map(Datum::as_i64)
            .collect()
    }
    pub fn str_list(&self) -> Result<Vec<String>, LoadError> {
        self.as_list()?
            .iter()
            .map(|d| d.as_str().map(str::to_string))
            .collect()
    }

    fn kind(&self) -> &'static str {
        match self {
            Datum::Null => "null",
            Datum::Bool(_) => "a boolean",
            Datum::Int(_) => "an integer",
            Datum::Double(_) => "a double",
            Datum::Str(_) => "a string",
            Datum::List(_) | Datum::Doubles(_) | Datum::Ints(_) => "a list",
            Datum::Struct(_) => "a struct",
            Datum::Map(_) => "a map",
        }
    }

    /// Decodes `VectorUDT`: `type` 0 = sparse (size, indices, values), 1 = dense (values).
    pub fn to_vector(&self, max_width: u64) -> Result<SparkVector, LoadError> {
        let kind = self.field("type")?.as_i64()?;
        let values = self.field("values")?.f64_list()?;
        match kind {
            1 => {
                limits::check("vector width", values.len() as u64, max_width)?;
                Ok(SparkVector {
                    size: values.len(),
                    indices: None,
                    values,
                })
            }
            0 => {
                let size = self.field("size")?.as_i64()?;
                let size = u64::try_from(size)
                    .map_err(|_| bad(format!("negative sparse vector size {size}")))?;
                limits::check("vector width", size, max_width)?;
                let raw = self.field("indices")?.i64_list()?;
                if raw.len() != values.len() {
                    return Err(bad(format!(
                        "sparse vector has {} indices but {} values",
                        raw.len(),
                        values.len()
                    )));
                }
                let mut indices = Vec::with_capacity(raw.len());
                let mut previous: i64 = -1;
                for i in raw {
                    if i <= previous || i as u64 >= size {
                        return Err(bad(format!(
                            "sparse vector index {i} is out of order or not below size {size}"
                        )));
                    }
                    previous = i;
                    indices.push(i as u32);
                }
                Ok(SparkVector {
                    size: size as usize,
                    indices: Some(indices),
                    values,
                })
            }
            other => Err(bad(format!(
                "vector type {other} is neither 0 (sparse) nor 1 (dense)"
            ))),
        }
    }

    /// Decodes `MatrixUDT` into a dense row-major matrix (section 3.2).
    pub fn to_matrix(&self, max_cells: u64) -> Result<Matrix, LoadError> {
        let kind = self.field("type")?.as_i64()?;
        let rows = self.field("numRows")?.as_i64()?;
        let cols = self.field("numCols")?.as_i64()?;
        let transposed = self.field("isTransposed")?.as_bool()?;
        let (Ok(rows), Ok(cols)) = (usize::try_from(rows), usize::try_from(cols)) else {
            return Err(bad(format!("matrix has a negative shape {rows}×{cols}")));
        };
        let cells = (rows as u64).saturating_mul(cols as u64);
        limits::check("matrix cells", cells, max_cells)?;
        let values = self.field("values")?.f64_list()?;
        let mut out = vec![0.0; cells as usize];
        match kind {
            1 => {
                if values.len() as u64 != cells {
                    return Err(bad(format!(
                        "dense {rows}×{cols} matrix has {} values",
                        values.len()
                    )));
                }
                for r in 0..rows {
                    for c in 0..cols {
                        let src = if transposed {
                            r * cols + c
                        } else {
                            r + c * rows
                        };
                        out[r * cols + c] = values[src];
                    }
                }
            }
            0 => {
                let ptrs = self.field("colPtrs")?.i64_list()?;
                let idx = self.field("rowIndices")?.i64_list()?;
                // CSC when not transposed; CSR of the matrix when transposed.
                let (major, minor) = if transposed {
                    (rows, cols)
                } else {
                    (cols, rows)
                };
                if ptrs.len() != major + 1 || idx.len() != values.len() {
                    return Err(bad("sparse matrix pointers do not match its shape"));
                }
                for m in 0..major {
                    let (start, end) = (ptrs[m], ptrs[m + 1]);
                    if start < 0 || end < start || end as usize > values.len() {
                        return Err(bad("sparse matrix pointers are out of range"));
                    }
                    for k in start as usize..end as usize {
                        let n = idx[k];
                        if n < 0 || n as usize >= minor {
                            return Err(bad("sparse matrix index is out of range"));
                        }
                        let (r, c) = if transposed {
                            (m, n as usize)
                        } else {
                            (n as usize, m)
                        };
                        out[r * cols + c] = values[k];
                    }
                }
            }
            other => return Err(bad(format!("matrix type {other} is neither 0 nor 1"))),
        }
        Ok(Matrix {
            rows,
            cols,
            values: out,
        })
    }
}

impl Table {
    pub fn column_index(&self, name: &str) -> Result<usize, LoadError> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            bad(format!(
                "Parquet data has no column `{name}` (columns: {})",
                self.columns.join(", ")
            ))
            .in_file(&self.file)
        })
    }
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }
    /// The value at (row, column name), with file and column named on error.
    pub fn get(&self, row: usize, name: &str) -> Result<&Datum, LoadError> {
        let col = self.column_index(name)?;
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .ok_or_else(|| bad(format!("row {row} is missing")).in_file(&self.file))
    }
    /// The only row of a single-row model (most stages), or an error naming the file.
    pub fn single_row(&self) -> Result<usize, LoadError> {
        match self.rows.len() {
            1 => Ok(0),
            n => Err(bad(format!("expected exactly one data row, found {n}")).in_file(&self.file)),
        }
    }
    /// Decodes with file and column attached to any error.
    pub fn decode<T>(
        &self,
        row: usize,
        name: &str,
        f: impl FnOnce(&Datum) -> Result<T, LoadError>,
    ) -> Result<T, LoadError> {
        let d = self.get(row, name)?;
        f(d).map_err(|e| e.in_column(name).in_file(&self.file))
    }
}

/// Reads every Parquet part file in `dir` into one table.
pub fn read_table(ctx: &ReadContext<'_>, dir: &Path) -> Result<Table, LoadError> {
    let files = dir::parquet_files(ctx, dir)?;
    let mut table = Table {
        file: ctx.display(dir),
        columns: Vec::new(),
        rows: Vec::new(),
        spark_version: None,
    };
    for path in files {
        decode_part(ctx, &path, || read_file(ctx, &path, &mut table, true))?;
    }
    Ok(table)
}

/// Runs `decode` on part file `path`: a panic of the parquet crate on corrupt data becomes a
/// `BadParquet` error, and every error names the file.
pub(crate) fn decode_part<T>(
    ctx: &ReadContext<'_>,
    path: &Path,
    decode: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    catch_unwind(AssertUnwindSafe(decode))
        .unwrap_or_else(|_| {
            Err(LoadError::new(
                LoadErrorKind::BadParquet,
                "the Parquet decoder failed on this file (corrupt data)",
            ))
        })
        .map_err(|e| e.in_file(ctx.display(path)))
}

pub(crate) fn parquet_error(e: parquet::errors::ParquetError) -> LoadError {
    LoadError::new(
        LoadErrorKind::BadParquet,
        format!("not a readable Parquet file: {e}"),
    )
}

/// Opens a part file after checking its footer against the limits: file size, each column
/// chunk's sizes, and the row count (`rows_before` rows already read from earlier parts).
/// Returns the reader and the rows its footer declares.
pub(crate) fn open_checked(
    ctx: &ReadContext<'_>,
    path: &Path,
    rows_before: u64,
) -> Result<(SerializedFileReader<File>, u64), LoadError> {
    let file = File::open(path).map_err(|e| LoadError::new(LoadErrorKind::Io, e.to_string()))?;
    let len = file
        .metadata()
        .map_err(|e| LoadError::new(LoadErrorKind::Io, e.to_string()))?
        .len();
    limits::check("Parquet file size", len, ctx.limits.max_parquet_bytes)?;
    let reader = SerializedFileReader::new(file).map_err(parquet_error)?;
    let meta = reader.metadata();
    let mut declared_rows: u64 = 0;
    for rg in meta.row_groups() {
        let rows = u64::try_from(rg.num_rows()).map_err(|_| bad("negative row count in footer"))?;
        declared_rows = declared_rows.saturating_add(rows);
        for col in rg.columns() {
            let compressed = u64::try_from(col.compressed_size()).unwrap_or(u64::MAX);
            if compressed > len {
                return Err(LoadError::new(
                    LoadErrorKind::BadParquet,
                    format!("footer declares a column chunk of {compressed} bytes in a file of {len} bytes"),
                ));
            }
            let uncompressed = u64::try_from(col.uncompressed_size()).unwrap_or(u64::MAX);
            limits::check(
                "uncompressed column chunk size",
                uncompressed,
                ctx.limits.max_uncompressed_bytes,
            )?;
        }
    }
    limits::check(
        "row count",
        declared_rows.saturating_add(rows_before),
        ctx.limits.max_rows,
    )?;
    Ok((reader, declared_rows))
}

/// Reads one part file into `table`; `bulk` allows the column-wise path for long lists.
fn read_file(
    ctx: &ReadContext<'_>,
    path: &Path,
    table: &mut Table,
    bulk: bool,
) -> Result<(), LoadError> {
    let (reader, declared_rows) = open_checked(ctx, path, table.rows.len() as u64)?;
    let meta = reader.metadata();
    if table.spark_version.is_none() {
        table.spark_version = meta
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|e| e.key == "org.apache.spark.version"))
            .and_then(|e| e.value.clone());
    }
    let columns: Vec<String> = meta
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    if table.columns.is_empty() {
        table.columns = columns;
    } else if table.columns != columns {
        return Err(bad(format!(
            "part files disagree on columns: {} vs {}",
            table.columns.join(","),
            columns.join(",")
        )));
    }
    // A one-row file holding long lists of doubles (a 2^18-wide IDF vector or coefficient
    // matrix) reads those lists column-wise, the rest through the record API: the record
    // API's per-value cost dominates a model's load otherwise.
    if bulk && declared_rows == 1 && meta.num_row_groups() == 1 {
        if let Some(row) = read_one_row_fast(&reader)? {
            table.rows.push(row);
            return Ok(());
        }
    }
    let iter = reader.get_row_iter(None).map_err(parquet_error)?;
    for row in iter {
        let row = row.map_err(parquet_error)?;
        let mut values = Vec::with_capacity(table.columns.len());
        for (_, field) in row.get_column_iter() {
            values.push(convert(field));
        }
        table.rows.push(values);
    }
    Ok(())
}

/// Lists longer than this are read column-wise (see `read_one_row_fast`).
const LONG_LIST: i64 = 4096;

/// A long list of numbers read column-wise: where it sits (field names from the root to the
/// list field) and its position among its siblings.
struct LongList {
    path: Vec<String>,
    position: usize,
    /// `Datum::Doubles` or `Datum::Ints`.
    items: Datum,
}

/// The single row of a one-row-group, one-row file, when it has standard three-level lists
/// (`name (LIST) / repeated list / element`) of more than `LONG_LIST` numbers without nulls:
/// those are decoded in bulk by the column reader and spliced into the row the record API
/// reads without them. `None` when the file has no such list or one is unusual (nulls, legacy
/// two-level form), so the caller reads the plain way.
fn read_one_row_fast(reader: &SerializedFileReader<File>) -> Result<Option<Vec<Datum>>, LoadError> {
    use parquet::basic::{ConvertedType, Repetition, Type as Physical};
    use parquet::column::reader::ColumnReader;

    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let Ok(rg) = reader.get_row_group(0) else {
        return Ok(None);
    };
    let mut lists = Vec::new();
    for (i, col) in schema.columns().iter().enumerate() {
        let long = meta
            .row_group(0)
            .columns()
            .get(i)
            .map_or(0, |c| c.num_values())
            > LONG_LIST;
        let parts = col.path().parts();
        let standard = parts.len() >= 3
            && parts[parts.len() - 2] == "list"
            && parts[parts.len() - 1] == "element";
        let primitive = matches!(
            col.physical_type(),
            Physical::DOUBLE | Physical::INT64 | Physical::INT32
        );
        if !(long && standard && primitive && col.max_rep_level() == 1) {
            continue;
        }
        let path: Vec<String> = parts[..parts.len() - 2].to_vec();
        // The list group must be LIST-annotated with a repeated `list` child.
        let Some((parent, position)) = locate(schema.root_schema(), &path) else {
            return Ok(None);
        };
        let Some(group) = parent.get_fields().get(position) else {
            return Ok(None);
        };
        let repeated = group
            .get_fields()
            .first()
            .is_some_and(|l| l.get_basic_info().repetition() == Repetition::REPEATED);
        if group.get_basic_info().converted_type() != ConvertedType::LIST || !repeated {
            return Ok(None);
        }
        let (mut defs, mut reps) = (Vec::new(), Vec::new());
        // Two records asked, one expected: a second would mean the footer lied.
        let (records, levels, items) = match rg.get_column_reader(i).map_err(parquet_error)? {
            ColumnReader::DoubleColumnReader(mut r) => {
                let mut v: Vec<f64> = Vec::new();
                let (n, _, l) = r
                    .read_records(2, Some(&mut defs), Some(&mut reps), &mut v)
                    .map_err(parquet_error)?;
                (n, l, Datum::Doubles(v))
            }
            ColumnReader::Int64ColumnReader(mut r) => {
                let mut v: Vec<i64> = Vec::new();
                let (n, _, l) = r
                    .read_records(2, Some(&mut defs), Some(&mut reps), &mut v)
                    .map_err(parquet_error)?;
                (n, l, Datum::Ints(v))
            }
            ColumnReader::Int32ColumnReader(mut r) => {
                let mut v: Vec<i32> = Vec::new();
                let (n, _, l) = r
                    .read_records(2, Some(&mut defs), Some(&mut reps), &mut v)
                    .map_err(parquet_error)?;
                (n, l, Datum::Ints(v.into_iter().map(i64::from).collect()))
            }
            _ => return Ok(None),
        };
        // One record, every level a present value: no null element, list or ancestor.
        let max_def = col.max_def_level();
        let len = match &items {
            Datum::Doubles(v) => v.len(),
            Datum::Ints(v) => v.len(),
            _ => 0,
        };
        if records != 1 || levels != len || defs.iter().any(|&d| d != max_def) {
            return Ok(None);
        }
        lists.push(LongList {
            path,
            position,
            items,
        });
    }
    if lists.is_empty() {
        return Ok(None);
    }
    let removed: Vec<&[String]> = lists.iter().map(|l| l.path.as_slice()).collect();
    let Some(projection) = prune(schema.root_schema(), &removed, 0) else {
        return Ok(None);
    };
    let mut iter = reader
        .get_row_iter(Some(projection))
        .map_err(parquet_error)?;
    let Some(row) = iter.next() else {
        return Ok(None);
    };
    let row = row.map_err(parquet_error)?;
    let mut top: Vec<(String, Datum)> = row
        .get_column_iter()
        .map(|(name, f)| (name.clone(), convert(f)))
        .collect();
    // Siblings go back in ascending schema position, so each recorded position holds.
    lists.sort_by(|a, b| {
        let parent = |l: &LongList| l.path[..l.path.len() - 1].to_vec();
        parent(a).cmp(&parent(b)).then(a.position.cmp(&b.position))
    });
    for l in lists {
        let Some((name, ancestors)) = l.path.split_last() else {
            return Ok(None);
        };
        let mut fields = &mut top;
        for a in ancestors {
            match fields.iter_mut().find(|(n, _)| n == a) {
                Some((_, Datum::Struct(inner))) => fields = inner,
                _ => return Ok(None),
            }
        }
        let at = l.position.min(fields.len());
        fields.insert(at, (name.clone(), l.items));
    }
    Ok(Some(top.into_iter().map(|(_, d)| d).collect()))
}

/// The group holding the field at `path` and the field's position in it.
fn locate<'a>(
    root: &'a parquet::schema::types::Type,
    path: &[String],
) -> Option<(&'a parquet::schema::types::Type, usize)> {
    let (last, ancestors) = path.split_last()?;
    let mut group = root;
    for a in ancestors {
        group = group
            .get_fields()
            .iter()
            .find(|f| f.name() == a)
            .map(|f| f.as_ref())?;
    }
    let position = group.get_fields().iter().position(|f| f.name() == last)?;
    Some((group, position))
}

/// `t` without the fields at `removed` (paths from the root); `None` when a group would be
/// left empty, which Parquet cannot express.
fn prune(
    t: &parquet::schema::types::Type,
    removed: &[&[String]],
    depth: usize,
) -> Option<parquet::schema::types::Type> {
    use std::sync::Arc;
    let mut fields = Vec::new();
    for f in t.get_fields() {
        let here: Vec<&[String]> = removed
            .iter()
            .copied()
            .filter(|p| p.get(depth).is_some_and(|n| n == f.name()))
            .collect();
        if here.is_empty() {
            fields.push(Arc::clone(f));
        } else if here.iter().any(|p| p.len() == depth + 1) {
            continue;
        } else if f.is_group() {
            fields.push(Arc::new(prune(f, &here, depth + 1)?));
        } else {
            fields.push(Arc::clone(f));
        }
    }
    if fields.is_empty() {
        return None;
    }
    let info = t.get_basic_info();
    let mut b = parquet::schema::types::Type::group_type_builder(t.name())
        .with_converted_type(info.converted_type())
        .with_logical_type(info.logical_type_ref().cloned())
        .with_fields(fields);
    if info.has_repetition() {
        b = b.with_repetition(info.repetition());
    }
    if info.has_id() {
        b = b.with_id(Some(info.id()));
    }
    b.build().ok()
}

fn convert(field: &Field) -> Datum {
    match field {
        Field::Null => Datum::Null,
        Field::Bool(v) => Datum::Bool(*v),
        Field::Byte(v) => Datum::Int(i64::from(*v)),
        Field::Short(v) => Datum::Int(i64::from(*v)),
        Field::Int(v) => Datum::Int(i64::from(*v)),
        Field::Long(v) => Datum::Int(*v),
        Field::UByte(v) => Datum::Int(i64::from(*v)),
        Field::UShort(v) => Datum::Int(i64::from(*v)),
        Field::UInt(v) => Datum::Int(i64::from(*v)),
        Field::ULong(v) => Datum::Int(*v as i64),
        Field::Float16(v) => Datum::Double(f64::from(*v)),
        Field::Float(v) => Datum::Double(f64::from(*v)),
        Field::Double(v) => Datum::Double(*v),
        Field::Str(v) => Datum::Str(v.clone()),
        Field::Bytes(v) => Datum::Str(String::from_utf8_lossy(v.data()).into_owned()),
        Field::Group(row) => Datum::Struct(
            row.get_column_iter()
                .map(|(name, f)| (name.clone(), convert(f)))
                .collect(),
        ),
        Field::ListInternal(list) => Datum::List(list.elements().iter().map(convert).collect()),
        Field::MapInternal(map) => Datum::Map(
            map.entries()
                .iter()
                .map(|(k, v)| (convert(k), convert(v)))
                .collect(),
        ),
        // Spark ML never stores these types in model data.
        Field::Decimal(_)
        | Field::Date(_)
        | Field::TimeMillis(_)
        | Field::TimeMicros(_)
        | Field::TimestampMillis(_)
        | Field::TimestampMicros(_) => Datum::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spark::LoadLimits;

    /// The column-wise path for long lists gives exactly the table the record API gives, on
    /// Spark-written files, some with 2^18-long lists of doubles and longs (IDF: idf vector
    /// and docFreq).
    #[test]
    fn bulk_lists_read_as_the_record_api_does() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spark/fixtures");
        let limits = LoadLimits::default();
        let (mut compared, mut bulk) = (0, 0);
        for suite in ["bench-3.5.9", "bench-4.3.0"] {
            let stages = root.join(suite).join("text_lr/model/stages");
            let Ok(dirs) = std::fs::read_dir(&stages) else {
                continue;
            };
            for stage in dirs.flatten() {
                let data = stage.path().join("data");
                let Ok(files) = std::fs::read_dir(&data) else {
                    continue;
                };
                for f in files.flatten() {
                    let path = f.path();
                    if path.extension().is_none_or(|e| e != "parquet") {
                        continue;
                    }
                    let ctx = ReadContext {
                        root: &root,
                        limits: &limits,
                    };
                    let empty = || Table {
                        file: String::new(),
                        columns: Vec::new(),
                        rows: Vec::new(),
                        spark_version: None,
                    };
                    let (mut fast, mut slow) = (empty(), empty());
                    read_file(&ctx, &path, &mut fast, true).unwrap();
                    read_file(&ctx, &path, &mut slow, false).unwrap();
                    assert_eq!(fast.columns, slow.columns, "{}", path.display());
                    let fast_rows: Vec<Vec<Datum>> = fast
                        .rows
                        .into_iter()
                        .map(|r| r.into_iter().map(unpack).collect())
                        .collect();
                    assert!(fast_rows == slow.rows, "{} differs", path.display());
                    compared += 1;
                    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
                    bulk += usize::from(read_one_row_fast(&reader).unwrap().is_some());
                }
            }
        }
        assert!(compared >= 4, "only {compared} files compared");
        // IDF (idf values and docFreq, 2^18 each) of both versions takes the column-wise
        // path; the LogisticRegression coefficients here are a short sparse matrix.
        assert!(bulk >= 2, "only {bulk} files read column-wise");
    }

    /// A datum with its packed lists spelled out as the record API gives them.
    fn unpack(d: Datum) -> Datum {
        match d {
            Datum::Doubles(v) => Datum::List(v.into_iter().map(Datum::Double).collect()),
            Datum::Ints(v) => Datum::List(v.into_iter().map(Datum::Int).collect()),
            Datum::List(v) => Datum::List(v.into_iter().map(unpack).collect()),
            Datum::Struct(v) => Datum::Struct(v.into_iter().map(|(n, d)| (n, unpack(d))).collect()),
            other => other,
        }
    }
}
