//! Spark's clustering stages.
