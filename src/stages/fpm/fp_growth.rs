//! `org.apache.spark.ml.fpm.FPGrowthModel`. Data: `data/` rows `items: array<string>, freq:
//! long` (the frequent itemsets, file order). Params: `itemsCol`, `predictionCol`,
//! `minConfidence` (0.8).
//!
//! transform: `prediction` (array<string>) is, over the association rules in order, the
//! consequents of every rule whose antecedent is contained in the row's items, minus the
//! row's items, without duplicates (first occurrence kept); a null row gives an empty array.
//!
//! The rules (`mllib.fpm.AssociationRules.run`): for each itemset of two items or more and each
//! item in it, the rule `others → item` (others in itemset order) joined on the *exact
//! sequence* `others` with the itemsets, kept when `freq(itemset) / freq(others) >=
//! minConfidence`. Their order is the order of the RDD join that builds them, which decides
//! the order of the predicted items. mlscore reproduces the join with one partition (Spark's
//! with `spark.default.parallelism` = 1 or unset, and the itemsets in one Parquet file):
//! `CoGroupedRDD` puts the candidate rules' antecedents, then the itemsets, into an
//! `AppendOnlyMap` (capacity 64, load factor 0.7, quadratic probing on Guava
//! `murmur3_32().hashInt(key.hashCode)`) and iterates its slots in order; within one
//! antecedent, rules keep their candidate order. `key.hashCode` is Scala's `Seq` hash of the
//! strings' Java hashes: `orderedHash` with Scala 2.12 (Spark 3.x), the 2.13 version with its
//! arithmetic-progression shortcut (Spark 4.x). Verified against Spark 3.5.9 and 4.3.0; with
//! more join partitions Spark groups the rules by partition first, which is not reproduced.

use rustc_hash::FxHashMap;

use crate::error::{LoadError, LoadErrorKind};
use crate::plan::step::{produce, return_scratch, slot, take_scratch};
use crate::plan::{ColumnType, Compiler, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Datum, Metadata};

#[derive(Debug, Clone)]
pub struct Rule {
    pub antecedent: Vec<u32>,
    pub consequent: u32,
}

#[derive(Debug, Clone)]
pub struct FpGrowthStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub scratch: SlotIndex,
    pub items: Vec<String>,
    pub index: FxHashMap<String, u32>,
    pub rules: Vec<Rule>,
}

impl FpGrowthStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let n = self.items.len();
        // Flags per known item: 1.0 = in the row, 2.0 = already predicted.
        let mut flags = take_scratch(slots, self.scratch);
        flags.clear();
        flags.resize(n, 0.0);
        let result = produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            out.null = false;
            out.tokens.clear();
            if x.null {
                return Ok(Flow::Continue);
            }
            for t in x.tokens.iter() {
                if let Some(f) = self.index.get(t).and_then(|&i| flags.get_mut(i as usize)) {
                    *f = 1.0;
                }
            }
            for r in &self.rules {
                let holds = r
                    .antecedent
                    .iter()
                    .all(|&i| flags.get(i as usize) == Some(&1.0));
                if !holds {
                    continue;
                }
                if let Some(f) = flags.get_mut(r.consequent as usize) {
                    if *f == 0.0 {
                        *f = 2.0;
                        out.tokens
                            .push(self.items.get(r.consequent as usize).map_or("", |s| s));
                    }
                }
            }
            Ok(Flow::Continue)
        });
        return_scratch(slots, self.scratch, flags);
        result
    }
}

// --- Emulating the order of Spark's join ------------------------------------------------

fn java_string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for u in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    h
}

fn mix_last(h: u32, k: u32) -> u32 {
    let k = k
        .wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593);
    h ^ k
}

fn mix(h: u32, k: u32) -> u32 {
    mix_last(h, k)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn avalanche(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// Scala's `Seq.hashCode` of strings: `MurmurHash3.seqHash` (2.12 `orderedHash`, or 2.13's
/// with its range shortcut).
fn seq_hash(xs: &[&str], scala_213: bool) -> u32 {
    let seed = java_string_hash("Seq") as u32;
    let hs: Vec<u32> = xs.iter().map(|s| java_string_hash(s) as u32).collect();
    let finalize = |h: u32, n: usize| avalanche(h ^ n as u32);
    if !scala_213 {
        let h = hs.iter().fold(seed, |h, &x| mix(h, x));
        return finalize(h, hs.len());
    }
    match hs.as_slice() {
        [] => finalize(seed, 0),
        [a] => finalize(mix(seed, *a), 1),
        [a, b, rest @ ..] => {
            let mut h = mix(seed, *a);
            let h0 = h;
            let mut prev = *b;
            let diff = b.wrapping_sub(*a);
            let mut i = 2usize;
            for (j, &x) in rest.iter().enumerate() {
                h = mix(h, prev);
                if diff != x.wrapping_sub(prev) {
                    h = mix(h, x);
                    i += 1;
                    for &y in rest.get(j + 1..).unwrap_or(&[]) {
                        h = mix(h, y);
                        i += 1;
                    }
                    return finalize(h, i);
                }
                prev = x;
                i += 1;
            }
            avalanche(mix(mix(h0, diff), prev))
        }
    }
}

/// Guava `Hashing.murmur3_32().hashInt(h)` (seed 0).
fn guava_hash_int(h: u32) -> u32 {
    let k1 = h
        .wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593);
    let h1 = k1.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    avalanche(h1 ^ 4)
}

/// Keys in `AppendOnlyMap` iteration order after inserting `keys` (distinct keys, first
/// insertion only), each given by its hash; returns positions into `keys`.
fn append_only_map_order(hashes: &[u32], same: impl Fn(usize, usize) -> bool) -> Vec<usize> {
    fn place(
        table: &mut [Option<usize>],
        hash: u32,
        k: usize,
        same: &dyn Fn(usize, usize) -> bool,
    ) -> bool {
        let mask = table.len() - 1;
        let mut pos = guava_hash_int(hash) as usize & mask;
        let mut delta = 1usize;
        loop {
            match table.get(pos).copied().flatten() {
                None => {
                    if let Some(s) = table.get_mut(pos) {
                        *s = Some(k);
                    }
                    return true;
                }
                Some(other) if same(other, k) => return false,
                Some(_) => {
                    pos = (pos + delta) & mask;
                    delta += 1;
                }
            }
        }
    }
    let mut table: Vec<Option<usize>> = vec![None; 64];
    let mut size = 0usize;
    for (k, &h) in hashes.iter().enumerate() {
        if place(&mut table, h, k, &same) {
            size += 1;
            if size > table.len() * 7 / 10 {
                let mut grown = vec![None; table.len() * 2];
                for old in table.iter().flatten() {
                    let hk = hashes.get(*old).copied().unwrap_or(0);
                    place(&mut grown, hk, *old, &same);
                }
                table = grown;
            }
        }
    }
    table.into_iter().flatten().collect()
}

/// `AssociationRules.run` in the order of a one-partition join.
fn association_rules(
    itemsets: &[(Vec<u32>, i64)],
    names: &[String],
    min_confidence: f64,
    scala_213: bool,
) -> Vec<Rule> {
    // Candidates: (antecedent, consequent, freq(itemset)), in itemset and item order.
    let mut candidates: Vec<(Vec<u32>, u32, i64)> = Vec::new();
    for (items, freq) in itemsets {
        for &item in items {
            let antecedent: Vec<u32> = items.iter().copied().filter(|&i| i != item).collect();
            if !antecedent.is_empty() {
                candidates.push((antecedent, item, *freq));
            }
        }
    }
    let mut keys: Vec<&[u32]> = candidates.iter().map(|c| c.0.as_slice()).collect();
    keys.extend(itemsets.iter().map(|(i, _)| i.as_slice()));
    let hashes: Vec<u32> = keys
        .iter()
        .map(|k| {
            let strs: Vec<&str> = k
                .iter()
                .map(|&i| names.get(i as usize).map_or("", |s| s.as_str()))
                .collect();
            seq_hash(&strs, scala_213)
        })
        .collect();
    let order = append_only_map_order(&hashes, |a, b| keys.get(a) == keys.get(b));
    let freq_of: FxHashMap<&[u32], i64> =
        itemsets.iter().map(|(i, f)| (i.as_slice(), *f)).collect();
    let mut by_antecedent: FxHashMap<&[u32], Vec<usize>> = FxHashMap::default();
    for (n, c) in candidates.iter().enumerate() {
        by_antecedent.entry(c.0.as_slice()).or_default().push(n);
    }
    let mut rules = Vec::new();
    for k in order {
        let Some(&key) = keys.get(k) else { continue };
        let (Some(&freq_antecedent), Some(cands)) = (freq_of.get(key), by_antecedent.get(key))
        else {
            continue;
        };
        for &n in cands {
            let Some((antecedent, consequent, freq_union)) = candidates.get(n) else {
                continue;
            };
            let confidence = *freq_union as f64 / freq_antecedent as f64;
            if confidence >= min_confidence {
                rules.push(Rule {
                    antecedent: antecedent.clone(),
                    consequent: *consequent,
                });
            }
        }
    }
    rules
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    let mut items: Vec<String> = Vec::new();
    let mut itemsets = Vec::with_capacity(table.rows.len());
    for r in 0..table.rows.len() {
        let names = table.decode(r, "items", |d| d.str_list())?;
        let freq = table.decode(r, "freq", Datum::as_i64)?;
        let ids = names
            .into_iter()
            .map(|s| {
                let next = items.len() as u32;
                *index.entry(s.clone()).or_insert_with(|| {
                    items.push(s);
                    next
                })
            })
            .collect::<Vec<u32>>();
        itemsets.push((ids, freq));
    }
    let min_confidence = meta.f64_or("minConfidence", 0.8)?;
    if !(0.0..=1.0).contains(&min_confidence) {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("minConfidence {min_confidence} is not in [0, 1]"),
        ));
    }
    c.begin_stage(
        meta,
        vec![
            ("itemsets".into(), itemsets.len().to_string()),
            ("minConfidence".into(), min_confidence.to_string()),
        ],
    )?;
    let scala_213 = c.semantics().at_least(4, 0);
    let rules = association_rules(&itemsets, &items, min_confidence, scala_213);
    let input = c.input(meta, &meta.str_or("itemsCol", "items")?, Want::StringArray)?;
    let output = c.output(
        meta,
        &meta.str_or("predictionCol", "prediction")?,
        ColumnType::StringArray,
        None,
    )?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::FpGrowth(FpGrowthStep {
        input,
        output,
        scratch,
        items,
        index,
        rules,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hashes() {
        assert_eq!(java_string_hash("Seq"), 83_007);
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(
            java_string_hash("café"),
            "café"
                .chars()
                .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
        );
    }

    #[test]
    fn scala_hashes_agree_on_short_seqs() {
        // One element: both versions are `finalizeHash(mix(seed, h), 1)`.
        assert_eq!(seq_hash(&["a"], false), seq_hash(&["a"], true));
    }
}
