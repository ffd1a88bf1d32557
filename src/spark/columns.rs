//! Column-wise reading of numeric Parquet tables, for data with many small rows (tree nodes).
//!
//! The record API builds a row object with owned field names for every row, which dominates
//! the load of a 100-tree ensemble (6,000 node rows). Here each requested leaf column is
//! decoded in bulk by the column reader instead. Only the shapes Spark writes for such data
//! are taken: numbers without nulls, and standard three-level lists of numbers without null
//! elements (an empty list is fine). Anything else gives `Ok(None)` and the caller reads rows
//! through `read_table`, which handles every shape and reports problems precisely.

use std::fs::File;
use std::path::Path;

use parquet::basic::{ConvertedType, Repetition};
use parquet::column::reader::ColumnReader;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::Type;

use super::parquet::{decode_part, open_checked, parquet_error};
use super::{dir, ReadContext};
use crate::error::LoadError;

/// Where a requested column sits: its top-level field, by name or else (Spark 4.1+ writes
/// tuple columns as `_1, _2, …`) by position, then the path below it. A list column's path
/// ends with its field name; the `list` / `element` levels are implied.
#[derive(Debug, Clone, Copy)]
pub struct ColumnPath<'a> {
    pub top: &'a str,
    pub position: usize,
    pub rest: &'a [&'a str],
    pub list: bool,
}

/// One column, every part file's rows in order. Integers of every width are widened to i64,
/// floats to f64.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub ints: Vec<i64>,
    pub doubles: Vec<f64>,
    /// For a list column: the end of each row's list in `ints` / `doubles`.
    pub ends: Vec<usize>,
}

impl Column {
    /// Row `r`'s list (of a list column of doubles).
    pub fn list(&self, r: usize) -> &[f64] {
        let start = if r == 0 {
            0
        } else {
            self.ends.get(r - 1).copied().unwrap_or(usize::MAX)
        };
        let end = self.ends.get(r).copied().unwrap_or(0);
        self.doubles.get(start..end).unwrap_or(&[])
    }
}

/// The requested columns of every part file in `dir`, with the row count; `None` when a
/// column is missing or shaped otherwise (see the module doc).
pub fn read_columns(
    ctx: &ReadContext<'_>,
    dir: &Path,
    paths: &[ColumnPath<'_>],
) -> Result<Option<(usize, Vec<Column>)>, LoadError> {
    let mut columns = vec![Column::default(); paths.len()];
    let mut rows = 0usize;
    for path in dir::parquet_files(ctx, dir)? {
        if !decode_part(ctx, &path, || {
            read_part(ctx, &path, paths, &mut columns, &mut rows)
        })? {
            return Ok(None);
        }
    }
    Ok(Some((rows, columns)))
}

/// A requested column as found in one file's schema.
struct Found {
    index: usize,
    /// Definition level of a present value, and for a list the level of an empty list.
    max_def: i16,
    empty_def: Option<i16>,
}

fn find(reader: &SerializedFileReader<File>, want: &ColumnPath<'_>) -> Option<Found> {
    let schema = reader.metadata().file_metadata().schema_descr();
    let root = schema.root_schema();
    let tops = root.get_fields();
    let top = tops
        .iter()
        .find(|f| f.name() == want.top)
        .or_else(|| tops.get(want.position))?;
    let mut names: Vec<&str> = vec![top.name()];
    names.extend_from_slice(want.rest);
    // Optional fields down to the value (or to the list group) each add a definition level.
    let mut t: &Type = root;
    let mut defined = 0i16;
    for n in &names {
        t = t.get_fields().iter().find(|f| f.name() == *n)?;
        if t.get_basic_info().repetition() != Repetition::REQUIRED {
            defined += 1;
        }
    }
    let empty_def = if want.list {
        let repeated = t.get_fields().first()?;
        let standard = t.get_basic_info().converted_type() == ConvertedType::LIST
            && repeated.name() == "list"
            && repeated.get_basic_info().repetition() == Repetition::REPEATED
            && repeated
                .get_fields()
                .first()
                .is_some_and(|e| e.name() == "element");
        if !standard {
            return None;
        }
        names.extend(["list", "element"]);
        Some(defined)
    } else {
        None
    };
    let index = schema.columns().iter().position(|c| {
        c.path()
            .parts()
            .iter()
            .map(String::as_str)
            .eq(names.iter().copied())
    })?;
    let col = schema.column(index);
    let rep = col.max_rep_level();
    if rep != i16::from(want.list) {
        return None;
    }
    Some(Found {
        index,
        max_def: col.max_def_level(),
        empty_def,
    })
}

/// Appends one part file's columns; `false` when a column does not fit (read rows instead).
fn read_part(
    ctx: &ReadContext<'_>,
    path: &Path,
    paths: &[ColumnPath<'_>],
    columns: &mut [Column],
    rows: &mut usize,
) -> Result<bool, LoadError> {
    let before = *rows as u64;
    let (reader, declared) = open_checked(ctx, path, before)?;
    let mut found = Vec::with_capacity(paths.len());
    for p in paths {
        match find(&reader, p) {
            Some(f) => found.push(f),
            None => return Ok(false),
        }
    }
    for g in 0..reader.num_row_groups() {
        let rg = reader.get_row_group(g).map_err(parquet_error)?;
        let n = usize::try_from(rg.metadata().num_rows()).unwrap_or(0);
        for (f, column) in found.iter().zip(columns.iter_mut()) {
            let base = if f.empty_def.is_some() {
                column.ints.len().max(column.doubles.len())
            } else {
                0
            };
            let (mut defs, mut reps) = (Vec::new(), Vec::new());
            // Values are appended widened; the counts say whether the chunk had the shape.
            macro_rules! read {
                ($reader:expr, $ty:ty, $into:expr, $widen:expr) => {{
                    let mut v: Vec<$ty> = Vec::new();
                    let got = $reader.read_records(n + 1, Some(&mut defs), Some(&mut reps), &mut v);
                    $into.extend(v.into_iter().map($widen));
                    let (records, values, _) = got.map_err(parquet_error)?;
                    (records, values)
                }};
            }
            let (records, values) = match rg.get_column_reader(f.index).map_err(parquet_error)? {
                ColumnReader::DoubleColumnReader(mut r) => read!(r, f64, column.doubles, |x| x),
                ColumnReader::FloatColumnReader(mut r) => {
                    read!(r, f32, column.doubles, f64::from)
                }
                ColumnReader::Int32ColumnReader(mut r) => read!(r, i32, column.ints, i64::from),
                ColumnReader::Int64ColumnReader(mut r) => read!(r, i64, column.ints, |x| x),
                _ => return Ok(false),
            };
            if records != n {
                return Ok(false);
            }
            match f.empty_def {
                None => {
                    // One present value per row: no NULL anywhere on the path (a column with
                    // no optional ancestor has no definition levels at all).
                    if values != n || defs.iter().any(|&d| d != f.max_def) {
                        return Ok(false);
                    }
                }
                Some(empty) => {
                    // A row starts at repetition level 0; its list is empty at `empty`.
                    let mut end = base;
                    for (k, (&d, &r)) in defs.iter().zip(&reps).enumerate() {
                        if r == 0 && k > 0 {
                            column.ends.push(end);
                        }
                        if d == f.max_def {
                            end += 1;
                        } else if d != empty {
                            return Ok(false);
                        }
                    }
                    if !defs.is_empty() {
                        column.ends.push(end);
                    }
                    if defs.len() != reps.len()
                        || end != column.ints.len().max(column.doubles.len())
                    {
                        return Ok(false);
                    }
                }
            }
        }
        *rows += n;
        if found
            .iter()
            .zip(columns.iter())
            .any(|(f, c)| f.empty_def.is_some() && c.ends.len() != *rows)
        {
            return Ok(false);
        }
    }
    Ok(*rows as u64 == before + declared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spark::parquet::{read_table, Datum};
    use crate::spark::LoadLimits;

    /// The column-wise read of Spark-written tree nodes (a forest: `treeID, nodeData` rows
    /// with nested lists) equals the record reader's, value for value, in every Spark version.
    #[test]
    fn tree_nodes_read_column_wise_equal_the_record_reader() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spark");
        let mut checked = 0;
        for (set, version) in [
            ("fixtures", "spark-3.5.9"),
            ("fixtures", "spark-4.3.0"),
            ("fixtures-v2", "spark-2.4.8"),
        ] {
            let model = fixtures
                .join(set)
                .join(version)
                .join("random_forest_classifier_bare/model");
            if !model.is_dir() {
                continue;
            }
            let dir = model.join("data");
            let limits = LoadLimits::default();
            let ctx = ReadContext {
                root: &model,
                limits: &limits,
            };
            let paths = [
                ColumnPath {
                    top: "treeID",
                    position: 0,
                    rest: &[],
                    list: false,
                },
                ColumnPath {
                    top: "nodeData",
                    position: 1,
                    rest: &["id"],
                    list: false,
                },
                ColumnPath {
                    top: "nodeData",
                    position: 1,
                    rest: &["prediction"],
                    list: false,
                },
                ColumnPath {
                    top: "nodeData",
                    position: 1,
                    rest: &["impurityStats"],
                    list: true,
                },
                ColumnPath {
                    top: "nodeData",
                    position: 1,
                    rest: &["split", "leftCategoriesOrThreshold"],
                    list: true,
                },
            ];
            let (rows, cols) = read_columns(&ctx, &dir, &paths).unwrap().unwrap();
            let table = read_table(&ctx, &dir).unwrap();
            assert_eq!(rows, table.rows.len());
            for (r, row) in table.rows.iter().enumerate() {
                let node = &row[1];
                let list = |d: &Datum| d.f64_list().unwrap();
                assert_eq!(cols[0].ints[r], row[0].as_i64().unwrap());
                assert_eq!(cols[1].ints[r], node.field("id").unwrap().as_i64().unwrap());
                assert_eq!(
                    cols[2].doubles[r].to_bits(),
                    node.field("prediction")
                        .unwrap()
                        .as_f64()
                        .unwrap()
                        .to_bits()
                );
                assert_eq!(cols[3].list(r), list(node.field("impurityStats").unwrap()));
                let split = node.field("split").unwrap();
                assert_eq!(
                    cols[4].list(r),
                    list(split.field("leftCategoriesOrThreshold").unwrap())
                );
            }
            checked += rows;
        }
        assert!(checked > 100, "{checked} nodes compared");
    }

    #[test]
    fn list_reads_each_row_between_ends() {
        let c = Column {
            ints: Vec::new(),
            doubles: vec![1.0, 2.0, 3.0],
            ends: vec![2, 2, 3],
        };
        assert_eq!(c.list(0), &[1.0, 2.0]);
        assert_eq!(c.list(1), &[] as &[f64]);
        assert_eq!(c.list(2), &[3.0]);
        assert_eq!(c.list(3), &[] as &[f64]);
    }
}
