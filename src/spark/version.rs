//! The Spark version that wrote a model, which selects the scoring semantics of formulas that
//! changed between releases (spark-format.md section 5).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SparkVersion {
    pub major: u32,
    pub minor: u32,
}

impl SparkVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        SparkVersion { major, minor }
    }

    /// Parses the leading `major.minor` of strings like `3.5.9`, `2.4.4-SNAPSHOT`, `2.0.2.6`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(|c: char| !c.is_ascii_digit());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        Some(SparkVersion { major, minor })
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= SparkVersion::new(major, minor)
    }
}

impl fmt::Display for SparkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spark_version_strings() {
        assert_eq!(SparkVersion::parse("3.5.9"), Some(SparkVersion::new(3, 5)));
        assert_eq!(
            SparkVersion::parse("2.4.4-SNAPSHOT"),
            Some(SparkVersion::new(2, 4))
        );
        assert_eq!(
            SparkVersion::parse("2.0.2.6"),
            Some(SparkVersion::new(2, 0))
        );
        assert_eq!(SparkVersion::parse("4"), Some(SparkVersion::new(4, 0)));
        assert_eq!(SparkVersion::parse("x"), None);
        assert!(SparkVersion::new(3, 1).at_least(3, 0));
    }
}
