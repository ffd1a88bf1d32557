//! LDA topic inference: `org.apache.spark.ml.clustering.LocalLDAModel`,
//! `org.apache.spark.ml.clustering.DistributedLDAModel` and the RDD
//! `org.apache.spark.mllib.clustering.LocalLDAModel` (spark-format.md 10.9).
//!
//! Data. ml LocalLDAModel: one row `vocabSize, topicsMatrix (vocab × k), docConcentration,
//! topicConcentration, gammaShape`. ml DistributedLDAModel: the mllib graph in `oldModel/`
//! (metadata with `k, vocabSize, docConcentration, gammaShape`; `data/topicCounts` rows
//! `id, topicWeights` where term vertices have ids `-(1 + term)`); Spark scores it through
//! `toLocal`, whose topics matrix holds the term vertices' counts (absent terms: zeros).
//! mllib LocalLDAModel: metadata as above, data rows `topic: Vector, index: int`.
//!
//! transform (`topicDistribution`, Spark 3.x/4.x `OnlineLDAOptimizer.variationalTopicInference`):
//! a document with no non-zero entry gives dense zeros; otherwise gamma starts from
//! `Gamma(gammaShape, 1/gammaShape)` draws (a MersenneTwister seeded with the old local
//! model's `seed`), then iterates `gamma = expElogtheta ∘ (βᵀ (cts / phiNorm)) + alpha` until
//! the mean absolute change is at most 1e-3, and is normalised to sum 1. The ids are every
//! index of a dense vector and the stored indices of a sparse one; an index at or beyond the
//! vocabulary raises, a short dense vector does not (Spark does not check sizes).
//!
//! The seed. Every document starts from the same draws, so they are made once at load time.
//! ml LocalLDAModel's constructor sets the old model's seed to its `seed` param's *default*
//! (`"org.apache.spark.ml.clustering.LocalLDAModel".hashCode`) before the reader sets the
//! saved params, so Spark is deterministic there. DistributedLDAModel's `toLocal` and the mllib
//! loader draw `Utils.random.nextLong()` instead: Spark's output changes with every load.
//! mlscore uses the ml LocalLDAModel seed for them too (what Spark gives once `toLocal()` has
//! run on the ml model, or after `setSeed` with that value on the mllib one).

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::random::{digamma, MersenneTwister};
use crate::plan::step::{produce, return_scratch, slot, take_scratch};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Datum, Metadata};

/// `"org.apache.spark.ml.clustering.LocalLDAModel".hashCode` as a long: the default of the ml
/// model's `seed` param.
pub const LOCAL_LDA_MODEL_SEED: i64 = 1_421_925_485;

#[derive(Debug, Clone)]
pub struct LdaStep {
    pub features: SlotIndex,
    pub output: SlotIndex,
    pub scratch: SlotIndex,
    pub k: usize,
    pub vocab: usize,
    /// `exp(dirichletExpectation(topicsᵀ))ᵀ`, row-major vocab × k.
    pub exp_elog_beta: Vec<f64>,
    pub alpha: Vec<f64>,
    /// The seeded initial gamma, the same for every document.
    pub gamma0: Vec<f64>,
}

/// `exp(digamma(g) - digamma(sum(g)))` into `out`.
fn exp_dirichlet_expectation(g: &[f64], out: &mut [f64]) {
    let sum: f64 = g.iter().sum();
    let ds = digamma(sum);
    for (o, &v) in out.iter_mut().zip(g) {
        *o = (digamma(v) - ds).exp();
    }
}

impl LdaStep {
    fn beta_row(&self, id: usize) -> &[f64] {
        self.exp_elog_beta
            .get(id * self.k..(id + 1) * self.k)
            .unwrap_or(&[])
    }

    /// `phiNorm(i) = expElogbeta(id_i, ·) · expElogtheta + 1e-100` for every id, into `phi`.
    fn phi_norm(&self, x: &crate::plan::VecBuf, theta: &[f64], phi: &mut [f64]) {
        let mut n = 0;
        x.for_each_active(|id, _| {
            let mut s = 0.0;
            for (b, t) in self.beta_row(id).iter().zip(theta) {
                s += b * t;
            }
            if let Some(p) = phi.get_mut(n) {
                *p = s + 1e-100;
            }
            n += 1;
        });
    }

    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let k = self.k;
        let mut buf = take_scratch(slots, self.scratch);
        let result = produce(slots, self.output, |slots, out| {
            let s = slot(slots, self.features);
            if s.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
            }
            let x = &s.vec;
            out.null = false;
            out.vec.reset_dense(k);
            if x.num_nonzeros() == 0 {
                return Ok(Flow::Continue);
            }
            let mut too_far = false;
            x.for_each_active(|id, _| too_far |= id >= self.vocab);
            if too_far {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
            }
            let ids = if x.sparse { x.indices.len() } else { x.size };
            // One buffer, reused across rows: gamma, last gamma, expElogtheta, the βᵀ product,
            // then phiNorm per id.
            buf.clear();
            buf.resize(4 * k + ids, 0.0);
            let (gamma, rest) = buf.split_at_mut(k);
            let (last, rest) = rest.split_at_mut(k);
            let (theta, rest) = rest.split_at_mut(k);
            let (prod, phi) = rest.split_at_mut(k);
            gamma.copy_from_slice(&self.gamma0);
            exp_dirichlet_expectation(gamma, theta);
            self.phi_norm(x, theta, phi);
            let mut mean_change = 1.0f64;
            while mean_change > 1e-3 {
                last.copy_from_slice(gamma);
                prod.fill(0.0);
                let mut n = 0;
                x.for_each_active(|id, ct| {
                    let r = ct / phi.get(n).copied().unwrap_or(1.0);
                    for (p, b) in prod.iter_mut().zip(self.beta_row(id)) {
                        *p += b * r;
                    }
                    n += 1;
                });
                for (((g, t), p), a) in gamma.iter_mut().zip(&*theta).zip(&*prod).zip(&self.alpha) {
                    *g = t * p + a;
                }
                exp_dirichlet_expectation(gamma, theta);
                self.phi_norm(x, theta, phi);
                let mut change = 0.0;
                for (g, l) in gamma.iter().zip(&*last) {
                    change += (g - l).abs();
                }
                mean_change = change / k as f64;
            }
            // breeze `normalize(gamma, 1.0)`: divide by the L1 norm.
            let norm: f64 = gamma.iter().map(|g| g.abs()).sum();
            for (o, g) in out.vec.values.iter_mut().zip(&*gamma) {
                *o = g / norm;
            }
            Ok(Flow::Continue)
        });
        return_scratch(slots, self.scratch, buf);
        result
    }
}

/// What every LDA flavour reads before lowering: topics as row-major vocab × k.
struct Topics {
    vocab: usize,
    k: usize,
    lambda: Vec<f64>,
    alpha: Vec<f64>,
    gamma_shape: f64,
}

fn bad(meta: &Metadata, msg: impl Into<String>) -> LoadError {
    meta.error(LoadErrorKind::BadData, msg)
}

fn read_ml_local(c: &Compiler<'_>, meta: &Metadata) -> Result<Topics, LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max = c.limits().max_vector_width;
    let m = table.decode(row, "topicsMatrix", |d| d.to_matrix(max))?;
    let alpha = table.decode(row, "docConcentration", |d| {
        Ok(d.to_vector(max)?.to_dense())
    })?;
    let gamma_shape = table.decode(row, "gammaShape", Datum::as_f64)?;
    Ok(Topics {
        vocab: m.rows,
        k: m.cols,
        lambda: m.values,
        alpha,
        gamma_shape,
    })
}

/// mllib metadata keys shared by the local and distributed formats.
fn old_params(old: &Metadata) -> Result<(usize, usize, Vec<f64>, f64), LoadError> {
    let k = old.extra_i64("k")?.and_then(|v| usize::try_from(v).ok());
    let vocab = old
        .extra_i64("vocabSize")?
        .and_then(|v| usize::try_from(v).ok());
    let (Some(k), Some(vocab)) = (k, vocab) else {
        return Err(old.error(
            LoadErrorKind::BadMetadata,
            "LDA metadata needs k and vocabSize",
        ));
    };
    let alpha = old
        .raw
        .get("docConcentration")
        .and_then(crate::spark::metadata::json_f64_array)
        .ok_or_else(|| {
            old.error(
                LoadErrorKind::BadMetadata,
                "docConcentration is not an array",
            )
        })?;
    let gamma_shape = old
        .raw
        .get("gammaShape")
        .and_then(crate::spark::metadata::json_f64)
        .unwrap_or(100.0);
    Ok((k, vocab, alpha, gamma_shape))
}

fn check_cells(c: &Compiler<'_>, meta: &Metadata, vocab: usize, k: usize) -> Result<(), LoadError> {
    crate::spark::limits::check(
        "matrix cells",
        (vocab as u64).saturating_mul(k as u64),
        c.limits().max_vector_width,
    )
    .map_err(|e| e.in_file(&meta.file))
}

fn read_mllib_local(c: &Compiler<'_>, meta: &Metadata) -> Result<Topics, LoadError> {
    let (k, vocab, alpha, gamma_shape) = old_params(meta)?;
    check_cells(c, meta, vocab, k)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let max = c.limits().max_vector_width;
    let mut lambda = vec![0.0; vocab * k];
    let mut seen = vec![false; k];
    for r in 0..table.rows.len() {
        let topic = table.decode(r, "topic", |d| Ok(d.to_vector(max)?.to_dense()))?;
        let index = table.decode(r, "index", Datum::as_i64)?;
        let t = usize::try_from(index)
            .ok()
            .filter(|&t| t < k && topic.len() == vocab)
            .ok_or_else(|| {
                bad(
                    meta,
                    format!("topic {index} does not fit k={k}, vocabSize={vocab}"),
                )
                .in_file(&table.file)
            })?;
        for (w, v) in topic.iter().enumerate() {
            if let Some(cell) = lambda.get_mut(w * k + t) {
                *cell = *v;
            }
        }
        if let Some(s) = seen.get_mut(t) {
            *s = true;
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(bad(meta, format!("expected {k} topics")).in_file(&table.file));
    }
    Ok(Topics {
        vocab,
        k,
        lambda,
        alpha,
        gamma_shape,
    })
}

fn read_distributed(c: &Compiler<'_>, meta: &Metadata) -> Result<Topics, LoadError> {
    let dir = meta.dir.join("oldModel");
    let old = Metadata::read(&c.read, &dir)?;
    let (k, vocab, alpha, gamma_shape) = old_params(&old)?;
    check_cells(c, meta, vocab, k)?;
    let table = parquet::read_table(&c.read, &dir.join("data").join("topicCounts"))?;
    let max = c.limits().max_vector_width;
    let mut lambda = vec![0.0; vocab * k];
    for r in 0..table.rows.len() {
        let id = table.decode(r, "id", Datum::as_i64)?;
        if id >= 0 {
            continue; // a document vertex
        }
        let counts = table.decode(r, "topicWeights", |d| Ok(d.to_vector(max)?.to_dense()))?;
        // `index2term(id) = -(1 + id)`.
        let term = usize::try_from(-(1 + id))
            .ok()
            .filter(|&t| t < vocab && counts.len() == k)
            .ok_or_else(|| {
                bad(
                    meta,
                    format!("term vertex {id} does not fit vocabSize={vocab}, k={k}"),
                )
                .in_file(&table.file)
            })?;
        if let Some(row) = lambda.get_mut(term * k..(term + 1) * k) {
            row.copy_from_slice(&counts);
        }
    }
    Ok(Topics {
        vocab,
        k,
        lambda,
        alpha,
        gamma_shape,
    })
}

/// `exp(dirichletExpectation(λᵀ))ᵀ`: each topic's column normalised by the digamma of its sum.
fn exp_elog_beta(t: &Topics) -> Vec<f64> {
    let mut sums = vec![0.0; t.k];
    for w in 0..t.vocab {
        for (j, s) in sums.iter_mut().enumerate() {
            *s += t.lambda.get(w * t.k + j).copied().unwrap_or(0.0);
        }
    }
    let dsums: Vec<f64> = sums.iter().map(|&s| digamma(s)).collect();
    t.lambda
        .iter()
        .enumerate()
        .map(|(i, &l)| (digamma(l) - dsums.get(i % t.k.max(1)).copied().unwrap_or(0.0)).exp())
        .collect()
}

pub enum Flavour {
    MlLocal,
    MlDistributed,
    MllibLocal,
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata, flavour: Flavour) -> Result<(), LoadError> {
    let topics = match flavour {
        Flavour::MlLocal => read_ml_local(c, meta)?,
        Flavour::MlDistributed => read_distributed(c, meta)?,
        Flavour::MllibLocal => read_mllib_local(c, meta)?,
    };
    if topics.k == 0 || topics.alpha.len() != topics.k {
        return Err(bad(
            meta,
            format!(
                "docConcentration has {} values for k={}",
                topics.alpha.len(),
                topics.k
            ),
        ));
    }
    if topics.gamma_shape.is_nan() || topics.gamma_shape <= 0.0 {
        return Err(bad(meta, "gammaShape must be positive"));
    }
    let mut rng = MersenneTwister::new(LOCAL_LDA_MODEL_SEED);
    let gamma0: Vec<f64> = (0..topics.k)
        .map(|_| rng.gamma(topics.gamma_shape, 1.0 / topics.gamma_shape))
        .collect();
    let beta = exp_elog_beta(&topics);
    c.begin_stage(
        meta,
        vec![
            ("k".into(), topics.k.to_string()),
            ("vocabSize".into(), topics.vocab.to_string()),
            ("seed".into(), LOCAL_LDA_MODEL_SEED.to_string()),
        ],
    )?;
    let (features, out_name) = match flavour {
        Flavour::MllibLocal => (
            c.input(meta, "features", Want::Vector(None))?,
            "topicDistribution".to_string(),
        ),
        _ => {
            let f = meta.str_or("featuresCol", "features")?;
            (
                c.input(meta, &f, Want::Vector(None))?,
                meta.str_or("topicDistributionCol", "topicDistribution")?,
            )
        }
    };
    let output = c.output(meta, &out_name, ColumnType::Vector, Some(topics.k))?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::Lda(LdaStep {
        features,
        output,
        scratch,
        k: topics.k,
        vocab: topics.vocab,
        exp_elog_beta: beta,
        alpha: topics.alpha,
        gamma0,
    }));
    Ok(())
}
