//! Spark's `CAST(x AS STRING)` of a numeric column, which StringIndexer applies to numeric
//! inputs (spark-format.md 4.4): labels were learned from these strings, so scoring must
//! format exactly as Java's `Double.toString` / `Integer.toString` do.

use std::fmt::Write;

use crate::plan::step::{produce, slot};
use crate::plan::{Flow, Slot, SlotIndex, StepResult};

#[derive(Debug, Clone)]
pub struct CastToString {
    pub from: SlotIndex,
    pub to: SlotIndex,
    /// Integer and boolean columns print without a fraction.
    pub is_int: bool,
}

impl CastToString {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.to, |slots, out| {
            let src = slot(slots, self.from);
            out.text.clear();
            out.null = src.null;
            if !src.null {
                if self.is_int {
                    let _ = write!(out.text, "{}", src.num as i64);
                } else {
                    java_double_to_string(src.num, &mut out.text);
                }
            }
            Ok(Flow::Continue)
        })
    }
}

/// A fixed buffer that `write!` fills without allocating; overflow is an `fmt::Error`.
struct StackText {
    buf: [u8; 40],
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

/// Java `Double.toString`: plain notation with at least one fractional digit for
/// 1e-3 <= |x| < 1e7, otherwise `d.dddE±n`; shortest digits that round-trip.
pub fn java_double_to_string(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-5" / "1e10".
    // Formatted on the stack: scoring must not allocate (SQLTransformer casts every row).
    let mut sci = StackText {
        buf: [0; 40],
        len: 0,
    };
    let _ = write!(sci, "{:e}", x);
    let sci = std::str::from_utf8(sci.buf.get(..sci.len).unwrap_or(&[])).unwrap_or("0e0");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digit_buf = StackText {
        buf: [0; 40],
        len: 0,
    };
    for part in mantissa.split('.') {
        let _ = digit_buf.write_str(part);
    }
    let digits =
        std::str::from_utf8(digit_buf.buf.get(..digit_buf.len).unwrap_or(&[])).unwrap_or("0");
    if negative {
        out.push('-');
    }
    let abs = x.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        let _ = write!(out, "E{exp}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(x: f64) -> String {
        let mut s = String::new();
        java_double_to_string(x, &mut s);
        s
    }

    #[test]
    fn formats_like_java() {
        assert_eq!(fmt(1.0), "1.0");
        assert_eq!(fmt(-2.5), "-2.5");
        assert_eq!(fmt(123456.0), "123456.0");
        assert_eq!(fmt(1e7), "1.0E7");
        assert_eq!(fmt(1e10), "1.0E10");
        assert_eq!(fmt(0.001), "0.001");
        assert_eq!(fmt(0.0001), "1.0E-4");
        assert_eq!(fmt(1.5e-5), "1.5E-5");
        assert_eq!(fmt(0.1), "0.1");
        assert_eq!(fmt(100.25), "100.25");
        assert_eq!(fmt(-0.0), "-0.0");
        assert_eq!(fmt(f64::NAN), "NaN");
    }
}
