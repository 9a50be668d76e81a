//! `rules/catalog/queues.toml`: in-memory queue and buffer constructors and
//! the argument that bounds them, calls that fan work out concurrently, and
//! what limits that concurrency. Read by `queue-without-bound` (PP601) and
//! `fan-out-without-limit` (PP602).

use serde::Deserialize;

/// Queue and fan-out knowledge by language.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueCatalog {
    #[serde(default)]
    pub python: LangQueues,
    #[serde(default)]
    pub javascript: LangQueues,
    #[serde(default)]
    pub rust: LangQueues,
}

/// What one language family knows.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangQueues {
    /// Queue, buffer and channel constructors.
    pub buffers: Vec<Buffer>,
    /// Calls that build one buffer per key from a constructor argument
    /// (`collections.defaultdict(asyncio.Queue)`).
    pub factories: Vec<String>,
    /// A long-lived array used as a FIFO queue (JavaScript).
    pub array_queue: ArrayQueue,
    /// Concurrent fan-out.
    pub fan_out: FanOut,
    /// Job queues kept in Redis (BullMQ, Bull).
    pub redis_job_queues: RedisJobQueues,
    /// Rust: words in a channel's sender or receiver name that make it a
    /// signal (`shutdown_tx`, `stop_rx`), which carries a message or two.
    pub signal_names: Vec<String>,
}

/// One family of buffer constructors.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Buffer {
    /// Constructor paths as `cx.resolve` spells them.
    pub paths: Vec<String>,
    /// Keyword argument or option key that bounds the buffer.
    pub bound: Option<String>,
    /// 0-based positional argument that bounds the buffer.
    pub positional: Option<usize>,
    /// A bound of `0` or below means no bound.
    pub non_positive_is_unbounded: bool,
    /// An explicit `None`/`null` bound means no bound.
    pub none_is_unbounded: bool,
    /// For constructors that cannot be bounded: the bounded alternative.
    pub instead: Option<String>,
    /// Also an everyday data structure: a buffer only when something adds to it.
    pub needs_producer: bool,
    /// Methods that add items (with `needs_producer`).
    pub producers: Vec<String>,
}

/// Job queues kept in Redis: how long finished jobs stay, and whether a
/// producer's connection gives up when Redis is unreachable.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RedisJobQueues {
    /// Queue constructors that producers add jobs through (`bullmq.Queue`, `bull`).
    pub paths: Vec<String>,
    /// Producer-only constructors (`bullmq.FlowProducer`): read for the
    /// connection, never for retention.
    pub producers: Vec<String>,
    /// Option keys that bound how many completed jobs are kept (`removeOnComplete`).
    pub retention: Vec<String>,
    /// The option object holding the retention for every job (`defaultJobOptions`).
    pub defaults: Vec<String>,
    /// Redis client constructors a connection may be made with (`ioredis`).
    pub clients: Vec<String>,
    /// Connection option that, when `null`, retries each command forever
    /// (`maxRetriesPerRequest`).
    pub wait_forever: Vec<String>,
}

/// Methods that make a long-lived array a queue.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ArrayQueue {
    pub producers: Vec<String>,
    pub consumers: Vec<String>,
}

/// Fan-out calls, limiters and what makes an input unbounded.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FanOut {
    /// Calls that run all the awaitables they get at once.
    pub gather: Vec<String>,
    /// Calls that start one unit of work each.
    pub spawn: Vec<String>,
    /// Methods that start one unit of work on any receiver.
    pub spawn_methods: Vec<String>,
    /// Executor constructors whose `executor_methods` queue one item per call.
    pub executors: Vec<String>,
    pub executor_methods: Vec<String>,
    /// Constructors or modules that limit concurrency (paths ending in `.`
    /// or `/` are prefixes).
    pub limiters: Vec<String>,
    /// Methods returning a query result or page of unknown size.
    pub query_methods: Vec<String>,
    /// Calls returning external data of unknown size.
    pub external_calls: Vec<String>,
    /// Keywords or option keys that limit a query.
    pub limit_args: Vec<String>,
    /// Calls whose result is as large as their first argument.
    pub passthrough: Vec<String>,
    /// Methods whose result is as large as their receiver.
    pub passthrough_methods: Vec<String>,
    /// Calls building a collection of fixed or chunked size.
    pub bounded: Vec<String>,
    /// Methods whose result is a bounded part of the receiver.
    pub bounded_methods: Vec<String>,
    /// Parameter names whose attributes and items are request or message
    /// input (`request.data`); other parameters' attributes are configuration.
    pub input_names: Vec<String>,
}

impl LangQueues {
    /// The buffer entry for a constructor path.
    pub fn buffer(&self, path: &str) -> Option<&Buffer> {
        self.buffers.iter().find(|b| b.paths.iter().any(|p| p == path))
    }
}

impl QueueCatalog {
    /// Entries for a language.
    pub fn lang(&self, python: bool) -> &LangQueues {
        if python { &self.python } else { &self.javascript }
    }
}
