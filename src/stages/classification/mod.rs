//! Spark's `org.apache.spark.ml.classification` models.

pub mod logistic_regression;

pub mod linear_svc;
pub mod naive_bayes;
