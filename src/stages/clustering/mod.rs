//! Spark's `org.apache.spark.ml.clustering` models.

pub mod gaussian_mixture;

pub mod kmeans;
