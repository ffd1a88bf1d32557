//! Spark's regression stages.

pub mod linear_regression;
