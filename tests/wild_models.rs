//! The 163 model directories real users published (`../shared/wild-models`, Spark 1.6–3.5 and
//! RDD `mllib`), against expected outputs made with pyspark 3.5.9 by tests/wild/gen_wild_expected.py.
//!
//! - Broken directories (and anything Spark itself cannot load) must fail to load with an
//!   error that names a file, a stage or a class.
//! - Every model that loads must score every expected row like Spark.
//! - A model that fails with `UnsupportedStage` is listed: each is a Spark class not yet
//!   implemented (or a third-party class, which must be named with its library).

// Loading returns LoadError by value (see src/lib.rs).
#![allow(clippy::result_large_err)]

mod common;

use std::path::PathBuf;

use mlscore::{LoadErrorKind, Model};
use serde_json::Value as Json;

fn wild_dir() -> PathBuf {
    std::env::var_os("MLSCORE_WILD_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("../shared/wild-models"))
}

/// Models Spark scores but mlscore refuses on purpose, with the reason.
const REFUSED: &[(&str, &str)] = &[(
    "naryst__BigData_project_S23__models__ALS",
    // userFactors/ and itemFactors/ hold the part files of two different saves (two uuids):
    // every id has two different factor vectors, and Spark's join silently emits one output
    // row per combination. No single answer is Spark's; mlscore names the conflict instead.
    "appears twice with different factors",
)];

#[test]
fn wild_models_load_or_fail_clearly_and_score_like_spark() {
    let models = wild_dir();
    assert!(
        models.join("manifest.json").is_file(),
        "wild models not found at {} (set MLSCORE_WILD_MODELS)",
        models.display()
    );
    let expected_root = common::repo().join("tests/wild/expected");
    let manifest: Json = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("tests/wild/manifest.json")).unwrap(),
    )
    .unwrap();
    let entries = manifest.as_array().expect("manifest is a list");
    assert!(
        entries.len() >= 160,
        "manifest lists {} models",
        entries.len()
    );

    let (mut matched, mut rejected, mut pending, mut fused) = (0, 0, Vec::new(), 0);
    let mut failures: Vec<String> = Vec::new();
    for entry in entries {
        let id = entry["id"].as_str().unwrap();
        let outcome = entry["outcome"].as_str().unwrap_or("");
        let broken = entry["manifest_status"]
            .as_str()
            .is_some_and(|s| s.starts_with("broken"));
        let dir = models.join(id);
        let case = expected_root.join(id);
        let options = std::fs::read_to_string(case.join("schema.json"))
            .ok()
            .and_then(|s| serde_json::from_str::<Json>(&s).ok())
            .map(|s| common::options_from_schema(&s))
            .unwrap_or_default();
        // The expected outputs are what pyspark 3.5.9 computes, whatever version wrote the
        // model: score with 3.5 semantics (the writer's formulas are the default otherwise).
        let mut options = options;
        common::declare_input_attributes(&mut options, &case);
        options.semantics = Some(mlscore::SparkVersion::new(3, 5));
        let loaded = std::panic::catch_unwind(|| Model::load_with(&dir, &options));
        let Ok(loaded) = loaded else {
            failures.push(format!("{id}: load panicked"));
            continue;
        };
        match (loaded, outcome) {
            (Err(e), _) if broken || outcome == "spark_cannot_load" => {
                let msg = e.to_string();
                if msg.len() < 20 || !(e.file.is_some() || e.class.is_some()) {
                    failures.push(format!("{id}: error does not name a file or class: {msg}"));
                } else {
                    rejected += 1;
                }
            }
            (Ok(_), _) if broken => {
                failures.push(format!("{id}: broken, but mlscore loaded it"));
            }
            // Complete, but pyspark 3.5 cannot load it (e.g. the 2.x OneHotEncoder transformer,
            // which Spark 3 dropped): mlscore may do better; there is nothing to compare.
            (Ok(_), "spark_cannot_load") => println!("note {id}: loads; Spark 3.5 cannot load it"),
            (Err(e), _) if e.kind == LoadErrorKind::UnsupportedStage => {
                pending.push(format!("{id}: {e}"))
            }
            (Err(e), _)
                if REFUSED
                    .iter()
                    .any(|(r, why)| *r == id && e.to_string().contains(why)) =>
            {
                rejected += 1
            }
            (Err(e), _) => failures.push(format!("{id}: load failed: {e}")),
            (Ok(model), "scored") => {
                // As is, then with only the last stage's outputs selected (fused chains).
                let mut selected = options.clone();
                selected.select_outputs(&common::last_stage_outputs(&model));
                if let Ok(m) = Model::load_with(&dir, &selected) {
                    if m.plan().steps.iter().any(|s| {
                        matches!(
                            s,
                            mlscore::plan::Step::SparseLinear(_)
                                | mlscore::plan::Step::DenseTree(_)
                        )
                    }) {
                        fused += 1;
                    }
                }
                for (what, options) in [("", &options), (" (selected outputs)", &selected)] {
                    match std::panic::catch_unwind(|| {
                        common::run_case_with(
                            &dir,
                            options,
                            &case.join("input.jsonl"),
                            &case.join("expected.jsonl"),
                        )
                    }) {
                        Ok(Ok(_)) if what.is_empty() => matched += 1,
                        Ok(Ok(_)) => {}
                        Ok(Err(problems)) => failures.push(format!(
                            "{id}{what}: {} problem(s); first: {}",
                            problems.len(),
                            problems[0]
                        )),
                        Err(_) => failures.push(format!("{id}{what}: scoring panicked")),
                    }
                }
            }
            (Ok(_), other) => println!("note {id}: loads; no Spark output to compare ({other})"),
        }
    }
    println!("wild models: {matched} scored like Spark (also with selected outputs; {fused} of them fused), {rejected} rejected with a clear error, {} pending unsupported classes", pending.len());
    for p in &pending {
        println!("pending {p}");
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} wild models misbehave",
        failures.len()
    );
}

const NSL_KDD: &str = "bbb1991__nsl-kdd__model";

fn nsl_kdd() -> (PathBuf, PathBuf) {
    (
        wild_dir().join(NSL_KDD),
        common::repo().join("tests/wild/expected").join(NSL_KDD),
    )
}

/// The declared attribute names of the NSL-KDD model's raw input, one per slot.
fn nsl_kdd_names(case: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(case.join("input_attributes.json")).unwrap();
    let columns: serde_json::Map<String, Json> = serde_json::from_str(&text).unwrap();
    let attrs =
        mlscore::VectorAttributes::from_spark_json(&columns["indexed_features"].to_string(), "v")
            .unwrap();
    assert_eq!(attrs.names.len(), attrs.width, "every slot is named");
    attrs.names.into_iter().map(|(_, n)| n).collect()
}

/// The VectorSlicer selects by `names` from the raw input `indexed_features`: without its
/// declared attributes the load is refused naming the stage and column; with a declaration
/// that lacks a name the slicer asks for, or that is malformed, it fails clearly too.
#[test]
fn nsl_kdd_slicer_names_need_declared_attributes() {
    let (dir, case) = nsl_kdd();
    let names = nsl_kdd_names(&case);
    let slicer = "VectorSlicer_493eb79c5b91ee57d611";

    let e = Model::load(&dir).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::UnsupportedStage);
    assert_eq!(e.column.as_deref(), Some("indexed_features"));
    assert_eq!(e.stage_uid.as_deref(), Some(slicer));
    assert!(e.to_string().contains("declare"), "{e}");

    let mut missing = names.clone();
    missing[4] = "flag_XX".into(); // flag_SF, the slicer's first name
    let mut o = mlscore::LoadOptions::default();
    o.declare_vector_attributes("indexed_features", missing);
    let e = Model::load_with(&dir, &o).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::Schema);
    assert_eq!(e.stage_uid.as_deref(), Some(slicer));
    assert_eq!(e.column.as_deref(), Some("indexed_features"));
    assert!(e.message.contains("`flag_SF`"), "{e}");
    assert!(e.file.is_some(), "{e}");

    let mut dup = names.clone();
    dup[1] = dup[0].clone();
    o.declare_vector_attributes("indexed_features", dup);
    let e = Model::load_with(&dir, &o).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::BadOption);
    assert_eq!(e.stage_uid.as_deref(), Some(slicer));
    assert_eq!(e.column.as_deref(), Some("indexed_features"));
    assert!(e.message.contains("slots 0 and 1"), "{e}");

    o.declare_vector_attributes("indexed_features", names.clone());
    o.declare_input("indexed_features", mlscore::ColumnType::Vector, Some(76));
    let e = Model::load_with(&dir, &o).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::BadOption);
    assert!(
        e.message.contains("77 slots") && e.message.contains("width 76"),
        "{e}"
    );
    o.declare_input("indexed_features", mlscore::ColumnType::Vector, Some(77));
    let model = Model::load_with(&dir, &o).unwrap();
    // Too few declared names: the slicer's names past the end are not found.
    let mut short = mlscore::LoadOptions::default();
    short.declare_vector_attributes("indexed_features", names[..40].to_vec());
    let e = Model::load_with(&dir, &short).unwrap_err();
    assert!(e.message.contains("`protocol_type_udp`"), "{e}");
    let input = model.inputs().next().unwrap();
    assert_eq!(
        (input.name.as_str(), input.width),
        ("indexed_features", Some(77))
    );
    // Spark's order: `indices` (none here) then `names`; flag_SF is slot 4 of the input.
    let slicer_params = &model.stages()[0].params;
    assert!(
        slicer_params
            .iter()
            .any(|(k, v)| k == "indices" && v.starts_with("[4, 0, 22, 23, 7,")),
        "{slicer_params:?}"
    );
}

/// The same declaration through the C API (mlscore_load_options_declare_vector_attributes)
/// scores every row exactly as the Rust API does, and like Spark.
#[test]
fn nsl_kdd_scores_the_same_through_the_c_api() {
    use mlscore::ffi::*;
    use std::ffi::CString;
    let (dir, case) = nsl_kdd();
    let names = nsl_kdd_names(&case);
    let mut rust_options = mlscore::LoadOptions::default();
    rust_options.declare_vector_attributes("indexed_features", names.clone());
    let model = Model::load_with(&dir, &rust_options).unwrap();
    let flat = model.flat().unwrap().clone();
    assert_eq!(flat.input_width, 77);

    let c_names: Vec<CString> = names
        .iter()
        .map(|n| CString::new(n.as_str()).unwrap())
        .collect();
    let ptrs: Vec<*const std::ffi::c_char> = c_names.iter().map(|n| n.as_ptr()).collect();
    let path = CString::new(dir.to_str().unwrap()).unwrap();
    let (mut m, mut session) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: live options handle; `ptrs` holds NUL-terminated strings that outlive the call;
    // out-pointers are valid; every handle is freed once below.
    unsafe {
        let o = mlscore_load_options_new();
        let st = mlscore_load_options_declare_vector_attributes(
            o,
            c"indexed_features".as_ptr(),
            ptrs.as_ptr(),
            ptrs.len(),
        );
        assert_eq!(st, mlscore_status::Ok);
        let st = mlscore_model_load(path.as_ptr(), o, &mut m, std::ptr::null_mut());
        mlscore_load_options_free(o);
        assert_eq!(st, mlscore_status::Ok);
        assert_eq!(mlscore_session_new(m, &mut session), mlscore_status::Ok);
    }

    let inputs = common::read_jsonl(&case.join("input.jsonl"));
    let expected = common::read_jsonl(&case.join("expected.jsonl"));
    let mut rust = model.session();
    let mut scored = 0;
    for (row, want) in inputs.iter().zip(&expected) {
        let Some(v) = mlscore::json::parse_vector(&row["indexed_features"]) else {
            continue; // the NULL row: Spark raises, the flat API has no NULL
        };
        let mut dense = vec![0.0; v.size];
        if v.sparse {
            for (&i, &x) in v.indices.iter().zip(&v.values) {
                dense[i as usize] = x;
            }
        } else {
            dense = v.values;
        }
        let mut ours = vec![0.0; flat.output_width];
        let mut theirs = vec![f64::NAN; flat.output_width];
        rust.score_flat(&dense, &mut ours).unwrap();
        // SAFETY: live session; buffers of the stated lengths.
        let st = unsafe {
            mlscore_session_score_flat(
                session,
                dense.as_ptr(),
                dense.len(),
                theirs.as_mut_ptr(),
                theirs.len(),
            )
        };
        assert_eq!(st, mlscore_status::Ok);
        assert_eq!(
            ours.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            theirs.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let probability = flat
            .outputs
            .iter()
            .find(|c| model.outputs().nth(c.output).unwrap().name == "probability")
            .unwrap();
        let spark = want["probability"].as_array().unwrap();
        for (k, p) in spark.iter().enumerate() {
            let c = theirs[probability.offset + k];
            assert!(
                common::doubles_match(p.as_f64().unwrap(), c),
                "row {}: {p} vs {c}",
                row["_id"]
            );
        }
        scored += 1;
    }
    // SAFETY: handles from the calls above, freed once.
    unsafe {
        mlscore_session_free(session);
        mlscore_model_free(m);
    }
    assert!(scored >= 12, "{scored} rows scored");
}
