//! The JSON row format shared by the CLI and the C JSON API: one object per row, keys = raw
//! input column names; NaN/±Infinity as the strings "NaN", "Infinity", "-Infinity"; null = SQL
//! NULL; vectors as dense arrays or Spark's sparse `{"size","indices","values"}`; arrays of
//! strings. Output repeats the input keys, then every produced column in Spark's order.

use serde_json::{Map, Number, Value as Json};

use crate::error::ScoreError;
use crate::model::Model;
use crate::plan::{ColumnType, VecBuf};
use crate::session::{InputValue, Outcome, Session, Value};
use crate::stages::feature::cast::java_double_to_string;

/// How vectors are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VectorFormat {
    /// Always a dense array (the default of the CLI).
    #[default]
    Dense,
    /// As Spark holds them: sparse vectors as `{"size","indices","values"}`.
    Spark,
}

/// Reads a number in the row format (a JSON number or one of the special strings).
pub fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" | "+Infinity" | "Inf" => Some(f64::INFINITY),
            "-Infinity" | "-Inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        Json::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Writes a double in the row format.
pub fn double(v: f64) -> Json {
    if v.is_nan() {
        Json::String("NaN".into())
    } else if v.is_infinite() {
        Json::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Number::from_f64(v).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// A vector in the row format.
pub fn vector(v: &VecBuf, format: VectorFormat) -> Json {
    if v.sparse && format == VectorFormat::Spark {
        let mut m = Map::new();
        m.insert("size".into(), Json::from(v.size));
        m.insert(
            "indices".into(),
            Json::Array(v.indices.iter().map(|&i| Json::from(i)).collect()),
        );
        m.insert(
            "values".into(),
            Json::Array(v.values.iter().map(|&x| double(x)).collect()),
        );
        return Json::Object(m);
    }
    let mut out = Vec::with_capacity(v.size);
    for i in 0..v.size {
        out.push(double(if v.sparse {
            0.0
        } else {
            v.values.get(i).copied().unwrap_or(0.0)
        }));
    }
    if v.sparse {
        for (&i, &x) in v.indices.iter().zip(&v.values) {
            if let Some(slot) = out.get_mut(i as usize) {
                *slot = double(x);
            }
        }
    }
    Json::Array(out)
}

/// Parses a vector value: dense array or `{"size","indices","values"}`.
pub fn parse_vector(v: &Json) -> Option<VecBuf> {
    match v {
        Json::Array(items) => {
            let values: Option<Vec<f64>> = items.iter().map(number).collect();
            let mut b = VecBuf::default();
            b.set_dense(&values?);
            Some(b)
        }
        Json::Object(m) => {
            let size = m.get("size")?.as_u64()? as usize;
            let indices: Option<Vec<u32>> = m
                .get("indices")?
                .as_array()?
                .iter()
                .map(|i| i.as_u64().and_then(|i| u32::try_from(i).ok()))
                .collect();
            let values: Option<Vec<f64>> =
                m.get("values")?.as_array()?.iter().map(number).collect();
            let (indices, values) = (indices?, values?);
            let ordered = indices.windows(2).all(|w| w[0] < w[1]);
            if indices.len() != values.len()
                || !ordered
                || indices.last().is_some_and(|&i| i as usize >= size)
            {
                return None;
            }
            let mut b = VecBuf::default();
            b.reset_sparse(size);
            b.indices = indices;
            b.values = values;
            Some(b)
        }
        _ => None,
    }
}

/// Sets every input of `session` from a JSON row; a missing key is NULL. Errors name the column.
pub fn set_inputs(session: &mut Session, row: &Map<String, Json>) -> Result<(), String> {
    let values = parse_inputs(session.model(), row)?;
    for (k, (v, col)) in values
        .iter()
        .zip(session.model().clone().inputs())
        .enumerate()
    {
        session
            .set_input(k, v)
            .map_err(|e| format!("column `{}`: {}", col.name, e.kind.describe()))?;
    }
    Ok(())
}

/// Reads every input of `model` from a JSON row into owned values (in `Model::inputs` order);
/// a missing key is NULL. Errors name the column.
pub fn parse_inputs(model: &Model, row: &Map<String, Json>) -> Result<Vec<InputValue>, String> {
    let mut values = Vec::new();
    for col in model.inputs() {
        let (name, ty) = (&col.name, col.ty);
        let v = row.get(name.as_str()).unwrap_or(&Json::Null);
        let bad = |what: &str| format!("column `{name}`: expected {what}, found {}", short(v));
        values.push(match (ty, v) {
            (_, Json::Null) => InputValue::Null,
            (t, v) if t.is_numeric() => InputValue::Num(number(v).ok_or_else(|| bad("a number"))?),
            (ColumnType::String, Json::String(s)) => InputValue::Str(s.clone()),
            // A numeric value in a string column is cast as Spark casts a numeric column.
            (ColumnType::String, Json::Number(n)) => {
                let mut text = String::new();
                match n.as_i64() {
                    Some(i) if !n.is_f64() => text.push_str(&i.to_string()),
                    _ => java_double_to_string(n.as_f64().unwrap_or(f64::NAN), &mut text),
                }
                InputValue::Str(text)
            }
            (ColumnType::Vector, v) => InputValue::Vector(
                parse_vector(v)
                    .ok_or_else(|| bad("a vector (array of numbers or {size, indices, values})"))?,
            ),
            (ColumnType::StringArray, Json::Array(items)) => {
                let tokens: Option<Vec<String>> = items
                    .iter()
                    .map(|t| t.as_str().map(str::to_string))
                    .collect();
                InputValue::Tokens(tokens.ok_or_else(|| bad("an array of strings"))?)
            }
            (ColumnType::String, _) => return Err(bad("a string")),
            (ColumnType::StringArray, _) => return Err(bad("an array of strings")),
            _ => return Err(bad("a value of the column's type")),
        });
    }
    Ok(values)
}

fn short(v: &Json) -> String {
    let mut s = v.to_string();
    if s.len() > 40 {
        s.truncate(40);
        s.push('…');
    }
    s
}

/// A value in the row format.
pub fn value(v: Value<'_>, format: VectorFormat) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Double(x) => double(x),
        Value::Int(i) => Json::from(i),
        Value::Float(f) => double(f64::from(f)),
        Value::Bool(b) => Json::Bool(b),
        Value::Str(s) => Json::String(s.to_string()),
        Value::Vector(v) => vector(v, format),
        Value::Tokens(t) => Json::Array(t.iter().map(|s| Json::String(s.to_string())).collect()),
        Value::Vectors(vs) => Json::Array(vs.iter().map(|v| vector(v, format)).collect()),
    }
}

/// Builds the output object of one row: the input keys as given, then every produced column;
/// `{"_id", "_skipped": true}` for a dropped row; `{"_id", "_error"}` for a failed one.
pub fn output_row(
    session: &Session,
    row: &Map<String, Json>,
    result: Result<Outcome, ScoreError>,
    format: VectorFormat,
) -> Map<String, Json> {
    let mut out = Map::new();
    if let Some(id) = row.get("_id") {
        out.insert("_id".into(), id.clone());
    }
    match result {
        Ok(Outcome::Skipped) => {
            out.insert("_skipped".into(), Json::Bool(true));
        }
        Err(e) => {
            out.insert(
                "_error".into(),
                Json::String(session.model().describe_error(&e)),
            );
        }
        Ok(Outcome::Scored) => {
            for (k, v) in row {
                out.insert(k.clone(), v.clone());
            }
            let plan = session.model().plan();
            for (k, &slot) in plan.outputs.iter().enumerate() {
                if plan.dropped.contains(&slot) {
                    continue;
                }
                if let Some(col) = plan.columns.get(slot) {
                    out.insert(col.name.clone(), value(session.output(k), format));
                }
            }
        }
    }
    out
}

/// Parses, scores and renders one JSON line; malformed input becomes an `_error` row.
pub fn score_line(session: &mut Session, line: &str, format: VectorFormat) -> Map<String, Json> {
    let row = match serde_json::from_str::<Json>(line) {
        Ok(Json::Object(m)) => m,
        Ok(_) => return error_row(None, "input line is not a JSON object"),
        Err(e) => return error_row(None, &format!("input line is not valid JSON: {e}")),
    };
    if let Err(msg) = set_inputs(session, &row) {
        return error_row(row.get("_id"), &msg);
    }
    let result = session.score();
    output_row(session, &row, result, format)
}

fn error_row(id: Option<&Json>, msg: &str) -> Map<String, Json> {
    let mut out = Map::new();
    if let Some(id) = id {
        out.insert("_id".into(), id.clone());
    }
    out.insert("_error".into(), Json::String(msg.to_string()));
    out
}
