//! The `mlscore` command: score JSON lines, inspect a model, benchmark. Uses the public Rust
//! API only.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlscore::json::{self, VectorFormat};
use mlscore::{ColumnType, InputValue, LoadOptions, Model, Outcome, SparkVersion};

#[derive(Parser)]
#[command(
    name = "mlscore",
    version,
    about = "Score saved Apache Spark ML models without a JVM"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Vectors {
    /// Every vector as a dense JSON array.
    Dense,
    /// Sparse vectors as {"size","indices","values"}, as Spark holds them.
    Spark,
}

#[derive(Subcommand)]
enum Command {
    /// Score JSON lines (one object per line) with a saved model directory.
    Score {
        model: PathBuf,
        /// Input JSON lines (stdin when omitted).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Output JSON lines (stdout when omitted).
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "dense")]
        vectors: Vectors,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Top-N recommendations of an ALS model for a user (or an item), as Spark's
    /// recommendForUserSubset / recommendForItemSubset give them.
    Recommend {
        model: PathBuf,
        /// User id to recommend items for.
        #[arg(long, conflicts_with = "item", required_unless_present = "item")]
        user: Option<i32>,
        /// Item id to recommend users for.
        #[arg(long)]
        item: Option<i32>,
        /// Number of recommendations.
        #[arg(short = 'k', long, default_value_t = 10)]
        k: usize,
    },
    /// Show the model's Spark version, stages, inputs and outputs, or why it does not load.
    Inspect {
        model: Option<PathBuf>,
        /// List the Spark classes mlscore supports.
        #[arg(long)]
        supported: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Measure load time, single-row latency, batch throughput (1 and N threads) and peak RSS.
    Bench {
        model: PathBuf,
        /// JSON lines to score (as `score` reads them); cycled as needed.
        #[arg(long)]
        input: PathBuf,
        /// Threads for the multi-threaded batch (default: available cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Seconds per throughput measurement.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        #[command(flatten)]
        load: LoadArgs,
    },
}

/// How to load the model: the options `score`, `inspect` and `bench` share.
#[derive(Args)]
struct LoadArgs {
    /// Score with the formulas of this Spark version (default: the writer's).
    #[arg(long)]
    spark_semantics: Option<String>,
    /// Declare a raw input's type when the model files cannot tell it, e.g.
    /// `--declare features=vector` or `--declare age=double`. `score` declares inputs given
    /// as JSON arrays in the first row as vectors automatically.
    #[arg(long, value_name = "COLUMN=TYPE")]
    declare: Vec<String>,
    /// Declare a raw input vector's ML attribute names, which Spark reads from the
    /// DataFrame's schema and the model does not save (needed by a VectorSlicer selecting
    /// by `names`). FILE holds a JSON array of names (null for an unnamed slot) or Spark's
    /// column metadata, e.g. pyspark `json.dumps(df.schema["features"].metadata)`, a
    /// StructField, or `df.schema.json()`. Repeatable.
    #[arg(long, value_name = "COLUMN=FILE")]
    input_attributes: Vec<String>,
    /// Keep only these output columns (comma-separated or repeated), as a `select` after
    /// Spark's transform. Intermediate columns no one reads are then not built, which makes
    /// scoring faster; rows are skipped or fail as without it.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    outputs: Vec<String>,
}

impl LoadArgs {
    fn options(&self) -> Result<LoadOptions, String> {
        let mut o = LoadOptions::default();
        if let Some(s) = &self.spark_semantics {
            o.semantics =
                Some(SparkVersion::parse(s).ok_or_else(|| format!("bad Spark version `{s}`"))?);
        }
        for spec in &self.input_attributes {
            let (column, file) = spec
                .split_once('=')
                .ok_or_else(|| format!("--input-attributes wants COLUMN=FILE, got `{spec}`"))?;
            let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            o.declare_vector_metadata(column, &text)
                .map_err(|e| e.in_file(file).to_string())?;
        }
        for d in &self.declare {
            let (name, ty) = d
                .split_once('=')
                .ok_or_else(|| format!("--declare wants COLUMN=TYPE, got `{d}`"))?;
            let (ty, width) = parse_type(ty)?;
            o.declare_input(name, ty, width);
        }
        if !self.outputs.is_empty() {
            o.select_outputs(&self.outputs);
        }
        Ok(o)
    }
}

fn parse_type(text: &str) -> Result<(ColumnType, Option<usize>), String> {
    let (name, width) = match text.split_once(['[', ':']) {
        Some((n, w)) => (
            n,
            Some(
                w.trim_end_matches(']')
                    .parse::<usize>()
                    .map_err(|_| format!("bad width in `{text}`"))?,
            ),
        ),
        None => (text, None),
    };
    let ty = match name {
        "double" => ColumnType::Double,
        "int" => ColumnType::Int,
        "float" => ColumnType::Float,
        "boolean" => ColumnType::Bool,
        "string" => ColumnType::String,
        "vector" => ColumnType::Vector,
        "array<string>" | "tokens" => ColumnType::StringArray,
        other => return Err(format!("unknown type `{other}` (double, int, float, boolean, string, vector[N], array<string>)")),
    };
    Ok((ty, width))
}

fn score(
    model_dir: PathBuf,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    vectors: Vectors,
    load: LoadArgs,
) -> Result<(), String> {
    let mut opts = load.options()?;
    let mut reader: Box<dyn BufRead> = match input {
        Some(p) => Box::new(io::BufReader::new(
            std::fs::File::open(&p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(io::stdin().lock()),
    };
    // A raw input the model files cannot type (e.g. a VectorAssembler input) defaults to
    // double; if the first row gives it as an array, it is a vector.
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|e| format!("reading input: {e}"))?;
    let mut model = Model::load_with(&model_dir, &opts).map_err(|e| e.to_string())?;
    if let Ok(serde_json::Value::Object(row)) = serde_json::from_str::<serde_json::Value>(&first) {
        let mut changed = false;
        for col in model.inputs() {
            let given_vector = matches!(
                row.get(&col.name),
                Some(serde_json::Value::Array(_)) | Some(serde_json::Value::Object(_))
            );
            if col.ty == ColumnType::Double
                && given_vector
                && !opts.declared_inputs.contains_key(&col.name)
            {
                opts.declare_input(&col.name, ColumnType::Vector, None);
                changed = true;
            }
        }
        if changed {
            model = Model::load_with(&model_dir, &opts).map_err(|e| e.to_string())?;
        }
    }
    let model = model;
    let reader = io::Read::chain(io::Cursor::new(first), reader);
    let writer: Box<dyn Write> = match output {
        Some(p) => {
            Box::new(std::fs::File::create(&p).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = BufWriter::new(writer);
    let format = match vectors {
        Vectors::Dense => VectorFormat::Dense,
        Vectors::Spark => VectorFormat::Spark,
    };
    let mut session = model.session();
    for line in reader.lines() {
        let line = line.map_err(|e| format!("reading input: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let out = json::score_line(&mut session, &line, format);
        serde_json::to_writer(&mut writer, &out).map_err(|e| e.to_string())?;
        writer
            .write_all(b"\n")
            .map_err(|e| format!("writing output: {e}"))?;
    }
    writer.flush().map_err(|e| format!("writing output: {e}"))
}

fn inspect(model: Option<PathBuf>, supported: bool, load: LoadArgs) -> Result<(), String> {
    if supported {
        for c in mlscore::stages::SUPPORTED_CLASSES {
            println!("{c}");
        }
        return Ok(());
    }
    let path = model.ok_or("inspect needs a MODEL_DIR (or --supported)")?;
    let opts = load.options()?;
    let model = Model::load_with(&path, &opts).map_err(|e| e.to_string())?;
    let plan = model.plan();
    println!("model: {}", path.display());
    println!("class: {}", plan.root_class);
    println!(
        "spark version: {} (scoring semantics {})",
        if plan.spark_version_text.is_empty() {
            "unknown"
        } else {
            &plan.spark_version_text
        },
        plan.semantics
    );
    println!("stages:");
    for (i, s) in model.stages().iter().enumerate() {
        let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "  {i}: {} ({}) {}",
            s.uid,
            mlscore::error::short_class(&s.class),
            params.join(" ")
        );
    }
    println!("inputs:");
    for c in model.inputs() {
        println!(
            "  {}: {}{}",
            c.name,
            c.ty.spark_name(),
            c.width.map(|w| format!("[{w}]")).unwrap_or_default()
        );
    }
    println!("outputs:");
    for c in model.outputs() {
        println!(
            "  {}: {}{}",
            c.name,
            c.ty.spark_name(),
            c.width.map(|w| format!("[{w}]")).unwrap_or_default()
        );
    }
    Ok(())
}

fn recommend(model: PathBuf, user: Option<i32>, item: Option<i32>, k: usize) -> Result<(), String> {
    let model = Model::load(&model).map_err(|e| e.to_string())?;
    let (for_user, id) = match (user, item) {
        (Some(u), _) => (true, u),
        (None, Some(i)) => (false, i),
        (None, None) => return Err("give --user or --item".into()),
    };
    let (mut ids, mut ratings) = (vec![0i32; k], vec![0f32; k]);
    let n = model
        .recommend(for_user, id, &mut ids, &mut ratings)
        .ok_or("the model has no ALS stage")?;
    let (key, other) = if for_user {
        ("user", "item")
    } else {
        ("item", "user")
    };
    let recs: Vec<serde_json::Value> = ids[..n]
        .iter()
        .zip(&ratings[..n])
        .map(|(i, r)| serde_json::json!({ other: i, "rating": json::double(f64::from(*r)) }))
        .collect();
    println!(
        "{}",
        serde_json::json!({ key: id, "recommendations": recs })
    );
    Ok(())
}

/// Peak resident set size so far (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_text() -> String {
    peak_rss_kib().map_or("unknown (no /proc/self/status)".into(), |k| {
        format!("{:.1} MB", k as f64 / 1024.0)
    })
}

/// Scores `rows` round-robin for about `seconds`; returns rows scored per second.
/// CPU time this thread has used, in ns (Linux `/proc/thread-self/schedstat`). On a shared
/// machine wall-clock throughput counts the time other processes held the core; CPU time
/// per row does not.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Rows per second of wall time, and CPU ns per row when the platform tells.
#[derive(Clone, Copy)]
struct Rate {
    rows_per_s: f64,
    cpu_ns_per_row: Option<f64>,
}

impl Rate {
    fn measure(seconds: f64, mut pass: impl FnMut() -> u64) -> Rate {
        let (start, budget, cpu0) = (
            Instant::now(),
            Duration::from_secs_f64(seconds),
            thread_cpu_ns(),
        );
        let mut rows = 0u64;
        while start.elapsed() < budget {
            rows += pass();
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = cpu0
            .zip(thread_cpu_ns())
            .map(|(a, b)| b.saturating_sub(a) as f64 / rows.max(1) as f64);
        Rate {
            rows_per_s: rows as f64 / wall,
            cpu_ns_per_row: cpu,
        }
    }

    fn text(self) -> String {
        let cpu = self.cpu_ns_per_row.map_or(String::new(), |ns| {
            format!(", {:.3} us/row on CPU", ns / 1e3)
        });
        format!(
            "{:.0} rows/s ({:.3} us/row wall{cpu})",
            self.rows_per_s,
            1e6 / self.rows_per_s
        )
    }
}

/// Scores `rows` round-robin (typed: set every input, score) for about `seconds`.
fn throughput(model: &Model, rows: &[Vec<InputValue>], seconds: f64) -> Rate {
    let mut session = model.session();
    Rate::measure(seconds, || {
        for row in rows {
            // A row that fails still costs a full scoring call; benchmark rows rarely fail.
            let _ = session.set_inputs(row).and_then(|()| session.score());
        }
        rows.len() as u64
    })
}

/// Flat batches over `rows` for about `seconds`.
fn flat_throughput(model: &Model, rows: &[f64], n: usize, seconds: f64) -> Option<Rate> {
    let flat = model.flat().ok()?;
    let mut out = vec![0.0; n * flat.output_width];
    let mut session = model.session();
    Some(Rate::measure(seconds, || {
        let _ = session.score_batch(
            rows,
            n,
            flat.input_width,
            &mut out,
            flat.output_width,
            |_, _| {},
        );
        n as u64
    }))
}

fn read_rows(model: &Model, input: &Path) -> Result<(Vec<Vec<InputValue>>, usize), String> {
    let file = std::fs::File::open(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let (mut rows, mut rejected) = (Vec::new(), 0);
    for line in io::BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("reading {}: {e}", input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(serde_json::Value::Object(m)) => match json::parse_inputs(model, &m) {
                Ok(r) => rows.push(r),
                Err(_) => rejected += 1,
            },
            _ => rejected += 1,
        }
    }
    Ok((rows, rejected))
}

fn bench(
    path: PathBuf,
    input: PathBuf,
    threads: Option<usize>,
    seconds: f64,
    load: LoadArgs,
) -> Result<(), String> {
    let opts = load.options()?;
    let t0 = Instant::now();
    let model = Model::load_with(&path, &opts).map_err(|e| e.to_string())?;
    let first_load = t0.elapsed();
    let mut loads: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = Model::load_with(&path, &opts);
            t.elapsed()
        })
        .collect();
    loads.sort();
    println!("model: {}", path.display());
    println!(
        "load: {:.2} ms first, {:.2} ms median of 5",
        ms(first_load),
        ms(loads[2])
    );
    let warm = model.session();
    println!("peak RSS after loading: {}", rss_text());

    let (rows, rejected) = read_rows(&model, &input)?;
    if rows.is_empty() {
        return Err(format!(
            "{}: no row fits the model's inputs",
            input.display()
        ));
    }
    let mut session = warm;
    let (mut scored, mut skipped, mut failed) = (0, 0, 0);
    for row in &rows {
        match session.set_inputs(row).and_then(|()| session.score()) {
            Ok(Outcome::Scored) => scored += 1,
            Ok(Outcome::Skipped) => skipped += 1,
            Err(_) => failed += 1,
        }
    }
    println!(
        "rows: {} ({scored} scored, {skipped} skipped, {failed} failed; {rejected} not read)",
        rows.len()
    );

    // Single-row latency: one timer read per call (the timer's own cost is shown beside).
    // Twice: cycling a few hundred rows (a service scores a request it has just parsed, so
    // its values are in cache) and streaming every row (values fetched from memory).
    let timer = {
        let t = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(Instant::now());
        }
        t.elapsed().as_nanos() as f64 / 1000.0
    };
    for (what, set) in [
        ("hot", &rows[..rows.len().min(256)]),
        ("streamed", &rows[..]),
    ] {
        let calls = set.len().max(50_000);
        let mut ns: Vec<u64> = Vec::with_capacity(calls);
        for row in set.iter().cycle().take(calls) {
            let t = Instant::now();
            let _ = session.set_inputs(row).and_then(|()| session.score());
            ns.push(t.elapsed().as_nanos() as u64);
        }
        ns.sort_unstable();
        let pct = |p: f64| ns[((ns.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
        println!(
            "single row, {what} (typed, set inputs + score): p50 {:.3} us, p99 {:.3} us ({calls} calls over {} rows; timer read {:.0} ns)",
            pct(0.50),
            pct(0.99),
            set.len(),
            timer
        );
    }

    let one = throughput(&model, &rows, seconds);
    println!("batch, 1 thread: {}", one.text());
    let n = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rates: Vec<Rate> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| s.spawn(|| throughput(&model, &rows, seconds)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let total: f64 = rates.iter().map(|r| r.rows_per_s).sum();
    let cpu: Option<f64> = rates
        .iter()
        .map(|r| r.cpu_ns_per_row)
        .sum::<Option<f64>>()
        .map(|c| c / n as f64);
    println!(
        "batch, {n} threads: {total:.0} rows/s ({:.0} rows/s per thread{})",
        total / n as f64,
        cpu.map_or(String::new(), |ns| format!(
            ", {:.3} us/row on CPU",
            ns / 1e3
        ))
    );

    let flat: Vec<Vec<f64>> = rows.iter().filter_map(|r| model.flat_row(r)).collect();
    if !flat.is_empty() {
        if let Some(r) = flat_throughput(&model, &flat.concat(), flat.len(), seconds) {
            println!("flat batch, 1 thread: {}", r.text());
        }
    }
    println!(
        "peak RSS (whole run, with {} parsed rows): {}",
        rows.len(),
        rss_text()
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score {
            model,
            input,
            output,
            vectors,
            load,
        } => score(model, input, output, vectors, load),
        Command::Inspect {
            model,
            supported,
            load,
        } => inspect(model, supported, load),
        Command::Recommend {
            model,
            user,
            item,
            k,
        } => recommend(model, user, item, k),
        Command::Bench {
            model,
            input,
            threads,
            seconds,
            load,
        } => bench(model, input, threads, seconds, load),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mlscore: {e}");
            ExitCode::FAILURE
        }
    }
}
