//! Spark's `org.apache.spark.ml.recommendation` models.

pub mod als;
