//! `org.apache.spark.ml.feature.VectorIndexerModel` (spark-format.md 7.19): categorical
//! features of a vector are replaced by their category index. Data: `numFeatures`,
//! `categoryMaps: map<int, map<double, int>>`. `handleInvalid` (2.3+; error before).
//! Sparse vectors only touch stored entries: Spark relies on 0.0 always mapping to 0.

use super::HandleInvalid;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct CategoryMap {
    pub feature: usize,
    /// (original value, category index), sorted by value bits for binary search.
    pub values: Vec<(u64, f64)>,
}

#[derive(Debug, Clone)]
pub struct VectorIndexerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub num_features: usize,
    /// Sorted by feature index.
    pub maps: Vec<CategoryMap>,
    pub handle_invalid: HandleInvalid,
}

/// The category maps are Scala `Map[Double, Int]`s with boxed keys, compared with Scala's
/// numeric `==` (and `##`): -0.0 finds 0.0 and NaN finds nothing (verified with Spark 3.5.9
/// and 4.3.0 fixtures). Keys are bits with -0.0 folded into 0.0.
fn key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

impl CategoryMap {
    #[inline]
    fn lookup(&self, v: f64, handle: HandleInvalid) -> Result<f64, Option<ScoreErrorKind>> {
        let found = if v.is_nan() {
            Err(0)
        } else {
            self.values.binary_search_by_key(&key(v), |e| e.0)
        };
        match found {
            Ok(k) => Ok(self.values.get(k).map(|e| e.1).unwrap_or(0.0)),
            Err(_) => match handle {
                HandleInvalid::Keep => Ok(self.values.len() as f64),
                HandleInvalid::Skip => Err(None),
                HandleInvalid::Error => Err(Some(ScoreErrorKind::UnseenCategory)),
            },
        }
    }
}

impl VectorIndexerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            if x.vec.size != self.num_features {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            out.vec.copy_from(&x.vec);
            let v = &mut out.vec;
            for m in &self.maps {
                let target = if v.sparse {
                    match v.indices.binary_search(&(m.feature as u32)) {
                        Ok(k) => v.values.get_mut(k),
                        Err(_) => None,
                    }
                } else {
                    v.values.get_mut(m.feature)
                };
                if let Some(value) = target {
                    match m.lookup(*value, self.handle_invalid) {
                        Ok(idx) => *value = idx,
                        Err(None) => return Ok(Flow::Skip),
                        Err(Some(kind)) => return Err(Fault::new(kind, self.input)),
                    }
                }
            }
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let num_features = table.decode(row, "numFeatures", |d| d.as_i64())?;
    let num_features = usize::try_from(num_features).map_err(|_| {
        meta.error(LoadErrorKind::BadData, "negative numFeatures")
            .in_column("numFeatures")
    })?;
    crate::spark::limits::check(
        "numFeatures",
        num_features as u64,
        c.limits().max_vector_width,
    )
    .map_err(|e| e.in_file(&table.file))?;
    let mut maps = table.decode(row, "categoryMaps", |d| {
        d.as_map()?
            .iter()
            .map(|(feature, values)| {
                let feature = usize::try_from(feature.as_i64()?)
                    .ok()
                    .filter(|&f| f < num_features)
                    .ok_or_else(|| LoadError::bad_data("categorical feature index out of range"))?;
                let mut values = values
                    .as_map()?
                    .iter()
                    .map(|(v, i)| Ok((key(v.as_f64()?), i.as_i64()? as f64)))
                    .collect::<Result<Vec<_>, LoadError>>()?;
                values.sort_by_key(|e| e.0);
                Ok(CategoryMap { feature, values })
            })
            .collect::<Result<Vec<_>, LoadError>>()
    })?;
    maps.sort_by_key(|m| m.feature);
    let handle_invalid = HandleInvalid::parse(meta, "error")?;
    let input_name = meta.str_or("inputCol", "features")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), num_features.to_string()),
            ("categoricalFeatures".into(), maps.len().to_string()),
            ("handleInvalid".into(), handle_invalid.name().into()),
        ],
    )?;
    let input = c.input(meta, &input_name, Want::Vector(Some(num_features)))?;
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(num_features))?;
    c.push(Step::VectorIndexer(VectorIndexerStep {
        input,
        output,
        num_features,
        maps,
        handle_invalid,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_uses_scala_numeric_equality() {
        let mut values = vec![(key(0.0), 0.0), (key(1.0), 1.0), (key(f64::NAN), 2.0)];
        values.sort_by_key(|e| e.0);
        let m = CategoryMap { feature: 0, values };
        assert_eq!(m.lookup(-0.0, HandleInvalid::Error), Ok(0.0));
        assert_eq!(m.lookup(1.0, HandleInvalid::Error), Ok(1.0));
        // NaN == NaN is false in Scala: never found, even when NaN is a key.
        assert_eq!(m.lookup(f64::NAN, HandleInvalid::Keep), Ok(3.0));
        assert_eq!(m.lookup(f64::NAN, HandleInvalid::Skip), Err(None));
        assert_eq!(
            m.lookup(2.0, HandleInvalid::Error),
            Err(Some(ScoreErrorKind::UnseenCategory))
        );
    }
}
