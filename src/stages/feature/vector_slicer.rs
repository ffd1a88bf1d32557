//! `VectorSlicer` and the selector models `ChiSqSelectorModel`, `UnivariateFeatureSelectorModel`
//! (3.1+), `VarianceThresholdSelectorModel` (3.1+): all pick features by index
//! (spark-format.md 7.20, 7.31). Selectors sort their `selectedFeatures` first; the slicer
//! keeps the order given. Dense input gives dense output; sparse input is sliced with
//! re-numbered indices, as `SparseVector.slice` does.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{
    find_slot_name, select_slot_names, ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step,
    StepResult, Want,
};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct VectorSliceStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub indices: Vec<u32>,
}

impl VectorSliceStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let v = &x.vec;
            if self.indices.iter().any(|&i| i as usize >= v.size) {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            if v.sparse {
                out.vec.reset_sparse(self.indices.len());
                for (k, &i) in self.indices.iter().enumerate() {
                    if let Ok(pos) = v.indices.binary_search(&i) {
                        out.vec.indices.push(k as u32);
                        out.vec
                            .values
                            .push(v.values.get(pos).copied().unwrap_or(0.0));
                    }
                }
            } else {
                out.vec.reset_dense(0);
                out.vec.size = self.indices.len();
                for &i in &self.indices {
                    out.vec
                        .values
                        .push(v.values.get(i as usize).copied().unwrap_or(0.0));
                }
            }
            Ok(Flow::Continue)
        })
    }
}

fn check_indices(meta: &Metadata, indices: &[i64], max: u64) -> Result<Vec<u32>, LoadError> {
    indices
        .iter()
        .map(|&i| {
            u32::try_from(i)
                .ok()
                .filter(|&i| u64::from(i) < max)
                .ok_or_else(|| {
                    meta.error(
                        LoadErrorKind::BadData,
                        format!("feature index {i} is out of range"),
                    )
                })
        })
        .collect()
}

/// `VectorSlicer`: `indices` then `names`, as Spark orders them. Names resolve through the
/// input column's slot attribute names: those an earlier stage of the pipeline gives the
/// vector (VectorAssembler, OneHotEncoder), or for a raw input vector those the caller
/// declares (`LoadOptions::declare_vector_attributes`), since Spark reads them from the
/// DataFrame's schema, which the saved model does not hold.
pub fn lower_slicer(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let raw = meta.opt_i64_array("indices")?.unwrap_or_default();
    let names = meta.opt_str_array("names")?.unwrap_or_default();
    let mut indices = check_indices(meta, &raw, c.limits().max_vector_width)?;
    let input_name = meta.str_or("inputCol", "features")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, Vec::new())?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    // Spark checks `indices` against the size in the input's ML attributes, when it has them
    // (slot names imply them), before any row.
    let attributed = c
        .column(input)
        .filter(|col| col.slot_names.is_some())
        .and_then(|col| col.width);
    if let (Some(size), Some(&max)) = (attributed, indices.iter().max()) {
        if max as usize >= size {
            return Err(meta
                .error(
                    LoadErrorKind::Schema,
                    format!("Selected feature index {max} invalid for only {size} input features"),
                )
                .in_column(&input_name));
        }
    }
    if !names.is_empty() {
        let Some(known) = c.column(input).and_then(|col| col.slot_names.clone()) else {
            return Err(meta
                .error(
                    LoadErrorKind::UnsupportedStage,
                    "VectorSlicer by `names` needs the input vector's attribute names: no \
                     earlier stage names its slots, and a raw input vector's names live in the \
                     DataFrame's schema, which Spark does not save; declare them \
                     (LoadOptions::declare_vector_attributes, \
                     mlscore_load_options_declare_vector_attributes, or the CLI's \
                     --input-attributes COLUMN=FILE)",
                )
                .in_column(&input_name));
        };
        for n in &names {
            // Spark: "getFeatureIndicesFromNames found no feature with name {n} in column ...",
            // raised by transform on any DataFrame, so a load error here.
            let i = find_slot_name(&known, n).ok_or_else(|| {
                meta.error(
                    LoadErrorKind::Schema,
                    format!(
                        "VectorSlicer name `{n}` is not an attribute of the input vector \
                         (Spark: getFeatureIndicesFromNames found no feature with name {n})"
                    ),
                )
                .in_column(&input_name)
            })?;
            indices.push(i as u32);
        }
        let mut seen = indices.clone();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(meta
                .error(
                    LoadErrorKind::BadMetadata,
                    "VectorSlicer requires indices and names to be disjoint sets of features, \
                     but they overlap",
                )
                .in_column(&input_name));
        }
    }
    c.add_stage_param("indices", format!("{indices:?}"));
    finish_slice(c, meta, input, &output_name, indices)
}

/// The selector models: `selectedFeatures` from the data, sorted.
pub fn lower_selector(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let raw = table.decode(row, "selectedFeatures", |d| d.i64_list())?;
    let mut indices = check_indices(meta, &raw, c.limits().max_vector_width)?;
    indices.sort_unstable();
    lower_slice(c, meta, "featuresCol", indices)
}

fn lower_slice(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    input_param: &str,
    indices: Vec<u32>,
) -> Result<(), LoadError> {
    let input_name = meta.str_or(input_param, "features")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, vec![("indices".into(), format!("{indices:?}"))])?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    finish_slice(c, meta, input, &output_name, indices)
}

/// The output column and step. The chosen slots keep their attribute names, as Spark's
/// slicer and selectors carry the selected attributes into the output's metadata.
fn finish_slice(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    input: SlotIndex,
    output_name: &str,
    indices: Vec<u32>,
) -> Result<(), LoadError> {
    let names = c
        .column(input)
        .and_then(|col| col.slot_names.as_deref())
        .and_then(|runs| select_slot_names(runs, &indices));
    let output = c.output(meta, output_name, ColumnType::Vector, Some(indices.len()))?;
    if let Some(names) = names {
        c.set_slot_names(output, names);
    }
    c.push(Step::VectorSlice(VectorSliceStep {
        input,
        output,
        indices,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{LoadOptions, Model};
    use crate::{LoadErrorKind, VectorAttributes};

    /// A bare VectorSlicer saved as Spark writes it (metadata only).
    fn slicer_dir(tag: &str, params: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mlscore-slicer-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(dir.join("metadata")).unwrap();
        std::fs::write(
            dir.join("metadata/part-00000"),
            format!(
                r#"{{"class":"org.apache.spark.ml.feature.VectorSlicer","timestamp":1,"sparkVersion":"3.5.9","uid":"VectorSlicer_t","paramMap":{{"inputCol":"v","outputCol":"o",{params}}},"defaultParamMap":{{}}}}"#
            ),
        )
        .unwrap();
        dir
    }

    /// Attributes a, b, c, (unnamed), "3": the raw vector of the Spark runs noted below.
    fn options() -> LoadOptions {
        let mut o = LoadOptions::default();
        o.declare_attributes(
            "v",
            VectorAttributes::from_slots(vec![
                Some("a".into()),
                Some("b".into()),
                Some("c".into()),
                None,
                Some("3".into()),
            ]),
        );
        o
    }

    fn indices(model: &Model) -> String {
        let params = &model.stages()[0].params;
        params
            .iter()
            .find(|(k, _)| k == "indices")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    // Each expectation below is what pyspark 3.5.9 gives for the same vector column metadata
    // (tests/spark/fixtures-slicer/*_input_attributes record the scored cases).
    #[test]
    fn names_resolve_through_declared_attributes_in_sparks_order() {
        let dir = slicer_dir("order", r#""indices":[1],"names":["3","c","a"]"#);
        let model = Model::load_with(&dir, &options()).unwrap();
        // indices first, then names; "3" is the slot named "3", not slot 3.
        assert_eq!(indices(&model), "[1, 4, 2, 0]");

        let cases = [
            // Slot 3 has no name: nothing is named "2" or "3"-as-index.
            (
                r#""indices":[],"names":["2"]"#,
                LoadErrorKind::Schema,
                "`2`",
            ),
            (
                r#""indices":[0],"names":["a"]"#,
                LoadErrorKind::BadMetadata,
                "disjoint",
            ),
            // Spark: "Selected feature index 5 invalid for only 5 input features."
            (
                r#""indices":[5],"names":["a"]"#,
                LoadErrorKind::Schema,
                "index 5 invalid for only 5",
            ),
        ];
        for (i, (params, kind, why)) in cases.into_iter().enumerate() {
            let dir = slicer_dir(&format!("e{i}"), params);
            let e = Model::load_with(&dir, &options()).unwrap_err();
            assert_eq!(e.kind, kind, "{params}: {e}");
            assert!(e.message.contains(why), "{params}: {e}");
            assert_eq!(e.column.as_deref(), Some("v"));
            assert_eq!(e.stage_uid.as_deref(), Some("VectorSlicer_t"));
            std::fs::remove_dir_all(dir).ok();
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_declaration_that_contradicts_itself_fails_the_load() {
        let dir = slicer_dir("decl", r#""indices":[],"names":["a"]"#);
        let mut o = options();
        o.declare_input("v", crate::ColumnType::Vector, Some(4));
        let e = Model::load_with(&dir, &o).unwrap_err();
        assert_eq!(e.kind, LoadErrorKind::BadOption);
        assert!(
            e.message.contains("5 slots") && e.message.contains("width 4"),
            "{e}"
        );
        o.declare_input("v", crate::ColumnType::Double, None);
        let e = Model::load_with(&dir, &o).unwrap_err();
        assert!(e.message.contains("declared as double"), "{e}");
        let mut o = LoadOptions::default();
        o.declare_vector_attributes("v", vec!["a".into(), "b".into(), "a".into()]);
        let e = Model::load_with(&dir, &o).unwrap_err();
        assert_eq!(e.kind, LoadErrorKind::BadOption);
        assert!(e.message.contains("slots 0 and 2"), "{e}");
        assert_eq!(e.column.as_deref(), Some("v"));
        o.declare_vector_attributes("v", vec!["a".into(), String::new()]);
        let e = Model::load_with(&dir, &o).unwrap_err();
        assert!(e.message.contains("empty attribute name"), "{e}");
        // Without a declaration: refused, saying what to declare.
        let e = Model::load(&dir).unwrap_err();
        assert_eq!(e.kind, LoadErrorKind::UnsupportedStage);
        assert!(e.message.contains("declare_vector_attributes"), "{e}");
        std::fs::remove_dir_all(dir).ok();
    }
}
