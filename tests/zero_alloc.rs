//! Scoring allocates nothing once a session has warmed up: a counting global allocator watches
//! every scoring call on every model that loads (all fixture cases, so each stage family is
//! covered as soon as it lands, plus the built-in models), through the Rust API and the C API,
//! on every path: typed rows (numbers, strings, vectors, arrays of strings, NULLs), reading
//! every output, rows Spark skips, rows that fail (and rendering their message), argument
//! errors, flat rows (f64 and f32, single and batch).
//!
//! Warm-up: each path runs over all of a case's rows twice first, so every buffer has grown to
//! the largest row (and buffers that trade places, like a vector and its scratch, have both
//! grown). Then each call of a third pass must allocate nothing. The JSON path parses and
//! renders JSON, so it allocates by design and is not measured.

mod cases;
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::c_char;
use std::ptr::null_mut;

use cases::{CRow, Loaded};
use mlscore::ffi::*;
use mlscore::{InputValue, Outcome};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // try_with: the allocator may run while thread-locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to the system allocator unchanged; counting touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations (and frees) made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(Cell::get)
}

/// Reads every output through the C API into `buf` (grown beforehand) and renders the last
/// error into `msg`.
///
/// # Safety
/// `m` and `s` are live handles of the same model.
unsafe fn c_read(
    m: *const mlscore_model,
    s: *mut mlscore_session,
    buf: &mut [f64],
    idx: &mut [u32],
    msg: &mut [c_char],
) {
    // SAFETY: live handles; every buffer is passed with its own length.
    unsafe {
        for k in 0..mlscore_model_output_count(m) {
            let mut ty = mlscore_type::Double;
            let _ = mlscore_model_output_type(m, k, &mut ty);
            let (mut x, mut n, mut sparse) = (0.0, 0usize, false);
            let (mut p, mut len) = (std::ptr::null(), 0usize);
            let _ = mlscore_session_output_is_null(s, k, &mut sparse);
            match ty {
                mlscore_type::String => {
                    let _ = mlscore_session_output_string(s, k, &mut p, &mut len);
                }
                mlscore_type::Vector => {
                    let _ = mlscore_session_output_vector_size(s, k, &mut n);
                    if n <= buf.len() {
                        let _ = mlscore_session_output_vector(s, k, buf.as_mut_ptr(), n);
                    }
                    let _ = mlscore_session_output_vector_nnz(s, k, &mut n, &mut sparse);
                    if n <= buf.len() && n <= idx.len() {
                        let _ = mlscore_session_output_vector_sparse(
                            s,
                            k,
                            idx.as_mut_ptr(),
                            buf.as_mut_ptr(),
                            n,
                        );
                    }
                }
                mlscore_type::StringArray => {
                    let _ = mlscore_session_output_token_count(s, k, &mut n);
                    for i in 0..n {
                        let _ = mlscore_session_output_token(s, k, i, &mut p, &mut len);
                    }
                }
                _ => {
                    let _ = mlscore_session_output_double(s, k, &mut x);
                }
            }
        }
        let mut len = 0;
        let _ = mlscore_session_last_error(s, msg.as_mut_ptr(), msg.len(), &mut len);
        let _ = mlscore_session_last_error_code(s);
    }
}

/// Largest vector any output of the case holds, from a first pass (sizes the read buffers).
fn widest_output(l: &Loaded) -> usize {
    let mut session = l.model.session();
    let mut widest = 16;
    for row in l.rows.iter().flatten() {
        session.reset();
        if session
            .set_inputs(row)
            .and_then(|()| session.score())
            .is_ok()
        {
            for k in 0..l.model.outputs().count() {
                if let mlscore::Value::Vector(v) = session.output(k) {
                    widest = widest.max(v.size);
                }
            }
        }
    }
    widest
}

struct Tally {
    calls: u64,
    scored: u64,
    skipped: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, case: &str, path: &str, row: usize, n: u64) {
        self.calls += 1;
        if n != 0 && self.failures.len() < 50 {
            self.failures
                .push(format!("{case}: {path}, row {row}: {n} allocations"));
        }
    }
    fn outcome(&mut self, r: &Result<Outcome, mlscore::ScoreError>) {
        match r {
            Ok(Outcome::Scored) => self.scored += 1,
            Ok(Outcome::Skipped) => self.skipped += 1,
            Err(_) => self.failed += 1,
        }
    }
}

fn check_case(l: &Loaded, t: &mut Tally) {
    let rows: Vec<&Vec<InputValue>> = l.rows.iter().flatten().collect();
    let crows: Vec<CRow> = rows.iter().map(|r| CRow::new(r)).collect();
    let widest = widest_output(l);
    let (mut buf, mut idx, mut msg) = (
        vec![0.0; widest],
        vec![0u32; widest],
        vec![0 as c_char; 4096],
    );
    let flat = l.model.flat().ok().cloned();
    let flat_rows: Vec<Vec<f64>> = rows
        .iter()
        .filter_map(|r| cases::flat_row(&l.model, r))
        .collect();
    let flat_rows32: Vec<Vec<f32>> = flat_rows
        .iter()
        .map(|r| r.iter().map(|&x| x as f32).collect())
        .collect();
    let batch: Vec<f64> = flat_rows.concat();
    let batch32: Vec<f32> = flat_rows32.concat();
    let out_w = flat.as_ref().map_or(0, |f| f.output_width);
    let (mut out, mut out32) = (vec![0.0; out_w], vec![0f32; out_w]);
    let (mut bout, mut bout32) = (
        vec![0.0; out_w * flat_rows.len()],
        vec![0f32; out_w * flat_rows.len()],
    );
    let mut status = vec![mlscore_status::Ok; flat_rows.len()];

    let mut session = l.model.session();
    // The same model with only its last stage's outputs selected, so fused steps
    // (plan/fuse.rs) run, fast paths and fallbacks alike.
    let mut options = mlscore::LoadOptions::default();
    options.select_outputs(&common::last_stage_outputs(&l.model));
    let selected = mlscore::Model::load_with(&l.model_dir, &options).unwrap();
    let mut selected_session = selected.session();
    let path = std::ffi::CString::new(l.model_dir.to_str().unwrap()).unwrap();
    let (mut m, mut s) = (null_mut(), null_mut());
    // SAFETY: valid path and out-pointers.
    unsafe {
        assert_eq!(
            mlscore_model_load(path.as_ptr(), std::ptr::null(), &mut m, null_mut()),
            mlscore_status::Ok
        );
        assert_eq!(mlscore_session_new(m, &mut s), mlscore_status::Ok);
    }

    for pass in 0..3 {
        let measure = pass == 2;
        for (i, row) in rows.iter().enumerate() {
            // Rust API, typed row: set, score, read every output.
            let mut result = Ok(Outcome::Scored);
            let n = allocations(|| {
                session.reset();
                result = session.set_inputs(row).and_then(|()| session.score());
                for k in 0..l.model.outputs().count() {
                    std::hint::black_box(session.output(k));
                }
                if let Err(e) = &result {
                    let mut w = FixedWriter(0);
                    let _ = l.model.write_error(e, &mut w);
                }
            });
            if measure {
                t.check(&l.name, "Rust typed row", i, n);
                t.outcome(&result);
            }
            // Rust API, typed row, selected outputs.
            let n = allocations(|| {
                selected_session.reset();
                let r = selected_session
                    .set_inputs(row)
                    .and_then(|()| selected_session.score());
                for k in 0..selected.outputs().count() {
                    std::hint::black_box(selected_session.output(k));
                }
                std::hint::black_box(r.ok());
            });
            if measure {
                t.check(&l.name, "Rust typed row, selected outputs", i, n);
            }
            // C API, typed row.
            let n = allocations(|| {
                // SAFETY: live handles of this case's model; buffers with their lengths.
                unsafe {
                    let _ = mlscore_session_reset(s);
                    if crows[i].set(s) == mlscore_status::Ok {
                        let _ = mlscore_session_score(s);
                    }
                    c_read(m, s, &mut buf, &mut idx, &mut msg);
                }
            });
            if measure {
                t.check(&l.name, "C typed row", i, n);
            }
            // C API, typed row set in one call (rows of numbers and strings).
            let n = allocations(|| {
                // SAFETY: as above.
                unsafe {
                    let _ = mlscore_session_reset(s);
                    if crows[i].set_row(s) == Some(mlscore_status::Ok) {
                        let _ = mlscore_session_score(s);
                    }
                    c_read(m, s, &mut buf, &mut idx, &mut msg);
                }
            });
            if measure {
                t.check(&l.name, "C typed row, set_row", i, n);
            }
            // C API argument errors: wrong type, index out of range, NULL, wrong length.
            let n = allocations(|| {
                // SAFETY: live session; the bad arguments are refused before any access.
                unsafe {
                    let _ = mlscore_session_set_string(s, 0, c"x".as_ptr(), 1);
                    let _ = mlscore_session_set_double(s, usize::MAX, 1.0);
                    let _ = mlscore_session_output_double(s, usize::MAX, null_mut());
                    let _ = mlscore_session_score_flat(s, [0.0].as_ptr(), 0, out.as_mut_ptr(), 0);
                    let mut len = 0;
                    let _ = mlscore_session_last_error(s, msg.as_mut_ptr(), msg.len(), &mut len);
                }
            });
            if measure {
                t.check(&l.name, "C argument errors", i, n);
            }
        }
        let Some(flat) = &flat else { continue };
        for (i, row) in flat_rows.iter().enumerate() {
            let n = allocations(|| {
                std::hint::black_box(session.score_flat(row, &mut out).ok());
                std::hint::black_box(session.score_flat(&flat_rows32[i], &mut out32).ok());
                // SAFETY: live session; buffers with their lengths.
                unsafe {
                    let _ = mlscore_session_score_flat(
                        s,
                        row.as_ptr(),
                        row.len(),
                        out.as_mut_ptr(),
                        out.len(),
                    );
                    let _ = mlscore_session_score_flat_f32(
                        s,
                        flat_rows32[i].as_ptr(),
                        row.len(),
                        out32.as_mut_ptr(),
                        out32.len(),
                    );
                    c_read(m, s, &mut buf, &mut idx, &mut msg);
                }
            });
            if measure {
                t.check(&l.name, "flat row (Rust and C, f64 and f32)", i, n);
            }
        }
        let (w, k) = (flat.input_width, flat_rows.len());
        let n = allocations(|| {
            std::hint::black_box(
                session
                    .score_batch(&batch, k, w, &mut bout, out_w, |_, _| {})
                    .ok(),
            );
            std::hint::black_box(
                session
                    .score_batch(&batch32, k, w, &mut bout32, out_w, |_, _| {})
                    .ok(),
            );
            // SAFETY: live session; buffers with their lengths.
            unsafe {
                let _ = mlscore_session_score_batch(
                    s,
                    batch.as_ptr(),
                    batch.len(),
                    k,
                    w,
                    bout.as_mut_ptr(),
                    bout.len(),
                    out_w,
                    status.as_mut_ptr(),
                    k,
                );
                let _ = mlscore_session_score_batch_f32(
                    s,
                    batch32.as_ptr(),
                    batch32.len(),
                    k,
                    w,
                    bout32.as_mut_ptr(),
                    bout32.len(),
                    out_w,
                    status.as_mut_ptr(),
                    k,
                );
                let mut len = 0;
                let _ = mlscore_session_last_error(s, msg.as_mut_ptr(), msg.len(), &mut len);
            }
        });
        if measure {
            t.check(&l.name, "flat batch (Rust and C, f64 and f32)", 0, n);
        }
    }
    // SAFETY: each handle freed once.
    unsafe {
        mlscore_session_free(s);
        mlscore_model_free(m);
    }
}

/// A `fmt::Write` that only counts, so rendering can be measured on its own.
struct FixedWriter(usize);

impl std::fmt::Write for FixedWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

#[test]
fn scoring_allocates_nothing_after_warm_up() {
    // The counter must see allocations at all, or a zero would prove nothing.
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 10]))) >= 1);
    let loaded = cases::load_all_with_more(&cases::scratch("zero-alloc"), usize::MAX);
    let mut t = Tally {
        calls: 0,
        scored: 0,
        skipped: 0,
        failed: 0,
        failures: Vec::new(),
    };
    for l in &loaded {
        check_case(l, &mut t);
    }
    println!(
        "{} cases, {} measured calls (rows: {} scored, {} skipped, {} failed)",
        loaded.len(),
        t.calls,
        t.scored,
        t.skipped,
        t.failed
    );
    assert!(
        t.scored > 0 && t.skipped > 0 && t.failed > 0,
        "every outcome must be measured"
    );
    assert!(
        t.failures.is_empty(),
        "scoring allocated:\n{}",
        t.failures.join("\n")
    );
}
