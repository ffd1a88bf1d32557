//! Scoring speed. Two groups:
//!
//! - `pipeline/<suite>/<case>`: the benchmark pipelines of `tests/spark/fixtures/bench-*`
//!   (census_lr, census_gbt, text_lr): load time, one row through the typed-row C API (set
//!   every input, score, read the prediction) and through the Rust API, and typed batches
//!   (rows/s). These carry the project's speed targets.
//! - `family/<case>`: one row and one batch for every other fixture case that loads (one
//!   Spark version), so each stage family has a number, plus the built-in models.
//!
//! Cases whose model does not load yet are listed and skipped. Run with
//! `cargo bench --bench score` (add a filter such as `-- pipeline` to narrow it).

#[path = "../tests/cases/mod.rs"]
mod cases;

use std::ffi::CString;
use std::hint::black_box;
use std::ptr::null_mut;
use std::time::Duration;

use cases::{CRow, Loaded};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlscore::ffi::*;
use mlscore::{InputValue, Model};

/// A C model and session for a case, freed on drop.
struct CSession {
    model: *mut mlscore_model,
    session: *mut mlscore_session,
    prediction: Option<usize>,
}

impl CSession {
    /// Opens the case's model; with `select`, only these outputs (see
    /// mlscore_load_options_select_output).
    fn open(l: &Loaded, select: &[&str]) -> CSession {
        let path = CString::new(l.model_dir.to_str().unwrap()).unwrap();
        let (mut model, mut session) = (null_mut(), null_mut());
        let mut k = 0;
        // SAFETY: valid path, names and out-pointers; the options are freed once.
        let prediction = unsafe {
            let options = mlscore_load_options_new();
            for name in select {
                let name = CString::new(*name).unwrap();
                assert_eq!(
                    mlscore_load_options_select_output(options, name.as_ptr()),
                    mlscore_status::Ok
                );
            }
            assert_eq!(
                mlscore_model_load(path.as_ptr(), options, &mut model, null_mut()),
                mlscore_status::Ok
            );
            mlscore_load_options_free(options);
            assert_eq!(mlscore_session_new(model, &mut session), mlscore_status::Ok);
            (mlscore_model_prediction_output(model, &mut k) == mlscore_status::Ok).then_some(k)
        };
        CSession {
            model,
            session,
            prediction,
        }
    }

    /// One typed row through the C API: set every input (in one mlscore_session_set_row()
    /// call when the row has only numbers and strings), score, read the prediction.
    fn score(&self, row: &CRow) -> f64 {
        let mut x = 0.0;
        // SAFETY: live handles; the row's pointers live as long as `row`.
        unsafe {
            let set = match row.set_row(self.session) {
                Some(st) => st,
                None => row.set(self.session),
            };
            if set == mlscore_status::Ok
                && mlscore_session_score(self.session) == mlscore_status::Ok
            {
                if let Some(k) = self.prediction {
                    let _ = mlscore_session_output_double(self.session, k, &mut x);
                }
            }
        }
        x
    }
}

impl Drop for CSession {
    fn drop(&mut self) {
        // SAFETY: each handle is freed once.
        unsafe {
            mlscore_session_free(self.session);
            mlscore_model_free(self.model);
        }
    }
}

fn typed_rows(l: &Loaded) -> Vec<Vec<InputValue>> {
    l.rows.iter().flatten().cloned().collect()
}

fn rust_batch(model: &Model, rows: &[Vec<InputValue>]) {
    let mut session = model.session();
    for row in rows {
        black_box(session.set_inputs(row).and_then(|()| session.score()).ok());
    }
}

fn pipelines(c: &mut Criterion) {
    for case in cases::fixture_cases()
        .iter()
        .filter(|c| c.name.starts_with("bench-"))
    {
        let l = match cases::load(case, usize::MAX) {
            Ok(l) => l,
            Err(e) => {
                println!(
                    "skipped (does not load yet): {}: {}",
                    case.name,
                    e.lines().next().unwrap_or("")
                );
                continue;
            }
        };
        let rows = typed_rows(&l);
        let crows: Vec<CRow> = rows.iter().map(|r| CRow::new(r)).collect();
        let mut g = c.benchmark_group(format!("pipeline/{}", l.name));
        g.warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        g.bench_function("load", |b| {
            b.iter(|| black_box(Model::load(&l.model_dir).ok()))
        });
        let cs = CSession::open(&l, &[]);
        let mut i = 0;
        g.bench_function("typed_row_capi", |b| {
            b.iter(|| {
                i = (i + 1) % crows.len();
                black_box(cs.score(&crows[i]))
            })
        });
        // "Hot": cycling over 256 rows, as `mlscore bench` does (a service scoring a request it
        // has just parsed); the streamed variants above and below walk all 10,000.
        let hot = crows.len().min(256);
        g.bench_function("typed_row_capi_hot", |b| {
            b.iter(|| {
                i = (i + 1) % hot;
                black_box(cs.score(&crows[i]))
            })
        });
        // As a service that reads only the prediction and probability loads the model.
        let selected = CSession::open(&l, &["probability", "prediction"]);
        g.bench_function("typed_row_capi_hot_selected", |b| {
            b.iter(|| {
                i = (i + 1) % hot;
                black_box(selected.score(&crows[i]))
            })
        });
        g.bench_function("typed_row_capi_selected", |b| {
            b.iter(|| {
                i = (i + 1) % crows.len();
                black_box(selected.score(&crows[i]))
            })
        });
        let mut session = l.model.session();
        g.bench_function("typed_row_rust", |b| {
            b.iter(|| {
                i = (i + 1) % rows.len();
                black_box(
                    session
                        .set_inputs(&rows[i])
                        .and_then(|()| session.score())
                        .ok(),
                )
            })
        });
        g.throughput(Throughput::Elements(rows.len() as u64));
        g.bench_function("batch_typed_rust", |b| {
            b.iter(|| rust_batch(&l.model, &rows))
        });
        let flat: Vec<Vec<f64>> = rows.iter().filter_map(|r| l.model.flat_row(r)).collect();
        if let (Ok(layout), false) = (l.model.flat(), flat.is_empty()) {
            let (w, ow, n) = (layout.input_width, layout.output_width, flat.len());
            let batch = flat.concat();
            let mut out = vec![0.0; n * ow];
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function("batch_flat", |b| {
                b.iter(|| {
                    black_box(
                        session
                            .score_batch(&batch, n, w, &mut out, ow, |_, _| {})
                            .ok(),
                    )
                })
            });
        }
        g.finish();
    }
}

fn families(c: &mut Criterion) {
    let scratch = cases::scratch("bench-families");
    let mut all: Vec<cases::Case> = cases::fixture_cases()
        .into_iter()
        .filter(|c| c.name.starts_with("spark-3.5"))
        .collect();
    all.extend(cases::builtin_cases(&scratch));
    let mut g = c.benchmark_group("family");
    g.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    for case in &all {
        let Ok(l) = cases::load(case, usize::MAX) else {
            continue;
        };
        let rows = typed_rows(&l);
        if rows.is_empty() {
            continue;
        }
        let crows: Vec<CRow> = rows.iter().map(|r| CRow::new(r)).collect();
        let cs = CSession::open(&l, &[]);
        let mut i = 0;
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{}/row_capi", l.name), |b| {
            b.iter(|| {
                i = (i + 1) % crows.len();
                black_box(cs.score(&crows[i]))
            })
        });
        g.throughput(Throughput::Elements(rows.len() as u64));
        g.bench_function(format!("{}/batch_rust", l.name), |b| {
            b.iter(|| rust_batch(&l.model, &rows))
        });
    }
    g.finish();
}

criterion_group!(benches, pipelines, families);
criterion_main!(benches);
