//! Spark's `org.apache.spark.ml.regression` models.

pub mod aft_survival_regression;
pub mod generalized_linear_regression;
pub mod isotonic_regression;

pub mod linear_regression;
