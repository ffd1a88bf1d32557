//! Spark's ML attribute metadata (`ml_attr`) of a vector column: the width and slot names a
//! DataFrame's schema carries and the saved model does not. A caller declares them for a
//! raw input vector (VectorSlicer `names` resolve through them), either as a list of names or
//! as the metadata JSON Spark shows (`df.schema[col].metadata`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{LoadError, LoadErrorKind};

/// A vector column's attribute group as Spark's `AttributeGroup` holds it: `width` slots
/// (`num_attrs`), of which those in `names` have a name. Slots without a name exist in Spark
/// (an attribute with no `name`); VectorSlicer `names` cannot select them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VectorAttributes {
    pub width: usize,
    /// (slot index, attribute name), ascending by index.
    pub names: Vec<(usize, String)>,
}

impl VectorAttributes {
    /// Every slot named, in order: slot `i` is `names[i]`.
    pub fn named(names: Vec<String>) -> VectorAttributes {
        VectorAttributes {
            width: names.len(),
            names: names.into_iter().enumerate().collect(),
        }
    }

    /// One entry per slot, `None` for a slot without a name (a NULL in the C API).
    pub fn from_slots(slots: Vec<Option<String>>) -> VectorAttributes {
        VectorAttributes {
            width: slots.len(),
            names: slots
                .into_iter()
                .enumerate()
                .filter_map(|(i, n)| n.map(|n| (i, n)))
                .collect(),
        }
    }

    /// What a caller may declare, checked before any stage reads it: indices below the
    /// width and ascending, names non-empty (Spark: "Cannot have an empty string for name")
    /// and distinct. Spark would silently resolve a repeated name to its last slot; in a
    /// declaration a repeat is far more likely a mistake, so it is refused.
    pub fn check(&self) -> Result<(), String> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut last: Option<usize> = None;
        for (i, name) in &self.names {
            if *i >= self.width {
                return Err(format!(
                    "attribute `{name}` is at slot {i}, beyond the declared width {}",
                    self.width
                ));
            }
            if last.is_some_and(|l| l >= *i) {
                return Err(format!("slot {i} is named twice or out of order"));
            }
            last = Some(*i);
            if name.is_empty() {
                return Err(format!("slot {i} has an empty attribute name"));
            }
            if let Some(first) = seen.insert(name, *i) {
                return Err(format!(
                    "attribute name `{name}` is declared for slots {first} and {i}"
                ));
            }
        }
        Ok(())
    }

    /// Parses what a user copies out of Spark for column `column`, any of:
    /// - a JSON array of names, `null` for a slot without one;
    /// - the column's metadata, `{"ml_attr": {...}}` (pyspark `df.schema[col].metadata`);
    /// - the `ml_attr` object itself, `{"attrs": {...}, "num_attrs": n}`;
    /// - the column's StructField JSON (`{"name", "type", "metadata"}`), or the whole schema
    ///   (`df.schema.json()`, `{"type": "struct", "fields": [...]}`), whose field `column` is used;
    /// - an object mapping column names to any of the objects above (`{"<column>": {...}}`).
    ///
    /// `ml_attr` is read as `AttributeGroup.fromMetadata` reads it: the `numeric`, `nominal`
    /// and `binary` lists in that order, a later attribute replacing an earlier one at the
    /// same `idx`; `num_attrs` alone gives the width with no names.
    pub fn from_spark_json(text: &str, column: &str) -> Result<VectorAttributes, LoadError> {
        let bad = |msg: String| {
            LoadError::new(LoadErrorKind::BadOption, format!("attribute JSON: {msg}"))
                .in_column(column)
        };
        let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        Self::from_value(&value, column).map_err(bad)
    }

    fn from_value(value: &Value, column: &str) -> Result<VectorAttributes, String> {
        match value {
            Value::Array(items) => {
                let slots = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(Some(s.clone())),
                        Value::Null => Ok(None),
                        other => Err(format!("a name must be a string or null, not {other}")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Self::from_slots(slots))
            }
            Value::Object(o) => {
                if let Some(fields) = o.get("fields").and_then(Value::as_array) {
                    let field = fields
                        .iter()
                        .find(|f| f.get("name").and_then(Value::as_str) == Some(column))
                        .ok_or_else(|| format!("the schema has no field `{column}`"))?;
                    return Self::from_value(field, column);
                }
                if let Some(meta) = o.get("metadata") {
                    return Self::from_value(meta, column);
                }
                if let Some(ml_attr) = o.get("ml_attr") {
                    return ml_attr_group(ml_attr);
                }
                if o.contains_key("attrs") || o.contains_key("num_attrs") {
                    return ml_attr_group(value);
                }
                if let Some(own) = o.get(column).filter(|v| v.is_object()) {
                    return Self::from_value(own, column);
                }
                Err("no `ml_attr`: the column carries no ML attributes".into())
            }
            _ => Err("expected a JSON array of names or Spark's column metadata object".into()),
        }
    }
}

/// `AttributeGroup.fromMetadata` on an `ml_attr` object.
fn ml_attr_group(ml_attr: &Value) -> Result<VectorAttributes, String> {
    let num_attrs = ml_attr.get("num_attrs").map(|n| {
        n.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("`num_attrs` is not a count: {n}"))
    });
    let Some(attrs) = ml_attr.get("attrs") else {
        return match num_attrs {
            Some(width) => Ok(VectorAttributes {
                width: width?,
                names: Vec::new(),
            }),
            None => Err("`ml_attr` has neither `attrs` nor `num_attrs`".into()),
        };
    };
    // Spark reads `num_attrs` unconditionally when `attrs` is present.
    let width = num_attrs.ok_or("`ml_attr` has `attrs` but no `num_attrs`")??;
    let mut slots: BTreeMap<usize, Option<String>> = BTreeMap::new();
    for kind in ["numeric", "nominal", "binary"] {
        let Some(list) = attrs.get(kind) else {
            continue;
        };
        let list = list
            .as_array()
            .ok_or_else(|| format!("`attrs.{kind}` is not a list"))?;
        for attr in list {
            let idx = attr
                .get("idx")
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| format!("a {kind} attribute has no `idx`: {attr}"))?;
            if idx >= width {
                return Err(format!(
                    "a {kind} attribute has `idx` {idx}, not below `num_attrs` {width}"
                ));
            }
            let name = match attr.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => return Err(format!("attribute name is not a string: {other}")),
            };
            slots.insert(idx, name);
        }
    }
    Ok(VectorAttributes {
        width,
        names: slots
            .into_iter()
            .filter_map(|(i, n)| n.map(|n| (i, n)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(a: &VectorAttributes) -> Vec<(usize, &str)> {
        a.names.iter().map(|(i, n)| (*i, n.as_str())).collect()
    }

    #[test]
    fn reads_every_shape_a_user_has() {
        let list = VectorAttributes::from_spark_json(r#"["a", null, "c"]"#, "v").unwrap();
        assert_eq!((list.width, names(&list)), (3, vec![(0, "a"), (2, "c")]));
        // What pyspark shows for a VectorAssembler output and for mixed attribute types.
        let meta = r#"{"ml_attr": {"attrs": {"numeric": [{"idx": 2, "name": "num"}],
            "nominal": [{"vals": ["x", "y"], "idx": 0, "name": "cat"}],
            "binary": [{"vals": ["0", "1"], "idx": 1, "name": "flag"}]}, "num_attrs": 4}}"#;
        let a = VectorAttributes::from_spark_json(meta, "v").unwrap();
        assert_eq!(
            (a.width, names(&a)),
            (4, vec![(0, "cat"), (1, "flag"), (2, "num")])
        );
        let inner = VectorAttributes::from_spark_json(
            r#"{"attrs": {"numeric": [{"idx": 0, "name": "a"}]}, "num_attrs": 2}"#,
            "v",
        )
        .unwrap();
        assert_eq!((inner.width, names(&inner)), (2, vec![(0, "a")]));
        let schema = format!(
            r#"{{"type": "struct", "fields": [{{"name": "id", "type": "long", "nullable": true,
            "metadata": {{}}}}, {{"name": "v", "type": {{"type": "udt"}}, "nullable": true,
            "metadata": {meta}}}]}}"#
        );
        assert_eq!(VectorAttributes::from_spark_json(&schema, "v").unwrap(), a);
        let by_column = format!(r#"{{"w": {{"ml_attr": {{"num_attrs": 1}}}}, "v": {meta}}}"#);
        assert_eq!(
            VectorAttributes::from_spark_json(&by_column, "v").unwrap(),
            a
        );
        let sized = VectorAttributes::from_spark_json(r#"{"ml_attr": {"num_attrs": 5}}"#, "v");
        assert_eq!(
            sized.unwrap(),
            VectorAttributes {
                width: 5,
                names: vec![]
            }
        );
    }

    #[test]
    fn a_later_attribute_replaces_an_earlier_one_at_the_same_index() {
        let a = VectorAttributes::from_spark_json(
            r#"{"attrs": {"numeric": [{"idx": 0, "name": "a"}, {"idx": 1, "name": "b"}],
                "binary": [{"idx": 1}]}, "num_attrs": 2}"#,
            "v",
        )
        .unwrap();
        assert_eq!(names(&a), vec![(0, "a")]);
    }

    #[test]
    fn refuses_what_spark_refuses() {
        for (text, why) in [
            ("{", "EOF"),
            (r#"{"attrs": {}}"#, "no `num_attrs`"),
            (
                r#"{"attrs": {"numeric": [{"name": "a"}]}, "num_attrs": 1}"#,
                "no `idx`",
            ),
            (
                r#"{"attrs": {"numeric": [{"idx": 3}]}, "num_attrs": 2}"#,
                "not below",
            ),
            (r#"{"ml_attr": {"num_attrs": -1}}"#, "not a count"),
            (r#"{"comment": "x"}"#, "no `ml_attr`"),
            (r#"[1]"#, "string or null"),
            (r#"{"type": "struct", "fields": []}"#, "no field `v`"),
        ] {
            let e = VectorAttributes::from_spark_json(text, "v").unwrap_err();
            assert_eq!(e.kind, LoadErrorKind::BadOption, "{text}");
            assert_eq!(e.column.as_deref(), Some("v"));
            assert!(e.message.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn check_refuses_empty_repeated_and_out_of_range_names() {
        assert!(VectorAttributes::named(vec!["a".into(), "b".into()])
            .check()
            .is_ok());
        let dup = VectorAttributes::named(vec!["a".into(), "b".into(), "a".into()]);
        assert!(dup.check().unwrap_err().contains("slots 0 and 2"));
        let empty = VectorAttributes::named(vec![String::new()]);
        assert!(empty.check().unwrap_err().contains("empty"));
        let beyond = VectorAttributes {
            width: 1,
            names: vec![(1, "a".into())],
        };
        assert!(beyond.check().unwrap_err().contains("beyond"));
    }
}
