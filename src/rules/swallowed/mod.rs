//! The `swallowed-exception` rules: `except: pass`, discarded I/O errors, jumps in `finally`, dropped causes.

pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub mod io_error_swallowed;
pub(crate) mod io_error_swallowed_rust;
pub mod jump_in_finally;
