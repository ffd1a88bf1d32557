//! `org.apache.spark.ml.feature.IDFModel` (spark-format.md 7.28). Data: writers ≤ 2.4 store
//! only `idf: Vector`; 3.0+ add `docFreq` and `numDocs`, which scoring does not need. Each
//! stored entry is multiplied by the idf at its index: dense stays dense, sparse keeps its
//! structure (explicit zeros included). An index past the idf vector raises, as Spark's array
//! access does; so does a NULL vector.

use super::tokenizer::unary_columns;
use crate::error::{LoadError, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct IdfStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub idf: Vec<f64>,
}

impl IdfStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            if src.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let (v, o) = (&src.vec, &mut out.vec);
            let too_short = Fault::new(ScoreErrorKind::BadVectorSize, self.input);
            if v.sparse {
                o.reset_sparse(v.size);
                for (&i, &x) in v.indices.iter().zip(&v.values) {
                    let w = self.idf.get(i as usize).ok_or(too_short)?;
                    o.indices.push(i);
                    o.values.push(x * w);
                }
            } else {
                o.reset_sparse(v.size);
                o.sparse = false;
                for (j, &x) in v.values.iter().enumerate() {
                    let w = self.idf.get(j).ok_or(too_short)?;
                    o.values.push(x * w);
                }
            }
            out.null = false;
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max_width = c.limits().max_vector_width;
    let idf = table
        .decode(row, "idf", |d| d.to_vector(max_width))?
        .to_dense();
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
            ("idfSize".into(), idf.len().to_string()),
        ],
    )?;
    // Spark only fails on rows with an index past the idf, so the input width is not forced.
    let input = c.input(meta, &input, Want::Vector(None))?;
    let output = c.output(meta, &output, ColumnType::Vector, Some(idf.len()))?;
    c.push(Step::Idf(IdfStep { input, output, idf }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> IdfStep {
        IdfStep {
            input: 0,
            output: 1,
            idf: vec![0.5, 0.0, 2.0],
        }
    }

    #[test]
    fn keeps_representation() {
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec.set_dense(&[1.0, 3.0, 4.0]);
        step().run(&mut slots).unwrap();
        assert!(!slots[1].vec.sparse);
        assert_eq!(slots[1].vec.values, vec![0.5, 0.0, 8.0]);
        slots[0].vec.reset_sparse(3);
        slots[0].vec.indices.extend([1, 2]);
        slots[0].vec.values.extend([3.0, 0.0]);
        step().run(&mut slots).unwrap();
        assert!(slots[1].vec.sparse);
        assert_eq!(
            (slots[1].vec.indices.clone(), slots[1].vec.values.clone()),
            (vec![1, 2], vec![0.0, 0.0])
        );
    }

    #[test]
    fn index_past_idf_raises() {
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec.set_dense(&[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(
            step().run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::BadVectorSize
        );
        slots[0].vec.set_dense(&[2.0]);
        step().run(&mut slots).unwrap();
        assert_eq!(slots[1].vec.values, vec![1.0]);
    }
}
