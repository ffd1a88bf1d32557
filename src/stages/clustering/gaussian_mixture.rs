//! `org.apache.spark.ml.clustering.GaussianMixtureModel` (spark-format.md 10.7). Data: one
//! row `weights, mus: array<Vector>, sigmas: array<Matrix>`. Each component's log density uses
//! the eigendecomposition of its covariance with Spark's pseudo-inverse tolerance
//! (`EPSILON · max(d) · k`). Posteriors: `EPSILON + w·pdf` normalised, in every version
//! (verified against Spark 3.5.9 and 4.3.0: only training works in log space). Outputs
//! `probability` then `prediction` (an int: the first maximum).

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::eigen::symmetric_eigen;
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata};
use crate::stages::predictor;

const EPSILON: f64 = 2.220446049250313e-16;

#[derive(Debug, Clone)]
pub struct Component {
    pub weight: f64,
    pub mu: Vec<f64>,
    /// Rows of `rootSigmaInv`: eigenvectors scaled by `sqrt(1/d)`, kept eigenvalues only.
    pub root_inv: Vec<Vec<f64>>,
    pub u: f64,
}

#[derive(Debug, Clone)]
pub struct GaussianMixtureStep {
    pub features: SlotIndex,
    pub components: Vec<Component>,
    pub probability: Option<SlotIndex>,
    pub prediction: Option<SlotIndex>,
    pub scratch: SlotIndex,
    /// mllib `predict`: `p.indexOf(p.max)` in Scala (`Some(true)`: 2.13's total ordering,
    /// where NaN is the largest; `Some(false)`: 2.12's `>=`), -1 when no entry equals the
    /// maximum (NaN features). `None`: ml's argmax.
    pub scala_index_of_max: Option<bool>,
}

/// `p.indexOf(p.max)` with Scala's `reduceLeft((x, y) => if (gteq(x, y)) x else y)`.
fn scala_index_of_max(p: &[f64], total_order: bool) -> i64 {
    let mut it = p.iter().copied();
    let Some(first) = it.next() else { return -1 };
    let max = it.fold(first, |x, y| {
        // Java's `Double.compare(x, y) >= 0` (NaN largest, -0.0 below 0.0), or plain `>=`.
        let gteq = if total_order {
            x.is_nan()
                || (!y.is_nan()
                    && (x > y
                        || (x == y && !(x == 0.0 && x.is_sign_negative() && y.is_sign_positive()))))
        } else {
            x >= y
        };
        if gteq {
            x
        } else {
            y
        }
    });
    p.iter().position(|&v| v == max).map_or(-1, |i| i as i64)
}

impl Component {
    fn logpdf(&self, x: &crate::plan::VecBuf) -> f64 {
        let mut quad = 0.0;
        for row in &self.root_inv {
            let mut v = 0.0;
            for (j, (r, m)) in row.iter().zip(&self.mu).enumerate() {
                v += r * (x.get(j) - m);
            }
            quad += v * v;
        }
        self.u + quad * -0.5
    }
}

impl GaussianMixtureStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let dim = self.components.first().map_or(0, |c| c.mu.len());
        produce(slots, self.scratch, |slots, scratch| {
            let x = slot(slots, self.features);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
            }
            if x.vec.size != dim {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
            }
            let p = &mut scratch.vec;
            p.reset_dense(self.components.len());
            // Spark's `computeProbabilities` (every version, 4.3 included): `EPSILON + w·pdf`,
            // normalised. Points far from every component underflow to EPSILON each, hence a
            // uniform posterior; a NaN feature gives NaN everywhere.
            let mut sum = 0.0;
            for (pi, c) in p.values.iter_mut().zip(&self.components) {
                *pi = EPSILON + c.weight * c.logpdf(&x.vec).exp();
                sum += *pi;
            }
            for pi in p.values.iter_mut() {
                *pi /= sum;
            }
            Ok(Flow::Continue)
        })?;
        let best = slots
            .get(self.scratch)
            .map_or(0, |s| match self.scala_index_of_max {
                Some(total) => scala_index_of_max(&s.vec.values, total),
                None => predictor::argmax(&s.vec.values) as i64,
            });
        if let Some(o) = self.probability {
            produce(slots, o, |slots, out| {
                out.null = false;
                out.vec.copy_from(&slot(slots, self.scratch).vec);
            });
        }
        if let Some(s) = self.prediction.and_then(|p| slots.get_mut(p)) {
            s.set_num(best as f64);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max = c.limits().max_vector_width;
    let weights = table.decode(row, "weights", |d| d.f64_list())?;
    let mus = table.decode(row, "mus", |d| {
        d.as_list()?
            .iter()
            .map(|v| Ok(v.to_vector(max)?.to_dense()))
            .collect::<Result<Vec<_>, LoadError>>()
    })?;
    let sigmas = table.decode(row, "sigmas", |d| {
        d.as_list()?
            .iter()
            .map(|m| m.to_matrix(max))
            .collect::<Result<Vec<_>, LoadError>>()
    })?;
    let (components, dim) = build_components(meta, &table.file, weights, mus, sigmas)?;
    lower_components(c, meta, components, dim, false)
}

/// The RDD `org.apache.spark.mllib.clustering.GaussianMixtureModel` saved with
/// `save(sc, path)`: data rows `weight, mu, sigma`, one per component in stored order.
/// `predict(features)` is the first maximal posterior (an int), computed as ml's.
pub fn lower_mllib(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let max = c.limits().max_vector_width;
    let (mut weights, mut mus, mut sigmas) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..table.rows.len() {
        weights.push(table.decode(r, "weight", |d| d.as_f64())?);
        mus.push(table.decode(r, "mu", |d| Ok(d.to_vector(max)?.to_dense()))?);
        sigmas.push(table.decode(r, "sigma", |d| d.to_matrix(max))?);
    }
    let (components, dim) = build_components(meta, &table.file, weights, mus, sigmas)?;
    let meta = crate::stages::mllib::with_writer_version(meta, &table);
    lower_components(c, &meta, components, dim, true)
}

fn build_components(
    meta: &Metadata,
    file: &str,
    weights: Vec<f64>,
    mus: Vec<Vec<f64>>,
    sigmas: Vec<crate::spark::parquet::Matrix>,
) -> Result<(Vec<Component>, usize), LoadError> {
    let dim = mus.first().map_or(0, Vec::len);
    if weights.is_empty()
        || weights.len() != mus.len()
        || mus.len() != sigmas.len()
        || mus.iter().any(|m| m.len() != dim)
        || sigmas.iter().any(|s| s.rows != dim || s.cols != dim)
        || dim > 4096
    {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                "weights, mus and sigmas disagree in count or dimension",
            )
            .in_file(file));
    }
    let mut components = Vec::with_capacity(weights.len());
    for ((w, mu), sigma) in weights.iter().zip(mus).zip(sigmas) {
        let (d, vectors) = symmetric_eigen(&sigma.values, dim);
        let dmax = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let tol = EPSILON * dmax * d.len() as f64;
        let kept: Vec<(f64, Vec<f64>)> = d
            .into_iter()
            .zip(vectors)
            .filter(|(v, _)| *v > tol)
            .collect();
        if kept.is_empty() {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    "a covariance matrix has no non-zero singular values",
                )
                .in_column("sigmas"));
        }
        let log_det: f64 = kept.iter().map(|(v, _)| v.ln()).sum();
        let root_inv = kept
            .iter()
            .map(|(v, u)| u.iter().map(|x| x * (1.0 / v).sqrt()).collect())
            .collect();
        let u = -0.5 * (dim as f64 * (2.0 * std::f64::consts::PI).ln() + log_det);
        components.push(Component {
            weight: *w,
            mu,
            root_inv,
            u,
        });
    }
    Ok((components, dim))
}

fn lower_components(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    components: Vec<Component>,
    dim: usize,
    mllib: bool,
) -> Result<(), LoadError> {
    c.begin_stage(
        meta,
        vec![
            ("k".into(), components.len().to_string()),
            ("dimension".into(), dim.to_string()),
        ],
    )?;
    let (features, probability, prediction) = if mllib {
        let f = c.input(meta, "features", crate::plan::Want::Vector(Some(dim)))?;
        (
            f,
            None,
            Some(c.output(meta, "prediction", ColumnType::Int, None)?),
        )
    } else {
        let features = predictor::features_input(c, meta, Some(dim))?;
        let probability = match meta.str_or("probabilityCol", "probability")? {
            n if n.is_empty() => None,
            n => Some(c.output(meta, &n, ColumnType::Vector, Some(components.len()))?),
        };
        let prediction = match meta.str_or("predictionCol", "prediction")? {
            n if n.is_empty() => None,
            n => Some(c.output(meta, &n, ColumnType::Int, None)?),
        };
        (features, probability, prediction)
    };
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::GaussianMixture(GaussianMixtureStep {
        features,
        components,
        probability,
        prediction,
        scratch,
        scala_index_of_max: mllib.then(|| c.semantics().at_least(4, 0)),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> GaussianMixtureStep {
        // Two unit-variance 1-d components at 0 and 10.
        let comp = |mu: f64| Component {
            weight: 0.5,
            mu: vec![mu],
            root_inv: vec![vec![1.0]],
            u: -0.5 * (2.0 * std::f64::consts::PI).ln(),
        };
        GaussianMixtureStep {
            features: 0,
            components: vec![comp(0.0), comp(10.0)],
            probability: None,
            prediction: Some(1),
            scratch: 2,
            scala_index_of_max: None,
        }
    }

    fn run(x: f64) -> (Vec<f64>, f64) {
        let s = step();
        let mut slots = vec![Slot::default(), Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec.set_dense(&[x]);
        assert!(s.run(&mut slots).is_ok());
        (slots[2].vec.values.clone(), slots[1].num)
    }

    #[test]
    fn far_points_get_a_uniform_posterior() {
        // Both densities underflow to 0: EPSILON each, so 1/2 each, prediction 0.
        let (p, pred) = run(1e6);
        assert_eq!(p, vec![0.5, 0.5]);
        assert_eq!(pred, 0.0);
        let (p, pred) = run(9.0);
        assert!(p[1] > 0.99 && pred == 1.0);
        let (p, pred) = run(f64::NAN);
        assert!(p.iter().all(|v| v.is_nan()) && pred == 0.0);
    }
}
