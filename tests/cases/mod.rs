//! Every model the C API tests and benchmarks run on: the Spark-made fixture cases
//! (`tests/spark/fixtures/{spark-*,bench-*}/<case>/model` with `input.jsonl` or `rows.jsonl`)
//! that load with the stage families implemented so far, plus two metadata-only models written
//! here, so the tests exercise something even where the fixtures are absent. Cases whose model
//! does not load are listed with the reason, never silently dropped; as stage families land
//! they are picked up without changing any test.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use mlscore::ffi::{self, mlscore_session, mlscore_status};
use mlscore::json;
use mlscore::{InputValue, Model};
use serde_json::{Map, Value as Json};

pub struct Case {
    /// `spark-3.5.9/string_indexer_...` or `builtin/...`.
    pub name: String,
    pub model_dir: PathBuf,
    /// JSON lines, one row each (`input.jsonl` or, for benchmarks, `rows.jsonl`).
    pub input: PathBuf,
}

pub struct Loaded {
    pub name: String,
    pub model_dir: PathBuf,
    pub model: Model,
    /// Input lines as read (for the JSON path).
    pub lines: Vec<String>,
    /// The same rows as JSON objects.
    pub objects: Vec<Map<String, Json>>,
    /// The same rows as typed inputs, or why a row's values do not fit the columns.
    pub rows: Vec<Result<Vec<InputValue>, String>>,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_root() -> PathBuf {
    repo().join("tests/spark/fixtures")
}

/// The other Spark-made fixture sets: every `tests/spark/fixtures-<topic>` directory (made by
/// `gen_fixtures_<topic>.py`), sorted, so a new topic needs no change here.
pub fn fixture_more_roots() -> Vec<PathBuf> {
    let dir = repo().join("tests/spark");
    let mut roots: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("fixtures-"))
                })
                .collect()
        })
        .unwrap_or_default();
    roots.sort();
    roots
}

/// Spark-made cases, sorted by name: every `<root>/<suite>/<case>` with a `model/` directory.
pub fn fixture_cases() -> Vec<Case> {
    cases_under(&fixture_root(), "")
}

/// The cases of every `fixtures-<topic>` set, named `<topic>/<suite>/<case>`.
pub fn fixture_more_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for root in fixture_more_roots() {
        let name = root.file_name().map(|n| n.to_string_lossy().to_string());
        let topic = name
            .as_deref()
            .unwrap_or("")
            .trim_start_matches("fixtures-");
        cases.extend(cases_under(&root, &format!("{topic}/")));
    }
    cases
}

fn cases_under(root: &Path, prefix: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let Ok(suites) = fs::read_dir(root) else {
        return cases;
    };
    for suite in suites.flatten() {
        let suite_name = format!("{prefix}{}", suite.file_name().to_string_lossy());
        let Ok(entries) = fs::read_dir(suite.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let dir = entry.path();
            let input = ["input.jsonl", "rows.jsonl"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file());
            if let (true, Some(input)) = (dir.join("model").is_dir(), input) {
                let name = format!("{suite_name}/{}", entry.file_name().to_string_lossy());
                cases.push(Case {
                    name,
                    model_dir: dir.join("model"),
                    input,
                });
            }
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Writes the metadata-only models (a bare VectorAssembler needs no Parquet) under `dir`:
/// one dropping invalid rows, one failing on them, each with rows covering scored, skipped and
/// failing outcomes.
pub fn builtin_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for handle_invalid in ["skip", "error"] {
        let root = dir.join(format!("assembler_{handle_invalid}"));
        fs::create_dir_all(root.join("model/metadata")).unwrap();
        let meta = format!(
            r#"{{"class":"org.apache.spark.ml.feature.VectorAssembler","timestamp":1,"sparkVersion":"3.5.0","uid":"VectorAssembler_builtin","paramMap":{{"inputCols":["a","b","c"],"outputCol":"features","handleInvalid":"{handle_invalid}"}},"defaultParamMap":{{}}}}"#
        );
        fs::write(root.join("model/metadata/part-00000"), meta).unwrap();
        let rows = [
            r#"{"_id":0,"a":1.5,"b":-2,"c":0}"#,
            r#"{"_id":1,"a":0.1,"b":1e300,"c":"Infinity"}"#,
            r#"{"_id":2,"a":0,"b":0,"c":0}"#,
            r#"{"_id":3,"a":null,"b":1,"c":2}"#,
            r#"{"_id":4,"a":3,"b":"NaN","c":2}"#,
            r#"{"_id":5,"a":-0.0,"b":5e-324,"c":7}"#,
        ];
        fs::write(root.join("input.jsonl"), rows.join("\n") + "\n").unwrap();
        cases.push(Case {
            name: format!("builtin/assembler_{handle_invalid}"),
            model_dir: root.join("model"),
            input: root.join("input.jsonl"),
        });
    }
    cases
}

/// Loads a case; `Err` says why its model does not load (yet).
pub fn load(case: &Case, max_rows: usize) -> Result<Loaded, String> {
    let model = Model::load(&case.model_dir).map_err(|e| e.to_string())?;
    let text =
        fs::read_to_string(&case.input).map_err(|e| format!("{}: {e}", case.input.display()))?;
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(max_rows)
        .map(str::to_string)
        .collect();
    let objects: Vec<Map<String, Json>> = lines
        .iter()
        .map(|l| match serde_json::from_str(l) {
            Ok(Json::Object(m)) => m,
            other => panic!("{}: bad line {l}: {other:?}", case.input.display()),
        })
        .collect();
    let rows = objects
        .iter()
        .map(|o| json::parse_inputs(&model, o))
        .collect();
    Ok(Loaded {
        name: case.name.clone(),
        model_dir: case.model_dir.clone(),
        model,
        lines,
        objects,
        rows,
    })
}

/// Every fixture case that loads plus the built-in ones (written under `scratch`); prints the
/// cases that do not load and why.
pub fn load_all(scratch: &Path, max_rows: usize) -> Vec<Loaded> {
    load_cases(fixture_cases(), scratch, max_rows)
}

/// `load_all` plus the fixtures-more cases.
pub fn load_all_with_more(scratch: &Path, max_rows: usize) -> Vec<Loaded> {
    let mut fixtures = fixture_cases();
    fixtures.extend(fixture_more_cases());
    load_cases(fixtures, scratch, max_rows)
}

fn load_cases(fixtures: Vec<Case>, scratch: &Path, max_rows: usize) -> Vec<Loaded> {
    if fixtures.is_empty() {
        println!(
            "note: no fixture cases under {}; using the built-in models only",
            fixture_root().display()
        );
    }
    let mut loaded = Vec::new();
    for case in fixtures.iter().chain(&builtin_cases(scratch)) {
        match load(case, max_rows) {
            Ok(l) => loaded.push(l),
            Err(e) => println!("not loaded (yet): {}: {}", case.name, first_line(&e)),
        }
    }
    println!("{} of {} cases load", loaded.len(), fixtures.len() + 2);
    loaded
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    &line[..line.len().min(160)]
}

/// A scratch directory unique to this test process and `tag`.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlscore-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The flat row of a typed row (see `Model::flat_row`).
pub fn flat_row(model: &Model, row: &[InputValue]) -> Option<Vec<f64>> {
    model.flat_row(row)
}

/// A row's inputs in the shape the C setters take, built once so setting them through the C
/// API allocates nothing.
pub struct CRow {
    pub values: Vec<InputValue>,
    /// Per array-of-strings input (by input index): its strings' pointers and lengths. Kept
    /// apart so rows without such inputs carry nothing extra (benchmarks stream 10,000 rows).
    tokens: Vec<(usize, Vec<*const std::ffi::c_char>, Vec<usize>)>,
    /// The row as mlscore_session_set_row() takes it, when every value is NULL, a number or
    /// a string.
    scalars: Option<Vec<ffi::mlscore_value>>,
}

impl CRow {
    pub fn new(values: &[InputValue]) -> CRow {
        let tokens = values
            .iter()
            .enumerate()
            .filter_map(|(k, v)| match v {
                InputValue::Tokens(t) => Some((
                    k,
                    t.iter().map(|s| s.as_ptr().cast()).collect(),
                    t.iter().map(String::len).collect(),
                )),
                _ => None,
            })
            .collect();
        let values = values.to_vec();
        let scalars = values
            .iter()
            .map(|v| {
                let (kind, number, string, length) = match v {
                    InputValue::Null => (ffi::mlscore_value_kind::Null, 0.0, "", 0),
                    InputValue::Num(x) => (ffi::mlscore_value_kind::Double, *x, "", 0),
                    InputValue::Str(t) => {
                        (ffi::mlscore_value_kind::String, 0.0, t.as_str(), t.len())
                    }
                    _ => return None,
                };
                Some(ffi::mlscore_value {
                    kind: kind as i32,
                    number,
                    string: string.as_ptr().cast(),
                    length,
                })
            })
            .collect();
        CRow {
            values,
            tokens,
            scalars,
        }
    }

    /// Sets every input in one mlscore_session_set_row() call; `None` when the row has a
    /// vector or array value (which that call does not take).
    ///
    /// # Safety
    /// `s` is a live session of the row's model.
    pub unsafe fn set_row(&self, s: *mut mlscore_session) -> Option<mlscore_status> {
        let v = self.scalars.as_ref()?;
        // SAFETY: `v` holds `v.len()` values whose strings live in `self.values`.
        Some(unsafe { ffi::mlscore_session_set_row(s, v.as_ptr(), v.len()) })
    }

    /// Sets every input through the C API; the first failing status, or OK.
    ///
    /// # Safety
    /// `s` is a live session of the row's model.
    pub unsafe fn set(&self, s: *mut mlscore_session) -> mlscore_status {
        for (k, v) in self.values.iter().enumerate() {
            // SAFETY: every pointer comes from a live Rust value passed with its own length.
            let st = unsafe {
                match v {
                    InputValue::Null => ffi::mlscore_session_set_null(s, k),
                    InputValue::Num(x) => ffi::mlscore_session_set_double(s, k, *x),
                    InputValue::Str(t) => {
                        ffi::mlscore_session_set_string(s, k, t.as_ptr().cast(), t.len())
                    }
                    InputValue::Vector(b) if b.sparse => ffi::mlscore_session_set_sparse(
                        s,
                        k,
                        b.size,
                        b.indices.as_ptr(),
                        b.values.as_ptr(),
                        b.indices.len(),
                    ),
                    InputValue::Vector(b) => {
                        ffi::mlscore_session_set_dense(s, k, b.values.as_ptr(), b.values.len())
                    }
                    InputValue::Tokens(_) => {
                        let (_, p, l) = self.tokens.iter().find(|t| t.0 == k).unwrap();
                        ffi::mlscore_session_set_strings(s, k, p.as_ptr(), l.as_ptr(), p.len())
                    }
                }
            };
            if st != mlscore_status::Ok {
                return st;
            }
        }
        mlscore_status::Ok
    }
}

// SAFETY: the pointers point into `values`, which CRow owns and never mutates.
unsafe impl Send for CRow {}
// SAFETY: as above; shared use only reads.
unsafe impl Sync for CRow {}
