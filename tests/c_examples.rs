//! Builds the C programs in `examples-c/` with `-Wall -Wextra -Wpedantic -Werror` against the
//! library this `cargo test` built, runs them on every model that loads (fixture cases and the
//! built-in ones), and compares what they print with what the Rust API computes for the same
//! rows. Each program runs three ways: plain, under `-fsanitize=address,undefined` (with leak
//! detection), and under valgrind (no errors, no leaks). One program is also linked statically
//! and one through an installed pkg-config file.
//!
//! Missing gcc, make or valgrind fails the test: these checks are the point of it.
//!
//! Output comparison: lines must be equal, except that a token which is a number in both
//! outputs compares by value (C prints %.17g, Rust the shortest round-trip text; both parse to
//! the same double, so the comparison is exact, NaN equal to NaN).

mod cases;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cases::Loaded;
use mlscore::ffi::mlscore_status;
use mlscore::json::{self, VectorFormat};
use mlscore::{InputValue, LoadOptions, Model, Outcome, ScoreError, Session, Value};

/// Rows per case given to the examples (valgrind is slow; every fixture case has fewer).
const MAX_ROWS: usize = 60;
/// Cases run under valgrind per program (all run plain and under the sanitizers).
const VALGRIND_CASES: usize = 4;
/// Every how many cases also run under the sanitizers.
const SANITIZER_STRIDE: usize = 3;

/// `target/<profile>`, where `cargo build` puts the libraries.
fn profile_dir() -> PathBuf {
    // target/<profile>/deps/c_examples-<hash> → target/<profile>
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Where this `cargo test` built `libmlscore.so` and `.a`: `target/<profile>/deps`. Only
/// `cargo build` copies them up to `target/<profile>`, so the copies there can be older than
/// the crate under test; the examples link and install these instead.
fn lib_dir() -> PathBuf {
    profile_dir().join("deps")
}

fn require_tool(tool: &str, arg: &str) {
    let ok = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "`{tool}` is required by this test (C examples are built and checked with it) but is not installed");
}

fn make(build: &Path, extra: &[&str]) {
    let out = Command::new("make")
        .arg("-C")
        .arg(cases::repo().join("examples-c"))
        .arg(format!("BUILD={}", build.display()))
        .arg(format!("LIBDIR={}", lib_dir().display()))
        .arg("CC=gcc")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How a program is run.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    Sanitizers,
    Valgrind,
}

struct Builds {
    plain: PathBuf,
    asan: PathBuf,
}

fn run(builds: &Builds, mode: Mode, program: &str, args: &[&Path]) -> String {
    let dir = if mode == Mode::Sanitizers {
        &builds.asan
    } else {
        &builds.plain
    };
    let exe = dir.join(program);
    let mut cmd = if mode == Mode::Valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
        ]);
        c.arg(format!(
            "--suppressions={}",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/valgrind.supp")
                .display()
        ));
        c.arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    cmd.args(args);
    // `cargo test` puts target/<profile> ahead in LD_LIBRARY_PATH, which outranks the
    // examples' RUNPATH and would load a stale copy of libmlscore.so from there.
    cmd.env_remove("LD_LIBRARY_PATH");
    cmd.env(
        "ASAN_OPTIONS",
        "detect_leaks=1:abort_on_error=0:exitcode=98",
    );
    cmd.env(
        "UBSAN_OPTIONS",
        "halt_on_error=1:print_stacktrace=1:exitcode=97",
    );
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let what = format!(
        "{program} {:?} ({})",
        args,
        match mode {
            Mode::Plain => "plain",
            Mode::Sanitizers => "asan+ubsan",
            Mode::Valgrind => "valgrind",
        }
    );
    assert!(
        out.status.success(),
        "{what} exited with {}:\n{stderr}",
        out.status
    );
    for marker in [
        "AddressSanitizer",
        "LeakSanitizer",
        "runtime error:",
        "==ERROR",
        "Invalid read",
        "definitely lost",
    ] {
        assert!(
            !stderr.contains(marker),
            "{what} reported `{marker}`:\n{stderr}"
        );
    }
    String::from_utf8(out.stdout).unwrap()
}

/// Splits a line into tokens at spaces, brackets and colons (sparse entries print `i:v`).
fn tokens(line: &str) -> Vec<&str> {
    line.split([' ', '[', ']', ':'])
        .filter(|t| !t.is_empty())
        .collect()
}

fn same_number(a: &str, b: &str) -> bool {
    // Parse with the sign kept, so -0 and 0 and the signs of infinities are compared.
    let parse = |t: &str| match t.to_ascii_lowercase().trim_start_matches(['-', '+']) {
        "nan" => Some(f64::NAN),
        _ => t.parse::<f64>().ok(),
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
        _ => false,
    }
}

/// Compares program output with the expected text; returns the first difference.
fn compare(expected: &str, actual: &str) -> Result<(), String> {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for (i, (el, al)) in e.iter().zip(&a).enumerate() {
        if el == al {
            continue;
        }
        let (et, at) = (tokens(el), tokens(al));
        let same =
            et.len() == at.len() && et.iter().zip(&at).all(|(x, y)| x == y || same_number(x, y));
        if !same {
            return Err(format!(
                "line {}:\n  expected: {el}\n  actual:   {al}",
                i + 1
            ));
        }
    }
    if e.len() != a.len() {
        return Err(format!("{} lines expected, {} printed", e.len(), a.len()));
    }
    Ok(())
}

fn status_of(e: &ScoreError) -> i32 {
    mlscore_status::from(e.kind) as i32
}

fn fmt_num(x: f64) -> String {
    format!("{x:?}")
}

// ---- expected outputs, computed with the Rust API ----

fn expect_score_row(l: &Loaded, row: &[f64]) -> String {
    let flat = l.model.flat().unwrap();
    let mut session = l.model.session();
    let mut out = vec![0.0; flat.output_width];
    let mut s = String::new();
    match session.score_flat(row, &mut out) {
        Ok(Outcome::Scored) => {
            s.push_str("OK\n");
            let names: Vec<&str> = l.model.outputs().map(|c| c.name.as_str()).collect();
            for c in &flat.outputs {
                for j in 0..c.width {
                    let _ = writeln!(
                        s,
                        "{} {}[{j}] {}",
                        c.offset + j,
                        names[c.output],
                        fmt_num(out[c.offset + j])
                    );
                }
            }
        }
        Ok(Outcome::Skipped) => s.push_str("SKIPPED\n"),
        Err(e) => {
            let _ = writeln!(s, "ERROR {} {}", status_of(&e), l.model.describe_error(&e));
        }
    }
    s
}

fn csv_and_expected(l: &Loaded, rows: &[Vec<f64>]) -> (String, String) {
    let flat = l.model.flat().unwrap();
    let header: Vec<String> = match flat.input {
        mlscore::FlatInput::Scalars(_) => l.model.inputs().map(|c| c.name.clone()).collect(),
        mlscore::FlatInput::Vector(_) => (0..flat.input_width).map(|i| format!("f{i}")).collect(),
    };
    let mut csv = header.join(",") + "\n";
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|x| {
                if x.is_nan() {
                    String::new()
                } else {
                    fmt_num(*x)
                }
            })
            .collect();
        csv.push_str(&(cells.join(",") + "\n"));
    }
    let flat_rows: Vec<f64> = rows.concat();
    let mut out = vec![0.0; rows.len() * flat.output_width];
    let mut outcomes = Vec::new();
    let mut session = l.model.session();
    let result = session.score_batch(
        &flat_rows,
        rows.len(),
        flat.input_width,
        &mut out,
        flat.output_width,
        |_, o| outcomes.push(o),
    );
    let mut s = String::new();
    for (i, o) in outcomes.iter().enumerate() {
        if *o == Outcome::Skipped {
            let _ = writeln!(s, "{i} SKIPPED");
        } else {
            let _ = write!(s, "{i} OK");
            for x in &out[i * flat.output_width..(i + 1) * flat.output_width] {
                let _ = write!(s, " {}", fmt_num(*x));
            }
            s.push('\n');
        }
    }
    if let Err(b) = result {
        let _ = writeln!(
            s,
            "{} ERROR {} row {}: {}",
            b.row,
            status_of(&b.error),
            b.row,
            l.model.describe_error(&b.error)
        );
    }
    (csv, s)
}

fn escape(s: &str, bar: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '|' if bar => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    out
}

/// A TSV cell for typed_row, or None where the format cannot say it (NUL, CR, a lone "").
fn cell(v: &InputValue) -> Option<String> {
    match v {
        InputValue::Null => Some("\\N".into()),
        InputValue::Num(x) => Some(fmt_num(*x)),
        InputValue::Str(s) if s.contains(['\0', '\r']) => None,
        InputValue::Str(s) => Some(escape(s, false)),
        InputValue::Vector(v) if v.sparse => {
            let pairs: Vec<String> = v
                .indices
                .iter()
                .zip(&v.values)
                .map(|(i, x)| format!("{i}={}", fmt_num(*x)))
                .collect();
            Some(if pairs.is_empty() {
                format!("@{}", v.size)
            } else {
                format!("@{}:{}", v.size, pairs.join(","))
            })
        }
        InputValue::Vector(v) => Some(
            v.values
                .iter()
                .map(|x| fmt_num(*x))
                .collect::<Vec<_>>()
                .join(","),
        ),
        InputValue::Tokens(t) if t.len() == 1 && t[0].is_empty() => None,
        InputValue::Tokens(t) if t.iter().any(|s| s.contains(['\0', '\r'])) => None,
        InputValue::Tokens(t) => Some(
            t.iter()
                .map(|s| escape(s, true))
                .collect::<Vec<_>>()
                .join("|"),
        ),
    }
}

fn value_text(v: Value<'_>) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Double(x) => fmt_num(x),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => fmt_num(f64::from(f)),
        Value::Bool(b) => (if b { "1" } else { "0" }).into(),
        Value::Str(s) => format!("\"{s}\""),
        // typed_row.c prints up to 64 values dense, wider vectors as their stored entries.
        Value::Vector(v) if v.size <= 64 => {
            let mut dense = vec![0.0; v.size];
            v.for_each_active(|i, x| dense[i] = x);
            let dense: Vec<String> = dense.iter().map(|x| fmt_num(*x)).collect();
            format!("[{}]", dense.join(" "))
        }
        Value::Vector(v) => {
            let mut s = format!("({})", v.size);
            v.for_each_active(|i, x| {
                let _ = write!(s, " {i}:{}", fmt_num(x));
            });
            s
        }
        Value::Vectors(vs) => format!(
            "[{}]",
            vs.iter()
                .map(|v| {
                    let mut dense = vec![0.0; v.size];
                    v.for_each_active(|i, x| dense[i] = x);
                    let dense: Vec<String> = dense.iter().map(|x| fmt_num(*x)).collect();
                    format!("[{}]", dense.join(" "))
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Tokens(t) => format!(
            "[{}]",
            t.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

fn label_line(model: &Model, session: &Session) -> Option<String> {
    let k = model
        .outputs()
        .enumerate()
        .filter(|(_, c)| c.nominal.is_some())
        .map(|(k, _)| k)
        .last()?;
    let nominal = model.outputs().nth(k)?.nominal.clone()?;
    let p = match session.output(k) {
        Value::Double(x) => x,
        _ => return None,
    };
    let labels = nominal.labels?;
    (p >= 0.0 && p < nominal.num_values as f64)
        .then(|| labels.get(p as usize).map(|l| format!("  label \"{l}\"")))?
}

fn tsv_and_expected(l: &Loaded) -> (String, String) {
    let names: Vec<String> = l.model.inputs().map(|c| c.name.clone()).collect();
    let mut tsv = names.join("\t") + "\n";
    let mut s = String::new();
    let mut session = l.model.session();
    let mut n = 0;
    for row in l.rows.iter().flatten() {
        let Some(cells) = row.iter().map(cell).collect::<Option<Vec<_>>>() else {
            continue;
        };
        tsv.push_str(&(cells.join("\t") + "\n"));
        session.reset();
        let result = session.set_inputs(row).and_then(|()| session.score());
        match result {
            Ok(Outcome::Scored) => {
                let _ = writeln!(s, "{n} OK");
                for (k, c) in l.model.outputs().enumerate() {
                    let _ = writeln!(s, "  {} {}", c.name, value_text(session.output(k)));
                }
                if let Some(label) = label_line(&l.model, &session) {
                    let _ = writeln!(s, "{label}");
                }
            }
            Ok(Outcome::Skipped) => {
                let _ = writeln!(s, "{n} SKIPPED");
            }
            Err(e) => {
                let _ = writeln!(
                    s,
                    "{n} ERROR {} {}",
                    status_of(&e),
                    l.model.describe_error(&e)
                );
            }
        }
        n += 1;
    }
    (tsv, s)
}

fn expect_json(l: &Loaded) -> String {
    let mut session = l.model.session();
    let mut s = String::new();
    for row in &l.objects {
        if let Err(msg) = json::set_inputs(&mut session, row) {
            let _ = writeln!(s, "ERROR {} {msg}", mlscore_status::BadJson as i32);
            continue;
        }
        match session.score() {
            Ok(o) => {
                let out = json::output_row(&session, row, Ok(o), VectorFormat::Dense);
                let tag = if o == Outcome::Scored {
                    "OK"
                } else {
                    "SKIPPED"
                };
                let _ = writeln!(s, "{tag} {}", serde_json::to_string(&out).unwrap());
            }
            Err(e) => {
                let _ = writeln!(s, "ERROR {} {}", status_of(&e), l.model.describe_error(&e));
            }
        }
    }
    s
}

fn expect_errors(l: &Loaded) -> Vec<String> {
    let missing = Model::load("/nonexistent/mlscore-model").unwrap_err();
    let mut options = mlscore::LoadOptions::default();
    options.limits.max_stages = 0;
    let limit = Model::load_with(&l.model_dir, &options).unwrap_err();
    let text = |code: mlscore_status| {
        // SAFETY: mlscore_status_str returns a static NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(mlscore::ffi::mlscore_status_str(code as i32)) }
            .to_str()
            .unwrap()
            .to_string()
    };
    let load_line = |what: &str, e: &mlscore::LoadError| {
        let code = mlscore_status::from(e.kind);
        format!(
            "{what}: {} {} | {e} | file={}",
            code as i32,
            text(code),
            e.file.as_deref().unwrap_or("(none)")
        )
    };
    vec![
        "abi: match".into(),
        format!("version: {}", mlscore::VERSION),
        load_line("missing", &missing),
        format!("bad limit id: {}", mlscore_status::InvalidArgument as i32),
        load_line("limit", &limit),
        format!("null model: {}", mlscore_status::NullArgument as i32),
        format!("null out: {}", mlscore_status::NullArgument as i32),
        format!("null session: {}", mlscore_status::NullArgument as i32),
        format!(
            "wrong length: {}",
            if l.model.flat().is_ok() {
                mlscore_status::BadLength
            } else {
                mlscore_status::NotFlat
            } as i32
        ),
        format!("unknown input: {}", mlscore_status::UnknownColumn as i32),
        format!(
            "input out of range: {}",
            mlscore_status::IndexOutOfRange as i32
        ),
        format!("output before scoring: {}", mlscore_status::NoResult as i32),
    ]
}

#[test]
fn c_examples_match_the_rust_api_under_sanitizers_and_valgrind() {
    require_tool("gcc", "--version");
    require_tool("make", "--version");
    require_tool("valgrind", "--version");
    let scratch = cases::scratch("c-examples");
    let builds = Builds {
        plain: scratch.join("plain"),
        asan: scratch.join("asan"),
    };
    make(&builds.plain, &[]);
    make(&builds.asan, &["SANITIZE=1"]);
    // Every Spark-made set: the core fixtures and every tests/spark/fixtures-<topic> set.
    let loaded = cases::load_all_with_more(&scratch.join("models"), MAX_ROWS);
    assert!(!loaded.is_empty());

    let mut failures = Vec::new();
    let mut check = |what: String, expected: &str, actual: &str| {
        if let Err(d) = compare(expected, actual) {
            failures.push(format!("{what}: {d}"));
        }
    };
    let (mut flat_runs, mut typed_runs, mut json_runs) = (0, 0, 0);
    for (i, l) in loaded.iter().enumerate() {
        let dir = scratch.join(format!("case{i}"));
        fs::create_dir_all(&dir).unwrap();
        let model = l.model_dir.as_path();
        // Every case runs plain (the whole fixture suite through the C API); every
        // SANITIZER_STRIDE-th under ASan/UBSan and the first few under valgrind, which keeps
        // CI minutes bounded while every stage family still passes through both tools.
        // The topic sets (issue-5 stages) run plain, and under the sanitizers three times
        // less often than the core fixtures.
        let core = ["spark-", "bench-", "builtin"]
            .iter()
            .any(|p| l.name.starts_with(p));
        let stride = if core {
            SANITIZER_STRIDE
        } else {
            3 * SANITIZER_STRIDE
        };
        let modes: &[Mode] = if i < VALGRIND_CASES || l.name.starts_with("builtin") {
            &[Mode::Plain, Mode::Sanitizers, Mode::Valgrind]
        } else if i % stride == 0 {
            &[Mode::Plain, Mode::Sanitizers]
        } else {
            &[Mode::Plain]
        };
        // Flat rows: score_row on the first row, score_csv on all.
        let flat_rows: Vec<Vec<f64>> = l
            .rows
            .iter()
            .flatten()
            .filter_map(|r| cases::flat_row(&l.model, r))
            .collect();
        if let Some(first) = flat_rows.first() {
            let (csv, expected_csv) = csv_and_expected(l, &flat_rows);
            fs::write(dir.join("rows.csv"), csv).unwrap();
            let expected_row = expect_score_row(l, first);
            let args: Vec<String> = first.iter().map(|x| fmt_num(*x)).collect();
            for &mode in modes {
                let out = run_args(&builds, mode, "score_row", model, &args);
                check(format!("score_row {}", l.name), &expected_row, &out);
                let out = run(&builds, mode, "score_csv", &[model, &dir.join("rows.csv")]);
                check(format!("score_csv {}", l.name), &expected_csv, &out);
            }
            flat_runs += 1;
        }
        // Typed rows.
        let (tsv, expected_typed) = tsv_and_expected(l);
        fs::write(dir.join("rows.tsv"), tsv).unwrap();
        for &mode in modes {
            let out = run(&builds, mode, "typed_row", &[model, &dir.join("rows.tsv")]);
            check(format!("typed_row {}", l.name), &expected_typed, &out);
        }
        typed_runs += 1;
        // JSON lines, verbatim.
        fs::write(dir.join("rows.jsonl"), l.lines.join("\n") + "\n").unwrap();
        let expected_json = expect_json(l);
        for &mode in modes {
            let out = run(
                &builds,
                mode,
                "score_json",
                &[model, &dir.join("rows.jsonl")],
            );
            check(format!("score_json {}", l.name), &expected_json, &out);
        }
        json_runs += 1;
    }
    // Error handling, on the first model (a fixture when there are any).
    let first = &loaded[0];
    for mode in [Mode::Plain, Mode::Sanitizers, Mode::Valgrind] {
        let out = run(&builds, mode, "errors", &[first.model_dir.as_path()]);
        let printed: Vec<&str> = out.lines().collect();
        for line in expect_errors(first) {
            if !printed.contains(&line.as_str()) {
                failures.push(format!(
                    "errors {}: missing line `{line}` in:\n{out}",
                    first.name
                ));
            }
        }
    }
    // The C benchmark's check pass (mlscore_session_set_row or one setter per input, with
    // and without selected outputs) against the Rust API on the benchmark pipelines.
    let mut bench_runs = 0;
    for l in loaded.iter().filter(|l| l.name.starts_with("bench-4")) {
        let rows = l.model_dir.parent().unwrap().join("rows.jsonl");
        let model = l.model_dir.as_path();
        for (select, per_input, mode) in [
            (false, "0", Mode::Plain),
            (true, "0", Mode::Plain),
            (true, "1", Mode::Plain),
            (true, "0", Mode::Sanitizers),
            (false, "1", Mode::Valgrind),
        ] {
            if mode != Mode::Plain && !l.name.ends_with("census_lr") {
                continue;
            }
            let mut args = vec![
                rows.display().to_string(),
                "--calls".into(),
                "50".into(),
                "--per-input".into(),
                per_input.into(),
            ];
            if select {
                args.extend(["--select".into(), "probability,prediction".into()]);
            }
            let out = run_args(&builds, mode, "bench_typed", model, &args);
            let expected = bench_check(l, select);
            // "check: <scored> of <rows> rows scored, predictions sum to <sum>"
            let printed = out.lines().find_map(|line| {
                let t: Vec<&str> = line.split_whitespace().collect();
                match t.as_slice() {
                    ["check:", scored, "of", n, "rows", "scored,", "predictions", "sum", "to", sum] => {
                        Some((scored.parse().ok()?, n.parse().ok()?, sum.parse().ok()?))
                    }
                    _ => None,
                }
            });
            if printed != Some(expected) {
                failures.push(format!(
                    "bench_typed {} {args:?}: expected (scored, rows, sum) {expected:?} in:\n{out}",
                    l.name
                ));
            }
            bench_runs += 1;
        }
    }
    assert!(bench_runs >= 7, "bench_typed ran {bench_runs} times");
    println!(
        "C examples checked on {} models: {flat_runs} flat, {typed_runs} typed, {json_runs} JSON",
        loaded.len()
    );
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What bench_typed's `check:` line reports for a benchmark pipeline, through the Rust API:
/// rows scored, rows read and the sum of the predictions in row order.
fn bench_check(l: &Loaded, select: bool) -> (usize, usize, f64) {
    let mut options = LoadOptions::default();
    if select {
        options.select_outputs(&["probability", "prediction"]);
    }
    let model = Model::load_with(&l.model_dir, &options).unwrap();
    let k = model.output_index("prediction").unwrap();
    let rows = cases::load(
        &cases::Case {
            name: l.name.clone(),
            model_dir: l.model_dir.clone(),
            input: l.model_dir.parent().unwrap().join("rows.jsonl"),
        },
        usize::MAX,
    )
    .unwrap()
    .rows;
    let mut session = model.session();
    let (mut scored, mut sum) = (0, 0.0);
    for row in &rows {
        let row = row.as_ref().unwrap();
        if session.set_inputs(row).and_then(|()| session.score()) == Ok(Outcome::Scored) {
            if let Value::Double(x) = session.output(k) {
                scored += 1;
                sum += x;
            }
        }
    }
    (scored, rows.len(), sum)
}

fn run_args(builds: &Builds, mode: Mode, program: &str, model: &Path, args: &[String]) -> String {
    let mut all: Vec<PathBuf> = vec![model.to_path_buf()];
    all.extend(args.iter().map(PathBuf::from));
    let refs: Vec<&Path> = all.iter().map(PathBuf::as_path).collect();
    run(builds, mode, program, &refs)
}

/// `make install` into a prefix, then a program built only with `pkg-config --cflags --libs
/// mlscore`, and one linked against the static library.
#[test]
fn installed_library_links_through_pkg_config_and_statically() {
    require_tool("gcc", "--version");
    require_tool("make", "--version");
    require_tool("pkg-config", "--version");
    let scratch = cases::scratch("install");
    let prefix = scratch.join("prefix");
    let out = Command::new("make")
        .current_dir(cases::repo())
        .args([
            "install",
            "NO_BUILD=1",
            // Install what this `cargo test` built (see `lib_dir`).
            &format!("TARGET_DIR={}", lib_dir().display()),
            &format!("PREFIX={}", prefix.display()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "mlscore"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .unwrap();
    assert!(
        flags.status.success(),
        "pkg-config does not find mlscore: {}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    let exe = scratch.join("score_row");
    let src = cases::repo().join("examples-c/score_row.c");
    let cc = Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .args(flags.split_whitespace())
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "cc with pkg-config flags failed: {}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let models = cases::builtin_cases(&scratch.join("models"));
    let run = Command::new(&exe)
        .arg(&models[0].model_dir)
        .args(["1", "2", "3"])
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "OK\n0 features[0] 1\n1 features[1] 2\n2 features[2] 3\n"
    );

    // Static: the archive plus the system libraries Rust's std needs; no libmlscore.so at run time.
    let static_build = scratch.join("static");
    make(&static_build, &["LINK=static"]);
    let run = Command::new(static_build.join("score_row"))
        .arg(&models[0].model_dir)
        .args(["4", "5", "6"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "OK\n0 features[0] 4\n1 features[1] 5\n2 features[2] 6\n"
    );
    let ldd = Command::new("ldd")
        .arg(static_build.join("score_row"))
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&ldd.stdout).contains("libmlscore"),
        "statically linked binary needs libmlscore.so"
    );
}

#[test]
fn comparison_is_exact_on_numbers_and_strict_on_text() {
    assert!(compare("0 OK 0.1 NaN inf\n", "0 OK 0.10000000000000001 -nan inf\n").is_ok());
    assert!(compare("  v [1 2]\n", "  v [1 2]\n").is_ok());
    assert!(compare("  tf (9) 3:1.0 5:2.5\n", "  tf (9) 3:1 5:2.5\n").is_ok());
    assert!(compare("  tf (9) 3:1.0\n", "  tf (9) 4:1.0\n").is_err());
    assert!(compare("0 OK 0.1\n", "0 OK 0.10000000000000002\n").is_err());
    assert!(compare("0 OK -0.0\n", "0 OK 0\n").is_err());
    assert!(compare("0 OK\n", "0 SKIPPED\n").is_err());
    assert!(compare("a\nb\n", "a\n").is_err());
}
