//! The `unbounded-queue` rules: queues, buffers and fan-out without a bound.

pub mod fan_out_without_limit;
pub mod fan_out_without_limit_rust;
pub(crate) mod job_queues;
pub mod queue_without_bound;
pub mod queue_without_bound_rust;
