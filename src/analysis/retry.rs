//! Retry-loop facts shared by the missing-retry rules in every language:
//! how a loop waits between attempts, how long a fixed wait is, and the one
//! decision "does this loop hammer its dependency". The language halves
//! (`rules/retry/retry_loop.rs` for Python and TS/JS, `rules/retry/retry_rust.rs`
//! for Rust) read the syntax (is this a retry, what pauses, is it bounded)
//! and hand the answers here, so the policy is written once.
//!
//! The policy (rule PP301):
//! - no pause at all between attempts hammers, bounded or not;
//! - a fixed pause with no attempt limit hammers, unless the pause is at
//!   human scale ([`HUMAN_SCALE_MS`], one second or more) and the loop runs
//!   once per process. A single startup or background task that asks a
//!   dependency once a second (or every five) until it answers does pause;
//!   what makes a fixed pause a storm is many copies retrying in lockstep: a
//!   loop run per request, a short pause, or code that runs in a pool of
//!   identical workers. The Rust half calls a loop outside a request handler
//!   single-instance (a Rust service is typically one process whose
//!   background tasks run once); the Python and TS/JS halves never do, since
//!   their code usually runs in many worker processes (gunicorn, Celery,
//!   Node cluster) that all retry together;
//! - a fixed pause shorter than [`TINY_PAUSE_MS`] (including `sleep(0)`)
//!   in a loop run per request (inside a request handler) spreads nothing:
//!   every request retries within the same blip, bounded or not;
//! - a pause whose length is set elsewhere ([`Pause::Paced`]: a
//!   `tokio::time::Interval` tick, a rate limiter's `until_ready`, a
//!   `sleep_until` deadline) or that grows is a real pause.

/// How a retry loop waits between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// No pause at all: attempts follow each other immediately.
    None,
    /// The same delay every time, with no jitter.
    Fixed,
    /// The loop waits on something that sets its own pace (an interval's
    /// tick, a rate limiter, a deadline): a pause whose length is not
    /// written in the loop.
    Paced,
    /// A delay that grows with the attempt, varies randomly, or comes from a
    /// backoff helper.
    Growing,
}

impl Pause {
    /// The stronger of two pauses found in one loop body.
    pub fn max(self, other: Pause) -> Pause {
        fn rank(p: Pause) -> u8 {
            match p {
                Pause::None => 0,
                Pause::Fixed => 1,
                Pause::Paced => 2,
                Pause::Growing => 3,
            }
        }
        if rank(other) > rank(self) { other } else { self }
    }
}

/// A fixed pause at least this long, in a loop that runs once per process,
/// is a deliberate wait, not a lockstep storm.
pub const HUMAN_SCALE_MS: u64 = 1000;

/// A fixed pause shorter than this, per request, is no pause at all.
pub const TINY_PAUSE_MS: u64 = 50;

/// What the language half of a rule learnt about a retry loop's pacing.
#[derive(Debug, Clone, Copy)]
pub struct LoopPace {
    pub pause: Pause,
    /// The fixed pause's length when it could be read (a literal or a
    /// constant), in milliseconds.
    pub fixed_ms: Option<u64>,
    /// The loop stops after a number of attempts or a deadline.
    pub bounded: bool,
    /// The loop runs once per process (not per request, not in a pool of
    /// identical workers), as the language half judges it.
    pub single_instance: bool,
    /// The loop runs inside a request handler, once per request.
    pub per_request: bool,
}

/// How a retry loop hammers its dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hammer {
    /// Attempts follow each other with no pause.
    NoDelay,
    /// A short fixed pause (or a per-request one) and no limit.
    FixedForever,
    /// A fixed pause of this many milliseconds (under [`TINY_PAUSE_MS`]),
    /// once per request.
    TinyPause(u64),
}

/// The shared decision: does this loop hammer, and how.
pub fn hammers(p: LoopPace) -> Option<Hammer> {
    match p.pause {
        Pause::None => Some(Hammer::NoDelay),
        Pause::Fixed if p.per_request && p.fixed_ms.is_some_and(|ms| ms < TINY_PAUSE_MS) => {
            p.fixed_ms.map(Hammer::TinyPause)
        }
        Pause::Fixed if !p.bounded => {
            let human_scale = p.fixed_ms.is_some_and(|ms| ms >= HUMAN_SCALE_MS);
            (!human_scale || !p.single_instance).then_some(Hammer::FixedForever)
        }
        _ => None,
    }
}

/// A Rust `Duration` written as a literal (`Duration::from_secs(5)`,
/// `std::time::Duration::from_millis(250)`, `Duration::new(1, 0)`), in
/// milliseconds. `None` when it is computed.
pub fn rust_duration_ms(text: &str) -> Option<u64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (name, rest) = t.split_once('(')?;
    let arg = rest.strip_suffix(')')?;
    let unit = name.rsplit("::").next()?;
    let num = |s: &str| s.replace('_', "").trim_end_matches("u64").trim_end_matches("u32").parse::<f64>().ok();
    let ms = match unit {
        "from_secs" | "from_secs_f64" | "from_secs_f32" => num(arg)? * 1000.0,
        "from_millis" => num(arg)?,
        "from_micros" => num(arg)? / 1000.0,
        "from_nanos" => num(arg)? / 1_000_000.0,
        "from_mins" => num(arg)? * 60_000.0,
        "new" => {
            let (s, ns) = arg.split_once(',')?;
            num(s)? * 1000.0 + num(ns)? / 1_000_000.0
        }
        _ => return None,
    };
    (ms.is_finite() && ms >= 0.0).then_some(ms as u64)
}

/// A number literal scaled to milliseconds (`5` seconds in Python's
/// `time.sleep(5)` is `scale` 1000; `setTimeout(r, 500)` is `scale` 1).
pub fn number_ms(text: &str, scale: f64) -> Option<u64> {
    let n = text.trim().replace('_', "").parse::<f64>().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n * scale) as u64)
}

/// The value of a Rust `const NAME: Duration = <literal>;` declared anywhere
/// in the file, in milliseconds.
pub fn rust_const_duration_ms(src: &str, name: &str) -> Option<u64> {
    let needle = format!("const {name}:");
    let mut from = 0;
    while let Some(i) = src[from..].find(&needle) {
        let at = from + i + needle.len();
        let decl = &src[at..src[at..].find(';').map(|e| at + e).unwrap_or(src.len())];
        if let Some((_, init)) = decl.split_once('=')
            && let Some(ms) = rust_duration_ms(init.trim())
        {
            return Some(ms);
        }
        from = at;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pace(pause: Pause, fixed_ms: Option<u64>, bounded: bool, per_request: bool) -> LoopPace {
        LoopPace { pause, fixed_ms, bounded, single_instance: !per_request, per_request }
    }

    #[test]
    fn the_decision() {
        assert_eq!(hammers(pace(Pause::None, None, true, false)), Some(Hammer::NoDelay));
        assert_eq!(hammers(pace(Pause::Fixed, Some(100), false, false)), Some(Hammer::FixedForever));
        assert_eq!(hammers(pace(Pause::Fixed, None, false, false)), Some(Hammer::FixedForever));
        // A one-second wait in a single background task: a deliberate wait.
        assert_eq!(hammers(pace(Pause::Fixed, Some(1000), false, false)), None);
        // The same wait once per request: every request waits in lockstep.
        assert_eq!(hammers(pace(Pause::Fixed, Some(5000), false, true)), Some(Hammer::FixedForever));
        assert_eq!(hammers(pace(Pause::Fixed, Some(10), true, false)), None);
        // A 10 ms (or zero) pause per request spreads nothing, even bounded.
        assert_eq!(hammers(pace(Pause::Fixed, Some(10), true, true)), Some(Hammer::TinyPause(10)));
        assert_eq!(hammers(pace(Pause::Fixed, Some(0), true, true)), Some(Hammer::TinyPause(0)));
        assert_eq!(hammers(pace(Pause::Fixed, Some(50), true, true)), None);
        assert_eq!(hammers(pace(Pause::Fixed, None, true, true)), None);
        assert_eq!(hammers(pace(Pause::Paced, None, false, false)), None);
        assert_eq!(hammers(pace(Pause::Growing, None, false, true)), None);
    }

    #[test]
    fn durations() {
        assert_eq!(rust_duration_ms("Duration::from_secs(5)"), Some(5000));
        assert_eq!(rust_duration_ms("std::time::Duration::from_millis(1_000)"), Some(1000));
        assert_eq!(rust_duration_ms("Duration::from_secs_f64(0.5)"), Some(500));
        assert_eq!(rust_duration_ms("Duration::new(2, 500_000_000)"), Some(2500));
        assert_eq!(rust_duration_ms("Duration::from_millis(base * 2)"), None);
        assert_eq!(rust_duration_ms("delay"), None);
        assert_eq!(number_ms("1.5", 1000.0), Some(1500));
        assert_eq!(number_ms("x", 1.0), None);
        let src = "const A: u32 = 1;\nconst PAUSE: Duration = Duration::from_secs(10);\n";
        assert_eq!(rust_const_duration_ms(src, "PAUSE"), Some(10_000));
        assert_eq!(rust_const_duration_ms(src, "A"), None);
        assert_eq!(rust_const_duration_ms(src, "MISSING"), None);
    }
}
