//! The `mlscore` command: `--input-attributes COLUMN=FILE` declares a raw input vector's ML
//! attribute names, which a VectorSlicer selecting by `names` needs (the wild NSL-KDD model),
//! and `--outputs` selects the output columns (the census_lr benchmark pipeline).

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value as Json;

const ID: &str = "bbb1991__nsl-kdd__model";

fn model() -> PathBuf {
    std::env::var_os("MLSCORE_WILD_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("../shared/wild-models"))
        .join(ID)
}

fn case() -> PathBuf {
    common::repo().join("tests/wild/expected").join(ID)
}

fn mlscore(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlscore"))
        .args(args)
        .output()
        .unwrap()
}

fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn attributes_arg() -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from("indexed_features=");
    arg.push(case().join("input_attributes.json"));
    arg
}

#[test]
fn score_with_input_attributes_matches_spark() {
    let input = case().join("input.jsonl");
    let out = mlscore(&[
        "score".as_ref(),
        model().as_os_str(),
        "--input".as_ref(),
        input.as_os_str(),
        "--vectors".as_ref(),
        "spark".as_ref(),
        "--input-attributes".as_ref(),
        &attributes_arg(),
    ]);
    assert_succeeded(&out);
    let expected = common::read_jsonl(&case().join("expected.jsonl"));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), expected.len());
    let mut compared = 0;
    for (line, want) in lines.iter().zip(&expected) {
        let got: Json = serde_json::from_str(line).unwrap();
        if want.contains_key("_error") {
            assert!(got.get("_error").is_some(), "{line}");
            continue;
        }
        for column in ["features", "probability", "prediction"] {
            if let Some(problem) = common::compare(column, &want[column], &got[column], true) {
                panic!("row {}: {problem}", want["_id"]);
            }
        }
        compared += 1;
    }
    assert!(compared >= 12);
}

#[test]
fn without_input_attributes_the_load_error_says_what_to_declare() {
    let out = mlscore(&["inspect".as_ref(), model().as_os_str()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column `indexed_features`") && err.contains("--input-attributes"),
        "{err}"
    );

    let out = mlscore(&[
        "inspect".as_ref(),
        model().as_os_str(),
        "--input-attributes".as_ref(),
        &attributes_arg(),
    ]);
    assert_succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("indexed_features: vector[77]"), "{text}");
}

#[test]
fn a_bad_attribute_file_is_named() {
    let dir = std::env::temp_dir().join(format!("mlscore-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("attrs.json");
    std::fs::write(&file, r#"{"ml_attr": {"attrs": {}}}"#).unwrap();
    let mut arg = std::ffi::OsString::from("indexed_features=");
    arg.push(&file);
    let out = mlscore(&[
        "inspect".as_ref(),
        model().as_os_str(),
        "--input-attributes".as_ref(),
        &arg,
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("attrs.json") && err.contains("no `num_attrs`"),
        "{err}"
    );
}

/// `--outputs` keeps only the named columns (the others are not built) and still scores like
/// Spark; an unknown name fails the load naming it.
#[test]
fn selected_outputs_score_like_spark_and_unknown_ones_are_named() {
    let case = common::repo().join("tests/spark/fixtures/bench-4.3.0/census_lr");
    let expected = common::read_jsonl(&case.join("expected.jsonl"));
    let rows: Vec<String> = std::fs::read_to_string(case.join("rows.jsonl"))
        .unwrap()
        .lines()
        .take(expected.len())
        .map(str::to_string)
        .collect();
    let dir = std::env::temp_dir().join(format!("mlscore-cli-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("rows.jsonl");
    std::fs::write(&input, rows.join("\n") + "\n").unwrap();
    let model = case.join("model");
    let out = mlscore(&[
        "score".as_ref(),
        model.as_os_str(),
        "--input".as_ref(),
        input.as_os_str(),
        "--outputs".as_ref(),
        "probability,prediction".as_ref(),
    ]);
    assert_succeeded(&out);
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), expected.len());
    for (line, want) in lines.iter().zip(&expected) {
        let got: Json = serde_json::from_str(line).unwrap();
        for column in ["probability", "prediction"] {
            if let Some(problem) = common::compare(column, &want[column], &got[column], false) {
                panic!("row {}: {problem}", want["_id"]);
            }
        }
        for hidden in ["raw_features", "features", "rawPrediction", "workclass_idx"] {
            assert!(got.get(hidden).is_none(), "{hidden} in {line}");
        }
    }
    let out = mlscore(&[
        "score".as_ref(),
        model.as_os_str(),
        "--input".as_ref(),
        input.as_os_str(),
        "--outputs".as_ref(),
        "prediction,nope".as_ref(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column `nope`") && err.contains("selected output"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
