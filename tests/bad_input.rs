//! Bad input gets a clear error, never a crash: corrupt, truncated and hostile model files,
//! unknown classes, missing stages, and malformed rows. Each case copies a real saved model
//! (from `../shared/wild-models`), damages it, and checks the error's kind and context.

// Loading returns LoadError by value (see src/lib.rs).
#![allow(clippy::result_large_err)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use mlscore::{LoadErrorKind, Model};

fn source() -> PathBuf {
    // A Spark 3.3.1 pipeline with StringIndexer, OneHotEncoder, VectorAssembler, MinMaxScaler,
    // ChiSqSelector and LogisticRegression: metadata, Parquet and nested stage directories.
    let wild = std::env::var_os("MLSCORE_WILD_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("../shared/wild-models"));
    wild.join("adwiza__scala__pipelineModel")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlscore-bad-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&source(), &dir);
    dir
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(parquet_files(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Loads without panicking and returns the error.
fn load_err(dir: &Path) -> mlscore::LoadError {
    let r = std::panic::catch_unwind(|| Model::load(dir));
    match r {
        Ok(Ok(_)) => panic!("{} loaded despite the damage", dir.display()),
        Ok(Err(e)) => e,
        Err(_) => panic!("loading {} panicked", dir.display()),
    }
}

#[test]
fn the_undamaged_source_loads() {
    Model::load(source()).expect("source model loads");
}

#[test]
fn truncated_parquet_files_fail_naming_the_file() {
    let dir = scratch("truncated");
    for file in parquet_files(&dir) {
        let bytes = fs::read(&file).unwrap();
        for cut in [0, 4, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
            fs::write(&file, &bytes[..cut]).unwrap();
            let e = load_err(&dir);
            assert_eq!(e.kind, LoadErrorKind::BadParquet, "{e}");
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                e.to_string().contains(&name),
                "error does not name {name}: {e}"
            );
            assert!(
                e.stage_uid.is_some() && e.class.is_some(),
                "error does not name the stage: {e}"
            );
        }
        fs::write(&file, &bytes).unwrap();
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn flipped_bytes_never_panic() {
    let dir = scratch("flipped");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for file in parquet_files(&dir) {
        let bytes = fs::read(&file).unwrap();
        for _ in 0..40 {
            let mut damaged = bytes.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % damaged.len() as u64) as usize;
                damaged[at] ^= (seed >> 32) as u8 | 1;
            }
            fs::write(&file, &damaged).unwrap();
            // Either a clean error or (if the damage hit unused bytes) a model: never a panic.
            let r = std::panic::catch_unwind(|| Model::load(&dir));
            assert!(
                r.is_ok(),
                "loading with damaged {} panicked",
                file.display()
            );
        }
        fs::write(&file, &bytes).unwrap();
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn absurd_footer_length_is_rejected() {
    let dir = scratch("footer");
    let file = parquet_files(&dir).remove(0);
    let mut bytes = fs::read(&file).unwrap();
    let n = bytes.len();
    // The 4 bytes before the trailing "PAR1" hold the footer length.
    bytes[n - 8..n - 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    fs::write(&file, &bytes).unwrap();
    let e = load_err(&dir);
    assert_eq!(e.kind, LoadErrorKind::BadParquet, "{e}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_metadata_json_is_named() {
    let dir = scratch("json");
    let meta = dir.join("stages/1_oneHotEncoder_156489e08823/metadata/part-00000");
    fs::write(
        &meta,
        b"{\"class\": \"org.apache.spark.ml.feature.OneHotEncoderModel\", \"paramMap\": [",
    )
    .unwrap();
    let e = load_err(&dir);
    assert_eq!(e.kind, LoadErrorKind::BadMetadata, "{e}");
    assert!(
        e.to_string()
            .contains("stages/1_oneHotEncoder_156489e08823/metadata/part-00000"),
        "{e}"
    );
    fs::write(&meta, b"[1, 2, 3]").unwrap();
    assert_eq!(load_err(&dir).kind, LoadErrorKind::BadMetadata);
    fs::write(&meta, b"").unwrap();
    assert_eq!(load_err(&dir).kind, LoadErrorKind::BadMetadata);
    // Deep nesting must not overflow the stack.
    fs::write(&meta, "[".repeat(100_000)).unwrap();
    assert_eq!(load_err(&dir).kind, LoadErrorKind::BadMetadata);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn unknown_and_third_party_classes_are_named() {
    let dir = scratch("class");
    let meta = dir.join("stages/2_vecAssembler_0c294865005e/metadata/part-00000");
    let text = fs::read_to_string(&meta).unwrap();
    fs::write(
        &meta,
        text.replace(
            "org.apache.spark.ml.feature.VectorAssembler",
            "org.apache.spark.ml.feature.NoSuchThing",
        ),
    )
    .unwrap();
    let e = load_err(&dir);
    assert_eq!(e.kind, LoadErrorKind::UnsupportedStage, "{e}");
    assert!(
        e.to_string()
            .contains("org.apache.spark.ml.feature.NoSuchThing"),
        "{e}"
    );
    assert!(
        e.to_string().contains("StringIndexerModel"),
        "the message lists what is supported: {e}"
    );
    fs::write(
        &meta,
        text.replace(
            "org.apache.spark.ml.feature.VectorAssembler",
            "ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel",
        ),
    )
    .unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("XGBoost4J-Spark"), "{e}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn missing_pieces_are_named() {
    let dir = scratch("missing");
    fs::remove_dir_all(dir.join("stages/5_logreg_d7d789b5fcbe/data")).unwrap();
    let e = load_err(&dir);
    assert_eq!(e.kind, LoadErrorKind::MissingFile, "{e}");
    assert!(
        e.to_string().contains("stages/5_logreg_d7d789b5fcbe/data"),
        "{e}"
    );
    fs::remove_dir_all(dir.join("stages/5_logreg_d7d789b5fcbe")).unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("logreg_d7d789b5fcbe"), "{e}");
    assert_eq!(
        load_err(&dir.join("no-such-dir")).kind,
        LoadErrorKind::MissingFile
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn limits_are_enforced() {
    let mut options = mlscore::LoadOptions::default();
    options.limits.max_parquet_bytes = 100;
    let e = Model::load_with(source(), &options).unwrap_err();
    assert_eq!(e.kind, LoadErrorKind::LimitExceeded, "{e}");
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn malformed_rows_get_errors_not_crashes() {
    let model = Model::load(source()).unwrap();
    let mut session = model.session();
    for line in [
        "not json",
        "[1,2]",
        "{\"Gender\": 5}",
        "{\"Gender\": [1]}",
        "{\"Customer_Age\": \"abc\"}",
        "{}",
        "{\"Gender\": \"\\u0000\"}",
    ] {
        let out = mlscore::json::score_line(&mut session, line, mlscore::json::VectorFormat::Dense);
        assert!(out.contains_key("_error"), "{line} → {out:?}");
    }
}
