//! mllib `recommendation.MatrixFactorizationModel` (what `ALS.train` returns), saved with
//! `save(sc, path)`: metadata `{class, version: "1.0", rank}`, `data/user` and `data/product`
//! rows `id: int, features: array<double>`. Input columns `user` and `product` (ints);
//! output `prediction` (a double): `predict(user, product)`, the BLAS `ddot` of the two factor
//! vectors (`BLAS.nativeBLAS`, Java BLAS without a native library). An id without factors
//! raises (`require(...nonEmpty, "userId: … not found in the model")`).

use rustc_hash::FxHashMap;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Datum, Metadata};
use crate::stages::recommendation::als::integral_id;

#[derive(Debug, Clone, Default)]
pub struct FactorTable {
    pub index: FxHashMap<i32, u32>,
    /// Row r: `values[r*rank..(r+1)*rank]`.
    pub values: Vec<f64>,
}

impl FactorTable {
    fn row(&self, id: i32, rank: usize) -> Option<&[f64]> {
        let r = *self.index.get(&id)? as usize;
        self.values.get(r * rank..(r + 1) * rank)
    }
}

#[derive(Debug, Clone)]
pub struct MatrixFactorizationStep {
    pub user: SlotIndex,
    pub product: SlotIndex,
    pub output: SlotIndex,
    pub rank: usize,
    pub users: FactorTable,
    pub products: FactorTable,
    pub blas: Blas,
}

impl MatrixFactorizationStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let user = integral_id(slot(slots, self.user), self.user)?;
        let product = integral_id(slot(slots, self.product), self.product)?;
        let u = self
            .users
            .row(user, self.rank)
            .ok_or(Fault::new(ScoreErrorKind::UnseenCategory, self.user))?;
        let p = self
            .products
            .row(product, self.rank)
            .ok_or(Fault::new(ScoreErrorKind::UnseenCategory, self.product))?;
        let prediction = self.blas.ddot(u, p);
        if let Some(s) = slots.get_mut(self.output) {
            s.set_num(prediction);
        }
        Ok(Flow::Continue)
    }
}

fn read_factors(
    c: &Compiler<'_>,
    meta: &Metadata,
    sub: &str,
    rank: usize,
) -> Result<FactorTable, LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data").join(sub))?;
    crate::spark::limits::check(
        "factor values",
        (table.rows.len() as u64).saturating_mul(rank as u64),
        c.limits().max_rows.saturating_mul(64),
    )
    .map_err(|e| e.in_file(&table.file))?;
    let mut f = FactorTable::default();
    for r in 0..table.rows.len() {
        let id = table.decode(r, "id", Datum::as_i64)?;
        let values = table.decode(r, "features", |d| d.f64_list())?;
        let bad = |msg: String| meta.error(LoadErrorKind::BadData, msg).in_file(&table.file);
        let id = i32::try_from(id).map_err(|_| bad(format!("id {id} is out of int range")))?;
        if values.len() != rank {
            return Err(bad(format!(
                "factor of id {id} has {} values, rank is {rank}",
                values.len()
            ))
            .in_column("features"));
        }
        // `lookup(id).head`: the first stored row of an id wins.
        if f.index.contains_key(&id) {
            continue;
        }
        f.index.insert(id, (f.values.len() / rank.max(1)) as u32);
        f.values.extend_from_slice(&values);
    }
    Ok(f)
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let rank = meta
        .extra_i64("rank")?
        .and_then(|r| usize::try_from(r).ok())
        .filter(|&r| r > 0)
        .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "metadata has no valid `rank`"))?;
    crate::spark::limits::check("rank", rank as u64, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&meta.file))?;
    let users = read_factors(c, meta, "user", rank)?;
    let products = read_factors(c, meta, "product", rank)?;
    c.begin_stage(
        meta,
        vec![
            ("rank".into(), rank.to_string()),
            ("users".into(), users.index.len().to_string()),
            ("products".into(), products.index.len().to_string()),
        ],
    )?;
    let blas = Blas::for_version(c.semantics());
    let user = c.input(meta, "user", Want::Numeric)?;
    c.prefer_type(user, ColumnType::Int);
    let product = c.input(meta, "product", Want::Numeric)?;
    c.prefer_type(product, ColumnType::Int);
    let output = c.output(meta, "prediction", ColumnType::Double, None)?;
    c.push(Step::MatrixFactorization(MatrixFactorizationStep {
        user,
        product,
        output,
        rank,
        users,
        products,
        blas,
    }));
    Ok(())
}
