//! Typed expression programs: `Builder` checks an `Ast` against Spark's type rules once at load
//! (implicit casts made explicit, result types fixed, anything unsupported refused with the
//! expression named), and `Program::eval` runs it on a row without allocating.
//!
//! Nodes live in one `Vec` and refer to children by index; variable-length children (CASE,
//! COALESCE, IN, concat) sit in `args`. A string-valued node owns a hidden slot whose `text`
//! buffer it rewrites each row, so strings are never allocated while scoring.
//!
//! Semantics follow Spark's Catalyst expressions: SQL NULL propagation, three-valued AND/OR,
//! NaN = NaN and NaN above every number in comparisons (`SQLOrderingUtil.compareDoubles`),
//! ROUND on the decimal value of `Double.toString` (`BigDecimal(d)`), and the ANSI mode that
//! Spark 4 enables by default: with `ansi`, division by zero, integer overflow and invalid
//! casts raise (a scoring error for the row) where Spark 3.5 gives NULL, wraps or saturates.

use std::fmt::Write;

use super::parse::{Ast, BinOp};
use crate::error::ScoreErrorKind;
use crate::plan::step::{put, slot, take};
use crate::plan::{Slot, SlotIndex};
use crate::stages::feature::cast::java_double_to_string;

/// Spark SQL types this subset computes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// The type of a bare `NULL` literal.
    Null,
    Bool,
    Int,
    Long,
    Double,
    Str,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Null => "void",
            Ty::Bool => "boolean",
            Ty::Int => "int",
            Ty::Long => "bigint",
            Ty::Double => "double",
            Ty::Str => "string",
        }
    }
    fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Long | Ty::Double)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    /// `/`: always double.
    Div,
    /// `div`: bigint.
    IntDiv,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    NullSafeEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Double to double functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Math {
    Sqrt,
    Cbrt,
    Exp,
    Expm1,
    /// `ln`, `log(x)`: NULL at or below 0 (Spark's `UnaryLogExpression`).
    Ln,
    Log10,
    Log2,
    /// NULL at or below -1.
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Signum,
    Degrees,
    Radians,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    Both,
    Leading,
    Trailing,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    /// Index into `Program::literals`.
    Str(u32),
    Column(SlotIndex),
    /// A cast from the child's type to the node's type.
    Cast(u32),
    Neg(u32),
    Abs(u32),
    Arith(Arith, u32, u32),
    Compare(Cmp, u32, u32),
    And(u32, u32),
    Or(u32, u32),
    Not(u32),
    IsNull(u32, bool),
    IsNan(u32),
    /// `x IN (args[start..start+len])`.
    In(u32, u32, u32),
    /// `args[start..]` holds condition, value pairs, then the ELSE value if `has_else`.
    Case(u32, u32, bool),
    Coalesce(u32, u32),
    Math(Math, u32),
    /// `log(base, x)`.
    Log(u32, u32),
    Pow(u32, u32),
    /// ROUND / BROUND (half-even) to a literal scale.
    Round(u32, i32, bool),
    /// FLOOR (false) / CEIL (true) to bigint.
    FloorCeil(u32, bool),
    Lower(u32),
    Upper(u32),
    Length(u32),
    Concat(u32, u32),
    /// `substring(s, pos[, len])`; `u32::MAX` for no length.
    Substr(u32, u32, u32),
    Trim(u32, Trim),
    /// `x LIKE patterns[k]` (ILIKE lower-cases `x` in a child node).
    Like(u32, u32),
}

/// One element of a compiled LIKE pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikePart {
    /// `_`: exactly one character.
    One,
    /// `%`: any run of characters.
    Many,
    Char(char),
}

/// Compiles a LIKE pattern as Spark's `StringUtils.escapeLikeRegex` reads it: the escape
/// character makes the next `_`, `%` or escape character literal, and is an error before
/// anything else or at the end.
pub fn compile_like(pattern: &str, escape: char) -> Result<Vec<LikePart>, String> {
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(if c == escape {
            match chars.next() {
                Some(n) if n == '_' || n == '%' || n == escape => LikePart::Char(n),
                Some(n) => {
                    return Err(format!(
                        "the LIKE pattern '{pattern}' is invalid: the escape character is not \
                         allowed to precede '{n}'"
                    ))
                }
                None => {
                    return Err(format!(
                        "the LIKE pattern '{pattern}' is invalid: it is not allowed to end with \
                         the escape character"
                    ))
                }
            }
        } else if c == '_' {
            LikePart::One
        } else if c == '%' {
            LikePart::Many
        } else {
            LikePart::Char(c)
        });
    }
    Ok(parts)
}

/// Whether all of `s` matches `pattern` (`_` one character, `%` any run, Java's DOTALL `.*`).
/// Greedy with backtracking to the last `%` only, which suffices for these two wildcards;
/// `s` is an iterator so lower-cased text is matched without being built.
pub fn like_matches<I: Iterator<Item = char> + Clone>(pattern: &[LikePart], mut s: I) -> bool {
    let mut p = 0;
    // After the last `%` seen: the pattern position past it and where its match ends.
    let mut resume: Option<(usize, I)> = None;
    loop {
        let mut next = s.clone();
        let c = next.next();
        match (pattern.get(p), c) {
            (Some(LikePart::Many), _) => {
                p += 1;
                resume = Some((p, s.clone()));
                continue;
            }
            (Some(LikePart::One), Some(_)) => {
                p += 1;
                s = next;
                continue;
            }
            (Some(LikePart::Char(want)), Some(got)) if *want == got => {
                p += 1;
                s = next;
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        // Mismatch: let the last `%` take one more character and retry after it.
        let Some((after, end)) = resume.as_mut() else {
            return false;
        };
        if end.next().is_none() {
            return false;
        }
        p = *after;
        s = end.clone();
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub op: Op,
    pub ty: Ty,
    /// Hidden slot holding a string result (string-producing nodes other than columns and
    /// literals).
    pub buf: SlotIndex,
}

/// A value during evaluation; strings stay where they are (a slot or a literal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    Null,
    B(bool),
    I(i64),
    D(f64),
    /// Text in a slot.
    S(SlotIndex),
    /// Text of a literal.
    L(u32),
}

#[derive(Debug, Clone, Default)]
pub struct Program {
    pub nodes: Vec<Node>,
    pub args: Vec<u32>,
    pub literals: Vec<String>,
    /// Compiled LIKE patterns (`Op::Like`).
    pub patterns: Vec<Vec<LikePart>>,
    /// Spark 4's ANSI mode (spark.sql.ansi.enabled defaults to true from 4.0).
    pub ansi: bool,
}

type Eval = Result<Val, ScoreErrorKind>;

const FAIL: ScoreErrorKind = ScoreErrorKind::InvalidValue;

/// 2^63: doubles at or above it (or below its negation) are outside bigint.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Spark's ordering of doubles: NaN equals NaN and sorts above every number; -0.0 = 0.0.
pub fn compare_doubles(a: f64, b: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

impl Program {
    fn node(&self, i: u32) -> Node {
        self.nodes.get(i as usize).copied().unwrap_or(Node {
            op: Op::Null,
            ty: Ty::Null,
            buf: usize::MAX,
        })
    }

    fn arg(&self, k: u32) -> u32 {
        self.args.get(k as usize).copied().unwrap_or(u32::MAX)
    }

    pub fn text<'s>(&'s self, slots: &'s [Slot], v: Val) -> &'s str {
        match v {
            Val::S(s) => &slot(slots, s).text,
            Val::L(l) => self.literals.get(l as usize).map_or("", String::as_str),
            _ => "",
        }
    }

    /// Evaluates node `i` on the current row.
    pub fn eval(&self, i: u32, slots: &mut [Slot]) -> Eval {
        let n = self.node(i);
        Ok(match n.op {
            Op::Null => Val::Null,
            Op::Bool(b) => Val::B(b),
            Op::Int(v) => Val::I(v),
            Op::Double(v) => Val::D(v),
            Op::Str(l) => Val::L(l),
            Op::Column(c) => {
                let s = slot(slots, c);
                if s.null {
                    Val::Null
                } else {
                    match n.ty {
                        Ty::Double => Val::D(s.num),
                        Ty::Int | Ty::Long => Val::I(s.num as i64),
                        Ty::Bool => Val::B(s.num != 0.0),
                        Ty::Str => Val::S(c),
                        Ty::Null => Val::Null,
                    }
                }
            }
            Op::Cast(a) => {
                let from = self.node(a).ty;
                let v = self.eval(a, slots)?;
                self.cast(v, from, n.ty, n.buf, slots)?
            }
            Op::Neg(a) => match self.eval(a, slots)? {
                Val::I(x) => Val::I(self.int_result(n.ty, x.checked_neg(), x.wrapping_neg())?),
                Val::D(x) => Val::D(-x),
                _ => Val::Null,
            },
            Op::Abs(a) => match self.eval(a, slots)? {
                Val::I(x) => Val::I(self.int_result(n.ty, x.checked_abs(), x.wrapping_abs())?),
                Val::D(x) => Val::D(x.abs()),
                _ => Val::Null,
            },
            Op::Arith(op, a, b) => {
                let x = self.eval(a, slots)?;
                let y = self.eval(b, slots)?;
                self.arith(op, n.ty, x, y)?
            }
            Op::Compare(op, a, b) => {
                let x = self.eval(a, slots)?;
                let y = self.eval(b, slots)?;
                match (op, x, y) {
                    (Cmp::NullSafeEq, Val::Null, Val::Null) => Val::B(true),
                    (Cmp::NullSafeEq, Val::Null, _) | (Cmp::NullSafeEq, _, Val::Null) => {
                        Val::B(false)
                    }
                    (_, Val::Null, _) | (_, _, Val::Null) => Val::Null,
                    _ => {
                        use std::cmp::Ordering::*;
                        let ord = match (x, y) {
                            (Val::D(p), Val::D(q)) => compare_doubles(p, q),
                            (Val::I(p), Val::I(q)) => p.cmp(&q),
                            (Val::B(p), Val::B(q)) => p.cmp(&q),
                            _ => self.text(slots, x).cmp(self.text(slots, y)),
                        };
                        Val::B(match op {
                            Cmp::Eq | Cmp::NullSafeEq => ord == Equal,
                            Cmp::Ne => ord != Equal,
                            Cmp::Lt => ord == Less,
                            Cmp::Le => ord != Greater,
                            Cmp::Gt => ord == Greater,
                            Cmp::Ge => ord != Less,
                        })
                    }
                }
            }
            // Spark evaluates the right side only when the left does not decide.
            Op::And(a, b) => match self.eval(a, slots)? {
                Val::B(false) => Val::B(false),
                l => match (l, self.eval(b, slots)?) {
                    (_, Val::B(false)) => Val::B(false),
                    (Val::B(true), Val::B(true)) => Val::B(true),
                    _ => Val::Null,
                },
            },
            Op::Or(a, b) => match self.eval(a, slots)? {
                Val::B(true) => Val::B(true),
                l => match (l, self.eval(b, slots)?) {
                    (_, Val::B(true)) => Val::B(true),
                    (Val::B(false), Val::B(false)) => Val::B(false),
                    _ => Val::Null,
                },
            },
            Op::Not(a) => match self.eval(a, slots)? {
                Val::B(b) => Val::B(!b),
                _ => Val::Null,
            },
            Op::IsNull(a, negated) => Val::B((self.eval(a, slots)? == Val::Null) != negated),
            Op::IsNan(a) => Val::B(matches!(self.eval(a, slots)?, Val::D(x) if x.is_nan())),
            Op::In(x, start, len) => {
                let v = self.eval(x, slots)?;
                if v == Val::Null {
                    return Ok(Val::Null);
                }
                let mut saw_null = false;
                for k in start..start + len {
                    let item = self.eval(self.arg(k), slots)?;
                    let equal = match (v, item) {
                        (_, Val::Null) => {
                            saw_null = true;
                            false
                        }
                        (Val::D(p), Val::D(q)) => compare_doubles(p, q).is_eq(),
                        (Val::I(p), Val::I(q)) => p == q,
                        (Val::B(p), Val::B(q)) => p == q,
                        _ => self.text(slots, v) == self.text(slots, item),
                    };
                    if equal {
                        return Ok(Val::B(true));
                    }
                }
                if saw_null {
                    Val::Null
                } else {
                    Val::B(false)
                }
            }
            Op::Case(start, pairs, has_else) => {
                for k in 0..pairs {
                    let cond = self.arg(start + 2 * k);
                    if self.eval(cond, slots)? == Val::B(true) {
                        return self.eval(self.arg(start + 2 * k + 1), slots);
                    }
                }
                if has_else {
                    self.eval(self.arg(start + 2 * pairs), slots)?
                } else {
                    Val::Null
                }
            }
            Op::Coalesce(start, len) => {
                for k in start..start + len {
                    let v = self.eval(self.arg(k), slots)?;
                    if v != Val::Null {
                        return Ok(v);
                    }
                }
                Val::Null
            }
            Op::Math(f, a) => match self.eval(a, slots)? {
                Val::D(x) => math(f, x).map_or(Val::Null, Val::D),
                _ => Val::Null,
            },
            Op::Log(b, a) => match (self.eval(b, slots)?, self.eval(a, slots)?) {
                // Spark: NULL when either is <= 0 (so NaN gives NaN).
                (Val::D(base), Val::D(x)) if !(base <= 0.0 || x <= 0.0) => {
                    Val::D(x.ln() / base.ln())
                }
                _ => Val::Null,
            },
            Op::Pow(a, b) => match (self.eval(a, slots)?, self.eval(b, slots)?) {
                (Val::D(x), Val::D(y)) => Val::D(x.powf(y)),
                _ => Val::Null,
            },
            Op::Round(a, scale, half_even) => match self.eval(a, slots)? {
                Val::D(x) => Val::D(round_double(x, scale, half_even)),
                Val::I(x) => {
                    let r = round_integer(x, scale, half_even);
                    Val::I(self.int_result(n.ty, r, r.unwrap_or(0))?)
                }
                _ => Val::Null,
            },
            Op::FloorCeil(a, ceil) => match self.eval(a, slots)? {
                Val::D(x) => {
                    let r = if ceil { x.ceil() } else { x.floor() };
                    // ANSI raises beyond bigint (NaN passes: it is not compared as out of
                    // range, the 4.3.0 fixtures show 0); otherwise Scala's Double.toLong
                    // saturates and maps NaN to 0, as `as` does.
                    if self.ansi && !r.is_nan() && !(-TWO_POW_63..TWO_POW_63).contains(&r) {
                        return Err(FAIL);
                    }
                    Val::I(r as i64)
                }
                Val::I(x) => Val::I(x),
                _ => Val::Null,
            },
            Op::Like(a, k) => match self.eval(a, slots)? {
                Val::Null => Val::Null,
                v => {
                    let pattern = self.patterns.get(k as usize).map_or(&[][..], Vec::as_slice);
                    Val::B(like_matches(pattern, self.text(slots, v).chars()))
                }
            },
            Op::Length(a) => match self.eval(a, slots)? {
                Val::Null => Val::Null,
                v => Val::I(self.text(slots, v).chars().count() as i64),
            },
            Op::Lower(a) | Op::Upper(a) | Op::Trim(a, _) => {
                let v = self.eval(a, slots)?;
                if v == Val::Null {
                    return Ok(Val::Null);
                }
                let mut out = take(slots, n.buf);
                out.text.clear();
                let s = self.text(slots, v);
                match n.op {
                    Op::Lower(_) => s.chars().flat_map(char::to_lowercase).for_each(|c| {
                        out.text.push(c);
                    }),
                    Op::Upper(_) => s.chars().flat_map(char::to_uppercase).for_each(|c| {
                        out.text.push(c);
                    }),
                    // Spark's trim functions strip the space character only.
                    Op::Trim(_, Trim::Both) => out.text.push_str(s.trim_matches(' ')),
                    Op::Trim(_, Trim::Leading) => out.text.push_str(s.trim_start_matches(' ')),
                    _ => out.text.push_str(s.trim_end_matches(' ')),
                }
                put(slots, n.buf, out);
                Val::S(n.buf)
            }
            Op::Concat(start, len) => {
                // Every argument is evaluated (and may raise) before NULL decides.
                let mut out = take(slots, n.buf);
                out.text.clear();
                let mut null = false;
                for k in start..start + len {
                    match self.eval(self.arg(k), slots) {
                        Ok(Val::Null) => null = true,
                        Ok(v) => out.text.push_str(self.text(slots, v)),
                        Err(e) => {
                            put(slots, n.buf, out);
                            return Err(e);
                        }
                    }
                }
                put(slots, n.buf, out);
                if null {
                    Val::Null
                } else {
                    Val::S(n.buf)
                }
            }
            Op::Substr(s, pos, len) => {
                let v = self.eval(s, slots)?;
                let pos = self.eval(pos, slots)?;
                let len = if len == u32::MAX {
                    Val::I(i64::from(i32::MAX))
                } else {
                    self.eval(len, slots)?
                };
                let (Val::I(pos), Val::I(len)) = (pos, len) else {
                    return Ok(Val::Null);
                };
                if v == Val::Null {
                    return Ok(Val::Null);
                }
                let mut out = take(slots, n.buf);
                out.text.clear();
                substring_sql(self.text(slots, v), pos, len, &mut out.text);
                put(slots, n.buf, out);
                Val::S(n.buf)
            }
        })
    }

    /// An int or bigint result: `checked` is None on overflow, which raises under ANSI and
    /// wraps (to 32 bits for int) otherwise.
    fn int_result(
        &self,
        ty: Ty,
        checked: Option<i64>,
        wrapped: i64,
    ) -> Result<i64, ScoreErrorKind> {
        if ty == Ty::Int {
            return match checked.map(i32::try_from) {
                Some(Ok(v)) => Ok(i64::from(v)),
                _ if self.ansi => Err(FAIL),
                _ => Ok(i64::from(wrapped as i32)),
            };
        }
        match checked {
            Some(v) => Ok(v),
            None if self.ansi => Err(FAIL),
            None => Ok(wrapped),
        }
    }

    fn arith(&self, op: Arith, ty: Ty, x: Val, y: Val) -> Eval {
        let zero_divisor = || if self.ansi { Err(FAIL) } else { Ok(Val::Null) };
        Ok(match (x, y) {
            (Val::I(a), Val::I(b)) => match op {
                Arith::Add => Val::I(self.int_result(ty, a.checked_add(b), a.wrapping_add(b))?),
                Arith::Sub => Val::I(self.int_result(ty, a.checked_sub(b), a.wrapping_sub(b))?),
                Arith::Mul => Val::I(self.int_result(ty, a.checked_mul(b), a.wrapping_mul(b))?),
                Arith::IntDiv | Arith::Mod if b == 0 => return zero_divisor(),
                Arith::IntDiv => {
                    Val::I(self.int_result(ty, a.checked_div(b), a.wrapping_div(b))?)
                }
                // Java's % never overflows (MIN % -1 is 0).
                Arith::Mod => Val::I(a.wrapping_rem(b)),
                Arith::Div => Val::Null,
            },
            (Val::D(a), Val::D(b)) => match op {
                Arith::Add => Val::D(a + b),
                Arith::Sub => Val::D(a - b),
                Arith::Mul => Val::D(a * b),
                Arith::Div | Arith::Mod | Arith::IntDiv if b == 0.0 => return zero_divisor(),
                Arith::Div => Val::D(a / b),
                Arith::Mod => Val::D(a % b),
                Arith::IntDiv => Val::Null,
            },
            _ => Val::Null,
        })
    }

    fn cast(&self, v: Val, from: Ty, to: Ty, buf: SlotIndex, slots: &mut [Slot]) -> Eval {
        let invalid = || if self.ansi { Err(FAIL) } else { Ok(Val::Null) };
        Ok(match (v, to) {
            (Val::Null, _) => Val::Null,
            (Val::I(x), Ty::Double) => Val::D(x as f64),
            (Val::B(b), Ty::Double) => Val::D(if b { 1.0 } else { 0.0 }),
            (Val::B(b), Ty::Int | Ty::Long) => Val::I(i64::from(b)),
            (Val::I(x), Ty::Int) => Val::I(self.int_result(Ty::Int, Some(x), x)?),
            (Val::I(x), Ty::Long) => Val::I(x),
            (Val::D(x), Ty::Int | Ty::Long) => {
                let (lo, hi) = if to == Ty::Int {
                    (f64::from(i32::MIN), f64::from(i32::MAX))
                } else {
                    (i64::MIN as f64, i64::MAX as f64)
                };
                // Spark's ANSI check: floor(x) <= MAX and ceil(x) >= MIN (false for NaN).
                if self.ansi && !(x.floor() <= hi && x.ceil() >= lo) {
                    return Err(FAIL);
                }
                // Otherwise Scala's toInt / toLong: truncate, saturate, NaN to 0.
                Val::I(if to == Ty::Int {
                    i64::from(x as i32)
                } else {
                    x as i64
                })
            }
            (Val::I(x), Ty::Bool) => Val::B(x != 0),
            (Val::D(x), Ty::Bool) => Val::B(x != 0.0),
            (Val::S(_) | Val::L(_), Ty::Double) => match parse_double(self.text(slots, v)) {
                Some(d) => Val::D(d),
                None => return invalid(),
            },
            (_, Ty::Str) => {
                let mut out = take(slots, buf);
                out.text.clear();
                match v {
                    Val::I(x) => {
                        let _ = write!(out.text, "{x}");
                    }
                    Val::D(x) => java_double_to_string(x, &mut out.text),
                    Val::B(b) => out.text.push_str(if b { "true" } else { "false" }),
                    _ => out.text.push_str(self.text(slots, v)),
                }
                put(slots, buf, out);
                Val::S(buf)
            }
            _ if from == to => v,
            _ => Val::Null,
        })
    }
}

fn math(f: Math, x: f64) -> Option<f64> {
    Some(match f {
        Math::Sqrt => x.sqrt(),
        Math::Cbrt => x.cbrt(),
        Math::Exp => x.exp(),
        Math::Expm1 => x.exp_m1(),
        Math::Ln if x <= 0.0 => return None,
        Math::Ln => x.ln(),
        Math::Log10 if x <= 0.0 => return None,
        Math::Log10 => x.log10(),
        Math::Log2 if x <= 0.0 => return None,
        // Spark: StrictMath.log(x) / StrictMath.log(2).
        Math::Log2 => x.ln() / std::f64::consts::LN_2,
        Math::Log1p if x <= -1.0 => return None,
        Math::Log1p => x.ln_1p(),
        Math::Sin => x.sin(),
        Math::Cos => x.cos(),
        Math::Tan => x.tan(),
        Math::Asin => x.asin(),
        Math::Acos => x.acos(),
        Math::Atan => x.atan(),
        Math::Sinh => x.sinh(),
        Math::Cosh => x.cosh(),
        Math::Tanh => x.tanh(),
        // Java's Math.signum keeps NaN and signed zeros.
        Math::Signum if x == 0.0 || x.is_nan() => x,
        Math::Signum => 1.0f64.copysign(x),
        Math::Degrees => x.to_degrees(),
        Math::Radians => x.to_radians(),
    })
}

/// Java's `Double.parseDouble` (surrounding chars <= ' ' trimmed, optional f/d suffix), then
/// Spark's special spellings (inf, +inf, infinity, -inf, -infinity, nan; any case). Hex
/// floats are treated as malformed.
pub fn parse_double(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let body = t
        .strip_suffix(['d', 'D', 'f', 'F'])
        .filter(|b| b.ends_with(|c: char| c.is_ascii_digit() || c == '.'))
        .unwrap_or(t);
    let unsigned = body.strip_prefix(['+', '-']).unwrap_or(body);
    if unsigned == "NaN" || unsigned == "Infinity" {
        return body.parse().ok();
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(k) => (unsigned.get(..k)?, unsigned.get(k + 1..)),
        None => (unsigned, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let dots = mantissa.bytes().filter(|b| *b == b'.').count();
    let mantissa_ok = digits > 0 && dots <= 1 && digits + dots == mantissa.len();
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if mantissa_ok && exponent_ok {
        return body.parse().ok();
    }
    let lower = |w: &str| s.trim().eq_ignore_ascii_case(w);
    if lower("inf") || lower("+inf") || lower("infinity") || lower("+infinity") {
        Some(f64::INFINITY)
    } else if lower("-inf") || lower("-infinity") {
        Some(f64::NEG_INFINITY)
    } else if lower("nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

/// Spark's `UTF8String.substringSQL`: 1-based `pos`, 0 reads as 1, negative counts from the
/// end; positions in characters.
fn substring_sql(s: &str, pos: i64, len: i64, out: &mut String) {
    let n = s.chars().count() as i64;
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        n + pos
    } else {
        0
    };
    let end = start.saturating_add(len).min(n);
    let start = start.max(0);
    if start >= end {
        return;
    }
    s.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .for_each(|c| out.push(c));
}

/// A stack buffer for formatting without allocating.
struct StackText {
    buf: [u8; 48],
    len: usize,
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Spark's ROUND/BROUND of a double: `BigDecimal(d)` (the decimal text of `Double.toString`,
/// i.e. the shortest round-trip digits) rounded HALF_UP or HALF_EVEN to `scale`, back to
/// double. NaN and infinities are returned as they are; zero results are +0.0.
pub fn round_double(x: f64, scale: i32, half_even: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if x == 0.0 {
        return 0.0;
    }
    let mut sci = StackText {
        buf: [0; 48],
        len: 0,
    };
    if write!(sci, "{:e}", x.abs()).is_err() {
        return x;
    }
    let text = std::str::from_utf8(sci.buf.get(..sci.len).unwrap_or(&[])).unwrap_or("0e0");
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut nd = 0;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if let Some(d) = digits.get_mut(nd) {
            *d = b - b'0';
            nd += 1;
        }
    }
    // x = 0.d1 d2 ... dn * 10^(exp + 1); digits kept: those at or above 10^-scale.
    let keep = exp + i64::from(scale) + 1;
    if keep >= nd as i64 {
        return x;
    }
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let kept = keep.max(0) as usize;
    let mut value: u64 = 0;
    for &d in digits.get(..kept).unwrap_or(&[]) {
        value = value * 10 + u64::from(d);
    }
    let next = if keep < 0 {
        0
    } else {
        digits.get(kept).copied().unwrap_or(0)
    };
    let rest_nonzero = keep >= 0
        && digits
            .get(kept + 1..nd)
            .is_some_and(|r| r.iter().any(|&d| d > 0));
    let up = if half_even {
        next > 5 || (next == 5 && (rest_nonzero || value % 2 == 1))
    } else {
        next >= 5
    };
    if up {
        value += 1;
    }
    if value == 0 {
        return 0.0;
    }
    // value * 10^-scale, correctly rounded by the parser (as BigDecimal.doubleValue is).
    let mut out = StackText {
        buf: [0; 48],
        len: 0,
    };
    if write!(out, "{value}e{}", -i64::from(scale)).is_err() {
        return x;
    }
    let parsed: f64 = std::str::from_utf8(out.buf.get(..out.len).unwrap_or(&[]))
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(x);
    sign * parsed
}

/// ROUND of an integer to a negative scale (HALF_UP or HALF_EVEN); None on overflow.
fn round_integer(x: i64, scale: i32, half_even: bool) -> Option<i64> {
    if scale >= 0 {
        return Some(x);
    }
    let Some(p) = 10i64.checked_pow(scale.unsigned_abs()) else {
        return Some(0);
    };
    let q = x / p;
    let r = (x % p).unsigned_abs();
    let half = p.unsigned_abs() / 2;
    let away = if half_even {
        r > half || (r == half && p % 2 == 0 && q % 2 != 0)
    } else {
        r >= half && r > 0 && p > 1
    };
    let q = if away { q.checked_add(x.signum())? } else { q };
    q.checked_mul(p)
}

/// Resolves a column name to a slot and its SQL type; `hint` says how the expression uses
/// it, which types a raw input nobody declared.
pub trait Columns {
    fn column(&mut self, name: &str, hint: Ty) -> Result<(SlotIndex, Ty), String>;
    fn string_buffer(&mut self) -> SlotIndex;
}

/// Type-checks `Ast`s into a `Program`.
pub struct Builder<'c, C: Columns> {
    pub program: Program,
    pub columns: &'c mut C,
}

/// A typed node: index, type, and whether it is an exact DECIMAL (a literal like `1.5`, or
/// arithmetic on such literals) that Spark would keep as DECIMAL.
#[derive(Debug, Clone, Copy)]
pub struct Typed {
    pub node: u32,
    pub ty: Ty,
    pub decimal: bool,
}

static NULL_AST: Ast = Ast::Null;

/// Argument `k` (the arity was checked before).
fn nth(args: &[Ast], k: usize) -> &Ast {
    args.get(k).unwrap_or(&NULL_AST)
}

fn err(e: &Ast, why: &str) -> String {
    format!("`{e}`: {why}")
}

impl<'c, C: Columns> Builder<'c, C> {
    fn push(&mut self, op: Op, ty: Ty) -> u32 {
        let buf = if ty == Ty::Str && !matches!(op, Op::Str(_) | Op::Column(_)) {
            self.columns.string_buffer()
        } else {
            usize::MAX
        };
        self.program.nodes.push(Node { op, ty, buf });
        (self.program.nodes.len() - 1) as u32
    }

    fn typed(&mut self, op: Op, ty: Ty) -> Typed {
        Typed {
            node: self.push(op, ty),
            ty,
            decimal: false,
        }
    }

    /// Converts `t` to `to` with an implicit cast node when the types differ.
    fn coerce(&mut self, t: Typed, to: Ty) -> u32 {
        if t.ty == to || t.ty == Ty::Null || (t.ty == Ty::Int && to == Ty::Long) {
            return t.node;
        }
        self.push(Op::Cast(t.node), to)
    }

    fn args(&mut self, nodes: &[u32]) -> u32 {
        let start = self.program.args.len() as u32;
        self.program.args.extend_from_slice(nodes);
        start
    }

    /// The common type of `types` (Spark's wider-type rules for CASE, COALESCE, IN).
    fn common(&self, e: &Ast, types: &[Typed]) -> Result<Ty, String> {
        let mut out = Ty::Null;
        let mut decimal_with_int = false;
        for t in types {
            out = match (out, t.ty) {
                (Ty::Null, x) | (x, Ty::Null) => x,
                (a, b) if a == b => a,
                (Ty::Int, Ty::Long) | (Ty::Long, Ty::Int) => Ty::Long,
                (a, b) if a.is_numeric() && b.is_numeric() => Ty::Double,
                (a, b) => {
                    return Err(err(
                        e,
                        &format!("mixes {} and {} (not supported)", a.name(), b.name()),
                    ))
                }
            };
        }
        for t in types {
            if t.decimal && types.iter().any(|u| matches!(u.ty, Ty::Int | Ty::Long)) {
                decimal_with_int = true;
            }
        }
        if decimal_with_int {
            return Err(err(
                e,
                "mixes a DECIMAL literal with integers, which Spark types DECIMAL (not \
                 supported; write the literal as a double, e.g. 1.5D)",
            ));
        }
        Ok(out)
    }

    pub fn build(&mut self, e: &Ast) -> Result<Typed, String> {
        Ok(match e {
            Ast::Null => self.typed(Op::Null, Ty::Null),
            Ast::Bool(b) => self.typed(Op::Bool(*b), Ty::Bool),
            Ast::Int(v, long) => self.typed(Op::Int(*v), if *long { Ty::Long } else { Ty::Int }),
            Ast::Double(v) => self.typed(Op::Double(*v), Ty::Double),
            Ast::Decimal(v, _) => Typed {
                decimal: true,
                ..self.typed(Op::Double(*v), Ty::Double)
            },
            Ast::Str(s) => {
                self.program.literals.push(s.clone());
                let l = (self.program.literals.len() - 1) as u32;
                self.typed(Op::Str(l), Ty::Str)
            }
            Ast::Column(name) => self.column(name, Ty::Double)?,
            Ast::Neg(a) => {
                let t = self.build(a)?;
                if !t.ty.is_numeric() && t.ty != Ty::Null {
                    return Err(err(e, &format!("cannot negate a {}", t.ty.name())));
                }
                let ty = if t.ty == Ty::Null { Ty::Double } else { t.ty };
                Typed {
                    decimal: t.decimal,
                    ..self.typed(Op::Neg(t.node), ty)
                }
            }
            Ast::Not(a) => {
                let t = self.boolean(a)?;
                self.typed(Op::Not(t), Ty::Bool)
            }
            Ast::Binary(op, a, b) => self.binary(e, *op, a, b)?,
            Ast::IsNull(a, neg) => {
                let t = self.build(a)?;
                self.typed(Op::IsNull(t.node, *neg), Ty::Bool)
            }
            Ast::In(x, items, neg) => {
                let mut rest = Vec::new();
                for item in items {
                    rest.push(self.build(item)?);
                }
                let hint = rest.first().map_or(Ty::Double, |t| t.ty);
                let mut all = vec![self.build_hinted(x, hint)?];
                all.extend(rest);
                let ty = self.comparable(e, &all)?;
                let nodes: Vec<u32> = all.iter().map(|t| self.coerce(*t, ty)).collect();
                let start = self.args(nodes.get(1..).unwrap_or(&[]));
                let x = nodes.first().copied().unwrap_or(0);
                let t = self.typed(Op::In(x, start, items.len() as u32), Ty::Bool);
                if *neg {
                    self.typed(Op::Not(t.node), Ty::Bool)
                } else {
                    t
                }
            }
            Ast::Like {
                value,
                pattern,
                escape,
                ignore_case,
                neg,
            } => {
                let text = match pattern.as_ref() {
                    Ast::Str(p) => p,
                    Ast::Null => return Ok(self.typed(Op::Null, Ty::Null)),
                    _ => {
                        return Err(err(
                            e,
                            "a LIKE pattern that is not a string literal is not supported",
                        ))
                    }
                };
                // Spark's ILIKE is LIKE over lower(value) and lower(pattern).
                let (value, text) = if *ignore_case {
                    let lowered: String = text.chars().flat_map(char::to_lowercase).collect();
                    (
                        Ast::Call("lower".into(), vec![value.as_ref().clone()]),
                        lowered,
                    )
                } else {
                    (value.as_ref().clone(), text.clone())
                };
                let parts = compile_like(&text, *escape).map_err(|m| err(e, &m))?;
                let x = self.string_arg(e, &value)?;
                let k = self.program.patterns.len() as u32;
                self.program.patterns.push(parts);
                let t = self.typed(Op::Like(x, k), Ty::Bool);
                if *neg {
                    self.typed(Op::Not(t.node), Ty::Bool)
                } else {
                    t
                }
            }
            Ast::Between(x, lo, hi, neg) => {
                let ge = Ast::Binary(BinOp::Ge, x.clone(), lo.clone());
                let le = Ast::Binary(BinOp::Le, x.clone(), hi.clone());
                let both = Ast::Binary(BinOp::And, Box::new(ge), Box::new(le));
                let t = self.build(&both)?;
                if *neg {
                    self.typed(Op::Not(t.node), Ty::Bool)
                } else {
                    t
                }
            }
            Ast::Case {
                operand,
                whens,
                otherwise,
            } => {
                let mut conds = Vec::new();
                for (w, _) in whens {
                    let cond = match operand {
                        Some(o) => Ast::Binary(BinOp::Eq, o.clone(), Box::new(w.clone())),
                        None => w.clone(),
                    };
                    conds.push(self.boolean(&cond)?);
                }
                let mut values = Vec::new();
                for (_, t) in whens {
                    values.push(self.build(t)?);
                }
                if let Some(o) = otherwise {
                    values.push(self.build(o)?);
                }
                self.case(e, &conds, &values, otherwise.is_some())?
            }
            Ast::Cast(a, ty) => self.cast(e, a, ty)?,
            Ast::Call(name, args) => self.call(e, name, args)?,
        })
    }

    /// Builds `e`; a bare column nobody declared is typed `hint` when that is string.
    fn build_hinted(&mut self, e: &Ast, hint: Ty) -> Result<Typed, String> {
        match e {
            Ast::Column(name) => self.column(name, hint),
            _ => self.build(e),
        }
    }

    fn column(&mut self, name: &str, hint: Ty) -> Result<Typed, String> {
        let (slot, ty) = self.columns.column(name, hint)?;
        Ok(self.typed(Op::Column(slot), ty))
    }

    /// A boolean-valued expression (conditions, AND/OR/NOT operands).
    fn boolean(&mut self, e: &Ast) -> Result<u32, String> {
        let t = self.build(e)?;
        match t.ty {
            Ty::Bool | Ty::Null => Ok(t.node),
            other => Err(err(e, &format!("is {}, not boolean", other.name()))),
        }
    }

    fn case(
        &mut self,
        e: &Ast,
        conds: &[u32],
        values: &[Typed],
        has_else: bool,
    ) -> Result<Typed, String> {
        let ty = self.common(e, values)?;
        let decimal = values.iter().all(|v| v.decimal || v.ty == Ty::Null)
            && values.iter().any(|v| v.decimal);
        let mut nodes = Vec::new();
        for (k, &c) in conds.iter().enumerate() {
            nodes.push(c);
            let v = values
                .get(k)
                .copied()
                .ok_or_else(|| err(e, "internal: CASE arity"))?;
            nodes.push(self.coerce(v, ty));
        }
        if has_else {
            let v = values
                .last()
                .copied()
                .ok_or_else(|| err(e, "internal: CASE arity"))?;
            nodes.push(self.coerce(v, ty));
        }
        let start = self.args(&nodes);
        Ok(Typed {
            decimal,
            ..self.typed(Op::Case(start, conds.len() as u32, has_else), ty)
        })
    }

    /// The type two or more operands are compared in.
    fn comparable(&self, e: &Ast, all: &[Typed]) -> Result<Ty, String> {
        let mut out = Ty::Null;
        for t in all {
            out = match (out, t.ty) {
                (Ty::Null, x) | (x, Ty::Null) => x,
                (a, b) if a == b => a,
                (Ty::Int, Ty::Long) | (Ty::Long, Ty::Int) => Ty::Long,
                // A DECIMAL literal against integers compares exactly as doubles do.
                (a, b) if a.is_numeric() && b.is_numeric() => Ty::Double,
                (a, b) => {
                    return Err(err(
                        e,
                        &format!("compares {} with {} (not supported)", a.name(), b.name()),
                    ))
                }
            };
        }
        if all.iter().any(|t| t.decimal) && out.is_numeric() {
            out = Ty::Double;
        }
        Ok(if out == Ty::Null { Ty::Bool } else { out })
    }

    fn binary(&mut self, e: &Ast, op: BinOp, a: &Ast, b: &Ast) -> Result<Typed, String> {
        match op {
            BinOp::And | BinOp::Or => {
                let x = self.boolean(a)?;
                let y = self.boolean(b)?;
                let op = if op == BinOp::And {
                    Op::And(x, y)
                } else {
                    Op::Or(x, y)
                };
                return Ok(self.typed(op, Ty::Bool));
            }
            BinOp::Concat => return self.call(e, "concat", &[a.clone(), b.clone()]),
            _ => {}
        }
        let is_cmp = !matches!(
            op,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Mod
        );
        // In a comparison a raw column takes the other side's type (`cat = 'a'`).
        let (x, y) = if is_cmp && matches!(a, Ast::Column(_)) {
            let y = self.build(b)?;
            (self.build_hinted(a, y.ty)?, y)
        } else if is_cmp {
            let x = self.build(a)?;
            (x, self.build_hinted(b, x.ty)?)
        } else {
            (self.build(a)?, self.build(b)?)
        };
        let cmp = match op {
            BinOp::Eq => Some(Cmp::Eq),
            BinOp::NullSafeEq => Some(Cmp::NullSafeEq),
            BinOp::Ne => Some(Cmp::Ne),
            BinOp::Lt => Some(Cmp::Lt),
            BinOp::Le => Some(Cmp::Le),
            BinOp::Gt => Some(Cmp::Gt),
            BinOp::Ge => Some(Cmp::Ge),
            _ => None,
        };
        if let Some(cmp) = cmp {
            let ty = self.comparable(e, &[x, y])?;
            let (p, q) = (self.coerce(x, ty), self.coerce(y, ty));
            return Ok(self.typed(Op::Compare(cmp, p, q), Ty::Bool));
        }
        for t in [x, y] {
            if !t.ty.is_numeric() && t.ty != Ty::Null {
                return Err(err(
                    e,
                    &format!("arithmetic on a {} is not supported", t.ty.name()),
                ));
            }
        }
        if x.ty == Ty::Null && y.ty == Ty::Null {
            return Err(err(e, "arithmetic on two NULL literals is not supported"));
        }
        let decimal_int = |d: Typed, o: Typed| {
            d.decimal && (o.decimal || matches!(o.ty, Ty::Int | Ty::Long | Ty::Null))
        };
        if decimal_int(x, y) || decimal_int(y, x) {
            return Err(err(
                e,
                "DECIMAL arithmetic is not supported (Spark types `1.5` as DECIMAL; write 1.5D \
                 for a double)",
            ));
        }
        let wide = match (x.ty, y.ty) {
            (Ty::Null, t) | (t, Ty::Null) => t,
            (Ty::Int, Ty::Int) => Ty::Int,
            (Ty::Double, _) | (_, Ty::Double) => Ty::Double,
            _ => Ty::Long,
        };
        let (arith, ty, operands) = match op {
            BinOp::Add => (Arith::Add, wide, wide),
            BinOp::Sub => (Arith::Sub, wide, wide),
            BinOp::Mul => (Arith::Mul, wide, wide),
            BinOp::Mod => (Arith::Mod, wide, wide),
            BinOp::Div => (Arith::Div, Ty::Double, Ty::Double),
            BinOp::IntDiv => {
                if wide == Ty::Double {
                    return Err(err(e, "`div` on doubles is not supported"));
                }
                (Arith::IntDiv, Ty::Long, Ty::Long)
            }
            _ => return Err(err(e, "internal: unexpected operator")),
        };
        let (p, q) = (self.coerce(x, operands), self.coerce(y, operands));
        Ok(self.typed(Op::Arith(arith, p, q), ty))
    }

    fn cast(&mut self, e: &Ast, a: &Ast, ty: &str) -> Result<Typed, String> {
        let to = match ty {
            "double" => Ty::Double,
            "int" | "integer" => Ty::Int,
            "bigint" | "long" => Ty::Long,
            "string" => Ty::Str,
            "boolean" => Ty::Bool,
            other => return Err(err(e, &format!("CAST to {other} is not supported"))),
        };
        let t = self.build(a)?;
        if t.decimal && to != Ty::Double && to != Ty::Str {
            return Err(err(
                e,
                "CAST of a DECIMAL literal is only supported to double",
            ));
        }
        if t.ty == Ty::Str && to != Ty::Str && to != Ty::Double {
            return Err(err(
                e,
                &format!("CAST from string to {} is not supported", to.name()),
            ));
        }
        if t.ty == Ty::Bool && to == Ty::Str {
            return Ok(self.typed(Op::Cast(t.node), Ty::Str));
        }
        if t.ty == to || t.ty == Ty::Null {
            return Ok(Typed {
                node: if t.ty == Ty::Null {
                    self.push(Op::Null, to)
                } else {
                    t.node
                },
                ty: to,
                decimal: false,
            });
        }
        Ok(self.typed(Op::Cast(t.node), to))
    }

    /// An argument cast to double (math functions take doubles).
    fn double_arg(&mut self, e: &Ast, a: &Ast) -> Result<u32, String> {
        let t = self.build(a)?;
        if !t.ty.is_numeric() && t.ty != Ty::Null {
            return Err(err(e, &format!("takes a number, not a {}", t.ty.name())));
        }
        Ok(self.coerce(t, Ty::Double))
    }

    /// An argument cast to string (string functions cast numbers as CAST does).
    fn string_arg(&mut self, e: &Ast, a: &Ast) -> Result<u32, String> {
        let t = match a {
            Ast::Column(name) => self.column(name, Ty::Str)?,
            _ => self.build(a)?,
        };
        if t.decimal {
            return Err(err(
                e,
                "a DECIMAL literal as a string argument is not supported",
            ));
        }
        Ok(self.coerce(t, Ty::Str))
    }

    fn int_arg(&mut self, e: &Ast, a: &Ast) -> Result<u32, String> {
        let t = self.build(a)?;
        match t.ty {
            Ty::Int | Ty::Null if !t.decimal => Ok(t.node),
            other => Err(err(
                e,
                &format!("takes an int position or length, not {}", other.name()),
            )),
        }
    }

    fn call(&mut self, e: &Ast, name: &str, args: &[Ast]) -> Result<Typed, String> {
        let arity = |ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(err(e, &format!("wrong number of arguments for {name}")))
            }
        };
        let one = args.first();
        let math = match name {
            "sqrt" => Some(Math::Sqrt),
            "cbrt" => Some(Math::Cbrt),
            "exp" => Some(Math::Exp),
            "expm1" => Some(Math::Expm1),
            "ln" => Some(Math::Ln),
            "log" if args.len() == 1 => Some(Math::Ln),
            "log10" => Some(Math::Log10),
            "log2" => Some(Math::Log2),
            "log1p" => Some(Math::Log1p),
            "sin" => Some(Math::Sin),
            "cos" => Some(Math::Cos),
            "tan" => Some(Math::Tan),
            "asin" => Some(Math::Asin),
            "acos" => Some(Math::Acos),
            "atan" => Some(Math::Atan),
            "sinh" => Some(Math::Sinh),
            "cosh" => Some(Math::Cosh),
            "tanh" => Some(Math::Tanh),
            "signum" | "sign" => Some(Math::Signum),
            "degrees" => Some(Math::Degrees),
            "radians" => Some(Math::Radians),
            _ => None,
        };
        if let Some(f) = math {
            arity(args.len() == 1)?;
            let x = self.double_arg(e, one.unwrap_or(&Ast::Null))?;
            return Ok(self.typed(Op::Math(f, x), Ty::Double));
        }
        match name {
            "log" => {
                arity(args.len() == 2)?;
                let b = self.double_arg(e, nth(args, 0))?;
                let x = self.double_arg(e, nth(args, 1))?;
                Ok(self.typed(Op::Log(b, x), Ty::Double))
            }
            "pow" | "power" => {
                arity(args.len() == 2)?;
                let x = self.double_arg(e, nth(args, 0))?;
                let y = self.double_arg(e, nth(args, 1))?;
                Ok(self.typed(Op::Pow(x, y), Ty::Double))
            }
            "abs" => {
                arity(args.len() == 1)?;
                let t = self.numeric_keep(e, nth(args, 0))?;
                Ok(self.typed(Op::Abs(t.node), t.ty))
            }
            "round" | "bround" => {
                arity(matches!(args.len(), 1 | 2))?;
                let t = self.numeric_keep(e, nth(args, 0))?;
                let scale = match args.get(1) {
                    None => 0,
                    Some(Ast::Int(s, false)) => *s as i32,
                    Some(_) => return Err(err(e, "the scale must be an int literal")),
                };
                Ok(self.typed(Op::Round(t.node, scale, name == "bround"), t.ty))
            }
            "floor" | "ceil" | "ceiling" => {
                arity(args.len() == 1)?;
                let t = self.numeric_keep(e, nth(args, 0))?;
                Ok(self.typed(Op::FloorCeil(t.node, name != "floor"), Ty::Long))
            }
            "isnan" => {
                arity(args.len() == 1)?;
                let x = self.double_arg(e, nth(args, 0))?;
                Ok(self.typed(Op::IsNan(x), Ty::Bool))
            }
            "isnull" | "isnotnull" => {
                arity(args.len() == 1)?;
                let t = self.build(nth(args, 0))?;
                Ok(self.typed(Op::IsNull(t.node, name == "isnotnull"), Ty::Bool))
            }
            "if" | "iff" => {
                arity(args.len() == 3)?;
                let c = self.boolean(nth(args, 0))?;
                let a = self.build(nth(args, 1))?;
                let b = self.build(nth(args, 2))?;
                self.case(e, &[c], &[a, b], true)
            }
            "coalesce" | "ifnull" | "nvl" => {
                arity(if name == "coalesce" {
                    !args.is_empty()
                } else {
                    args.len() == 2
                })?;
                let mut all = Vec::new();
                for a in args {
                    all.push(self.build(a)?);
                }
                let ty = self.common(e, &all)?;
                let decimal = all.iter().any(|t| t.decimal)
                    && ty == Ty::Double
                    && all.iter().all(|t| t.decimal || t.ty == Ty::Null);
                let nodes: Vec<u32> = all.iter().map(|t| self.coerce(*t, ty)).collect();
                let start = self.args(&nodes);
                Ok(Typed {
                    decimal,
                    ..self.typed(Op::Coalesce(start, nodes.len() as u32), ty)
                })
            }
            "nullif" => {
                arity(args.len() == 2)?;
                // Spark: If(EqualTo(a, b), NULL, a).
                let eq = Ast::Binary(
                    BinOp::Eq,
                    Box::new(nth(args, 0).clone()),
                    Box::new(nth(args, 1).clone()),
                );
                let c = self.boolean(&eq)?;
                let null = self.typed(Op::Null, Ty::Null);
                let a = self.build(nth(args, 0))?;
                self.case(e, &[c], &[null, a], true)
            }
            "lower" | "lcase" | "upper" | "ucase" | "trim" | "ltrim" | "rtrim" => {
                arity(args.len() == 1)?;
                let s = self.string_arg(e, nth(args, 0))?;
                let op = match name {
                    "lower" | "lcase" => Op::Lower(s),
                    "upper" | "ucase" => Op::Upper(s),
                    "trim" => Op::Trim(s, Trim::Both),
                    "ltrim" => Op::Trim(s, Trim::Leading),
                    _ => Op::Trim(s, Trim::Trailing),
                };
                Ok(self.typed(op, Ty::Str))
            }
            "length" | "char_length" | "character_length" => {
                arity(args.len() == 1)?;
                let s = self.string_arg(e, nth(args, 0))?;
                Ok(self.typed(Op::Length(s), Ty::Int))
            }
            "concat" => {
                arity(!args.is_empty())?;
                let mut nodes = Vec::new();
                for a in args {
                    nodes.push(self.string_arg(e, a)?);
                }
                let start = self.args(&nodes);
                Ok(self.typed(Op::Concat(start, nodes.len() as u32), Ty::Str))
            }
            "substring" | "substr" => {
                arity(matches!(args.len(), 2 | 3))?;
                let s = self.string_arg(e, nth(args, 0))?;
                let pos = self.int_arg(e, nth(args, 1))?;
                let len = match args.get(2) {
                    Some(l) => self.int_arg(e, l)?,
                    None => u32::MAX,
                };
                Ok(self.typed(Op::Substr(s, pos, len), Ty::Str))
            }
            _ => Err(format!(
                "`{e}`: function `{name}` is not supported by mlscore's SQLTransformer"
            )),
        }
    }

    /// A numeric argument whose type the result keeps (abs, round, floor, ceil).
    fn numeric_keep(&mut self, e: &Ast, a: &Ast) -> Result<Typed, String> {
        let t = self.build(a)?;
        if t.decimal {
            return Err(err(
                e,
                "on a DECIMAL literal Spark returns DECIMAL (not supported)",
            ));
        }
        match t.ty {
            Ty::Int | Ty::Long | Ty::Double => Ok(t),
            Ty::Null => Ok(Typed {
                ty: Ty::Double,
                ..t
            }),
            other => Err(err(e, &format!("takes a number, not a {}", other.name()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, s: &str) -> bool {
        like_matches(&compile_like(pattern, '\\').unwrap(), s.chars())
    }

    #[test]
    fn like_wildcards_match_whole_text_by_character() {
        assert!(like("a%", "abc") && !like("a%", "bac"));
        assert!(!like("%b_", "xbyz") && like("%b_", "xby"));
        assert!(like("a%b%c", "aXbYbc") && !like("a%b%c", "aXbYb"));
        assert!(like("_", "é") && like("_", "\n") && !like("_", ""));
        assert!(like("%", "") && like("", "") && !like("", "a"));
        assert!(like("%%a", "ba") && like("a%%", "a"));
        assert!(like("a\\%", "a%") && !like("a\\%", "ab"));
        assert!(like("\\\\", "\\"));
    }

    #[test]
    fn like_escape_errors_name_the_pattern() {
        let e = compile_like("a\\b", '\\').unwrap_err();
        assert!(e.contains("'a\\b'") && e.contains("precede 'b'"), "{e}");
        let e = compile_like("ab#", '#').unwrap_err();
        assert!(e.contains("end with the escape character"), "{e}");
        assert_eq!(
            compile_like("#_#%##", '#').unwrap(),
            vec![
                LikePart::Char('_'),
                LikePart::Char('%'),
                LikePart::Char('#')
            ]
        );
    }

    #[test]
    fn rounds_like_bigdecimal_of_double_to_string() {
        assert_eq!(round_double(2.675, 2, false), 2.68);
        assert_eq!(round_double(2.5, 0, false), 3.0);
        assert_eq!(round_double(-2.5, 0, false), -3.0);
        assert_eq!(round_double(2.5, 0, true), 2.0);
        assert_eq!(round_double(1.005, 2, false), 1.01);
        assert_eq!(round_double(1234.5, -1, false), 1230.0);
        assert_eq!(round_double(1235.0, -1, false), 1240.0);
        assert_eq!(round_double(0.4, 0, false), 0.0);
        assert_eq!(round_double(0.0004, 2, false), 0.0);
        assert_eq!(round_double(-0.0, 0, false), 0.0);
        assert_eq!(round_double(1e300, 0, false), 1e300);
        assert!(round_double(f64::NAN, 0, false).is_nan());
    }

    #[test]
    fn rounds_integers() {
        assert_eq!(round_integer(15, -1, false), Some(20));
        assert_eq!(round_integer(-15, -1, false), Some(-20));
        assert_eq!(round_integer(14, -1, false), Some(10));
        assert_eq!(round_integer(25, -1, true), Some(20));
        assert_eq!(round_integer(15, -1, true), Some(20));
        assert_eq!(round_integer(7, 2, false), Some(7));
    }

    #[test]
    fn parses_doubles_like_spark() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("+3"), Some(3.0));
        assert_eq!(parse_double("1d"), Some(1.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double("inf"), Some(f64::INFINITY));
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double("abc"), None);
        assert_eq!(parse_double(""), None);
        assert_eq!(parse_double("1.5x"), None);
        assert_eq!(parse_double("."), None);
    }

    #[test]
    fn substring_follows_utf8string_substring_sql() {
        let sub = |s: &str, p: i64, l: i64| {
            let mut o = String::new();
            substring_sql(s, p, l, &mut o);
            o
        };
        assert_eq!(sub("Hello", 2, 3), "ell");
        assert_eq!(sub("Hello", 0, 2), "He");
        assert_eq!(sub("Hello", -2, i64::from(i32::MAX)), "lo");
        assert_eq!(sub("Hello", -10, 12), "Hello");
        assert_eq!(sub("Hello", -10, 7), "He");
        assert_eq!(sub("日本語", 2, 1), "本");
    }

    #[test]
    fn nan_is_largest_and_equal_to_itself() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_doubles(f64::NAN, f64::NAN), Equal);
        assert_eq!(compare_doubles(f64::NAN, f64::INFINITY), Greater);
        assert_eq!(compare_doubles(-0.0, 0.0), Equal);
    }
}
