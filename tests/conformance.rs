//! Spark conformance: every fixture case generated with real Spark (2.4.8, 3.5.9 and 4.3.0) must
//! score like Spark's transform, through the Rust API. `fixtures/` comes from
//! tests/spark/gen_fixtures.py, `fixtures-more/` from tests/spark/gen_fixtures_more.py (the
//! stages first implemented without a fixture, old mllib models, ALS top-N).

mod common;

use std::path::{Path, PathBuf};

use mlscore::Model;

fn root(dir: &str, version: &str) -> PathBuf {
    common::repo()
        .join("tests/spark")
        .join(dir)
        .join(format!("spark-{version}"))
}

/// Prints the first problems of every failed case.
fn report(failed: &[(String, Vec<String>)]) {
    for (name, problems) in failed {
        eprintln!("--- {name}");
        for p in problems.iter().take(5) {
            eprintln!("    {p}");
        }
    }
}

fn suite_at(root: &Path, version: &str) {
    let (passed, failed) = common::run_suite(root);
    report(&failed);
    assert!(
        failed.is_empty(),
        "{} of {} cases differ from Spark {version}",
        failed.len(),
        passed + failed.len()
    );
}

fn suite(version: &str) {
    suite_at(&root("fixtures", version), version);
}

#[test]
fn spark_3_5_9() {
    suite("3.5.9");
}

#[test]
fn spark_4_3_0() {
    suite("4.3.0");
}

/// Every other fixture set, `tests/spark/fixtures-<topic>/spark-<version>` (one generator
/// script per topic, `gen_fixtures_<topic>.py`).
fn suites_more(version: &str) {
    let dir = common::repo().join("tests/spark");
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fixtures-"))
        })
        .map(|p| p.join(format!("spark-{version}")))
        .filter(|p| p.is_dir())
        .collect();
    roots.sort();
    assert!(
        !roots.is_empty(),
        "no tests/spark/fixtures-*/spark-{version}"
    );
    for root in roots {
        suite_at(&root, version);
    }
}

#[test]
fn spark_3_5_9_more() {
    suites_more("3.5.9");
}

#[test]
fn spark_4_3_0_more() {
    suites_more("4.3.0");
}

/// The benchmark pipelines (census_lr, census_gbt, text_lr), all 10,000 rows each.
#[test]
fn benchmark_pipelines() {
    for version in ["3.5.9", "4.3.0"] {
        suite_at(
            &common::repo().join(format!("tests/spark/fixtures/bench-{version}")),
            version,
        );
    }
}

/// Every fixture root: the core sets, the benchmark pipelines and every topic set.
fn all_roots() -> Vec<PathBuf> {
    let dir = common::repo().join("tests/spark");
    let mut roots = Vec::new();
    for set in std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()) {
        let name = set.file_name().unwrap().to_string_lossy().to_string();
        if name == "fixtures" || name.starts_with("fixtures-") {
            for version in std::fs::read_dir(&set).unwrap().flatten().map(|e| e.path()) {
                if version.is_dir() {
                    roots.push(version);
                }
            }
        }
    }
    roots.sort();
    roots
}

/// Every case again with only its last stage's outputs selected, as a service reads them:
/// the columns no one reads may be fused away (`plan::fuse`), and the selected ones must
/// still be Spark's, as must every skip and error.
#[test]
fn selected_outputs_score_like_spark() {
    let roots = all_roots();
    assert!(roots.len() >= 10, "fixture roots: {roots:?}");
    let mut failed = Vec::new();
    for root in &roots {
        let (_, f) = common::run_suite_selecting(root, common::Selection::LastStage);
        failed.extend(f);
    }
    report(&failed);
    assert!(
        failed.is_empty(),
        "{} cases differ with selected outputs",
        failed.len()
    );
}

/// With the last stage's outputs selected, every row of every case gives the very bits,
/// skips and errors (kind, stage and column) of the unselected model: the fused fast path
/// repeats Spark's arithmetic in Spark's order, and its fallback runs the original steps.
#[test]
fn selected_outputs_give_the_same_bits_and_errors() {
    use mlscore::json::{self, VectorFormat};
    let mut rows = 0;
    for root in all_roots() {
        for case in std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            let all = common::case_options(&case, common::Selection::All);
            let selected = common::case_options(&case, common::Selection::LastStage);
            let (Ok(a), Ok(b)) = (
                Model::load_with(case.join("model"), &all),
                Model::load_with(case.join("model"), &selected),
            ) else {
                continue;
            };
            let names = selected.outputs.clone().unwrap();
            let input = ["input.jsonl", "rows.jsonl"]
                .iter()
                .map(|f| case.join(f))
                .find(|p| p.is_file())
                .unwrap();
            let (mut sa, mut sb) = (a.session(), b.session());
            for row in common::read_jsonl(&input).iter().take(2000) {
                let ra = json::set_inputs(&mut sa, row).map(|()| sa.score());
                let rb = json::set_inputs(&mut sb, row).map(|()| sb.score());
                assert_eq!(ra, rb, "{}: {row:?}", case.display());
                if let Ok(Ok(outcome @ mlscore::Outcome::Scored)) = ra {
                    let oa = json::output_row(&sa, row, Ok(outcome), VectorFormat::Spark);
                    let ob = json::output_row(&sb, row, Ok(outcome), VectorFormat::Spark);
                    for n in &names {
                        assert_eq!(oa.get(n), ob.get(n), "{} {n}: {row:?}", case.display());
                    }
                }
                rows += 1;
            }
        }
    }
    assert!(rows > 10_000, "{rows} rows");
}

/// Which cases the selection above fuses: the census-style chains (linear and tree) must fuse
/// wherever they appear, so the fast paths and their fallbacks are what those tests compared
/// with Spark.
#[test]
fn selected_outputs_fuse_the_linear_chains() {
    use mlscore::plan::Step;
    let mut fused = Vec::new();
    for root in all_roots() {
        for case in std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            let options = common::case_options(&case, common::Selection::LastStage);
            let Ok(model) = Model::load_with(case.join("model"), &options) else {
                continue;
            };
            if model
                .plan()
                .steps
                .iter()
                .any(|s| matches!(s, Step::SparseLinear(_) | Step::DenseTree(_)))
            {
                fused.push(
                    case.strip_prefix(common::repo())
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    println!("fused: {fused:#?}");
    assert!(fused.len() >= 30, "fused: {fused:?}");
}

/// Models written by Spark 2.4.8 and scored by it (fixtures-v2, gen_fixtures_v2.py): the 2.x
/// formats and the formulas that changed in 3.x.
#[test]
fn spark_2_4_8() {
    suites_more("2.4.8");
}

/// Ratings from `recommendForUserSubset` go through Spark's BLAS, whose float summation order
/// may differ from ours: relative 1e-6 (a few float ulps). Item ids must match exactly.
const RATING_REL_TOL: f64 = 1e-6;

/// Top-`k` through the C API (mlscore_model_recommend_for_user / _for_item).
fn c_recommend(dir: &Path, for_user: bool, id: i32, k: usize) -> (Vec<i32>, Vec<f32>) {
    use mlscore::ffi::*;
    let path = std::ffi::CString::new(dir.to_str().expect("utf-8 path")).expect("no NUL");
    let (mut ids, mut ratings, mut n) = (vec![0i32; k], vec![0f32; k], usize::MAX);
    let mut m = std::ptr::null_mut();
    // SAFETY: valid C string, out-pointers and buffers of k elements; the model is freed once.
    unsafe {
        let st = mlscore_model_load(
            path.as_ptr(),
            std::ptr::null(),
            &mut m,
            std::ptr::null_mut(),
        );
        assert_eq!(st, mlscore_status::Ok);
        let f = if for_user {
            mlscore_model_recommend_for_user
        } else {
            mlscore_model_recommend_for_item
        };
        let st = f(m, id, k, ids.as_mut_ptr(), ratings.as_mut_ptr(), &mut n);
        mlscore_model_free(m);
        assert_eq!(st, mlscore_status::Ok);
    }
    ids.truncate(n);
    ratings.truncate(n);
    (ids, ratings)
}

/// Every `recommendations.jsonl` under `root` (ALS cases): `Model::recommend` must return the
/// same ids in the same order as Spark's top-k, with ratings within RATING_REL_TOL.
fn recommendations(version: &str) {
    let root = root("fixtures-more", version);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("recommendations.jsonl").is_file())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no recommendations.jsonl under {}",
        root.display()
    );
    let mut problems = Vec::new();
    let mut max_rel = 0.0f64;
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let model =
            Model::load(case.join("model")).unwrap_or_else(|e| panic!("{name}: load failed: {e}"));
        for line in common::read_jsonl(&case.join("recommendations.jsonl")) {
            let for_user = line["for"].as_str() == Some("user");
            let id = line["id"]
                .as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .expect("id");
            let k = line["k"].as_u64().expect("k") as usize;
            let ids: Vec<i64> = line["ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|v| v.as_i64().expect("id"))
                .collect();
            let ratings: Vec<f64> = line["ratings"]
                .as_array()
                .expect("ratings")
                .iter()
                .map(|v| mlscore::json::number(v).expect("rating"))
                .collect();
            let (mut our_ids, mut ours) = (vec![0i32; k], vec![0f32; k]);
            let n = model
                .recommend(for_user, id, &mut our_ids, &mut ours)
                .unwrap_or_else(|| panic!("{name}: no ALS stage"));
            let what = format!("{name}: {} {id}", if for_user { "user" } else { "item" });
            // The C API must hand out exactly what the Rust API does.
            let c = c_recommend(&case.join("model"), for_user, id, k);
            if c != (our_ids[..n].to_vec(), ours[..n].to_vec()) {
                problems.push(format!("{what}: the C API recommends {c:?}"));
            }
            let ours = &ours[..n];
            let our_ids: Vec<i64> = our_ids[..n].iter().map(|&i| i64::from(i)).collect();
            if our_ids != ids {
                problems.push(format!("{what}: Spark recommends {ids:?}, we {our_ids:?}"));
                continue;
            }
            for (ours, spark) in ours.iter().zip(&ratings) {
                let ours = f64::from(*ours);
                if ours != *spark {
                    max_rel = max_rel.max((ours - spark).abs() / spark.abs().max(ours.abs()));
                }
                if (ours - spark).abs() > RATING_REL_TOL * spark.abs().max(ours.abs()) {
                    problems.push(format!("{what}: rating {ours} vs Spark's {spark}"));
                }
            }
        }
        println!("checked {name}/recommendations.jsonl");
    }
    println!("largest relative rating difference from Spark {version}: {max_rel:e}");
    for p in &problems {
        eprintln!("    {p}");
    }
    assert!(
        problems.is_empty(),
        "{} recommendation(s) differ from Spark {version}",
        problems.len()
    );
}

#[test]
fn spark_3_5_9_more_recommendations() {
    recommendations("3.5.9");
}

#[test]
fn spark_4_3_0_more_recommendations() {
    recommendations("4.3.0");
}

/// The C recommend entry points refuse a model without ALS and a NULL count pointer with a
/// status, and write nothing.
#[test]
fn c_recommend_refuses_clearly() {
    use mlscore::ffi::*;
    let dir = root("fixtures-more", "3.5.9").join("pca_k3/model");
    let path = std::ffi::CString::new(dir.to_str().expect("utf-8 path")).expect("no NUL");
    let (mut ids, mut ratings, mut n) = ([7i32; 3], [7f32; 3], 99usize);
    // SAFETY: valid C string, out-pointers and buffers of 3 elements; the model is freed once.
    unsafe {
        let mut m = std::ptr::null_mut();
        let st = mlscore_model_load(
            path.as_ptr(),
            std::ptr::null(),
            &mut m,
            std::ptr::null_mut(),
        );
        assert_eq!(st, mlscore_status::Ok);
        let st = mlscore_model_recommend_for_user(
            m,
            1,
            3,
            ids.as_mut_ptr(),
            ratings.as_mut_ptr(),
            &mut n,
        );
        assert_eq!(st, mlscore_status::NotRecommender);
        let st = mlscore_model_recommend_for_item(
            m,
            1,
            3,
            ids.as_mut_ptr(),
            ratings.as_mut_ptr(),
            std::ptr::null_mut(),
        );
        assert_eq!(st, mlscore_status::NullArgument);
        let st = mlscore_model_recommend_for_item(
            std::ptr::null(),
            1,
            3,
            ids.as_mut_ptr(),
            ratings.as_mut_ptr(),
            &mut n,
        );
        assert_eq!(st, mlscore_status::NullArgument);
        mlscore_model_free(m);
    }
    assert_eq!((ids, ratings, n), ([7; 3], [7.0; 3], 99));
}

/// Cases whose raw input vectors carry Spark attribute names (`input_attributes.json`) score
/// through the C API, declared with mlscore_load_options_declare_vector_attributes (names per
/// slot, NULL for an unnamed one), exactly as the Rust API scores them (which the suites
/// above compare with Spark): same JSON output for every row, same failing rows.
#[test]
fn declared_vector_attributes_score_the_same_through_c() {
    use mlscore::ffi::*;
    use std::ffi::{c_char, CString};
    let spark = common::repo().join("tests/spark");
    let mut cases: Vec<PathBuf> = Vec::new();
    for set in std::fs::read_dir(&spark)
        .unwrap()
        .flatten()
        .map(|e| e.path())
    {
        let name = set.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("fixtures") || !set.is_dir() {
            continue;
        }
        for version in std::fs::read_dir(&set).unwrap().flatten().map(|e| e.path()) {
            for case in std::fs::read_dir(&version).into_iter().flatten().flatten() {
                if case.path().join("input_attributes.json").is_file() {
                    cases.push(case.path());
                }
            }
        }
    }
    cases.sort();
    assert!(!cases.is_empty(), "no fixture declares input attributes");
    for case in &cases {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("schema.json")).unwrap())
                .unwrap();
        let mut options = common::options_from_schema(&schema);
        common::declare_input_attributes(&mut options, case);
        let model = Model::load_with(case.join("model"), &options).unwrap();
        let mut rust = model.session();

        // The same declarations through the C options: input types, then attribute names.
        let text = std::fs::read_to_string(case.join("input_attributes.json")).unwrap();
        let columns: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).unwrap();
        let path = CString::new(case.join("model").to_str().unwrap()).unwrap();
        let (mut m, mut session) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: live options handle; every string is NUL-terminated and outlives its call;
        // out-pointers are valid; each handle is freed once.
        unsafe {
            let o = mlscore_load_options_new();
            for (name, (ty, width)) in &options.declared_inputs {
                let c_name = CString::new(name.as_str()).unwrap();
                let st = mlscore_load_options_declare_input(
                    o,
                    c_name.as_ptr(),
                    mlscore_type::from(*ty) as i32,
                    width.unwrap_or(0),
                );
                assert_eq!(st, mlscore_status::Ok, "{}: declare {name}", case.display());
            }
            for column in columns.keys() {
                let attrs = mlscore::VectorAttributes::from_spark_json(&text, column).unwrap();
                let mut names: Vec<Option<CString>> = vec![None; attrs.width];
                for (i, n) in &attrs.names {
                    names[*i] = Some(CString::new(n.as_str()).unwrap());
                }
                let ptrs: Vec<*const c_char> = names
                    .iter()
                    .map(|n| n.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()))
                    .collect();
                let c_column = CString::new(column.as_str()).unwrap();
                let st = mlscore_load_options_declare_vector_attributes(
                    o,
                    c_column.as_ptr(),
                    ptrs.as_ptr(),
                    ptrs.len(),
                );
                assert_eq!(st, mlscore_status::Ok, "{}: attributes", case.display());
            }
            let st = mlscore_model_load(path.as_ptr(), o, &mut m, std::ptr::null_mut());
            mlscore_load_options_free(o);
            assert_eq!(st, mlscore_status::Ok, "{}: C load", case.display());
            assert_eq!(mlscore_session_new(m, &mut session), mlscore_status::Ok);
        }
        let lines = std::fs::read_to_string(case.join("input.jsonl")).unwrap();
        let mut out = vec![0 as c_char; 1 << 16];
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            let row: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap();
            let ours = mlscore::json::set_inputs(&mut rust, &row)
                .map_err(|e| e.to_string())
                .and_then(|()| rust.score().map_err(|e| e.to_string()))
                .map(|o| {
                    mlscore::json::output_row(
                        &rust,
                        &row,
                        Ok(o),
                        mlscore::json::VectorFormat::Spark,
                    )
                });
            let mut len = 0usize;
            // SAFETY: live session; `line` is valid for its length; `out` holds `out.len()`.
            let st = unsafe {
                mlscore_session_score_json(
                    session,
                    line.as_ptr().cast(),
                    line.len(),
                    MLSCORE_JSON_SPARK_VECTORS,
                    out.as_mut_ptr(),
                    out.len(),
                    &mut len,
                )
            };
            match ours {
                Ok(map) => {
                    assert!(
                        matches!(st, mlscore_status::Ok | mlscore_status::Skipped),
                        "{}: C status {st:?} on {line}",
                        case.display()
                    );
                    let bytes: Vec<u8> = out[..len.saturating_sub(1)]
                        .iter()
                        .map(|&c| c as u8)
                        .collect();
                    let theirs: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(map, theirs, "{}: {line}", case.display());
                }
                Err(e) => assert!(
                    !matches!(st, mlscore_status::Ok | mlscore_status::Skipped),
                    "{}: Rust fails ({e}) but C gives {st:?} on {line}",
                    case.display()
                ),
            }
        }
        // SAFETY: handles from above, freed once.
        unsafe {
            mlscore_session_free(session);
            mlscore_model_free(m);
        }
    }
    println!(
        "{} cases with declared attributes checked through C",
        cases.len()
    );
}
