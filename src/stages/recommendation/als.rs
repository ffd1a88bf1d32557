//! `org.apache.spark.ml.recommendation.ALSModel` (spark-format.md 10.8). Data: `userFactors/`
//! and `itemFactors/`, rows `(id: int, features: array<float>)` over many part files; `rank`
//! in the metadata. `transform`: prediction (a float column) is the float dot product of the
//! two factor vectors, each step rounded to f32 like the JVM loop; a missing id gives NaN, and
//! `coldStartStrategy = drop` drops such rows. Ids must be integral (Spark raises otherwise).
//!
//! Top-N (`recommendForUserSubset` / `recommendForItemSubset`): Spark scores through BLAS
//! `sgemv`, which from 3.2 accumulates with fused multiply-add, so those scores follow the
//! writer's BLAS; ties are ordered by ascending id.

use rustc_hash::FxHashMap;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

/// Factor vectors of one side, flat: row r is `values[r*rank..(r+1)*rank]`.
#[derive(Debug, Clone, Default)]
pub struct Factors {
    pub ids: Vec<i32>,
    pub values: Vec<f32>,
    pub index: FxHashMap<i32, u32>,
}

impl Factors {
    fn row(&self, id: i32, rank: usize) -> Option<&[f32]> {
        let r = *self.index.get(&id)? as usize;
        self.values.get(r * rank..(r + 1) * rank)
    }
}

#[derive(Debug, Clone)]
pub struct AlsStep {
    pub user: SlotIndex,
    pub item: SlotIndex,
    pub output: Option<SlotIndex>,
    pub rank: usize,
    pub users: Factors,
    pub items: Factors,
    pub drop_cold_start: bool,
    /// Top-N scoring uses FMA (Java11BLAS sgemv, Spark 3.2+).
    pub fma: bool,
}

/// The JVM's loop: `dot += a(i) * b(i)` in float, no FMA.
#[inline]
fn float_dot(a: &[f32], b: &[f32]) -> f32 {
    let mut dot = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
    }
    dot
}

/// A user or item id as the JVM's `int` (mllib's `predict(Int, Int)` takes the same).
pub(crate) fn integral_id(s: &Slot, column: SlotIndex) -> Result<i32, Fault> {
    if s.null {
        return Err(Fault::new(ScoreErrorKind::NullValue, column));
    }
    let v = s.num;
    // Spark: `v.intValue` must equal the double value (Int range, no fraction).
    if v.fract() != 0.0 || !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v) {
        return Err(Fault::new(ScoreErrorKind::InvalidValue, column));
    }
    Ok(v as i32)
}

impl AlsStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let user = integral_id(slot(slots, self.user), self.user)?;
        let item = integral_id(slot(slots, self.item), self.item)?;
        let prediction = match (
            self.users.row(user, self.rank),
            self.items.row(item, self.rank),
        ) {
            (Some(u), Some(i)) => float_dot(u, i),
            _ => f32::NAN,
        };
        if prediction.is_nan() && self.drop_cold_start {
            return Ok(Flow::Skip);
        }
        if let Some(s) = self.output.and_then(|o| slots.get_mut(o)) {
            s.set_num(f64::from(prediction));
        }
        Ok(Flow::Continue)
    }

    /// Top `out.len()` items for `user` (or users for an item when `for_items` is false… see
    /// `Model::recommend`). Returns how many entries were written (0 for an unknown id),
    /// best first. Allocates nothing.
    pub fn recommend(
        &self,
        for_user: bool,
        id: i32,
        ids: &mut [i32],
        ratings: &mut [f32],
    ) -> usize {
        let (src, dst) = if for_user {
            (&self.users, &self.items)
        } else {
            (&self.items, &self.users)
        };
        let Some(query) = src.row(id, self.rank) else {
            return 0;
        };
        let k = ids.len().min(ratings.len());
        let (ids, ratings) = (&mut ids[..k], &mut ratings[..k]);
        let mut filled = 0usize;
        for (r, &cand) in dst.ids.iter().enumerate() {
            let Some(f) = dst.values.get(r * self.rank..(r + 1) * self.rank) else {
                continue;
            };
            let score = if self.fma {
                let mut acc = 0.0f32;
                for (a, b) in f.iter().zip(query) {
                    acc = b.mul_add(*a, acc);
                }
                acc
            } else {
                float_dot(query, f)
            };
            // Position: after every entry with a higher score, or an equal score and lower id.
            let pos = ids[..filled]
                .iter()
                .zip(&ratings[..filled])
                .take_while(|&(&i, &v)| v > score || (v == score && i < cand))
                .count();
            if pos >= k {
                continue;
            }
            let end = filled.min(k - 1);
            ids.copy_within(pos..end, pos + 1);
            ratings.copy_within(pos..end, pos + 1);
            ids[pos] = cand;
            ratings[pos] = score;
            filled = (filled + 1).min(k);
        }
        filled
    }
}

fn read_factors(
    c: &Compiler<'_>,
    meta: &Metadata,
    sub: &str,
    rank: usize,
) -> Result<Factors, LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join(sub))?;
    let id_col = table.column_index("id")?;
    let f_col = table.column_index("features")?;
    crate::spark::limits::check(
        "factor values",
        (table.rows.len() as u64).saturating_mul(rank as u64),
        c.limits().max_rows.saturating_mul(64),
    )
    .map_err(|e| e.in_file(&table.file))?;
    let mut f = Factors::default();
    f.ids.reserve(table.rows.len());
    f.values.reserve(table.rows.len() * rank);
    let bad = |msg: String| meta.error(LoadErrorKind::BadData, msg).in_file(&table.file);
    for row in &table.rows {
        let (Some(id), Some(features)) = (row.get(id_col), row.get(f_col)) else {
            return Err(bad("short row".into()));
        };
        let id = i32::try_from(
            id.as_i64()
                .map_err(|e| e.in_column("id").in_file(&table.file))?,
        )
        .map_err(|_| bad("id out of int range".into()))?;
        let values = features
            .f64_list()
            .map_err(|e| e.in_column("features").in_file(&table.file))?;
        if values.len() != rank {
            return Err(bad(format!(
                "factor of id {id} has {} values, rank is {rank}",
                values.len()
            ))
            .in_column("features"));
        }
        // A directory saved twice without clearing holds every id twice (seen in a published
        // model): Spark's join then sees the same factors twice, which scores the same. Only
        // differing duplicates are ambiguous.
        if let Some(&r) = f.index.get(&id) {
            let r = r as usize;
            let same = f
                .values
                .get(r * rank..(r + 1) * rank)
                .is_some_and(|old| old.iter().zip(&values).all(|(a, b)| f64::from(*a) == *b));
            if same {
                continue;
            }
            return Err(
                bad(format!("id {id} appears twice with different factors")).in_column("id")
            );
        }
        f.index.insert(id, f.ids.len() as u32);
        f.ids.push(id);
        f.values.extend(values.iter().map(|&v| v as f32));
    }
    Ok(f)
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let rank = meta
        .extra_i64("rank")?
        .and_then(|r| usize::try_from(r).ok())
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadMetadata,
                "ALSModel metadata has no valid `rank`",
            )
        })?;
    crate::spark::limits::check("rank", rank as u64, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&meta.file))?;
    let users = read_factors(c, meta, "userFactors", rank)?;
    let items = read_factors(c, meta, "itemFactors", rank)?;
    let user_col = meta.str_or("userCol", "user")?;
    let item_col = meta.str_or("itemCol", "item")?;
    let prediction = meta.str_or("predictionCol", "prediction")?;
    let strategy = meta.str_or("coldStartStrategy", "nan")?;
    let drop_cold_start = match strategy.as_str() {
        "nan" => false,
        "drop" => true,
        other => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                format!("coldStartStrategy `{other}` is not nan or drop"),
            ))
        }
    };
    c.begin_stage(
        meta,
        vec![
            ("rank".into(), rank.to_string()),
            ("users".into(), users.ids.len().to_string()),
            ("items".into(), items.ids.len().to_string()),
            ("coldStartStrategy".into(), strategy),
        ],
    )?;
    let fma = c.semantics().at_least(3, 2);
    let user = c.input(meta, &user_col, Want::Numeric)?;
    c.prefer_type(user, ColumnType::Int);
    let item = c.input(meta, &item_col, Want::Numeric)?;
    c.prefer_type(item, ColumnType::Int);
    let output = if prediction.is_empty() {
        None
    } else {
        Some(c.output(meta, &prediction, ColumnType::Float, None)?)
    };
    c.push(Step::Als(AlsStep {
        user,
        item,
        output,
        rank,
        users,
        items,
        drop_cold_start,
        fma,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> AlsStep {
        let mut users = Factors {
            ids: vec![7],
            values: vec![1.0, 2.0],
            ..Default::default()
        };
        users.index.insert(7, 0);
        let mut items = Factors {
            ids: vec![1, 2, 3],
            values: vec![1.0, 0.0, 0.0, 1.0, 2.0, 0.0],
            ..Default::default()
        };
        for (i, id) in [1, 2, 3].iter().enumerate() {
            items.index.insert(*id, i as u32);
        }
        AlsStep {
            user: 0,
            item: 1,
            output: None,
            rank: 2,
            users,
            items,
            drop_cold_start: false,
            fma: false,
        }
    }

    #[test]
    fn recommends_best_first_ties_by_id() {
        let s = step();
        let (mut ids, mut ratings) = ([0; 2], [0.0f32; 2]);
        assert_eq!(s.recommend(true, 7, &mut ids, &mut ratings), 2);
        // scores: item1 = 1, item2 = 2, item3 = 2 → 2 (id 2), 3 (id 3)
        assert_eq!((ids, ratings), ([2, 3], [2.0, 2.0]));
        assert_eq!(s.recommend(true, 99, &mut ids, &mut ratings), 0);
    }
}
