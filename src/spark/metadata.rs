//! The metadata JSON of a saved stage (`DefaultParamsWriter`, spark-format.md section 2), and
//! param resolution: `paramMap`, then `defaultParamMap` (2.4+), then the caller's default,
//! which stands for the hard-coded default of the writing Spark version (Appendix A).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{dir, limits, ReadContext, SparkVersion};
use crate::error::{LoadError, LoadErrorKind};

#[derive(Debug, Clone)]
pub struct Metadata {
    /// Fully qualified class, e.g. `org.apache.spark.ml.feature.StringIndexerModel`.
    pub class: String,
    pub uid: String,
    /// Writer version; `None` for old RDD `mllib` models, which record a format version only.
    pub spark_version: Option<SparkVersion>,
    pub spark_version_text: String,
    /// The whole JSON object, for model-specific extra keys (`numFeatures`, `numClasses`, …).
    pub raw: Map<String, Value>,
    /// The stage directory.
    pub dir: PathBuf,
    /// The metadata file, as shown in messages.
    pub file: String,
}

static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

fn empty_map() -> &'static Map<String, Value> {
    EMPTY.get_or_init(Map::new)
}

impl Metadata {
    /// Reads `dir/metadata/part-*` (first line: Spark writes the JSON on one line).
    pub fn read(ctx: &ReadContext<'_>, dir: &Path) -> Result<Metadata, LoadError> {
        let path = dir::metadata_file(ctx, dir)?;
        let file = ctx.display(&path);
        let len = fs::metadata(&path)
            .map_err(|e| LoadError::new(LoadErrorKind::Io, e.to_string()).in_file(&file))?
            .len();
        limits::check("metadata file size", len, ctx.limits.max_metadata_bytes)
            .map_err(|e| e.in_file(&file))?;
        let bytes = fs::read(&path)
            .map_err(|e| LoadError::new(LoadErrorKind::Io, e.to_string()).in_file(&file))?;
        Self::parse(&bytes, dir, file)
    }

    pub fn parse(bytes: &[u8], dir: &Path, file: String) -> Result<Metadata, LoadError> {
        let bad = |msg: String| LoadError::new(LoadErrorKind::BadMetadata, msg).in_file(&file);
        let text = std::str::from_utf8(bytes).map_err(|_| bad("metadata is not UTF-8".into()))?;
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .ok_or_else(|| bad("metadata file is empty".into()))?;
        // serde_json bounds recursion depth (128), so hostile nesting cannot overflow the stack.
        let value: Value = serde_json::from_str(line)
            .map_err(|e| bad(format!("metadata is not valid JSON: {e}")))?;
        let Value::Object(raw) = value else {
            return Err(bad("metadata is not a JSON object".into()));
        };
        let class = match raw.get("class") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(bad("metadata has no string `class`".into())),
        };
        // Old RDD `mllib` models record no uid: name them after their directory.
        let uid = match raw.get("uid") {
            Some(Value::String(s)) => s.clone(),
            _ => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let spark_version_text = match raw.get("sparkVersion") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let spark_version = SparkVersion::parse(&spark_version_text);
        for key in ["paramMap", "defaultParamMap"] {
            if let Some(v) = raw.get(key) {
                if !v.is_object() {
                    return Err(bad(format!("`{key}` is not a JSON object")));
                }
            }
        }
        Ok(Metadata {
            class,
            uid,
            spark_version,
            spark_version_text,
            raw,
            dir: dir.to_path_buf(),
            file,
        })
    }

    pub fn short_class(&self) -> &str {
        crate::error::short_class(&self.class)
    }

    pub fn param_map(&self) -> &Map<String, Value> {
        match self.raw.get("paramMap") {
            Some(Value::Object(m)) => m,
            _ => empty_map(),
        }
    }

    pub fn default_param_map(&self) -> &Map<String, Value> {
        match self.raw.get("defaultParamMap") {
            Some(Value::Object(m)) => m,
            _ => empty_map(),
        }
    }

    /// Spark's `isSet`: the user set it (or the estimator copied it).
    pub fn is_set(&self, name: &str) -> bool {
        self.param_map().contains_key(name)
    }

    /// Spark's `get(param)`: explicitly set or defaulted in the file.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.param_map()
            .get(name)
            .or_else(|| self.default_param_map().get(name))
    }

    /// An error about this stage, naming its metadata file, uid and class.
    pub fn error(&self, kind: LoadErrorKind, message: impl Into<String>) -> LoadError {
        LoadError::new(kind, message)
            .in_stage(&self.uid, &self.class)
            .in_file(&self.file)
    }

    fn bad_param(&self, name: &str, expected: &str, found: &Value) -> LoadError {
        let mut shown = found.to_string();
        if shown.len() > 80 {
            shown.truncate(80);
            shown.push('…');
        }
        self.error(
            LoadErrorKind::BadMetadata,
            format!("param `{name}` should be {expected}, found {shown}"),
        )
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<String>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.bad_param(name, "a string", v)),
        }
    }

    pub fn str_or(&self, name: &str, default: &str) -> Result<String, LoadError> {
        Ok(self.opt_str(name)?.unwrap_or_else(|| default.to_string()))
    }

    /// A param that must be present (e.g. `inputCol` of a transformer).
    pub fn required_str(&self, name: &str) -> Result<String, LoadError> {
        self.opt_str(name)?.ok_or_else(|| {
            self.error(
                LoadErrorKind::BadMetadata,
                format!("param `{name}` is not set"),
            )
        })
    }

    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_f64(v)
                .map(Some)
                .ok_or_else(|| self.bad_param(name, "a number", v)),
        }
    }

    pub fn f64_or(&self, name: &str, default: f64) -> Result<f64, LoadError> {
        Ok(self.opt_f64(name)?.unwrap_or(default))
    }

    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_i64(v)
                .map(Some)
                .ok_or_else(|| self.bad_param(name, "an integer", v)),
        }
    }

    pub fn i64_or(&self, name: &str, default: i64) -> Result<i64, LoadError> {
        Ok(self.opt_i64(name)?.unwrap_or(default))
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(self.bad_param(name, "a boolean", v)),
        }
    }

    pub fn opt_str_array(&self, name: &str) -> Result<Option<Vec<String>>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.bad_param(name, "an array of strings", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(self.bad_param(name, "an array of strings", v)),
        }
    }

    pub fn opt_f64_array(&self, name: &str) -> Result<Option<Vec<f64>>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_f64_array(v)
                .map(Some)
                .ok_or_else(|| self.bad_param(name, "an array of numbers", v)),
        }
    }

    pub fn opt_f64_matrix(&self, name: &str) -> Result<Option<Vec<Vec<f64>>>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(rows)) => rows
                .iter()
                .map(|r| {
                    json_f64_array(r)
                        .ok_or_else(|| self.bad_param(name, "an array of number arrays", r))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(self.bad_param(name, "an array of number arrays", v)),
        }
    }

    pub fn opt_i64_array(&self, name: &str) -> Result<Option<Vec<i64>>, LoadError> {
        match self.param(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| json_i64(v).ok_or_else(|| self.bad_param(name, "an array of integers", v)))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(self.bad_param(name, "an array of integers", v)),
        }
    }

    /// A model-specific top-level key such as `numFeatures` or `numClasses`.
    pub fn extra_i64(&self, name: &str) -> Result<Option<i64>, LoadError> {
        match self.raw.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_i64(v)
                .map(Some)
                .ok_or_else(|| self.bad_param(name, "an integer", v)),
        }
    }

    /// Single or multi-column form of a transformer's columns (`inputCol` vs `inputCols`).
    /// Spark 3.x lets either be set; the set one wins, then the defaulted one.
    pub fn columns(&self, single: &str, multi: &str) -> Result<Vec<String>, LoadError> {
        if self.is_set(multi) {
            if let Some(cols) = self.opt_str_array(multi)? {
                return Ok(cols);
            }
        }
        if self.is_set(single) {
            if let Some(col) = self.opt_str(single)? {
                return Ok(vec![col]);
            }
        }
        if let Some(cols) = self.opt_str_array(multi)? {
            return Ok(cols);
        }
        Ok(vec![self
            .opt_str(single)?
            .unwrap_or_else(|| format!("{}__output", self.uid))])
    }
}

/// Spark writes special doubles as the strings `"NaN"`, `"Inf"`, `"-Inf"` (section 2.3).
pub fn json_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Inf" | "Infinity" | "+Inf" => Some(f64::INFINITY),
            "-Inf" | "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Integers may be written as `3` or `3.0` depending on the writer.
pub fn json_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

pub fn json_f64_array(v: &Value) -> Option<Vec<f64>> {
    match v {
        Value::Array(items) => items.iter().map(json_f64).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: &str) -> Result<Metadata, LoadError> {
        Metadata::parse(
            json.as_bytes(),
            Path::new("/m"),
            "metadata/part-00000".into(),
        )
    }

    #[test]
    fn resolves_params_in_spark_order() {
        let m = meta(r#"{"class":"org.apache.spark.ml.feature.Bucketizer","uid":"b","sparkVersion":"3.5.9","paramMap":{"splits":["-Inf",0.0,"Inf"]},"defaultParamMap":{"handleInvalid":"error","outputCol":"b__output"}}"#).unwrap();
        assert_eq!(
            m.opt_f64_array("splits").unwrap().unwrap(),
            vec![f64::NEG_INFINITY, 0.0, f64::INFINITY]
        );
        assert_eq!(m.str_or("handleInvalid", "keep").unwrap(), "error");
        assert!(!m.is_set("handleInvalid"));
        assert_eq!(m.spark_version, Some(SparkVersion::new(3, 5)));
    }

    #[test]
    fn rejects_bad_json_with_file_name() {
        let e = meta("{not json").unwrap_err();
        assert_eq!(e.kind, LoadErrorKind::BadMetadata);
        assert!(e.to_string().contains("metadata/part-00000"), "{e}");
        let e = meta(r#"{"class":"x","paramMap":{"inputCol":5}}"#)
            .unwrap()
            .required_str("inputCol")
            .unwrap_err();
        assert!(e.to_string().contains("inputCol"), "{e}");
    }
}
