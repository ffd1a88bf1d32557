//! Lexer and recursive-descent parser for the SQL subset SQLTransformer statements use:
//! `SELECT <items> FROM __THIS__ [WHERE <expr>]`. Knows nothing of types or columns; the
//! `Display` of an `Ast` is how load errors name the offending expression.
//!
//! Precedence follows Spark's grammar (SqlBaseParser.g4): OR < AND < NOT < comparison and
//! predicates (IS NULL, IN, BETWEEN) < `+ - ||` < `* / % DIV` < unary minus < primary.

use std::fmt;

/// Deepest expression nesting accepted: the evaluator recurses once per level.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    Column(String),
    /// Integer literal; `true` when it is a bigint (L suffix or outside int range).
    Int(i64, bool),
    /// Double literal (`1.5D`, `1e3`).
    Double(f64),
    /// Exact decimal literal (`1.5`): Spark types it DECIMAL, the text is kept for messages.
    Decimal(f64, String),
    Str(String),
    Bool(bool),
    Null,
    Neg(Box<Ast>),
    Not(Box<Ast>),
    Binary(BinOp, Box<Ast>, Box<Ast>),
    IsNull(Box<Ast>, bool),
    In(Box<Ast>, Vec<Ast>, bool),
    Between(Box<Ast>, Box<Ast>, Box<Ast>, bool),
    /// `value [NOT] LIKE|ILIKE pattern [ESCAPE 'c']`.
    Like {
        value: Box<Ast>,
        pattern: Box<Ast>,
        escape: char,
        ignore_case: bool,
        neg: bool,
    },
    Case {
        operand: Option<Box<Ast>>,
        whens: Vec<(Ast, Ast)>,
        otherwise: Option<Box<Ast>>,
    },
    Cast(Box<Ast>, String),
    /// Function call, name lower-cased.
    Call(String, Vec<Ast>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Mod,
    Concat,
    Eq,
    NullSafeEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::IntDiv => "div",
            BinOp::Mod => "%",
            BinOp::Concat => "||",
            BinOp::Eq => "=",
            BinOp::NullSafeEq => "<=>",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "AND",
            BinOp::Or => "OR",
        }
    }
}

impl fmt::Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ast::Column(n) => write!(f, "{n}"),
            Ast::Int(v, long) => write!(f, "{v}{}", if *long { "L" } else { "" }),
            Ast::Double(v) => write!(f, "{v}D"),
            Ast::Decimal(_, t) => write!(f, "{t}"),
            Ast::Str(s) => write!(f, "'{s}'"),
            Ast::Bool(b) => write!(f, "{}", if *b { "true" } else { "false" }),
            Ast::Null => write!(f, "NULL"),
            Ast::Neg(a) => write!(f, "-{a}"),
            Ast::Not(a) => write!(f, "NOT {a}"),
            Ast::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Ast::IsNull(a, neg) => write!(f, "{a} IS {}NULL", if *neg { "NOT " } else { "" }),
            Ast::In(a, items, neg) => {
                write!(f, "{a} {}IN (", if *neg { "NOT " } else { "" })?;
                list(f, items)?;
                write!(f, ")")
            }
            Ast::Between(a, lo, hi, neg) => write!(
                f,
                "{a} {}BETWEEN {lo} AND {hi}",
                if *neg { "NOT " } else { "" }
            ),
            Ast::Like {
                value,
                pattern,
                escape,
                ignore_case,
                neg,
            } => write!(
                f,
                "{value} {}{} {pattern} ESCAPE '{escape}'",
                if *neg { "NOT " } else { "" },
                if *ignore_case { "ILIKE" } else { "LIKE" }
            ),
            Ast::Case {
                operand,
                whens,
                otherwise,
            } => {
                write!(f, "CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(e) = otherwise {
                    write!(f, " ELSE {e}")?;
                }
                write!(f, " END")
            }
            Ast::Cast(a, t) => write!(f, "CAST({a} AS {t})"),
            Ast::Call(name, args) => {
                write!(f, "{name}(")?;
                list(f, args)?;
                write!(f, ")")
            }
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, items: &[Ast]) -> fmt::Result {
    for (i, a) in items.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

/// One entry of the SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Star,
    Expr(Ast, Option<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub items: Vec<SelectItem>,
    pub filter: Option<Ast>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Identifier or keyword; `true` when back-quoted (never a keyword).
    Ident(String, bool),
    Number(String),
    Str(String),
    Sym(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s, true) => write!(f, "`{s}`"),
            Tok::Ident(s, false) | Tok::Number(s) => write!(f, "{s}"),
            Tok::Str(s) => write!(f, "'{s}'"),
            Tok::Sym(s) => write!(f, "{s}"),
        }
    }
}

const SYMBOLS: &[&str] = &[
    "<=>", "<=", ">=", "<>", "!=", "==", "||", "(", ")", ",", "*", "+", "-", "/", "%", "=", "<",
    ">", ".", ";",
];

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while chars.get(i).is_some_and(|&c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            return Err("comments /* */ are not supported".into());
        } else if c == '\'' || c == '"' {
            let quote = c;
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string literal".into()),
                    Some('\\') => {
                        let e = chars
                            .get(i + 1)
                            .copied()
                            .ok_or("unterminated string literal")?;
                        // Spark's unescapeSQLString: `\%` and `\_` keep their backslash
                        // (for LIKE patterns), `\uXXXX` is a UTF-16 unit.
                        i += 2;
                        match e {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            'r' => s.push('\r'),
                            'b' => s.push('\u{8}'),
                            'Z' => s.push('\u{1A}'),
                            '0' => s.push('\0'),
                            '%' | '_' => {
                                s.push('\\');
                                s.push(e);
                            }
                            'u' => {
                                let hex: String = chars.iter().skip(i).take(4).collect();
                                let unit = u32::from_str_radix(&hex, 16)
                                    .ok()
                                    .filter(|_| hex.len() == 4)
                                    .and_then(char::from_u32)
                                    .ok_or_else(|| {
                                        format!("unsupported escape \\u{hex} in a string literal")
                                    })?;
                                s.push(unit);
                                i += 4;
                            }
                            other => s.push(other),
                        }
                    }
                    Some(&q) if q == quote => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            toks.push(Tok::Str(s));
        } else if c == '`' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated quoted identifier".into()),
                    Some('`') if chars.get(i + 1) == Some(&'`') => {
                        s.push('`');
                        i += 2;
                    }
                    Some('`') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            toks.push(Tok::Ident(s, true));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_digit() || *d == '.')
            {
                i += 1;
            }
            if chars.get(i).is_some_and(|e| *e == 'e' || *e == 'E') {
                let mut j = i + 1;
                if chars.get(j).is_some_and(|s| *s == '+' || *s == '-') {
                    j += 1;
                }
                if chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    i = j;
                    while chars.get(i).is_some_and(|d| d.is_ascii_digit()) {
                        i += 1;
                    }
                }
            }
            // Type suffixes (L, D, BD, S, Y, F) stay in the token; the parser judges them.
            while chars.get(i).is_some_and(|d| d.is_ascii_alphabetic()) {
                i += 1;
            }
            toks.push(Tok::Number(
                chars.get(start..i).unwrap_or(&[]).iter().collect(),
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|d| d.is_alphanumeric() || *d == '_')
            {
                i += 1;
            }
            toks.push(Tok::Ident(
                chars.get(start..i).unwrap_or(&[]).iter().collect(),
                false,
            ));
        } else {
            let rest: String = chars
                .get(i..(i + 3).min(chars.len()))
                .unwrap_or(&[])
                .iter()
                .collect();
            let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) else {
                return Err(format!("unexpected character `{c}`"));
            };
            i += sym.chars().count();
            toks.push(Tok::Sym(sym));
        }
    }
    Ok(toks)
}

/// Words that end an expression or the statement, so they are never read as column names.
const RESERVED: &[&str] = &[
    "select",
    "from",
    "where",
    "as",
    "and",
    "or",
    "not",
    "case",
    "when",
    "then",
    "else",
    "end",
    "is",
    "in",
    "between",
    "null",
    "true",
    "false",
    "cast",
    "div",
    "group",
    "order",
    "having",
    "limit",
    "join",
    "union",
    "like",
    "rlike",
    "distinct",
    "over",
    "on",
    "using",
    "lateral",
    "window",
    "cluster",
    "distribute",
    "sort",
    "exists",
    "interval",
    "except",
    "intersect",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
];

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

pub fn parse_statement(text: &str) -> Result<Statement, String> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        depth: 0,
    };
    p.statement()
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s, false)) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let yes = self.is_sym(sym);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn here(&self) -> String {
        match self.peek() {
            Some(t) => format!("`{t}`"),
            None => "the end of the statement".into(),
        }
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), String> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(format!("expected `{sym}` but found {}", self.here()))
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), String> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(format!("expected {kw} but found {}", self.here()))
        }
    }

    fn statement(&mut self) -> Result<Statement, String> {
        self.expect_kw("select")?;
        if self.is_kw("distinct") {
            return Err("SELECT DISTINCT is not supported (it needs the whole DataFrame)".into());
        }
        let mut items = Vec::new();
        loop {
            if self.eat_sym("*") {
                items.push(SelectItem::Star);
            } else if matches!(self.peek(), Some(Tok::Ident(t, _)) if t == "__THIS__")
                && matches!(self.peek_at(1), Some(Tok::Sym(".")))
                && matches!(self.peek_at(2), Some(Tok::Sym("*")))
            {
                self.pos += 3;
                items.push(SelectItem::Star);
            } else {
                let e = self.expr()?;
                // `expr AS name`, or `expr name` when the word is not a keyword.
                let bare_alias = matches!(self.peek(), Some(Tok::Ident(s, q))
                    if *q || !RESERVED.contains(&s.to_ascii_lowercase().as_str()));
                let alias = if self.eat_kw("as") || bare_alias {
                    Some(self.ident("an alias")?)
                } else {
                    None
                };
                items.push(SelectItem::Expr(e, alias));
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_kw("from")?;
        match self.peek() {
            Some(Tok::Ident(t, _)) if t == "__THIS__" => self.pos += 1,
            _ => {
                return Err(format!(
                    "only FROM __THIS__ is supported, found {}",
                    self.here()
                ))
            }
        }
        // An alias for __THIS__ (`FROM __THIS__ t`) would allow `t.col`; not supported.
        let filter = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        self.eat_sym(";");
        if let Some(t) = self.peek() {
            let what = match t {
                Tok::Ident(s, false) => s.to_ascii_uppercase(),
                other => other.to_string(),
            };
            return Err(format!(
                "`{what}` is not supported: only SELECT ... FROM __THIS__ [WHERE ...] is"
            ));
        }
        Ok(Statement { items, filter })
    }

    fn ident(&mut self, what: &str) -> Result<String, String> {
        match self.peek().cloned() {
            Some(Tok::Ident(s, quoted))
                if quoted || !RESERVED.contains(&s.to_ascii_lowercase().as_str()) =>
            {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(format!("expected {what} but found {}", self.here())),
        }
    }

    fn expr(&mut self) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        let r = self.or();
        self.depth -= 1;
        r
    }

    fn or(&mut self) -> Result<Ast, String> {
        let mut a = self.and()?;
        while self.eat_kw("or") {
            let b = self.and()?;
            a = Ast::Binary(BinOp::Or, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn and(&mut self) -> Result<Ast, String> {
        let mut a = self.not()?;
        while self.eat_kw("and") {
            let b = self.not()?;
            a = Ast::Binary(BinOp::And, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn not(&mut self) -> Result<Ast, String> {
        if self.eat_kw("not") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
            }
            let a = self.not()?;
            self.depth -= 1;
            return Ok(Ast::Not(Box::new(a)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Ast, String> {
        let mut a = self.comparison()?;
        loop {
            if self.eat_kw("is") {
                let neg = self.eat_kw("not");
                if self.eat_kw("null") {
                    a = Ast::IsNull(Box::new(a), neg);
                } else {
                    return Err(format!(
                        "only IS [NOT] NULL is supported, found IS {}",
                        self.here()
                    ));
                }
                continue;
            }
            let neg = self.is_kw("not")
                && matches!(self.peek_at(1), Some(Tok::Ident(s, false)) if ["in", "between", "like", "ilike", "rlike"].contains(&s.to_ascii_lowercase().as_str()));
            if neg {
                self.pos += 1;
            }
            if self.eat_kw("in") {
                self.expect_sym("(")?;
                if self.is_kw("select") {
                    return Err("subqueries are not supported".into());
                }
                let mut items = vec![self.expr()?];
                while self.eat_sym(",") {
                    items.push(self.expr()?);
                }
                self.expect_sym(")")?;
                a = Ast::In(Box::new(a), items, neg);
            } else if self.eat_kw("between") {
                let lo = self.comparison()?;
                self.expect_kw("and")?;
                let hi = self.comparison()?;
                a = Ast::Between(Box::new(a), Box::new(lo), Box::new(hi), neg);
            } else if self.is_kw("like") || self.is_kw("ilike") {
                let ignore_case = self.is_kw("ilike");
                self.pos += 1;
                if self.is_kw("any") || self.is_kw("all") || self.is_kw("some") {
                    return Err(format!("LIKE {} is not supported", self.here()));
                }
                let pattern = self.comparison()?;
                let escape = if self.eat_kw("escape") {
                    match self.peek() {
                        Some(Tok::Str(e)) if e.chars().count() == 1 => {
                            let c = e.chars().next().unwrap_or('\\');
                            self.pos += 1;
                            c
                        }
                        _ => {
                            return Err(format!(
                                "ESCAPE takes a one-character string, found {}",
                                self.here()
                            ))
                        }
                    }
                } else {
                    '\\'
                };
                a = Ast::Like {
                    value: Box::new(a),
                    pattern: Box::new(pattern),
                    escape,
                    ignore_case,
                    neg,
                };
            } else if self.is_kw("rlike") || self.is_kw("regexp") {
                return Err(format!("{a} {} is not supported", self.here()));
            } else {
                return Ok(a);
            }
        }
    }

    fn comparison(&mut self) -> Result<Ast, String> {
        let mut a = self.additive()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym("=")) | Some(Tok::Sym("==")) => BinOp::Eq,
                Some(Tok::Sym("<=>")) => BinOp::NullSafeEq,
                Some(Tok::Sym("<>")) | Some(Tok::Sym("!=")) => BinOp::Ne,
                Some(Tok::Sym("<")) => BinOp::Lt,
                Some(Tok::Sym("<=")) => BinOp::Le,
                Some(Tok::Sym(">")) => BinOp::Gt,
                Some(Tok::Sym(">=")) => BinOp::Ge,
                _ => return Ok(a),
            };
            self.pos += 1;
            let b = self.additive()?;
            a = Ast::Binary(op, Box::new(a), Box::new(b));
        }
    }

    fn additive(&mut self) -> Result<Ast, String> {
        let mut a = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym("+")) => BinOp::Add,
                Some(Tok::Sym("-")) => BinOp::Sub,
                Some(Tok::Sym("||")) => BinOp::Concat,
                _ => return Ok(a),
            };
            self.pos += 1;
            let b = self.multiplicative()?;
            a = Ast::Binary(op, Box::new(a), Box::new(b));
        }
    }

    fn multiplicative(&mut self) -> Result<Ast, String> {
        let mut a = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym("*")) => BinOp::Mul,
                Some(Tok::Sym("/")) => BinOp::Div,
                Some(Tok::Sym("%")) => BinOp::Mod,
                Some(Tok::Ident(s, false)) if s.eq_ignore_ascii_case("div") => BinOp::IntDiv,
                _ => return Ok(a),
            };
            self.pos += 1;
            let b = self.unary()?;
            a = Ast::Binary(op, Box::new(a), Box::new(b));
        }
    }

    fn unary(&mut self) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        let r = if self.eat_sym("-") {
            // Spark's grammar reads `-<number>` as one literal (so -2147483648 is an int).
            if let Some(Tok::Number(n)) = self.peek().cloned() {
                self.pos += 1;
                number(&format!("-{n}"))
            } else {
                self.unary().map(|a| Ast::Neg(Box::new(a)))
            }
        } else if self.eat_sym("+") {
            self.unary()
        } else {
            self.primary()
        };
        self.depth -= 1;
        r
    }

    fn primary(&mut self) -> Result<Ast, String> {
        let Some(tok) = self.peek().cloned() else {
            return Err("expected an expression but found the end of the statement".into());
        };
        self.pos += 1;
        match tok {
            Tok::Number(n) => number(&n),
            Tok::Str(s) => Ok(Ast::Str(s)),
            Tok::Sym("(") => {
                if self.is_kw("select") {
                    return Err("subqueries are not supported".into());
                }
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Ident(name, true) => self.column_or_call(name),
            Tok::Ident(name, false) => {
                let lower = name.to_ascii_lowercase();
                match lower.as_str() {
                    "null" => Ok(Ast::Null),
                    "true" => Ok(Ast::Bool(true)),
                    "false" => Ok(Ast::Bool(false)),
                    "case" => self.case(),
                    "cast" => {
                        self.expect_sym("(")?;
                        let e = self.expr()?;
                        self.expect_kw("as")?;
                        let ty = self.ident("a type name")?;
                        if self.is_sym("(") {
                            return Err(format!(
                                "CAST({e} AS {ty}(...)) is not supported (parameterised type)"
                            ));
                        }
                        self.expect_sym(")")?;
                        Ok(Ast::Cast(Box::new(e), ty.to_ascii_lowercase()))
                    }
                    "exists" => Err("subqueries (EXISTS) are not supported".into()),
                    "interval" => Err("INTERVAL literals are not supported".into()),
                    _ if RESERVED.contains(&lower.as_str()) && !self.is_sym("(") => {
                        Err(format!("unexpected `{name}`"))
                    }
                    _ => self.column_or_call(name),
                }
            }
            Tok::Sym(s) => Err(format!("unexpected `{s}`")),
        }
    }

    fn column_or_call(&mut self, name: String) -> Result<Ast, String> {
        if self.eat_sym("(") {
            let lower = name.to_ascii_lowercase();
            let mut args = Vec::new();
            if self.is_kw("distinct") {
                return Err(format!("{lower}(DISTINCT ...) is not supported"));
            }
            if self.eat_sym("*") {
                self.expect_sym(")")?;
                return Err(format!("{lower}(*) is not supported"));
            }
            if !self.eat_sym(")") {
                loop {
                    args.push(self.expr()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym(")")?;
            }
            if self.is_kw("over") {
                return Err(format!(
                    "window function {lower}(...) OVER is not supported"
                ));
            }
            return Ok(Ast::Call(lower, args));
        }
        if self.is_sym(".") {
            return Err(format!(
                "qualified or nested column `{name}.{}` is not supported",
                self.peek_at(1).map(|t| t.to_string()).unwrap_or_default()
            ));
        }
        Ok(Ast::Column(name))
    }

    fn case(&mut self) -> Result<Ast, String> {
        let operand = if self.is_kw("when") {
            None
        } else {
            Some(Box::new(self.expr()?))
        };
        let mut whens = Vec::new();
        while self.eat_kw("when") {
            let w = self.expr()?;
            self.expect_kw("then")?;
            let t = self.expr()?;
            whens.push((w, t));
        }
        if whens.is_empty() {
            return Err(format!("CASE without WHEN, found {}", self.here()));
        }
        let otherwise = if self.eat_kw("else") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        self.expect_kw("end")?;
        Ok(Ast::Case {
            operand,
            whens,
            otherwise,
        })
    }
}

/// A numeric literal with Spark's typing: integers are int (bigint when too large or with
/// `L`), `1.5` is DECIMAL, exponent forms and `D` suffixes are DOUBLE.
fn number(text: &str) -> Result<Ast, String> {
    let upper = text.to_ascii_uppercase();
    let bad = || format!("numeric literal `{text}` is not supported");
    if let Some(body) = upper.strip_suffix('L') {
        return body
            .parse::<i64>()
            .map(|v| Ast::Int(v, true))
            .map_err(|_| bad());
    }
    if upper.ends_with("BD") || upper.ends_with('S') || upper.ends_with('Y') || upper.ends_with('F')
    {
        return Err(format!(
            "numeric literal `{text}` (DECIMAL/SMALLINT/TINYINT/FLOAT suffix) is not supported"
        ));
    }
    if let Some(body) = upper.strip_suffix('D') {
        return body.parse::<f64>().map(Ast::Double).map_err(|_| bad());
    }
    if upper.bytes().any(|b| b.is_ascii_alphabetic() && b != b'E') {
        return Err(bad());
    }
    if upper.contains('E') {
        return upper.parse::<f64>().map(Ast::Double).map_err(|_| bad());
    }
    if upper.contains('.') {
        return upper
            .parse::<f64>()
            .map(|v| Ast::Decimal(v, text.to_string()))
            .map_err(|_| bad());
    }
    match upper.parse::<i64>() {
        Ok(v) => Ok(Ast::Int(v, i32::try_from(v).is_err())),
        Err(_) => Err(format!(
            "integer literal `{text}` is beyond bigint (Spark would make it DECIMAL)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_select_star_alias_where() {
        let s = parse_statement(
            "SELECT *, x * 2.0 AS x2, COALESCE(y, -1.0) AS y_filled FROM __THIS__ WHERE x > 0",
        )
        .unwrap();
        assert_eq!(s.items.len(), 3);
        assert_eq!(s.items[0], SelectItem::Star);
        let SelectItem::Expr(e, Some(a)) = &s.items[1] else {
            panic!()
        };
        assert_eq!(a, "x2");
        assert_eq!(e.to_string(), "(x * 2.0)");
        assert_eq!(s.filter.unwrap().to_string(), "(x > 0)");
    }

    #[test]
    fn precedence_follows_spark() {
        let s = parse_statement("SELECT a + b * c = d AND NOT e OR f AS z FROM __THIS__").unwrap();
        let SelectItem::Expr(e, _) = &s.items[0] else {
            panic!()
        };
        assert_eq!(e.to_string(), "((((a + (b * c)) = d) AND NOT e) OR f)");
    }

    #[test]
    fn literal_types() {
        assert_eq!(number("1").unwrap(), Ast::Int(1, false));
        assert_eq!(number("3000000000").unwrap(), Ast::Int(3000000000, true));
        assert_eq!(number("2L").unwrap(), Ast::Int(2, true));
        assert_eq!(number("1e2").unwrap(), Ast::Double(100.0));
        assert_eq!(number("1.5D").unwrap(), Ast::Double(1.5));
        assert!(matches!(number("1.5").unwrap(), Ast::Decimal(..)));
        assert!(number("1.5BD").is_err());
    }

    #[test]
    fn rejects_what_is_outside_the_subset() {
        for (sql, needle) in [
            ("SELECT a FROM __THIS__ GROUP BY a", "GROUP"),
            ("SELECT a FROM __THIS__ JOIN t ON a = b", "JOIN"),
            ("SELECT a FROM other", "__THIS__"),
            ("SELECT (SELECT 1) AS a FROM __THIS__", "subquer"),
            (
                "SELECT a FROM __THIS__ WHERE a IN (SELECT b FROM __THIS__)",
                "subquer",
            ),
            ("SELECT a RLIKE 'x.*' AS l FROM __THIS__", "RLIKE"),
            ("SELECT a LIKE ANY ('x%') AS l FROM __THIS__", "ANY"),
            (
                "SELECT a LIKE 'x%' ESCAPE 'ab' AS l FROM __THIS__",
                "one-character",
            ),
            ("SELECT t.a FROM __THIS__", "t.a"),
            ("SELECT DISTINCT a FROM __THIS__", "DISTINCT"),
            ("SELECT a FROM __THIS__ ORDER BY a", "ORDER"),
        ] {
            let err = parse_statement(sql).unwrap_err();
            assert!(
                err.to_lowercase().contains(&needle.to_lowercase()),
                "{sql}: {err}"
            );
        }
    }
}
