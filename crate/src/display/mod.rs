//! Display helpers for notebooks (being written).
