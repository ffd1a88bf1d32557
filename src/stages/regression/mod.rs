//! Spark's regression stages.
