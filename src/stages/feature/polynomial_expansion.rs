//! `org.apache.spark.ml.feature.PolynomialExpansion` (spark-format.md 7.17), params only:
//! `degree`. Terms follow Spark's recursion (last feature outermost); dense stays dense,
//! sparse stays sparse with zero products skipped.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf, Want,
};
use crate::spark::Metadata;

/// Inputs wider than this are refused: the recursion is as deep as the input is wide.
pub const MAX_INPUT_WIDTH: usize = 4096;
/// Largest expansion produced (outputs grow as C(n+d, d)).
pub const MAX_OUTPUT_WIDTH: u64 = 1 << 24;

#[derive(Debug, Clone)]
pub struct PolynomialExpansionStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub degree: usize,
}

/// C(n + d, d), saturating.
pub fn poly_size(n: usize, d: usize) -> u64 {
    let mut r: u64 = 1;
    for i in 1..=d as u64 {
        r = r.saturating_mul(n as u64 + i) / i;
    }
    r
}

fn expand_dense(
    values: &[f64],
    last: isize,
    degree: usize,
    multiplier: f64,
    out: &mut [f64],
    cur: i64,
) -> i64 {
    if multiplier != 0.0 {
        if degree == 0 || last < 0 {
            if cur >= 0 {
                if let Some(o) = out.get_mut(cur as usize) {
                    *o = multiplier;
                }
            }
        } else {
            let v = values.get(last as usize).copied().unwrap_or(0.0);
            let mut alpha = multiplier;
            let mut start = cur;
            let mut i = 0;
            while i <= degree && alpha != 0.0 {
                start = expand_dense(values, last - 1, degree - i, alpha, out, start);
                i += 1;
                alpha *= v;
            }
        }
    }
    cur + poly_size((last + 1) as usize, degree) as i64
}

fn expand_sparse(
    x: &VecBuf,
    last: isize,
    last_feature: isize,
    degree: usize,
    multiplier: f64,
    out: &mut VecBuf,
    cur: i64,
) -> i64 {
    if multiplier != 0.0 {
        if degree == 0 || last < 0 {
            if cur >= 0 {
                out.indices.push(cur as u32);
                out.values.push(multiplier);
            }
        } else {
            let v = x.values.get(last as usize).copied().unwrap_or(0.0);
            let feature = x.indices.get(last as usize).map_or(0, |&i| i as isize);
            let mut alpha = multiplier;
            let mut start = cur;
            let mut i = 0;
            while i <= degree && alpha != 0.0 {
                start = expand_sparse(x, last - 1, feature - 1, degree - i, alpha, out, start);
                i += 1;
                alpha *= v;
            }
        }
    }
    cur + poly_size((last_feature + 1) as usize, degree) as i64
}

impl PolynomialExpansionStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let n = x.vec.size;
            let size = poly_size(n, self.degree).saturating_sub(1);
            if n > MAX_INPUT_WIDTH || size > MAX_OUTPUT_WIDTH {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            if x.vec.sparse {
                out.vec.reset_sparse(size as usize);
                expand_sparse(
                    &x.vec,
                    x.vec.indices.len() as isize - 1,
                    n as isize - 1,
                    self.degree,
                    1.0,
                    &mut out.vec,
                    -1,
                );
            } else {
                out.vec.reset_dense(size as usize);
                expand_dense(
                    &x.vec.values,
                    n as isize - 1,
                    self.degree,
                    1.0,
                    &mut out.vec.values,
                    -1,
                );
            }
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let degree = meta.i64_or("degree", 2)?;
    let degree = usize::try_from(degree)
        .ok()
        .filter(|&d| (1..=64).contains(&d))
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadMetadata,
                format!("degree {degree} is not between 1 and 64"),
            )
        })?;
    let input_name = meta.required_str("inputCol")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, vec![("degree".into(), degree.to_string())])?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    let width = c
        .column(input)
        .and_then(|col| col.width)
        .map(|n| poly_size(n, degree).saturating_sub(1) as usize);
    let output = c.output(meta, &output_name, ColumnType::Vector, width)?;
    c.push(Step::PolynomialExpansion(PolynomialExpansionStep {
        input,
        output,
        degree,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_order_matches_spark() {
        let mut out = vec![0.0; 5];
        expand_dense(&[2.0, 3.0], 1, 2, 1.0, &mut out, -1);
        // [x, x², y, xy, y²]
        assert_eq!(out, vec![2.0, 4.0, 3.0, 6.0, 9.0]);
        let mut out = vec![0.0; 9];
        expand_dense(&[2.0, 3.0], 1, 3, 1.0, &mut out, -1);
        assert_eq!(out, vec![2.0, 4.0, 8.0, 3.0, 6.0, 12.0, 9.0, 18.0, 27.0]);
    }

    #[test]
    fn sparse_matches_dense() {
        let mut x = VecBuf::default();
        x.reset_sparse(3);
        x.indices = vec![0, 2];
        x.values = vec![2.0, 3.0];
        let mut out = VecBuf::default();
        out.reset_sparse(9);
        expand_sparse(&x, 1, 2, 2, 1.0, &mut out, -1);
        let mut dense = vec![0.0; 9];
        expand_dense(&[2.0, 0.0, 3.0], 2, 2, 1.0, &mut dense, -1);
        let mut from_sparse = vec![0.0; 9];
        for (&i, &v) in out.indices.iter().zip(&out.values) {
            from_sparse[i as usize] = v;
        }
        assert_eq!(from_sparse, dense);
    }
}
