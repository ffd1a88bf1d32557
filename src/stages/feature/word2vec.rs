//! `org.apache.spark.ml.feature.Word2VecModel` (spark-format.md 7.29). Data: < 2.2 one row
//! `wordIndex: map<string,int>, wordVectors: array<float>`; ≥ 2.2 rows `word, vector`.
//! transform: an empty sentence gives the zero sparse vector; otherwise the sum of the
//! in-vocabulary word vectors (floats widened to double) times `1.0 / words` (OOV words
//! count in the denominator).

use rustc_hash::FxHashMap;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct Word2VecStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub size: usize,
    pub index: FxHashMap<String, u32>,
    /// Row r: `vectors[r*size..(r+1)*size]`, already widened from f32.
    pub vectors: Vec<f64>,
}

impl Word2VecStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            out.null = false;
            if x.tokens.is_empty() {
                out.vec.reset_sparse(self.size);
                return Ok(Flow::Continue);
            }
            out.vec.reset_dense(self.size);
            for word in x.tokens.iter() {
                if let Some(&r) = self.index.get(word) {
                    let r = r as usize;
                    let v = self
                        .vectors
                        .get(r * self.size..(r + 1) * self.size)
                        .unwrap_or(&[]);
                    for (s, w) in out.vec.values.iter_mut().zip(v) {
                        *s += w;
                    }
                }
            }
            let scale = 1.0 / x.tokens.len() as f64;
            for s in out.vec.values.iter_mut() {
                *s *= scale;
            }
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let max = c.limits().max_vector_width;
    let mut index = FxHashMap::default();
    let mut vectors = Vec::new();
    let mut size = 0usize;
    if table.has_column("wordIndex") {
        let row = table.single_row()?;
        let flat = table.decode(row, "wordVectors", |d| d.f64_list())?;
        let words = table.decode(row, "wordIndex", |d| {
            d.as_map()?
                .iter()
                .map(|(w, i)| Ok((w.as_str()?.to_string(), i.as_i64()?)))
                .collect::<Result<Vec<_>, LoadError>>()
        })?;
        size = if words.is_empty() {
            0
        } else {
            flat.len() / words.len()
        };
        let mut ordered = vec![0.0; flat.len()];
        for (r, (word, i)) in words.into_iter().enumerate() {
            let i = usize::try_from(i)
                .ok()
                .filter(|&i| (i + 1) * size <= flat.len())
                .ok_or_else(|| {
                    meta.error(LoadErrorKind::BadData, "word index out of range")
                        .in_column("wordIndex")
                })?;
            ordered[r * size..(r + 1) * size].copy_from_slice(&flat[i * size..(i + 1) * size]);
            index.insert(word, r as u32);
        }
        vectors = ordered;
    } else {
        let wc = table.column_index("word")?;
        let vc = table.column_index("vector")?;
        for row in &table.rows {
            let (Some(w), Some(v)) = (row.get(wc), row.get(vc)) else {
                continue;
            };
            let word = w
                .as_str()
                .map_err(|e| e.in_column("word").in_file(&table.file))?
                .to_string();
            let v = v
                .f64_list()
                .map_err(|e| e.in_column("vector").in_file(&table.file))?;
            if index.is_empty() {
                size = v.len();
                crate::spark::limits::check("vectorSize", size as u64, max)
                    .map_err(|e| e.in_file(&table.file))?;
            }
            if v.len() != size {
                return Err(meta
                    .error(
                        LoadErrorKind::BadData,
                        format!("word `{word}` has {} values, not {size}", v.len()),
                    )
                    .in_column("vector"));
            }
            index.insert(word, (vectors.len() / size.max(1)) as u32);
            vectors.extend_from_slice(&v);
        }
    }
    if let Some(declared) = meta.opt_i64("vectorSize")? {
        if !index.is_empty() && declared as usize != size {
            return Err(meta.error(
                LoadErrorKind::BadData,
                format!("vectors have {size} values but vectorSize is {declared}"),
            ));
        }
        if index.is_empty() {
            size = usize::try_from(declared).unwrap_or(0);
        }
    }
    let input_name = meta.required_str("inputCol")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(
        meta,
        vec![
            ("vectorSize".into(), size.to_string()),
            ("words".into(), index.len().to_string()),
        ],
    )?;
    let input = c.input(meta, &input_name, Want::StringArray)?;
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(size))?;
    c.push(Step::Word2Vec(Word2VecStep {
        input,
        output,
        size,
        index,
        vectors,
    }));
    Ok(())
}
