//! `org.apache.spark.ml.feature.RobustScalerModel` (spark-format.md 7.10), writers 3.0+,
//! data `range, median`, params `withCentering` (false) and `withScaling` (true). Spark
//! reuses `StandardScalerModel.getTransformFunc` with `shift = median` and
//! `scale = range == 0 ? 0 : 1/range`.

use super::standard_scaler::{inverse_or_zero, kernel_for, read_vector, StandardScalerStep};
use crate::error::{LoadError, LoadErrorKind};
use crate::plan::{ColumnType, Compiler, Step, Want};
use crate::spark::{parquet, Metadata};

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let with_centering = meta.bool_or("withCentering", false)?;
    let with_scaling = meta.bool_or("withScaling", true)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let range = read_vector(c, &table, row, "range")?;
    let median = read_vector(c, &table, row, "median")?;
    if range.len() != median.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "`range` has {} values but `median` has {}",
                    range.len(),
                    median.len()
                ),
            )
            .in_file(&table.file));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("withCentering".into(), with_centering.to_string()),
            ("withScaling".into(), with_scaling.to_string()),
            ("numFeatures".into(), median.len().to_string()),
        ],
    )?;
    let n = median.len();
    let input = c.input(meta, &name, Want::Vector(None))?;
    let output = c.output(meta, &output, ColumnType::Vector, Some(n))?;
    c.push(Step::StandardScaler(StandardScalerStep {
        input,
        output,
        shift: median,
        scale: inverse_or_zero(&range),
        kernel: kernel_for(with_centering, with_scaling, false),
        required_size: None,
        dense_only: false,
    }));
    Ok(())
}
