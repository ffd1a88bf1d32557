//! Spark's `org.apache.spark.ml.classification` models.

pub mod logistic_regression;
