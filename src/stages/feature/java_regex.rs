//! Java `java.util.regex` patterns (RegexTokenizer's `pattern`, spark-format.md 7.23) run with
//! `fancy-regex`. Java's syntax differs from Rust's in meaning, not just spelling: `\s`, `\d`,
//! `\w` and POSIX classes are ASCII-only, `\b` counts every Unicode letter or digit, `.` stops at
//! five line terminators, `$` matches before a final line terminator, `(?i)` folds ASCII only.
//! So the pattern is parsed as Java parses it and re-emitted with the same meaning in
//! fancy-regex syntax (literals as `\x{…}`, classes spelled out, anchors as look-arounds).
//! Constructs Java accepts but that have no faithful translation (Unicode blocks beyond a
//! small table, `\X`, CANON_EQ, …) are refused, so the load fails naming the param.
//!
//! Matching reproduces `Pattern.split` (limit 0) and the `Matcher.find()` loop exactly,
//! including empty matches; positions are UTF-8 byte offsets where Java counts UTF-16 units,
//! which only differs when an empty match would split a surrogate pair.

use std::fmt::Write;

/// A compiled Java pattern.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    re: fancy_regex::Regex,
}

/// The match could not finish (fancy-regex's backtracking limit); Java would have gone on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegexLimit;

impl JavaRegex {
    /// Translates and compiles; the error text says what Java construct is not supported or
    /// why the pattern is invalid.
    pub fn compile(java: &str) -> Result<JavaRegex, String> {
        let rust = translate(java)?;
        let re =
            fancy_regex::Regex::new(&rust).map_err(|e| format!("cannot compile `{java}`: {e}"))?;
        Ok(JavaRegex { re })
    }

    /// Next match at or after byte `pos`, seeing the text before `pos` for look-behind and
    /// `\b`, like `Matcher.find(from)` with transparent context.
    #[inline]
    fn find_at(&self, s: &str, pos: usize) -> Result<Option<(usize, usize)>, RegexLimit> {
        match self.re.find_from_pos(s, pos) {
            Ok(m) => Ok(m.map(|m| (m.start(), m.end()))),
            Err(_) => Err(RegexLimit),
        }
    }

    /// Java's `find()` loop: after an empty match the next search starts one character later.
    fn for_each_match(&self, s: &str, mut f: impl FnMut(usize, usize)) -> Result<(), RegexLimit> {
        let mut pos = 0;
        while pos <= s.len() {
            let Some((start, end)) = self.find_at(s, pos)? else {
                break;
            };
            f(start, end);
            pos = if end > start {
                end
            } else {
                end + s
                    .get(end..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8)
            };
        }
        Ok(())
    }

    /// `Pattern.split(s)` with limit 0: pieces between matches, no leading empty piece for a
    /// zero-width match at 0, trailing empty pieces removed, and the whole input as the only
    /// piece when nothing matched (so `""` gives `[""]`).
    pub fn split<'a>(&self, s: &'a str, mut emit: impl FnMut(&'a str)) -> Result<(), RegexLimit> {
        let mut index = 0usize;
        let mut matched = false;
        let mut pieces = Pieces { pending_empty: 0 };
        self.for_each_match(s, |start, end| {
            if !matched && start == 0 && end == 0 {
                return;
            }
            pieces.push(s.get(index..start).unwrap_or(""), &mut emit);
            matched = true;
            index = end;
        })?;
        if !matched {
            emit(s);
            return Ok(());
        }
        pieces.push(s.get(index..).unwrap_or(""), &mut emit);
        Ok(())
    }

    /// Every match of the `find()` loop, empty ones included (Scala's `findAllIn`).
    pub fn find_all<'a>(
        &self,
        s: &'a str,
        mut emit: impl FnMut(&'a str),
    ) -> Result<(), RegexLimit> {
        self.for_each_match(s, |start, end| emit(s.get(start..end).unwrap_or("")))
    }
}

/// `Pattern.split`'s removal of trailing empty pieces: empty pieces are held back until a
/// non-empty one follows, so the ones at the end are never emitted.
struct Pieces {
    pending_empty: usize,
}

impl Pieces {
    fn push<'a>(&mut self, piece: &'a str, emit: &mut impl FnMut(&'a str)) {
        if piece.is_empty() {
            self.pending_empty += 1;
        } else {
            for _ in 0..self.pending_empty {
                emit("");
            }
            self.pending_empty = 0;
            emit(piece);
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    /// CASE_INSENSITIVE (ASCII only unless `unicode_case`).
    ci: bool,
    unicode_case: bool,
    multiline: bool,
    dotall: bool,
    unix_lines: bool,
    comments: bool,
    /// UNICODE_CHARACTER_CLASS: `\w`, `\d`, `\s`, `\b` and POSIX classes become Unicode.
    unicode_class: bool,
}

/// One parsed escape or literal.
enum Atom {
    Char(char),
    /// A class in nested-bracket form `[…]`, usable inside or outside a class.
    Class(String),
    /// Anything else, outside classes only (anchors, back-references).
    Raw(String),
    /// `\Q…\E`: literal characters.
    Quote(Vec<char>),
}

/// Java's `\b` word characters: `Character.isLetterOrDigit` or `_`, and non-spacing marks
/// (Java 17; JDK 19+ switched to ASCII `\w`).
const JAVA_WORD: &str = r"[\p{L}\p{Nd}\p{Mn}_]";
/// Java's UNICODE_CHARACTER_CLASS `\w`, the same set as Rust's Unicode `\w`.
const UNICODE_WORD_BODY: &str = r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}";
const UNICODE_WORD: &str = r"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]";
const LINE_TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

struct Translator {
    p: Vec<char>,
    pos: usize,
    out: String,
    flags: Flags,
    stack: Vec<Flags>,
    /// Capturing groups opened so far (Java resolves `\12` against it).
    groups: usize,
}

/// Java pattern → fancy-regex pattern with the same matches.
pub fn translate(java: &str) -> Result<String, String> {
    let mut t = Translator {
        p: java.chars().collect(),
        pos: 0,
        out: String::with_capacity(java.len() * 2),
        flags: Flags::default(),
        stack: Vec::new(),
        groups: 0,
    };
    t.run()?;
    Ok(t.out)
}

fn lit(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    }
}

fn ascii_other_case(c: char) -> Option<char> {
    if c.is_ascii_lowercase() {
        Some(c.to_ascii_uppercase())
    } else if c.is_ascii_uppercase() {
        Some(c.to_ascii_lowercase())
    } else {
        None
    }
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.p.get(self.pos).copied()
    }
    fn peek_at(&self, k: usize) -> Option<char> {
        self.p.get(self.pos + k).copied()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }
    fn err<T>(&self, msg: &str) -> Result<T, String> {
        Err(format!("{msg} near index {}", self.pos))
    }

    /// COMMENTS mode: whitespace and `#…` line comments between tokens are ignored.
    fn skip_comments(&mut self) {
        if !self.flags.comments {
            return;
        }
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '#' {
                while let Some(c) = self.next() {
                    if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    fn run(&mut self) -> Result<(), String> {
        loop {
            self.skip_comments();
            let Some(c) = self.next() else { break };
            match c {
                '\\' => match self.escape(false)? {
                    Atom::Char(c) => self.emit_char(c),
                    Atom::Class(s) | Atom::Raw(s) => self.out.push_str(&s),
                    Atom::Quote(cs) => {
                        for c in cs {
                            self.emit_char(c);
                        }
                    }
                },
                '[' => {
                    let class = self.class(false)?;
                    self.out.push_str(&class);
                }
                '.' => {
                    let dot = if self.flags.dotall {
                        r"[\x{0}-\x{10FFFF}]".to_string()
                    } else if self.flags.unix_lines {
                        r"[^\n]".to_string()
                    } else {
                        format!("[^{LINE_TERMINATORS}]")
                    };
                    self.out.push_str(&dot);
                }
                '^' => {
                    let caret = match (self.flags.multiline, self.flags.unix_lines) {
                        (false, _) => r"\A".to_string(),
                        (true, true) => r"(?:(?!\z)(?:\A|(?<=\n)))".to_string(),
                        (true, false) => {
                            r"(?:(?!\z)(?:\A|(?<=[\n\x{85}\x{2028}\x{2029}])|(?<=\r)(?!\n)))"
                                .to_string()
                        }
                    };
                    self.out.push_str(&caret);
                }
                '$' => {
                    let dollar = self.dollar(self.flags.multiline);
                    self.out.push_str(dollar);
                }
                '(' => self.open_group()?,
                ')' => {
                    let Some(f) = self.stack.pop() else {
                        return self.err("Unmatched closing ')'");
                    };
                    self.flags = f;
                    self.out.push(')');
                }
                '|' => self.out.push('|'),
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.quantifier_suffix();
                }
                '{' => self.repetition()?,
                c => self.emit_char(c),
            }
        }
        if !self.stack.is_empty() {
            return self.err("Unclosed group");
        }
        Ok(())
    }

    /// `?` (reluctant) or `+` (possessive) after a quantifier.
    fn quantifier_suffix(&mut self) {
        self.skip_comments();
        if let Some(c @ ('?' | '+')) = self.peek() {
            self.pos += 1;
            self.out.push(c);
        }
    }

    /// `{n}`, `{n,}`, `{n,m}`; anything else is Java's "Illegal repetition".
    fn repetition(&mut self) -> Result<(), String> {
        let digits = |t: &mut Translator| {
            let start = t.pos;
            while t.peek().is_some_and(|c| c.is_ascii_digit()) {
                t.pos += 1;
            }
            t.p.get(start..t.pos)
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
        };
        let lo = digits(self);
        if lo.is_empty() {
            return self.err("Illegal repetition");
        }
        let mut text = format!("{{{lo}");
        if self.peek() == Some(',') {
            self.pos += 1;
            text.push(',');
            text.push_str(&digits(self));
        }
        if self.next() != Some('}') {
            return self.err("Unclosed counted closure");
        }
        text.push('}');
        self.out.push_str(&text);
        self.quantifier_suffix();
        Ok(())
    }

    fn dollar(&self, multiline: bool) -> &'static str {
        match (multiline, self.flags.unix_lines) {
            (false, false) => r"(?:\z|(?=\r\n\z)|(?<!\r)(?=\n\z)|(?=[\r\x{85}\x{2028}\x{2029}]\z))",
            (true, false) => r"(?:\z|(?=[\r\x{85}\x{2028}\x{2029}])|(?<!\r)(?=\n))",
            (false, true) => r"(?:\z|(?=\n\z))",
            (true, true) => r"(?:\z|(?=\n))",
        }
    }

    fn emit_char(&mut self, c: char) {
        if self.flags.ci && !self.flags.unicode_case {
            if let Some(o) = ascii_other_case(c) {
                self.out.push('[');
                self.out.push(c);
                self.out.push(o);
                self.out.push(']');
                return;
            }
        }
        if self.flags.ci && self.flags.unicode_case {
            self.out.push_str("(?i:");
            lit(c, &mut self.out);
            self.out.push(')');
            return;
        }
        lit(c, &mut self.out);
    }

    fn open_group(&mut self) -> Result<(), String> {
        self.stack.push(self.flags);
        if self.peek() != Some('?') {
            self.groups += 1;
            self.out.push('(');
            return Ok(());
        }
        self.pos += 1;
        match self.next() {
            Some(':') => self.out.push_str("(?:"),
            Some('=') => self.out.push_str("(?="),
            Some('!') => self.out.push_str("(?!"),
            Some('>') => self.out.push_str("(?>"),
            Some('<') => match self.peek() {
                Some('=') => {
                    self.pos += 1;
                    self.out.push_str("(?<=");
                }
                Some('!') => {
                    self.pos += 1;
                    self.out.push_str("(?<!");
                }
                _ => {
                    let name = self.group_name('>')?;
                    self.groups += 1;
                    let _ = write!(self.out, "(?<{name}>");
                }
            },
            Some(_) => {
                self.pos -= 1;
                let mut on = true;
                loop {
                    match self.next() {
                        Some('-') => on = false,
                        Some('i') => self.flags.ci = on,
                        Some('u') => self.flags.unicode_case = on,
                        Some('m') => self.flags.multiline = on,
                        Some('s') => self.flags.dotall = on,
                        Some('d') => self.flags.unix_lines = on,
                        Some('x') => self.flags.comments = on,
                        Some('U') => {
                            self.flags.unicode_class = on;
                            // UNICODE_CHARACTER_CLASS implies UNICODE_CASE.
                            if on {
                                self.flags.unicode_case = true;
                            }
                        }
                        Some('c') => return self.err("CANON_EQ flag (?c) is not supported"),
                        Some(')') => {
                            // Inline flags last to the end of the enclosing group.
                            let Some(_) = self.stack.pop() else {
                                return self.err("internal");
                            };
                            return Ok(());
                        }
                        Some(':') => {
                            self.out.push_str("(?:");
                            return Ok(());
                        }
                        _ => return self.err("Unknown inline modifier"),
                    }
                }
            }
            None => return self.err("Unknown group type"),
        }
        Ok(())
    }

    /// Java group names: an ASCII letter, then ASCII letters or digits.
    fn group_name(&mut self, close: char) -> Result<String, String> {
        let mut name = String::new();
        while let Some(c) = self.next() {
            if c == close {
                let valid = name.chars().next().is_some_and(|f| f.is_ascii_alphabetic())
                    && name.chars().all(|c| c.is_ascii_alphanumeric());
                return if valid {
                    Ok(name)
                } else {
                    self.err("Bad named group name")
                };
            }
            name.push(c);
        }
        self.err("Unclosed group name")
    }

    fn hex(&mut self, n: usize) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let Some(d) = self.next().and_then(|c| c.to_digit(16)) else {
                return self.err("Illegal hexadecimal escape sequence");
            };
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn code_point(&self, v: u32) -> Result<char, String> {
        char::from_u32(v).map_or_else(
            || self.err("Unsupported code point (lone surrogate or out of range)"),
            Ok,
        )
    }

    /// Parses an escape after the backslash (Java `Pattern.escape`).
    fn escape(&mut self, in_class: bool) -> Result<Atom, String> {
        let Some(c) = self.next() else {
            return self.err("Unexpected internal error (trailing backslash)");
        };
        let u = self.flags.unicode_class;
        let class = |s: &str| Ok(Atom::Class(s.to_string()));
        match c {
            '0' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 3 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) if v * 8 + d <= 0o377 => {
                            v = v * 8 + d;
                            self.pos += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if n == 0 {
                    return self.err("Illegal octal escape sequence");
                }
                Ok(Atom::Char(self.code_point(v)?))
            }
            '1'..='9' if !in_class => {
                let mut num = c as usize - '0' as usize;
                while let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
                    let next = num * 10 + d as usize;
                    if next > self.groups {
                        break;
                    }
                    num = next;
                    self.pos += 1;
                }
                Ok(Atom::Raw(self.backref(&num.to_string())))
            }
            'k' if !in_class => {
                if self.next() != Some('<') {
                    return self.err("\\k is not followed by '<' for named capturing group");
                }
                let name = self.group_name('>')?;
                Ok(Atom::Raw(self.backref(&name)))
            }
            'd' => class(if u { r"[\p{Nd}]" } else { "[0-9]" }),
            'D' => class(if u { r"[^\p{Nd}]" } else { "[^0-9]" }),
            's' => class(if u {
                r"[\p{White_Space}]"
            } else {
                r"[\t\n\x0B\x0C\r\x20]"
            }),
            'S' => class(if u {
                r"[^\p{White_Space}]"
            } else {
                r"[^\t\n\x0B\x0C\r\x20]"
            }),
            'w' => class(if u { UNICODE_WORD } else { "[a-zA-Z_0-9]" }),
            'W' => {
                if u {
                    Ok(Atom::Class(format!("[^{UNICODE_WORD_BODY}]")))
                } else {
                    class("[^a-zA-Z_0-9]")
                }
            }
            'h' => class(r"[\x20\t\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"),
            'H' => class(r"[^\x20\t\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"),
            'v' => class(r"[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]"),
            'V' => class(r"[^\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]"),
            'p' | 'P' => {
                let name = if self.peek() == Some('{') {
                    self.pos += 1;
                    let mut name = String::new();
                    loop {
                        match self.next() {
                            Some('}') => break,
                            Some(ch) => name.push(ch),
                            None => return self.err("Unclosed character family"),
                        }
                    }
                    name
                } else {
                    match self.next() {
                        Some(ch) => ch.to_string(),
                        None => return self.err("Illegal character family"),
                    }
                };
                let body = self.property(&name)?;
                Ok(Atom::Class(if c == 'P' {
                    format!("[^{body}]")
                } else {
                    format!("[{body}]")
                }))
            }
            'Q' => {
                let mut cs = Vec::new();
                while let Some(ch) = self.next() {
                    if ch == '\\' && self.peek() == Some('E') {
                        self.pos += 1;
                        break;
                    }
                    cs.push(ch);
                }
                Ok(Atom::Quote(cs))
            }
            'A' if !in_class => Ok(Atom::Raw(r"\A".into())),
            'z' if !in_class => Ok(Atom::Raw(r"\z".into())),
            'Z' if !in_class => Ok(Atom::Raw(self.dollar(false).into())),
            'G' if !in_class => Ok(Atom::Raw(r"\G".into())),
            'R' if !in_class => Ok(Atom::Raw(
                r"(?>\r\n|[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}])".into(),
            )),
            'b' | 'B' if !in_class => {
                if self.peek() == Some('{') {
                    return self.err("\\b{g} grapheme boundaries are not supported");
                }
                let w = if u { UNICODE_WORD } else { JAVA_WORD };
                Ok(Atom::Raw(if c == 'b' {
                    format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))")
                } else {
                    format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))")
                }))
            }
            'a' => Ok(Atom::Char('\u{7}')),
            'e' => Ok(Atom::Char('\u{1B}')),
            'f' => Ok(Atom::Char('\u{0C}')),
            'n' => Ok(Atom::Char('\n')),
            'r' => Ok(Atom::Char('\r')),
            't' => Ok(Atom::Char('\t')),
            'c' => match self.next() {
                Some(x) => Ok(Atom::Char(self.code_point(x as u32 ^ 64)?)),
                None => self.err("Illegal control escape sequence"),
            },
            'x' => {
                if self.peek() == Some('{') {
                    self.pos += 1;
                    let mut v = 0u32;
                    let mut n = 0;
                    loop {
                        match self.next() {
                            Some('}') if n > 0 => break,
                            Some(d) if d.is_ascii_hexdigit() && v <= 0x10FFFF => {
                                v = v * 16 + d.to_digit(16).unwrap_or(0);
                                n += 1;
                            }
                            _ => return self.err("Illegal hexadecimal escape sequence"),
                        }
                    }
                    Ok(Atom::Char(self.code_point(v)?))
                } else {
                    let v = self.hex(2)?;
                    Ok(Atom::Char(self.code_point(v)?))
                }
            }
            'u' => {
                let v = self.hex(4)?;
                if (0xD800..0xDC00).contains(&v)
                    && self.peek() == Some('\\')
                    && self.peek_at(1) == Some('u')
                {
                    // A surrogate pair written as two escapes is one supplementary character.
                    let save = self.pos;
                    self.pos += 2;
                    let lo = self.hex(4)?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok(Atom::Char(self.code_point(cp)?));
                    }
                    self.pos = save;
                }
                Ok(Atom::Char(self.code_point(v)?))
            }
            c if c.is_ascii_alphabetic() => {
                self.err(&format!("Illegal/unsupported escape sequence \\{c}"))
            }
            c if in_class && c.is_ascii_digit() => {
                self.err("Illegal/unsupported escape sequence in a class")
            }
            c => Ok(Atom::Char(c)),
        }
    }

    fn backref(&self, group: &str) -> String {
        if self.flags.ci {
            format!(r"(?i:\k<{group}>)")
        } else {
            format!(r"\k<{group}>")
        }
    }

    /// A `\p{name}` family as the body of a Rust class (without brackets).
    fn property(&self, name: &str) -> Result<String, String> {
        let ci = self.flags.ci;
        if let Some((key, value)) = name.split_once('=') {
            return match key.to_ascii_lowercase().as_str() {
                "sc" | "script" => Ok(format!(r"\p{{sc={}}}", sanitize(value)?)),
                "gc" | "general_category" => {
                    self.category(value).map_or_else(|| self.unknown(name), Ok)
                }
                "blk" | "block" => block(value).map_or_else(|| self.unknown(name), Ok),
                _ => self.unknown(name),
            };
        }
        if let Some(b) = name.strip_prefix("In") {
            return block(b).map_or_else(|| self.unknown(name), Ok);
        }
        if let Some(short) = name.strip_prefix("Is") {
            if let Some(p) = binary_property(short, ci) {
                return Ok(p.to_string());
            }
            if let Some(p) = self.category(short) {
                return Ok(p);
            }
            return Ok(format!(r"\p{{sc={}}}", sanitize(short)?));
        }
        if self.flags.unicode_class {
            if let Some(p) = posix_unicode(name) {
                return Ok(p.to_string());
            }
        }
        self.category(name).map_or_else(|| self.unknown(name), Ok)
    }

    fn unknown<T>(&self, name: &str) -> Result<T, String> {
        self.err(&format!(
            "Unknown or unsupported character property {{{name}}}"
        ))
    }

    /// Java `CharPredicates.forProperty`: general categories, POSIX (ASCII) and java* names.
    fn category(&self, name: &str) -> Option<String> {
        let ci = self.flags.ci;
        let s = match name {
            "Lu" | "Ll" | "Lt" if ci => r"\p{Lu}\p{Ll}\p{Lt}",
            "Cn" | "Lu" | "Ll" | "Lt" | "Lm" | "Lo" | "Mn" | "Me" | "Mc" | "Nd" | "Nl" | "No"
            | "Zs" | "Zl" | "Zp" | "Cc" | "Cf" | "Co" | "Cs" | "Pd" | "Ps" | "Pe" | "Pc" | "Po"
            | "Sm" | "Sc" | "Sk" | "So" | "Pi" | "Pf" | "L" | "M" | "N" | "Z" | "C" | "P" | "S"
            | "LC" => {
                return Some(format!(r"\p{{{name}}}"));
            }
            "LD" => r"\p{L}\p{Nd}",
            "L1" => r"\x00-\xFF",
            "all" => r"\x{0}-\x{10FFFF}",
            "ASCII" => r"\x00-\x7F",
            "Alnum" => "0-9a-zA-Z",
            "Alpha" => "a-zA-Z",
            "Blank" => r"\x20\t",
            "Cntrl" => r"\x00-\x1F\x7F",
            "Digit" => "0-9",
            "Print" => r"\x20-\x7E",
            "Graph" => r"\x21-\x7E",
            "Lower" if ci => "a-zA-Z",
            "Lower" => "a-z",
            "Upper" if ci => "a-zA-Z",
            "Upper" => "A-Z",
            "Punct" => r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E",
            "Space" => r"\t\n\x0B\x0C\r\x20",
            "XDigit" => "0-9a-fA-F",
            "javaLowerCase" | "javaUpperCase" | "javaTitleCase" if ci => {
                r"\p{Lowercase}\p{Uppercase}\p{Lt}"
            }
            "javaLowerCase" => r"\p{Lowercase}",
            "javaUpperCase" => r"\p{Uppercase}",
            "javaTitleCase" => r"\p{Lt}",
            "javaAlphabetic" => r"\p{Alphabetic}",
            "javaIdeographic" => r"\p{Ideographic}",
            "javaDigit" => r"\p{Nd}",
            "javaDefined" => r"[^\p{Cn}]",
            "javaLetter" => r"\p{L}",
            "javaLetterOrDigit" => r"\p{L}\p{Nd}",
            "javaSpaceChar" => r"\p{Z}",
            "javaWhitespace" => r"[\t\n\x0B\x0C\r\x1C-\x1F\p{Z}&&[^\xA0\x{2007}\x{202F}]]",
            "javaISOControl" => r"\x00-\x1F\x7F-\x9F",
            _ => return None,
        };
        Some(s.to_string())
    }

    /// Parses a class after `[` (Java `Pattern.clazz`) into nested-bracket Rust syntax.
    fn class(&mut self, nested: bool) -> Result<String, String> {
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.pos += 1;
            out.push('^');
        }
        let mut operand = String::new();
        let mut operands: Vec<String> = Vec::new();
        loop {
            self.skip_comments();
            let Some(c) = self.next() else {
                return self.err("Unclosed character class");
            };
            match c {
                ']' if !operand.is_empty() || !operands.is_empty() => break,
                '[' => {
                    let inner = self.class(true)?;
                    operand.push_str(&inner);
                }
                '&' if self.peek() == Some('&') => {
                    self.pos += 1;
                    if operand.is_empty() && operands.is_empty() {
                        return self.err("Bad class syntax");
                    }
                    operands.push(std::mem::take(&mut operand));
                }
                '\\' => match self.escape(true)? {
                    Atom::Char(c) => self.range_from(c, &mut operand)?,
                    Atom::Class(s) => operand.push_str(&s),
                    Atom::Quote(cs) => {
                        for c in cs {
                            self.class_char(c, &mut operand);
                        }
                    }
                    Atom::Raw(_) => return self.err("Illegal escape in a character class"),
                },
                c => self.range_from(c, &mut operand)?,
            }
        }
        if operand.is_empty() {
            return self.err("Bad class syntax");
        }
        operands.push(operand);
        out.push_str(&operands.join("&&"));
        out.push(']');
        if self.flags.ci && self.flags.unicode_case && !nested {
            Ok(format!("(?i:{out})"))
        } else {
            Ok(out)
        }
    }

    /// A single character `c` just read in a class, or the start of a range `c-x`.
    fn range_from(&mut self, c: char, operand: &mut String) -> Result<(), String> {
        // Java looks at the raw next characters: `-` then neither `]` nor `[` makes a range.
        if self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']' | '[') | None) {
            self.pos += 1;
            let hi = match self.next() {
                Some('\\') => match self.escape(true)? {
                    Atom::Char(h) => h,
                    _ => return self.err("Illegal character range"),
                },
                Some(h) => h,
                None => return self.err("Unclosed character class"),
            };
            if hi < c {
                return self.err("Illegal character range");
            }
            lit(c, operand);
            operand.push('-');
            lit(hi, operand);
            if self.flags.ci && !self.flags.unicode_case {
                // ASCII case-insensitivity: the other case of every ASCII letter in range.
                for (a, z, shift) in [('a', 'z', -32i32), ('A', 'Z', 32)] {
                    let (lo, up) = (c.max(a), hi.min(z));
                    if lo <= up {
                        let map = |x: char| char::from_u32((x as i32 + shift) as u32).unwrap_or(x);
                        lit(map(lo), operand);
                        operand.push('-');
                        lit(map(up), operand);
                    }
                }
            }
            return Ok(());
        }
        self.class_char(c, operand);
        Ok(())
    }

    fn class_char(&self, c: char, operand: &mut String) {
        lit(c, operand);
        if self.flags.ci && !self.flags.unicode_case {
            if let Some(o) = ascii_other_case(c) {
                operand.push(o);
            }
        }
    }
}

/// Script names go into `\p{sc=…}`; keep them to the characters such names use.
fn sanitize(name: &str) -> Result<&str, String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '-'))
    {
        Ok(name)
    } else {
        Err(format!("Unknown character script name {{{name}}}"))
    }
}

/// Java `forUnicodeProperty`: binary properties, case-insensitive names.
fn binary_property(name: &str, ci: bool) -> Option<&'static str> {
    let upper: String = name.chars().map(|c| c.to_ascii_uppercase()).collect();
    Some(match upper.as_str() {
        "ALPHABETIC" => r"\p{Alphabetic}",
        "ASSIGNED" => r"[^\p{Cn}]",
        "CONTROL" => r"\p{Cc}",
        "HEXDIGIT" | "HEX_DIGIT" => r"\p{Hex_Digit}",
        "IDEOGRAPHIC" => r"\p{Ideographic}",
        "JOINCONTROL" | "JOIN_CONTROL" => r"\p{Join_Control}",
        "LETTER" => r"\p{L}",
        "LOWERCASE" | "UPPERCASE" | "TITLECASE" if ci => r"\p{Lowercase}\p{Uppercase}\p{Lt}",
        "LOWERCASE" => r"\p{Lowercase}",
        "UPPERCASE" => r"\p{Uppercase}",
        "TITLECASE" => r"\p{Lt}",
        "NONCHARACTERCODEPOINT" | "NONCHARACTER_CODE_POINT" => r"\p{Noncharacter_Code_Point}",
        "PUNCTUATION" => r"\p{P}",
        "WHITESPACE" | "WHITE_SPACE" => r"\p{White_Space}",
        "DIGIT" => r"\p{Nd}",
        "WORD" => r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}",
        "EMOJI" => r"\p{Emoji}",
        "EMOJI_PRESENTATION" => r"\p{Emoji_Presentation}",
        "EMOJI_MODIFIER" => r"\p{Emoji_Modifier}",
        "EMOJI_MODIFIER_BASE" => r"\p{Emoji_Modifier_Base}",
        "EMOJI_COMPONENT" => r"\p{Emoji_Component}",
        "EXTENDED_PICTOGRAPHIC" => r"\p{Extended_Pictographic}",
        _ => return None,
    })
}

/// POSIX names under UNICODE_CHARACTER_CLASS (Java `forPOSIXName`).
fn posix_unicode(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_uppercase().as_str() {
        "ALPHA" => r"\p{Alphabetic}",
        "LOWER" => r"\p{Lowercase}",
        "UPPER" => r"\p{Uppercase}",
        "SPACE" => r"\p{White_Space}",
        "PUNCT" => r"\p{P}",
        "XDIGIT" => r"\p{Nd}\p{Hex_Digit}",
        "ALNUM" => r"\p{Alphabetic}\p{Nd}",
        "CNTRL" => r"\p{Cc}",
        "DIGIT" => r"\p{Nd}",
        "BLANK" => r"\p{Zs}\t",
        "GRAPH" => r"[^\p{White_Space}\p{Cc}\p{Cs}\p{Cn}]",
        "PRINT" => r"[[^\p{White_Space}\p{Cc}\p{Cs}\p{Cn}]\p{Zs}\t&&[^\p{Cc}]]",
        _ => return None,
    })
}

/// The Unicode blocks Rust's regex has no syntax for, by range; Java matches block names
/// ignoring case, spaces, underscores and hyphens.
fn block(name: &str) -> Option<String> {
    let key: String = name
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (lo, hi): (u32, u32) = match key.as_str() {
        "BASICLATIN" => (0x0000, 0x007F),
        "LATIN1SUPPLEMENT" => (0x0080, 0x00FF),
        "LATINEXTENDEDA" => (0x0100, 0x017F),
        "LATINEXTENDEDB" => (0x0180, 0x024F),
        "COMBININGDIACRITICALMARKS" => (0x0300, 0x036F),
        "GREEK" | "GREEKANDCOPTIC" => (0x0370, 0x03FF),
        "CYRILLIC" => (0x0400, 0x04FF),
        "HEBREW" => (0x0590, 0x05FF),
        "ARABIC" => (0x0600, 0x06FF),
        "DEVANAGARI" => (0x0900, 0x097F),
        "THAI" => (0x0E00, 0x0E7F),
        "HANGULJAMO" => (0x1100, 0x11FF),
        "GENERALPUNCTUATION" => (0x2000, 0x206F),
        "CJKSYMBOLSANDPUNCTUATION" => (0x3000, 0x303F),
        "HIRAGANA" => (0x3040, 0x309F),
        "KATAKANA" => (0x30A0, 0x30FF),
        "CJKUNIFIEDIDEOGRAPHS" => (0x4E00, 0x9FFF),
        "HANGULSYLLABLES" => (0xAC00, 0xD7AF),
        "HALFWIDTHANDFULLWIDTHFORMS" => (0xFF00, 0xFFEF),
        _ => return None,
    };
    Some(format!(r"\x{{{lo:X}}}-\x{{{hi:X}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pattern: &str, s: &str) -> Vec<String> {
        let re = JavaRegex::compile(pattern).unwrap();
        let mut v = Vec::new();
        re.split(s, |p| v.push(p.to_string())).unwrap();
        v
    }

    fn find(pattern: &str, s: &str) -> Vec<String> {
        let re = JavaRegex::compile(pattern).unwrap();
        let mut v = Vec::new();
        re.find_all(s, |p| v.push(p.to_string())).unwrap();
        v
    }

    #[test]
    fn pattern_split_matches_java() {
        // Leading empty piece kept for a positive-width match at 0, trailing empties dropped.
        assert_eq!(
            split(r"\s+", "  leading spaces"),
            vec!["", "leading", "spaces"]
        );
        assert_eq!(split(r"\s+", "trailing   "), vec!["trailing"]);
        assert_eq!(split(r"\s+", ""), vec![""]);
        assert_eq!(split(r"\s+", " "), Vec::<String>::new());
        assert_eq!(
            split(r"[,;]\s*", "a,b,,c;dd; ee"),
            vec!["a", "b", "", "c", "dd", "ee"]
        );
        assert_eq!(
            split(r"[,;]\s*", ",leading comma"),
            vec!["", "leading comma"]
        );
        // A zero-width match at 0 gives no leading empty piece.
        assert_eq!(split("", "abc"), vec!["a", "b", "c"]);
        assert_eq!(split(r"(?=b)", "abab"), vec!["a", "ba", "b"]);
        // Java's \s excludes the no-break space.
        assert_eq!(split(r"\s+", "a\u{a0}b c"), vec!["a\u{a0}b", "c"]);
        assert_eq!(split(r"\W+", "Hello, world!"), vec!["Hello", "world"]);
    }

    #[test]
    fn find_loop_matches_java() {
        assert_eq!(
            find(r"\w+", "x1 y22 _under_ é"),
            vec!["x1", "y22", "_under_"]
        );
        assert_eq!(find("a*", "baaac"), vec!["", "aaa", "", ""]);
        assert_eq!(
            find("[A-Za-z]+", "Ünïcödé Wörds"),
            vec!["n", "c", "d", "W", "rds"]
        );
    }

    #[test]
    fn translates_java_semantics() {
        // `.` stops at \r; `$` matches before a final line terminator.
        assert_eq!(find(".+", "ab\rcd"), vec!["ab", "cd"]);
        assert_eq!(find("b$", "ab\n"), vec!["b"]);
        assert_eq!(find("b$", "ab\nx"), Vec::<String>::new());
        // (?i) is ASCII-only unless (?u).
        assert_eq!(find("(?i)k", "kK\u{212A}"), vec!["k", "K"]);
        assert_eq!(find("(?i)[a-c]+", "ABCd"), vec!["ABC"]);
        // \b counts Unicode letters (Java 17).
        assert_eq!(find(r"\b\w+\b", "é x"), vec!["x"]);
        // POSIX classes are ASCII; \Q…\E is literal; octal and hex escapes.
        assert_eq!(find(r"\p{Alpha}+", "abé"), vec!["ab"]);
        assert_eq!(find(r"\Q.*\E", "a.*b"), vec![".*"]);
        assert_eq!(find(r"\0101\x42\u0043", "ABC"), vec!["ABC"]);
        // Back-references and look-behind are available.
        assert_eq!(find(r"(\w)\1", "aabcc"), vec!["aa", "cc"]);
        assert_eq!(find(r"(?<=@)\w+", "a@b"), vec!["b"]);
        // Class intersection and nested union.
        assert_eq!(find("[a-z&&[^aeiou]]+", "hello"), vec!["h", "ll"]);
        assert_eq!(find("[a[0-9]]+", "a1b"), vec!["a1"]);
        assert_eq!(find(r"[\s,]+", "a, b"), vec![", "]);
        // Comments mode.
        assert_eq!(find("(?x) a b # c", "ab"), vec!["ab"]);
    }

    #[test]
    fn rejects_what_java_rejects_or_we_cannot_translate() {
        assert!(JavaRegex::compile("a{").is_err());
        assert!(JavaRegex::compile("(a").is_err());
        assert!(JavaRegex::compile(r"\X").is_err());
        assert!(JavaRegex::compile(r"\p{InNoSuchBlock}").is_err());
        assert!(JavaRegex::compile("[a").is_err());
        assert!(JavaRegex::compile(r"\y").is_err());
    }
}
