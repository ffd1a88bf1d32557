//! Spark's tree stages.
