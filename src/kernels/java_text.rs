//! Java string operations the text stages depend on (spark-format.md 7.22–7.24), written into
//! caller-owned buffers so scoring allocates nothing: `String.toLowerCase(Locale)`,
//! `String.split("\\s")` and `String.length()` (UTF-16 code units).

/// Which of `String.toLowerCase`'s locale-dependent rules apply. Java only special-cases the
/// languages `tr`, `az` (dotted/dotless i) and `lt` (dot above kept on i/j before accents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowerRules {
    Root,
    Turkic,
    Lithuanian,
}

impl LowerRules {
    /// The rules of Spark's `new Locale(param)` (StopWordsRemover). That one-argument
    /// constructor takes the whole string as the language, lower-cased, so `"tr"` selects the
    /// Turkish rules but `"tr_TR"` (language `tr_tr`) does not.
    pub fn for_spark_locale(locale: &str) -> LowerRules {
        if locale.eq_ignore_ascii_case("tr") || locale.eq_ignore_ascii_case("az") {
            LowerRules::Turkic
        } else if locale.eq_ignore_ascii_case("lt") {
            LowerRules::Lithuanian
        } else {
            LowerRules::Root
        }
    }
}

/// Java's `\s` without UNICODE_CHARACTER_CLASS: `[ \t\n\x0B\f\r]` (no-break space excluded).
#[inline]
pub fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// Java `String.length()`: UTF-16 code units.
#[inline]
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Java `String.split("\\s")` (limit 0): one piece between every two separators, trailing
/// empty pieces dropped; a string without any separator is one piece, even when empty.
/// `emit` receives the pieces in order.
pub fn split_java_space<'a>(s: &'a str, mut emit: impl FnMut(&'a str)) {
    if !s.chars().any(is_java_space) {
        emit(s);
        return;
    }
    // Pieces after the last non-empty one are the trailing empties Java removes.
    let mut pending_empty = 0usize;
    for piece in s.split(is_java_space) {
        if piece.is_empty() {
            pending_empty += 1;
        } else {
            for _ in 0..pending_empty {
                emit("");
            }
            pending_empty = 0;
            emit(piece);
        }
    }
}

/// Appends `src.toLowerCase(locale)` to `out`. Per character this is `Character.toLowerCase`
/// (Unicode's simple mapping, which `char::to_lowercase` gives for everything but U+0130),
/// plus Java's conditional rules: U+0130 → "i̇" (or "i" in tr/az), final sigma, and the
/// Turkic/Lithuanian dot rules.
pub fn java_lowercase(src: &str, rules: LowerRules, out: &mut String) {
    for (i, c) in src.char_indices() {
        match c {
            'Σ' => out.push(if is_final_sigma(src, i) { 'ς' } else { 'σ' }),
            '\u{130}' => {
                out.push('i');
                if rules != LowerRules::Turkic {
                    out.push('\u{307}');
                }
            }
            'I' if rules == LowerRules::Turkic => {
                out.push(if before_dot(src.get(i + 1..).unwrap_or("")) {
                    'i'
                } else {
                    'ı'
                });
            }
            '\u{307}'
                if rules == LowerRules::Turkic && after_capital_i(src.get(..i).unwrap_or("")) => {}
            'I' | 'J' | '\u{12E}'
                if rules == LowerRules::Lithuanian
                    && more_above(src.get(i + c.len_utf8()..).unwrap_or("")) =>
            {
                out.extend(c.to_lowercase());
                out.push('\u{307}');
            }
            '\u{CC}' | '\u{CD}' | '\u{128}' if rules == LowerRules::Lithuanian => {
                out.push('i');
                out.push('\u{307}');
                out.push(match c {
                    '\u{CC}' => '\u{300}',
                    '\u{CD}' => '\u{301}',
                    _ => '\u{303}',
                });
            }
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Unicode `Cased`: lowercase, uppercase or titlecase (`ConditionalSpecialCasing.isCased`).
fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase(c)
}

fn is_titlecase(c: char) -> bool {
    // Titlecase letters (Lt) are the only ones that change under both mappings.
    !c.is_lowercase()
        && !c.is_uppercase()
        && c.to_lowercase().next() != Some(c)
        && c.to_uppercase().next() != Some(c)
}

/// Combining marks Java's word-break iterator keeps inside a word (WB4 Extend); an
/// approximation by block, as std has no general-category table.
fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0E31 | 0x0E34..=0x0E3A | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C | 0x200D
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F)
}

/// Characters that do not end a word for Java's `BreakIterator.getWordInstance`: letters,
/// digits, marks, connectors, and the mid-word apostrophe/period/colon forms.
fn is_word_part(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c) || matches!(c, '_' | '\'' | '’' | '.' | ':' | '·')
}

/// Java's `ConditionalSpecialCasing.isFinalCased` for the Σ at byte `i`: a cased letter
/// precedes it within the word and none follows within the word. Word boundaries are
/// approximated by `is_word_part` (UAX #29 without its full rule set).
fn is_final_sigma(src: &str, i: usize) -> bool {
    let before = src
        .get(..i)
        .unwrap_or("")
        .chars()
        .rev()
        .take_while(|&c| is_word_part(c));
    let mut cased_before = false;
    for c in before {
        if is_cased(c) {
            cased_before = true;
            break;
        }
    }
    if !cased_before {
        return false;
    }
    !src.get(i + 'Σ'.len_utf8()..)
        .unwrap_or("")
        .chars()
        .take_while(|&c| is_word_part(c))
        .any(is_cased)
}

/// Canonical combining class 230 (Above), the marks of U+0300 block that carry it.
fn is_above_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x0314 | 0x033D..=0x0344 | 0x0346 | 0x034A..=0x034C | 0x0350..=0x0352 | 0x0357
        | 0x035B | 0x0363..=0x036F)
}

/// Java `isBeforeDot`: U+0307 follows, with only non-Above combining marks in between.
fn before_dot(rest: &str) -> bool {
    for c in rest.chars() {
        if c == '\u{307}' {
            return true;
        }
        if !is_combining(c) || is_above_mark(c) {
            return false;
        }
    }
    false
}

/// Java `isAfterI`: the last base character before is `I`, with no Above mark in between.
fn after_capital_i(before: &str) -> bool {
    for c in before.chars().rev() {
        if c == 'I' {
            return true;
        }
        if !is_combining(c) || is_above_mark(c) {
            return false;
        }
    }
    false
}

/// Java `isMoreAbove`: an Above mark follows within the combining sequence.
fn more_above(rest: &str) -> bool {
    for c in rest.chars() {
        if is_above_mark(c) {
            return true;
        }
        if !is_combining(c) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str, rules: LowerRules) -> String {
        let mut out = String::new();
        java_lowercase(s, rules, &mut out);
        out
    }

    fn split(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        split_java_space(s, |p| v.push(p));
        v
    }

    #[test]
    fn splits_like_java_string_split() {
        assert_eq!(
            split("hello  world\tfoo"),
            vec!["hello", "", "world", "foo"]
        );
        assert_eq!(split("  leading"), vec!["", "", "leading"]);
        assert_eq!(split("trailing   "), vec!["trailing"]);
        assert_eq!(split(""), vec![""]);
        assert_eq!(split(" "), Vec::<&str>::new());
        assert_eq!(split("a\u{a0}b c"), vec!["a\u{a0}b", "c"]);
        assert_eq!(split("x\r\ny\u{0B}z"), vec!["x", "", "y", "z"]);
    }

    #[test]
    fn lowercases_like_java_root_locale() {
        assert_eq!(
            lower("İstanbul ΟΔΟΣ Straße ǅemal", LowerRules::Root),
            "i\u{307}stanbul οδος straße ǆemal"
        );
        assert_eq!(lower("ΣΑΣ Σ", LowerRules::Root), "σας σ");
        assert_eq!(lower("ΑΣ.", LowerRules::Root), "ας.");
        assert_eq!(lower("HELLO", LowerRules::Root), "hello");
    }

    #[test]
    fn locale_rules_follow_new_locale_of_the_param() {
        assert_eq!(LowerRules::for_spark_locale("tr"), LowerRules::Turkic);
        assert_eq!(LowerRules::for_spark_locale("tr_TR"), LowerRules::Root);
        assert_eq!(LowerRules::for_spark_locale("en_US"), LowerRules::Root);
        assert_eq!(lower("TITLE İ I\u{307}", LowerRules::Turkic), "tıtle i i");
        assert_eq!(lower("Ì", LowerRules::Lithuanian), "i\u{307}\u{300}");
    }

    #[test]
    fn utf16_length() {
        assert_eq!(utf16_len("ab"), 2);
        assert_eq!(utf16_len("🙂"), 2);
        assert_eq!(utf16_len("é"), 1);
    }
}
