//! Scoring semantics of another Spark version: a model written by Spark W, loaded with
//! `LoadOptions::semantics` = R, must score exactly as Spark R scores that same directory
//! (tests/spark/gen_cross.py made `tests/spark/cross/spark-W-read-by-R/` with real Spark R).
//! And with the default semantics (W's) it must still score as Spark W did, so each case
//! whose two Spark outputs differ proves the option switches a changed formula both ways.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use mlscore::SparkVersion;
use serde_json::Value as Json;

fn read_json(path: &Path) -> Json {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Cases whose reading Spark refused because it removed a class the writer used: with that
/// reader's semantics mlscore must refuse them too (there is no score to reproduce).
const REMOVED_IN_READER: &[&str] = &["string_indexer_then_old_one_hot_encoder"];

/// The cross sets present: `spark-W-read-by-R` directories.
fn sets() -> Vec<PathBuf> {
    let root = common::repo().join("tests/spark/cross");
    let mut sets: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    sets
}

fn run_set(set: &Path) -> (usize, usize, Vec<String>) {
    let mut cases: Vec<PathBuf> = fs::read_dir(set)
        .unwrap_or_else(|e| panic!("{}: {e}", set.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.jsonl").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases under {}", set.display());
    let (mut passed, mut differing, mut failures) = (0, 0, Vec::new());
    // Directories the reading Spark refused to load: mlscore must refuse them too.
    let unloadable = set.join("unloadable.json");
    if unloadable.is_file() {
        let dir = set.file_name().unwrap().to_string_lossy().to_string();
        let (writer, reader) = dir
            .trim_start_matches("spark-")
            .split_once("-read-by-")
            .expect("spark-W-read-by-R");
        let json = read_json(&unloadable);
        for (name, why) in json.as_object().expect("unloadable.json is an object") {
            // The writer's case, in whichever fixture set holds it.
            let model = fs::read_dir(common::repo().join("tests/spark"))
                .unwrap()
                .flatten()
                .map(|e| {
                    e.path()
                        .join(format!("spark-{writer}"))
                        .join(name)
                        .join("model")
                })
                .find(|p| p.is_dir())
                .unwrap_or_else(|| panic!("no model for unloadable case {name}"));
            let options = mlscore::LoadOptions {
                semantics: Some(SparkVersion::parse(reader).expect("reader version")),
                ..Default::default()
            };
            let loads = mlscore::Model::load_with(&model, &options).is_ok();
            if REMOVED_IN_READER.contains(&name.as_str()) {
                if loads {
                    failures.push(format!(
                        "{name} read as {reader}: loads, but Spark {reader} no longer has the \
                         class ({why})"
                    ));
                } else {
                    passed += 1;
                }
            } else {
                // An older reader tripping on a newer writer's files (unknown params, renamed
                // columns) or a reader bug: mlscore reads the files anyway, on purpose.
                println!("Spark {reader} could not load {name}; mlscore does: {why}");
            }
        }
    }
    for case in cases {
        let meta = read_json(&case.join("schema.json"));
        let source = common::repo()
            .join("tests/spark")
            .join(meta["source"].as_str().expect("source"));
        let reader = meta["reader"].as_str().expect("reader");
        let name = meta["case"].as_str().expect("case").to_string();
        let mut options = common::options_from_schema(&read_json(&source.join("schema.json")));
        options.semantics = Some(SparkVersion::parse(reader).expect("reader version"));
        let result = common::run_case_with(
            &source.join("model"),
            &options,
            &source.join("input.jsonl"),
            &case.join("expected.jsonl"),
        );
        match result {
            Ok(_) => passed += 1,
            Err(p) => failures.push(format!("{name} read as {reader}: {}", p[0])),
        }
        let own = fs::read_to_string(source.join("expected.jsonl")).expect("source expected");
        let cross = fs::read_to_string(case.join("expected.jsonl")).expect("cross expected");
        if own != cross {
            differing += 1;
            println!("formula differs between versions: {name}");
        }
    }
    (passed, differing, failures)
}

#[test]
fn models_score_as_the_requested_spark_version() {
    let sets = sets();
    assert!(
        sets.len() >= 2,
        "need both directions under tests/spark/cross"
    );
    let mut all_failures = Vec::new();
    for set in &sets {
        let (passed, differing, failures) = run_set(set);
        println!(
            "{}: {passed} cases as Spark scores them, {differing} where the versions differ",
            set.display()
        );
        // The set must exercise at least one changed formula, or it proves nothing.
        assert!(differing > 0, "{}: no case differs", set.display());
        all_failures.extend(failures);
    }
    for f in &all_failures {
        eprintln!("    {f}");
    }
    assert!(
        all_failures.is_empty(),
        "{} cases differ",
        all_failures.len()
    );
}
