//! `org.apache.spark.ml.feature.SQLTransformer` (metadata only: param `statement`), every
//! writer version. Spark runs the statement with `__THIS__` bound to the input DataFrame; here
//! it is parsed (`parse.rs`) and type-checked into an expression program (`expr.rs`) once at
//! load, so scoring evaluates slots directly.
//!
//! Supported: `SELECT <items> FROM __THIS__ [WHERE <cond>]` where items are `*` and
//! expressions with an alias (a bare column keeps its name). A row whose WHERE is false or
//! NULL is skipped (Spark drops it). A SELECT without `*` drops every column it does not
//! name, and later stages can no longer see them. Anything else (GROUP BY, JOIN, subqueries,
//! unknown functions, DECIMAL arithmetic, unaliased computed columns) fails at load naming the
//! expression.
//!
//! Semantics follow the writer's Spark version: from 4.0 ANSI mode is on by default
//! (spark.sql.ansi.enabled), so division by zero, integer overflow and malformed casts fail
//! the row, where 3.5 gives NULL, wraps or saturates. bigint results are held as f64 in the
//! slot and exposed as `ColumnType::Int` (exact up to 2^53).

pub mod expr;
pub mod parse;

use std::collections::HashSet;

use self::expr::{Builder, Columns, Program, Ty, Val};
use self::parse::{parse_statement, Ast, SelectItem};
use crate::error::{LoadError, LoadErrorKind};
use crate::plan::step::{put, take};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

/// One computed output column.
#[derive(Debug, Clone)]
pub struct SqlOutput {
    pub node: u32,
    pub slot: SlotIndex,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub struct SqlStep {
    pub program: Program,
    pub filter: Option<u32>,
    pub outputs: Vec<SqlOutput>,
}

impl SqlStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        // Spark plans Project(Filter(...)): the SELECT list is evaluated only for kept rows.
        if let Some(f) = self.filter {
            match self.program.eval(f, slots) {
                Ok(Val::B(true)) => {}
                Ok(_) => return Ok(Flow::Skip),
                Err(kind) => return Err(Fault::new(kind, usize::MAX)),
            }
        }
        for out in &self.outputs {
            let v = self
                .program
                .eval(out.node, slots)
                .map_err(|kind| Fault::new(kind, out.slot))?;
            let mut o = take(slots, out.slot);
            match v {
                Val::Null => o.set_null(),
                Val::B(b) => o.set_num(if b { 1.0 } else { 0.0 }),
                Val::I(i) => o.set_num(i as f64),
                Val::D(d) => o.set_num(d),
                Val::S(_) | Val::L(_) => {
                    o.null = false;
                    o.text.clear();
                    o.text.push_str(self.program.text(slots, v));
                }
            }
            put(slots, out.slot, o);
        }
        Ok(Flow::Continue)
    }
}

/// Resolves statement columns through the compiler.
struct Resolver<'a, 'b> {
    c: &'a mut Compiler<'b>,
    meta: &'a Metadata,
}

impl Columns for Resolver<'_, '_> {
    fn column(&mut self, name: &str, hint: Ty) -> Result<(SlotIndex, Ty), String> {
        // A raw input nobody declared is typed by its use: string functions make it a string.
        let name = &resolve_name(self.c, name);
        let want = if hint == Ty::Str
            && self.c.lookup(name).is_none()
            && !self.c.declared.contains_key(name)
        {
            Want::String
        } else {
            Want::Any
        };
        let slot = self
            .c
            .input(self.meta, name, want)
            .map_err(|e| format!("column `{name}`: {}", e.message))?;
        let ty = match self.c.column(slot).map(|c| c.ty) {
            Some(ColumnType::Double) => Ty::Double,
            Some(ColumnType::Int) => Ty::Int,
            Some(ColumnType::Bool) => Ty::Bool,
            Some(ColumnType::String) => Ty::Str,
            Some(other) => {
                return Err(format!(
                    "column `{name}` has type {}, which SQL expressions here cannot use",
                    other.spark_name()
                ))
            }
            None => return Err(format!("column `{name}`: internal: unknown slot")),
        };
        Ok((slot, ty))
    }

    fn string_buffer(&mut self) -> SlotIndex {
        self.c.hidden(ColumnType::String)
    }
}

/// Spark resolves column names case-insensitively (spark.sql.caseSensitive is false by
/// default): an exact match wins, else the one column whose name differs only in case.
fn resolve_name(c: &Compiler<'_>, name: &str) -> String {
    if c.lookup(name).is_some() || c.declared.contains_key(name) {
        return name.to_string();
    }
    let visible = c.visible_columns();
    let matches: HashSet<&String> = visible
        .iter()
        .chain(c.declared.keys())
        .filter(|n| n.eq_ignore_ascii_case(name))
        .collect();
    match matches.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => (*only).clone(),
        _ => name.to_string(),
    }
}

fn column_type(ty: Ty) -> Option<ColumnType> {
    match ty {
        Ty::Double => Some(ColumnType::Double),
        // bigint is held in the same f64 slot as int (exact up to 2^53).
        Ty::Int | Ty::Long => Some(ColumnType::Int),
        Ty::Bool => Some(ColumnType::Bool),
        Ty::Str => Some(ColumnType::String),
        Ty::Null => None,
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let statement = meta.required_str("statement")?;
    c.begin_stage(meta, vec![("statement".into(), statement.clone())])?;
    let bad = |msg: String| {
        meta.error(
            LoadErrorKind::UnsupportedStage,
            format!("SQLTransformer statement `{statement}`: {msg}"),
        )
    };
    let parsed = parse_statement(&statement).map_err(bad)?;
    let ansi = c.semantics().at_least(4, 0);
    let star = parsed.items.contains(&SelectItem::Star);

    let mut resolver = Resolver { c, meta };
    let mut builder = Builder {
        program: Program {
            ansi,
            ..Program::default()
        },
        columns: &mut resolver,
    };
    let filter = match &parsed.filter {
        Some(f) => {
            let t = builder.build(f).map_err(bad)?;
            if !matches!(t.ty, Ty::Bool | Ty::Null) {
                return Err(bad(format!("WHERE `{f}` is {}, not boolean", t.ty.name())));
            }
            Some(t.node)
        }
        None => None,
    };
    // (name, computed node and type, or None for a column kept as it is)
    let mut selected: Vec<(String, Option<(u32, Ty)>)> = Vec::new();
    for item in &parsed.items {
        let SelectItem::Expr(e, alias) = item else {
            continue;
        };
        if let (Ast::Column(written), None) = (e, alias) {
            // Keep the column, whatever its type (vectors too): resolving it checks it
            // exists, or makes it a raw input.
            let name = resolve_name(builder.columns.c, written);
            if name == *written {
                builder
                    .columns
                    .c
                    .input(meta, &name, Want::Any)
                    .map_err(|e| bad(format!("column `{name}`: {}", e.message)))?;
                selected.push((name, None));
                continue;
            }
            // Spark names the result as the statement writes it (`SELECT Y` of column y
            // gives a column `Y`, the 3.5.9 and 4.3.0 fixtures show): a renamed copy.
            let t = builder.build(e).map_err(bad)?;
            selected.push((written.clone(), Some((t.node, t.ty))));
            continue;
        }
        let Some(alias) = alias else {
            return Err(bad(format!(
                "`{e}` needs an alias (`{e} AS name`): mlscore does not reproduce Spark's \
                 generated column names"
            )));
        };
        let t = builder.build(e).map_err(bad)?;
        if t.decimal {
            return Err(bad(format!(
                "`{e}` has a DECIMAL result, which is not supported (write literals as \
                 doubles, e.g. 1.0D)"
            )));
        }
        if t.ty == Ty::Null {
            return Err(bad(format!(
                "`{e}` has no type (a bare NULL) and is not supported"
            )));
        }
        if let (Ast::Column(name), true) = (e, !star) {
            if name == alias {
                selected.push((name.clone(), None));
                continue;
            }
        }
        selected.push((alias.clone(), Some((t.node, t.ty))));
    }
    let program = builder.program;
    // Every column of the DataFrame known now, raw inputs the statement just discovered too.
    let existing = c.visible_columns();

    let mut names: HashSet<&str> = HashSet::new();
    if star {
        names.extend(existing.iter().map(String::as_str));
    }
    for (name, _) in &selected {
        if !names.insert(name.as_str()) {
            return Err(bad(format!(
                "column `{name}` would appear twice in the result, which later stages \
                 cannot resolve"
            )));
        }
    }
    if !star {
        let kept: HashSet<&str> = selected.iter().map(|(n, _)| n.as_str()).collect();
        for name in &existing {
            if !kept.contains(name.as_str()) {
                c.drop_column(name);
            }
        }
        // Columns computed under an existing name replace it.
        for (name, computed) in &selected {
            if computed.is_some() && existing.contains(name) {
                c.drop_column(name);
            }
        }
    }
    let mut outputs = Vec::new();
    for (name, computed) in &selected {
        let Some((node, ty)) = *computed else {
            continue;
        };
        let column =
            column_type(ty).ok_or_else(|| bad(format!("`{name}` has no supported type")))?;
        let slot = c.output(meta, name, column, None)?;
        outputs.push(SqlOutput { node, slot, ty });
    }
    if !star {
        c.closed_schema = true;
    }
    c.push(Step::Sql(SqlStep {
        program,
        filter,
        outputs,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Compiler;
    use crate::spark::{LoadLimits, ReadContext};
    use std::collections::HashMap;

    fn load(statement: &str) -> Result<(), LoadError> {
        load_then(statement, |_, _| {})
    }

    /// Lowers `statement`, then runs `after` with the compiler (to look at the schema).
    fn load_then(
        statement: &str,
        after: impl FnOnce(&mut Compiler<'_>, &Metadata),
    ) -> Result<(), LoadError> {
        let dir = std::env::temp_dir();
        let limits = LoadLimits::default();
        let read = ReadContext {
            root: &dir,
            limits: &limits,
        };
        let declared = HashMap::new();
        let mut c = Compiler::new(read, None, &declared);
        let json = serde_json::json!({
            "class": "org.apache.spark.ml.feature.SQLTransformer",
            "timestamp": 0,
            "sparkVersion": "4.0.0",
            "uid": "SQLTransformer_test",
            "paramMap": { "statement": statement },
            "defaultParamMap": {}
        });
        let meta = Metadata::parse(json.to_string().as_bytes(), &dir, "metadata".into()).unwrap();
        lower(&mut c, &meta)?;
        after(&mut c, &meta);
        Ok(())
    }

    #[test]
    fn raw_columns_take_their_type_from_use() {
        load_then(
            "SELECT *, cat = 'a' AS is_a, upper(name) AS up, x + 1 AS x1 FROM __THIS__",
            |c, _| {
                let ty = |n: &str| c.lookup(n).and_then(|s| c.column(s)).map(|col| col.ty);
                assert_eq!(ty("cat"), Some(ColumnType::String));
                assert_eq!(ty("name"), Some(ColumnType::String));
                assert_eq!(ty("x"), Some(ColumnType::Double));
                assert_eq!(ty("is_a"), Some(ColumnType::Bool));
            },
        )
        .unwrap();
    }

    #[test]
    fn select_without_star_drops_and_closes_the_schema() {
        load_then(
            "SELECT a, b * 2 AS b, A + b AS c FROM __THIS__",
            |c, meta| {
                let names = c.visible_columns();
                assert_eq!(names, vec!["a", "b", "c"]);
                let err = c.input(meta, "other", Want::Numeric).unwrap_err();
                assert!(err.to_string().contains("did not keep it"), "{err}");
            },
        )
        .unwrap();
    }

    #[test]
    fn accepts_the_supported_subset() {
        load("SELECT *, x * 2.0 AS x2, COALESCE(y, -1.0) AS y_filled FROM __THIS__ WHERE x > 0")
            .unwrap();
        load("SELECT a, CASE WHEN b > 1 THEN 'x' ELSE lower(s) END AS c FROM __THIS__").unwrap();
    }

    #[test]
    fn rejects_unsupported_sql_naming_the_expression() {
        for (sql, needle) in [
            (
                "SELECT a, count(*) AS n FROM __THIS__ GROUP BY a",
                "count(*)",
            ),
            ("SELECT a FROM __THIS__ GROUP BY a", "GROUP"),
            ("SELECT * FROM __THIS__ JOIN other ON a = b", "JOIN"),
            ("SELECT *, frobnicate(a) AS f FROM __THIS__", "frobnicate"),
            (
                "SELECT *, (SELECT max(a) FROM __THIS__) AS m FROM __THIS__",
                "subquer",
            ),
            (
                "SELECT *, CAST(a AS INT) + 1.5 AS d FROM __THIS__",
                "(CAST(a AS int) + 1.5)",
            ),
            ("SELECT *, a * 2 FROM __THIS__", "(a * 2)"),
            ("SELECT *, a AS a FROM __THIS__", "twice"),
            ("SELECT *, upper(s) + 1 AS u FROM __THIS__", "string"),
        ] {
            let err = load(sql).expect_err(sql);
            let text = err.to_string();
            assert_eq!(err.kind, LoadErrorKind::UnsupportedStage, "{sql}: {text}");
            assert!(text.contains(needle), "{sql}: {text}");
        }
    }
}
