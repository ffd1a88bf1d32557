//! The C ABI (see include/mlscore.h).
