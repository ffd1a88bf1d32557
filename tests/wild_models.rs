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

    let (mut matched, mut rejected, mut pending) = (0, 0, Vec::new());
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
            (Ok(_), "scored") => {
                match std::panic::catch_unwind(|| {
                    common::run_case_with(
                        &dir,
                        &options,
                        &case.join("input.jsonl"),
                        &case.join("expected.jsonl"),
                    )
                }) {
                    Ok(Ok(_)) => matched += 1,
                    Ok(Err(problems)) => failures.push(format!(
                        "{id}: {} problem(s); first: {}",
                        problems.len(),
                        problems[0]
                    )),
                    Err(_) => failures.push(format!("{id}: scoring panicked")),
                }
            }
            (Ok(_), other) => println!("note {id}: loads; no Spark output to compare ({other})"),
        }
    }
    println!("wild models: {matched} scored like Spark, {rejected} rejected with a clear error, {} pending unsupported classes", pending.len());
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
