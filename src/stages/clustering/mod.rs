//! Spark's `org.apache.spark.ml.clustering` models.

pub mod bisecting_kmeans;
pub mod gaussian_mixture;
pub mod kmeans;
pub mod lda;
