//! The `mlscore` command: score JSON lines, inspect a model, benchmark. Uses the public Rust
//! API only.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mlscore::json::{self, VectorFormat};
use mlscore::{LoadOptions, Model, SparkVersion};

#[derive(Parser)]
#[command(name = "mlscore", version, about = "Score saved Apache Spark ML models without a JVM")]
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
        /// Score with the formulas of this Spark version (default: the writer's).
        #[arg(long)]
        spark_semantics: Option<String>,
        #[arg(long, value_enum, default_value = "dense")]
        vectors: Vectors,
    },
    /// Show the model's Spark version, stages, inputs and outputs, or why it does not load.
    Inspect {
        model: Option<PathBuf>,
        /// List the Spark classes mlscore supports.
        #[arg(long)]
        supported: bool,
    },
}

fn options(semantics: Option<&str>) -> Result<LoadOptions, String> {
    let mut o = LoadOptions::default();
    if let Some(s) = semantics {
        o.semantics = Some(SparkVersion::parse(s).ok_or_else(|| format!("bad Spark version `{s}`"))?);
    }
    Ok(o)
}

fn score(model: PathBuf, input: Option<PathBuf>, output: Option<PathBuf>, semantics: Option<String>, vectors: Vectors) -> Result<(), String> {
    let model = Model::load_with(&model, &options(semantics.as_deref())?).map_err(|e| e.to_string())?;
    let reader: Box<dyn BufRead> = match input {
        Some(p) => Box::new(io::BufReader::new(std::fs::File::open(&p).map_err(|e| format!("{}: {e}", p.display()))?)),
        None => Box::new(io::stdin().lock()),
    };
    let writer: Box<dyn Write> = match output {
        Some(p) => Box::new(std::fs::File::create(&p).map_err(|e| format!("{}: {e}", p.display()))?),
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
        writer.write_all(b"\n").map_err(|e| format!("writing output: {e}"))?;
    }
    writer.flush().map_err(|e| format!("writing output: {e}"))
}

fn inspect(model: Option<PathBuf>, supported: bool) -> Result<(), String> {
    if supported {
        for c in mlscore::stages::SUPPORTED_CLASSES {
            println!("{c}");
        }
        return Ok(());
    }
    let path = model.ok_or("inspect needs a MODEL_DIR (or --supported)")?;
    let model = Model::load(&path).map_err(|e| e.to_string())?;
    let plan = model.plan();
    println!("model: {}", path.display());
    println!("class: {}", plan.root_class);
    println!("spark version: {} (scoring semantics {})", if plan.spark_version_text.is_empty() { "unknown" } else { &plan.spark_version_text }, plan.semantics);
    println!("stages:");
    for (i, s) in model.stages().iter().enumerate() {
        let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("  {i}: {} ({}) {}", s.uid, mlscore::error::short_class(&s.class), params.join(" "));
    }
    println!("inputs:");
    for c in model.inputs() {
        println!("  {}: {}{}", c.name, c.ty.spark_name(), c.width.map(|w| format!("[{w}]")).unwrap_or_default());
    }
    println!("outputs:");
    for c in model.outputs() {
        println!("  {}: {}{}", c.name, c.ty.spark_name(), c.width.map(|w| format!("[{w}]")).unwrap_or_default());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score { model, input, output, spark_semantics, vectors } => score(model, input, output, spark_semantics, vectors),
        Command::Inspect { model, supported } => inspect(model, supported),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mlscore: {e}");
            ExitCode::FAILURE
        }
    }
}
