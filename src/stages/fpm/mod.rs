//! Spark's `org.apache.spark.ml.fpm` models.

pub mod fp_growth;
