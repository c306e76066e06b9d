//! Typed records (in progress).
