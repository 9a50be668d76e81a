//! `rules/catalog/side_effects.toml`: side effects a retried or redelivered
//! handler repeats (payments, inserts, email, enqueues, counters), where a
//! payment call takes its idempotency key, and the guards that make a handler
//! safe to run twice. Read by the non-idempotent-handler rules.
//!
//! Call patterns are dotted names matched against the trailing segments of a
//! callee ([`pattern_matches`]): `objects.create` matches
//! `Order.objects.create`; `*` matches any one segment.

use serde::Deserialize;

/// Side-effect knowledge by language.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SideEffectCatalog {
    #[serde(default)]
    pub python: LangEffects,
    #[serde(default)]
    pub javascript: LangEffects,
    #[serde(default)]
    pub rust: RustEffects,
}

/// What pagerproof knows about side effects and guards in Rust.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustEffects {
    /// Function names or route paths (case-insensitive) that mark a webhook receiver.
    pub webhook_markers: Vec<String>,
    /// Words of a function name that mean it manages or sends webhooks.
    pub webhook_management_words: Vec<String>,
    /// Text in a function body that shows it verifies a provider's webhook
    /// signature (`Webhook::construct_event`, a `Stripe-Signature` header).
    pub webhook_signature_markers: Vec<String>,
    /// Method or function names that acknowledge a queue message: a consumer
    /// that acks after a side effect gets the message again if it dies first.
    pub ack_calls: Vec<String>,
    /// Crates (first path segment; `stripe_*` by prefix) of the payment SDK.
    pub payment_crates: Vec<String>,
    /// Money-moving calls of the 0.x API, `Type::create(&client, params)`.
    pub payment_calls: Vec<String>,
    /// Request builders of the 1.x API, `CreateRefund::new(..).send(&client)`.
    pub payment_builders: Vec<String>,
    /// Calls and builders that move money only when confirmed in the same
    /// request (`confirm: Some(true)`): reported only then.
    pub confirm_only: Vec<String>,
    /// `RequestStrategy` variants or constructors that carry an idempotency key.
    pub key_strategies: Vec<String>,
    /// Functions (`sqlx::query`), macros (`query!`) and methods (`execute`)
    /// whose first string argument is SQL; an `INSERT` there is a side effect.
    pub sql_functions: Vec<String>,
    pub sql_macros: Vec<String>,
    pub sql_methods: Vec<String>,
    /// Query builder calls that insert (`diesel::insert_into`); a chained
    /// guard call (`on_conflict_do_nothing`) makes them safe.
    pub insert_builders: Vec<String>,
    /// Other side effects a redelivery repeats.
    pub effects: Vec<Effect>,
    /// What makes a handler idempotent.
    pub guards: Guards,
    /// Index of the side-effect calls' last segments.
    #[serde(skip)]
    pub effect_lasts: LastNames,
}

/// What one language family knows about side effects and guards.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangEffects {
    /// Function, class or route-path fragments (case-insensitive) that mark
    /// a request handler as a provider's webhook receiver.
    pub webhook_markers: Vec<String>,
    /// Words of a function or class name that mean it manages webhook
    /// settings instead of receiving deliveries (`create_webhook`).
    pub webhook_management_words: Vec<String>,
    /// Task decorator keywords that make a job retry after any failure.
    pub retry_keywords: Vec<String>,
    /// Task decorator keywords listing the exceptions that trigger a retry
    /// (`autoretry_for=`); they count when the list names a broad exception.
    pub retry_on_keywords: Vec<String>,
    /// Exceptions that make a `retry_on_keywords` list broad.
    pub broad_exceptions: Vec<String>,
    /// Calls in a task body that retry it (`self.retry`).
    pub retry_calls: Vec<String>,
    /// JS: a route under one of these folders (`hooks`) that names a
    /// payment provider (`/api/hooks/stripe`) is a webhook receiver.
    pub hook_folders: Vec<String>,
    /// JS: payment and billing providers whose events arrive by webhook.
    pub webhook_providers: Vec<String>,
    /// Money-moving calls and their idempotency key.
    pub payments: Vec<PaymentCall>,
    /// Index of the payment calls' last segments.
    #[serde(skip)]
    pub payment_lasts: LastNames,
    /// Side effects a redelivered handler repeats.
    pub effects: Vec<Effect>,
    /// What makes a handler idempotent.
    pub guards: Guards,
    /// Index of the guard and side-effect calls' last segments.
    #[serde(skip)]
    pub effect_lasts: LastNames,
}

/// A group of payment API calls that take an idempotency key the same way.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentCall {
    /// Call patterns.
    pub calls: Vec<String>,
    /// The callee must resolve to, or be written through, a name containing
    /// this (case-insensitive), so that `*.refunds.create` means the provider.
    pub receiver: String,
    /// Keyword (Python) or option (JS) names of the idempotency key.
    pub keys: Vec<String>,
    /// Where request options go: Python keyword names holding a dict
    /// (`options={...}`), JS argument indexes (`"1"`).
    pub options: Vec<String>,
    /// Error codes that, caught around the call, show a repeat is detected
    /// (`charge_already_refunded`).
    pub repeat_errors: Vec<String>,
}

/// A side effect a redelivered handler repeats.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Effect {
    /// What a redelivery does, completing "so a redelivery ...".
    pub again: String,
    /// Call patterns.
    pub calls: Vec<String>,
    /// When set, the callee must mention this (case-insensitive), as for
    /// `messages.create` meaning Twilio.
    pub receiver: String,
    /// Keyword arguments or option keys that make the call safe to repeat.
    pub unless: Vec<String>,
}

/// Guards: what shows the handler checks for an earlier delivery.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Guards {
    /// Calls that upsert, get-or-create, lock or set-if-absent.
    pub calls: Vec<String>,
    /// Words (lowercase substrings) in the handler text before the side
    /// effect that show an explicit idempotency or dedup step.
    pub words: Vec<String>,
    /// Words in an `if` condition whose body leaves early: a state check.
    pub state_words: Vec<String>,
    /// Exceptions or error codes of a unique-constraint conflict, caught
    /// around the side effect.
    pub conflict_errors: Vec<String>,
}

impl SideEffectCatalog {
    /// The section for a language.
    pub fn lang(&self, python: bool) -> &LangEffects {
        if python { &self.python } else { &self.javascript }
    }
}

/// True when the dotted `pattern` matches the trailing segments of `segments`
/// (`*` matches one segment, and a segment pattern ending in `*` matches by
/// prefix, one starting with `*` by suffix).
pub fn pattern_matches(pattern: &str, segments: &[&str]) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    if pat.len() > segments.len() {
        return false;
    }
    let tail = &segments[segments.len() - pat.len()..];
    pat.iter().zip(tail).all(|(p, s)| segment_matches(p, s))
}

fn segment_matches(p: &str, s: &str) -> bool {
    if p == "*" {
        return true;
    }
    if let Some(suffix) = p.strip_prefix('*') {
        return s.ends_with(suffix) && s.len() > suffix.len();
    }
    if let Some(prefix) = p.strip_suffix('*') {
        return s.starts_with(prefix);
    }
    p == s
}

/// The last segments of a set of call patterns, for the test every call node
/// goes through ([`any_last_matches`]): exact names in a hash set, wildcard
/// segments in a list. Built on first use from the catalog lists it belongs
/// to; a clone starts empty, so a changed copy never uses a stale index.
#[derive(Default)]
pub struct LastNames(std::sync::OnceLock<(foldhash::HashSet<String>, Vec<String>)>);

impl Clone for LastNames {
    fn clone(&self) -> Self {
        LastNames::default()
    }
}

impl std::fmt::Debug for LastNames {
    // Derived from lists the catalog already shows: nothing of its own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastNames")
    }
}

impl LastNames {
    /// True when `last` matches the last segment of any pattern `patterns`
    /// yields (always the same lists for one index).
    pub fn matches<'a, I: IntoIterator<Item = &'a String>>(&self, patterns: impl FnOnce() -> I, last: &str) -> bool {
        let (exact, wild) = self.0.get_or_init(|| {
            let mut exact = foldhash::HashSet::default();
            let mut wild = Vec::new();
            for p in patterns() {
                let seg = p.rsplit('.').next().unwrap_or(p);
                if seg.contains('*') {
                    wild.push(seg.to_string());
                } else {
                    exact.insert(seg.to_string());
                }
            }
            (exact, wild)
        });
        exact.contains(last) || wild.iter().any(|w| segment_matches(w, last))
    }
}

/// True when the last segment of any pattern matches `last`: a cheap test
/// before reading the whole callee.
pub fn any_last_matches(patterns: &[String], last: &str) -> bool {
    patterns.iter().any(|p| segment_matches(p.rsplit('.').next().unwrap_or(p), last))
}

/// True when any pattern matches.
pub fn any_matches(patterns: &[String], segments: &[&str]) -> bool {
    patterns.iter().any(|p| pattern_matches(p, segments))
}

#[cfg(test)]
mod tests {
    use super::{LastNames, any_last_matches, pattern_matches};

    #[test]
    fn trailing_segments() {
        assert!(pattern_matches("objects.create", &["Order", "objects", "create"]));
        assert!(!pattern_matches("objects.create", &["create"]));
        assert!(pattern_matches("*.refunds.create", &["this", "stripe", "refunds", "create"]));
        assert!(pattern_matches("*Queue.add", &["this", "emailQueue", "add"]));
        assert!(!pattern_matches("*Queue.add", &["Queue", "add"]));
        assert!(pattern_matches("send_mail", &["django", "core", "mail", "send_mail"]));
        assert!(!pattern_matches("send_mail", &["send_mail_later"]));
    }

    /// The index answers as the plain scan does.
    #[test]
    fn last_names_index_matches_the_scan() {
        let patterns: Vec<String> =
            ["objects.create", "*.refunds.create", "*Queue.add", "send_*", "mail"].map(String::from).to_vec();
        let index = LastNames::default();
        for last in ["create", "add", "emailQueueadd", "Queue", "xQueue", "send_mail", "send", "mail", "mails", ""] {
            assert_eq!(index.matches(|| &patterns, last), any_last_matches(&patterns, last), "{last}");
        }
    }
}
