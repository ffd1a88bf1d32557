//! Spark's `org.apache.spark.ml.classification` models.

pub mod factorization_machines;
pub mod logistic_regression;
pub mod multilayer_perceptron;
pub mod one_vs_rest;

pub mod linear_svc;
pub mod naive_bayes;
