//! mllib `feature.Word2VecModel` saved with `save(sc, path)`: metadata `{class, version: "1.0",
//! vectorSize, numWords}`, data rows `word: string, vector: array<float>`. Input column `word`
//! (a string), output `vector`: `transform(word)`, the word's vector widened to double (a
//! dense vector); a word outside the vocabulary raises (`IllegalStateException: … not in
//! vocabulary`), as does null.

use rustc_hash::FxHashMap;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct MllibWord2VecStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub size: usize,
    pub index: FxHashMap<String, u32>,
    /// Row r: `vectors[r*size..(r+1)*size]`, widened from f32.
    pub vectors: Vec<f64>,
}

impl MllibWord2VecStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let r = *self
                .index
                .get(x.text.as_str())
                .ok_or(Fault::new(ScoreErrorKind::UnseenCategory, self.input))?
                as usize;
            let v = self
                .vectors
                .get(r * self.size..(r + 1) * self.size)
                .unwrap_or(&[]);
            out.null = false;
            out.vec.set_dense(v);
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let wc = table.column_index("word")?;
    let vc = table.column_index("vector")?;
    let max = c.limits().max_vector_width;
    let mut index = FxHashMap::default();
    let mut vectors = Vec::new();
    let mut size = meta
        .extra_i64("vectorSize")?
        .and_then(|v| usize::try_from(v).ok());
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
        let n = *size.get_or_insert(v.len());
        crate::spark::limits::check("vectorSize", n as u64, max)
            .map_err(|e| e.in_file(&table.file))?;
        if v.len() != n {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    format!("word `{word}` has {} values, not {n}", v.len()),
                )
                .in_column("vector")
                .in_file(&table.file));
        }
        index.insert(word, (vectors.len() / n.max(1)) as u32);
        vectors.extend_from_slice(&v);
    }
    let size = size.unwrap_or(0);
    c.begin_stage(
        meta,
        vec![
            ("vectorSize".into(), size.to_string()),
            ("words".into(), index.len().to_string()),
        ],
    )?;
    let input = c.input(meta, "word", Want::String)?;
    let output = c.output(meta, "vector", ColumnType::Vector, Some(size))?;
    c.push(Step::MllibWord2Vec(MllibWord2VecStep {
        input,
        output,
        size,
        index,
        vectors,
    }));
    Ok(())
}
