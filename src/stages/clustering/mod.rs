//! Spark's clustering stages.

pub mod kmeans;
