//! One model shared by 8 threads, each scoring thousands of rows through its own session,
//! gives exactly the results of one thread: through the C API (one `mlscore_model` handle
//! shared by every thread, typed rows and flat batches) and the Rust API (clones of one
//! `Model`). Runs on every model that loads; a case's rows are cycled to reach `ROWS`.

mod cases;

use std::ffi::c_char;
use std::fmt::Write as _;
use std::ptr::null_mut;

use cases::{CRow, Loaded};
use mlscore::ffi::*;
use mlscore::{InputValue, Model, Outcome, Value};

const THREADS: usize = 8;
const ROWS: usize = 2000;

/// The C model handle, shared read-only by every thread (the header declares functions taking
/// `const mlscore_model *` thread-safe).
#[derive(Clone, Copy)]
struct SharedModel(*const mlscore_model);
// SAFETY: mlscore_model is immutable and reference-counted; the C API allows any number of
// threads to use it at once.
unsafe impl Send for SharedModel {}
// SAFETY: as above.
unsafe impl Sync for SharedModel {}

/// A 64-bit digest of exact values (bit patterns): wide vectors (2^18 hashed text features)
/// would make per-row text too large to keep for thousands of rows in 8 threads.
fn exact_hash(values: impl Iterator<Item = u64>) -> u64 {
    // FNV-1a over each value's 8 bytes.
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in values {
        for b in v.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Everything one row produced, as text with exact numbers (vectors as digests).
fn render_rust(
    model: &Model,
    session: &mlscore::Session,
    r: &Result<Outcome, mlscore::ScoreError>,
) -> String {
    let mut s = String::new();
    match r {
        Ok(Outcome::Skipped) => s.push_str("skipped"),
        Err(e) => s.push_str(&model.describe_error(e)),
        Ok(Outcome::Scored) => {
            for k in 0..model.outputs().count() {
                match session.output(k) {
                    Value::Vector(v) => {
                        let _ = write!(
                            s,
                            "{}:{}:{:x}:{:x};",
                            v.size,
                            v.sparse,
                            exact_hash(v.indices.iter().map(|&i| u64::from(i))),
                            exact_hash(v.values.iter().map(|x| x.to_bits()))
                        );
                    }
                    Value::Tokens(t) => {
                        let _ = write!(s, "{:?};", t.iter().collect::<Vec<_>>());
                    }
                    Value::Vectors(vs) => {
                        let bits = vs.iter().flat_map(|v| v.values.iter().map(|x| x.to_bits()));
                        let _ = write!(s, "{}:{:x};", vs.len(), exact_hash(bits));
                    }
                    v => {
                        let _ = write!(s, "{v:?};");
                    }
                }
            }
        }
    }
    s
}

/// Scores `rows` through the C API on a new session of `m`; one text per row.
fn run_c(m: SharedModel, rows: &[&Vec<InputValue>]) -> Vec<String> {
    let mut s = null_mut();
    // SAFETY: live model; valid out-pointer.
    assert_eq!(
        unsafe { mlscore_session_new(m.0, &mut s) },
        mlscore_status::Ok
    );
    let mut results = Vec::with_capacity(rows.len());
    let mut buf = vec![0.0; 16];
    let mut idx = vec![0u32; 16];
    let mut msg = vec![0 as c_char; 1024];
    for row in rows {
        // SAFETY: live handles; every pointer comes from a live Rust value with its length.
        let text = unsafe {
            let _ = mlscore_session_reset(s);
            let mut st = CRow::new(row).set(s);
            if st == mlscore_status::Ok {
                st = mlscore_session_score(s);
            }
            let mut text = format!("{st:?}:");
            if st == mlscore_status::Ok {
                let m = m.0;
                for k in 0..mlscore_model_output_count(m) {
                    let mut ty = mlscore_type::Double;
                    let _ = mlscore_model_output_type(m, k, &mut ty);
                    match ty {
                        mlscore_type::Vector => {
                            // The stored entries: wide text vectors are sparse, so this stays
                            // cheap where a dense copy would be 2^18 values per row.
                            let (mut size, mut n, mut sparse) = (0, 0, false);
                            let _ = mlscore_session_output_vector_size(s, k, &mut size);
                            let _ = mlscore_session_output_vector_nnz(s, k, &mut n, &mut sparse);
                            if buf.len() < n {
                                buf.resize(n, 0.0);
                                idx.resize(n, 0);
                            }
                            let _ = mlscore_session_output_vector_sparse(
                                s,
                                k,
                                idx.as_mut_ptr(),
                                buf.as_mut_ptr(),
                                n,
                            );
                            let bits = buf[..n].iter().map(|x| x.to_bits());
                            let indices = idx[..n].iter().map(|&i| u64::from(i));
                            let _ = write!(
                                text,
                                "{size}:{sparse}:{:x}:{:x};",
                                exact_hash(indices),
                                exact_hash(bits)
                            );
                        }
                        mlscore_type::String => {
                            let (mut p, mut n) = (std::ptr::null(), 0);
                            let _ = mlscore_session_output_string(s, k, &mut p, &mut n);
                            let bytes = if p.is_null() {
                                &[][..]
                            } else {
                                std::slice::from_raw_parts(p.cast::<u8>(), n)
                            };
                            let _ = write!(text, "{:?};", String::from_utf8_lossy(bytes));
                        }
                        mlscore_type::VectorArray => {
                            // LSH hashes: a few one-element vectors.
                            let mut n = 0;
                            let _ = mlscore_session_output_vector_array_len(s, k, &mut n);
                            let mut bits = Vec::new();
                            for i in 0..n {
                                let mut size = 0;
                                let _ = mlscore_session_output_vector_array_item_size(
                                    s, k, i, &mut size,
                                );
                                let mut v = vec![0.0; size];
                                let _ = mlscore_session_output_vector_array_item(
                                    s,
                                    k,
                                    i,
                                    v.as_mut_ptr(),
                                    size,
                                );
                                bits.extend(v.iter().map(|x| x.to_bits()));
                            }
                            let _ = write!(text, "{n}:{:x};", exact_hash(bits.into_iter()));
                        }
                        mlscore_type::StringArray => {
                            let mut n = 0;
                            let _ = mlscore_session_output_token_count(s, k, &mut n);
                            let _ = write!(text, "{n} tokens;");
                        }
                        _ => {
                            let mut x = 0.0;
                            let _ = mlscore_session_output_double(s, k, &mut x);
                            let _ = write!(text, "{x:?};");
                        }
                    }
                }
            } else if st != mlscore_status::Skipped {
                let mut len = 0;
                let _ = mlscore_session_last_error(s, msg.as_mut_ptr(), msg.len(), &mut len);
                text.push_str(&std::ffi::CStr::from_ptr(msg.as_ptr()).to_string_lossy());
            }
            text
        };
        results.push(text);
    }
    // SAFETY: freed once.
    unsafe { mlscore_session_free(s) };
    results
}

fn run_rust(model: &Model, rows: &[&Vec<InputValue>]) -> Vec<String> {
    let mut session = model.session();
    rows.iter()
        .map(|row| {
            session.reset();
            let r = session.set_inputs(row).and_then(|()| session.score());
            render_rust(model, &session, &r)
        })
        .collect()
}

/// Flat batch through the C API: the outputs and per-row statuses as text.
fn run_c_batch(m: SharedModel, flat: &[f64], n: usize, in_w: usize, out_w: usize) -> String {
    let mut s = null_mut();
    let mut out = vec![0.0; n * out_w];
    let mut status = vec![mlscore_status::Panic; n];
    // SAFETY: live model; buffers with their lengths; freed once.
    let st = unsafe {
        assert_eq!(mlscore_session_new(m.0, &mut s), mlscore_status::Ok);
        let st = mlscore_session_score_batch(
            s,
            flat.as_ptr(),
            flat.len(),
            n,
            in_w,
            out.as_mut_ptr(),
            out.len(),
            out_w,
            status.as_mut_ptr(),
            n,
        );
        mlscore_session_free(s);
        st
    };
    format!("{st:?} {status:?} {out:?}")
}

fn check_case(l: &Loaded) -> Result<(), String> {
    let base: Vec<&Vec<InputValue>> = l.rows.iter().flatten().collect();
    if base.is_empty() {
        return Ok(());
    }
    let rows: Vec<&Vec<InputValue>> = base
        .iter()
        .copied()
        .cycle()
        .take(ROWS.max(base.len()))
        .collect();
    let path = std::ffi::CString::new(l.model_dir.to_str().unwrap()).unwrap();
    let mut m = null_mut();
    // SAFETY: valid path and out-pointer.
    assert_eq!(
        unsafe { mlscore_model_load(path.as_ptr(), std::ptr::null(), &mut m, null_mut()) },
        mlscore_status::Ok
    );
    let shared = SharedModel(m);

    let c_single = run_c(shared, &rows);
    let rust_single = run_rust(&l.model, &rows);
    let flat = l.model.flat().ok().map(|f| (f.input_width, f.output_width));
    let flat_rows: Vec<f64> = rows
        .iter()
        .filter_map(|r| cases::flat_row(&l.model, r))
        .flatten()
        .collect();
    let batch_single =
        flat.map(|(i, o)| run_c_batch(shared, &flat_rows, flat_rows.len() / i.max(1), i, o));

    let problems: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (rows, model) = (&rows, l.model.clone());
                let (c_single, rust_single, batch_single, flat_rows) =
                    (&c_single, &rust_single, &batch_single, &flat_rows);
                scope.spawn(move || {
                    let mut problems = Vec::new();
                    // Each thread starts at another row, so threads score different rows at once.
                    let offset = t * rows.len() / THREADS;
                    let rotated: Vec<&Vec<InputValue>> = rows[offset..]
                        .iter()
                        .chain(&rows[..offset])
                        .copied()
                        .collect();
                    let c = run_c(shared, &rotated);
                    let r = run_rust(&model, &rotated);
                    for (i, (c, r)) in c.iter().zip(&r).enumerate() {
                        let j = (i + offset) % rows.len();
                        if *c != c_single[j] || *r != rust_single[j] {
                            problems.push(format!("thread {t}, row {j}: differs from one thread"));
                            break;
                        }
                    }
                    if let (Some((i, o)), Some(single)) = (flat, batch_single) {
                        if run_c_batch(shared, flat_rows, flat_rows.len() / i.max(1), i, o)
                            != *single
                        {
                            problems
                                .push(format!("thread {t}: flat batch differs from one thread"));
                        }
                    }
                    problems
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    // SAFETY: freed once, after every thread ended.
    unsafe { mlscore_model_free(m) };
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", l.name, problems.join("; ")))
    }
}

#[test]
fn eight_threads_score_like_one() {
    let loaded = cases::load_all(&cases::scratch("threads"), usize::MAX);
    let failures: Vec<String> = loaded.iter().filter_map(|l| check_case(l).err()).collect();
    println!(
        "{} models, {THREADS} threads x {ROWS}+ rows each",
        loaded.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
