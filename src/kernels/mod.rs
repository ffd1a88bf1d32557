//! Pure arithmetic on slices, with the summation orders Spark's BLAS uses. No allocation.

pub mod blas;
pub mod compress;
pub mod eigen;
pub mod java_text;
pub mod murmur3;
pub mod random;
pub mod search;
pub mod string_map;
pub mod tree;
pub mod vector;
