//! Function summaries: what each project function does that a rule cares
//! about, so that a call to the project's own `get_by_id()`, `request()`
//! wrapper or payments helper is judged like the effect it hides.
//!
//! ```text
//! facts phase (per file)           merge (whole project)        check phase
//! ────────────────────────         ─────────────────────        ─────────────────
//! collect(): one FunctionSummary   close(): resolve each        lookup(): the call
//! per function and method:         call to a project function,  at a byte offset →
//! own effects + calls, written     then fold callees' effects   what it reaches
//! as references (module, class,    in, to depth 3               (query, forwarded
//! name), never resolved here                                    HTTP, side effect)
//! ```
//!
//! Summaries are plain data kept in [`ProjectFacts`] (and so in the result
//! cache, per file). Only the per-file part is stored; the closure is derived
//! by [`ProjectFacts::merge`]'s caller through [`close`].
//!
//! Name resolution is precise first: a call reaches a project function
//! through an import (`from app.repo import get_by_id`, `import app.repo as
//! r; r.get_by_id()`, `import { getById } from "./repo"`), a same-module
//! definition, or `self.method()`/`this.method()` inside the class. A call
//! on any other object (`repo.get_by_id()`) counts only when exactly one
//! project function has that name, the name has two words or more
//! (`get_by_id`, `sendInvoice`; Rust: an underscore) and is not generic
//! ([`GENERIC_NAMES`]). A reference that matches several definitions whose
//! effects differ is not used.

use std::collections::{BTreeMap, HashMap};

use tree_sitter::{Node, Tree};

use crate::catalog::Catalog;
use crate::catalog::network::{CallKind, NetRule};
use crate::catalog::queries::{LangQueries, receiver_matches};
use crate::catalog::side_effects::{LangEffects, pattern_matches};
use crate::engine::ProjectFacts;
use crate::lang::{NodeExt, node_text, strip_quotes};
use crate::source::{Grammar, SourceFile};

/// More definitions than this for one reference: ambiguous, not used.
const MAX_CANDIDATES: usize = 16;

/// How many calls deep effects are followed (helper → service → client).
pub const DEPTH: usize = 3;

/// Method names too common to identify one project function from a call on
/// an object of unknown type (`x.save()` is as likely a library's).
pub const GENERIC_NAMES: &[&str] = &[
    "get",
    "save",
    "run",
    "create",
    "update",
    "delete",
    "filter",
    "all",
    "first",
    "send",
    "execute",
    "call",
    "handle",
    "process",
    "find",
    "list",
    "load",
    "fetch",
    "request",
    "post",
    "put",
    "patch",
    "remove",
    "add",
    "set",
    "start",
    "stop",
    "close",
    "open",
    "read",
    "write",
    "emit",
    "dispatch",
    "apply",
    "validate",
    "clean",
    "build",
    "render",
    "json",
    "refresh",
    "reset",
    "exists",
    "count",
    "main",
    "perform",
    "invoke",
    "notify",
    "publish",
    "submit",
    "query",
    "search",
    "insert",
    "upsert",
    "log",
    "info",
    "debug",
    "error",
    "warning",
    "map",
    "then",
    "catch",
    "init",
    "setup",
    "sync",
    "commit",
    "flush",
    "parse",
    "format",
    "to_dict",
    "to_json",
    "serialize",
    "push",
    "pop",
    "next",
    "wait",
    "connect",
    "retry",
    "charge",
    "pay",
    "refund",
    "enqueue",
    "delay",
    "dump",
    "dumps",
    "loads",
    "copy",
    "clear",
    "keys",
    "values",
    "items",
    "toString",
    "findOne",
    "findMany",
    "findAll",
    "getAll",
    "exec",
    "__init__",
    "__call__",
];

/// Where an effect happens: a file, a byte range and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Site {
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub line: u32,
    /// The call as written, compacted (`Order.objects.get`).
    pub callee: String,
    /// The function it is written in (`get_by_id`, `OrderRepo.get_by_id`).
    pub function: String,
}

/// How a function's own outbound HTTP call gets its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HttpTimeout {
    /// Set at the call, or by the function before it (`kwargs.setdefault("timeout", 10)`).
    Set,
    /// Taken from what the caller passes: the function forwards its
    /// `**kwargs` or options object, or a `timeout` parameter defaulting to
    /// `None`, to the client.
    Forwarded,
}

/// The side effects the idempotency rules care about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SideEffect {
    /// A money-moving payment call: without an idempotency key (`None`), or
    /// with one taken only from the named keyword parameter, which defaults
    /// to `None` (`idempotency_key=idempotency_key`): the caller decides.
    Payment(Option<String>),
    /// A catalog side effect; the text completes "so a redelivery ...".
    Effect(String),
}

/// How a call names its target, before resolution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// A module-level function of a module (a dotted Python module, or a
    /// JS/TS file path without extension; an import's module as written
    /// there, matched by suffix).
    Function { module: String, name: String },
    /// A method of a class of this module (`self.name()`, `this.name()`).
    Method { module: String, class: String, name: String },
    /// A method on an object of unknown type (`repo.get_by_id()`).
    Attribute { name: String },
    /// Rust: an associated function or method of a named `impl` type,
    /// wherever that `impl` is written (`Repo::get_by_id()`, `Self::f()`,
    /// `self.f()`).
    Assoc { class: String, name: String },
}

/// What a function's declared return type is (Rust; `None` elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Returns {
    /// `Result<..>`, `io::Result<..>`, `anyhow::Result<..>`, an alias named `...Result`.
    Result,
    /// `Option<..>`: a `None` is no error, so defaulting it drops nothing.
    Option,
    Other,
}

/// One call a function makes that may reach a project function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRef {
    pub target: Target,
    /// Byte offset of the call in its file (the key rules look it up by).
    pub start: usize,
    /// The call forwards the caller's own `**kwargs` or options parameter.
    pub forwards: bool,
    /// The call passes a timeout itself (`timeout=`, `{ timeout }`, `{ signal }`).
    pub passes_timeout: bool,
    /// Keyword argument names (Python) or keys of object literal arguments (JS).
    pub keywords: Vec<String>,
    /// Arguments that are one of the caller's own parameters, unchanged:
    /// (where the argument is, the caller's parameter index and name).
    #[serde(default)]
    pub params: Vec<(ArgSlot, u32, String)>,
}

/// Where an argument sits in a call: its position (keyword arguments not
/// counted) or its keyword.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum ArgSlot {
    Position(u32),
    Keyword(String),
}

/// A parameter a function writes to a log (a logger call the secrets
/// catalog knows), itself or through project calls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct LoggedParam {
    /// Its position among the parameters (`self`/`cls` not counted).
    pub index: u32,
    pub name: String,
    /// The function whose log call writes it (this one, or one it calls).
    pub via: String,
}

impl LoggedParam {
    /// Whether the argument at `slot` of a call lands in this parameter.
    pub fn receives(&self, slot: &ArgSlot) -> bool {
        match slot {
            ArgSlot::Position(i) => *i == self.index,
            ArgSlot::Keyword(k) => *k == self.name,
        }
    }
}

/// What one function does itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    /// The file's module: dotted for Python (`app.repo`), a path without
    /// extension for JS/TS (`src/lib/repo`).
    pub module: String,
    pub path: String,
    pub class: Option<String>,
    pub name: String,
    /// Its declared return kind (Rust only).
    #[serde(default)]
    pub returns: Option<Returns>,
    /// A database query it runs (evaluated, not a lazy query it returns).
    pub query: Option<Site>,
    /// An outbound HTTP call whose timeout is set or forwarded (a call with
    /// none at all is the client call's own finding).
    pub http: Option<(HttpTimeout, Site)>,
    /// A payment or remote side effect not preceded by a guard.
    pub effect: Option<(SideEffect, Site)>,
    /// Parameters it passes to a log call (maybe inside a string built from
    /// them), not masked first.
    #[serde(default)]
    pub logs: Vec<LoggedParam>,
    /// Python: it logs or reports the exception in flight itself
    /// (`logger.exception`, `capture_exception()`, `exc_info=True`).
    #[serde(default)]
    pub reports: bool,
    /// Its body does nothing (`pass`, a docstring, `return None`, `{}`).
    #[serde(default)]
    pub noop: bool,
    /// It starts work it does not wait for and its file has no concurrency
    /// limiter (`rules/catalog/queues.toml`): Python `asyncio.create_task`,
    /// `loop.create_task`, `nursery.start_soon`; JS/TS a promise left
    /// floating on purpose (`void work(x)`, `work(x).then(...)` as a
    /// statement).
    #[serde(default)]
    pub spawns: Option<Site>,
    /// An outbound HTTP call it makes, whatever its timeout (the first).
    #[serde(default)]
    pub http_call: Option<Site>,
    /// It retries what it does: a retry decorator or wrapper the retry
    /// catalog knows (tenacity, backoff, p-retry, axios-retry), or a loop
    /// around a `try` that pauses between passes. Its HTTP calls then have
    /// a retry policy; whether that policy backs off and stops is the retry
    /// rules' finding at the helper itself.
    #[serde(default)]
    pub retries: Option<Site>,
    /// It pauses (a catalog sleep call or sleep/backoff helper, as the retry
    /// loops read them): whether the delay grows or comes from its caller
    /// (`true`) or is a fixed constant (`false`).
    #[serde(default)]
    pub pause: Option<(bool, Site)>,
    /// JS/TS: it starts one call per item of its parameter at once
    /// (`Promise.all(items.map(...))` over the parameter at this index, or
    /// a `filter`/`map` of it) and its file has no concurrency limiter.
    #[serde(default)]
    pub fans_out: Option<(u32, Site)>,
    /// Calls that may reach project functions, in source order.
    pub calls: Vec<CallRef>,
    /// What it reaches through its calls, to [`DEPTH`]: derived by [`close`].
    #[serde(skip)]
    pub reach: Reach,
}

/// What a function reaches itself or through project calls.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reach {
    pub query: Option<Site>,
    /// An HTTP call whose timeout comes from this function's caller.
    pub forwarded_http: Option<Site>,
    /// An HTTP call with its timeout set in the chain.
    pub http_set: bool,
    pub effect: Option<(SideEffect, Site)>,
    /// Parameters that reach a log call, here or through calls that pass
    /// them on unchanged.
    pub logs: Vec<LoggedParam>,
    /// It reports the exception in flight, itself or through a call.
    pub reports: bool,
    /// A task it starts per call, itself or through a call.
    pub spawns: Option<Site>,
    /// An HTTP call it makes, itself or through a call, that no function of
    /// the chain retries ([`FunctionSummary::retries`]).
    pub unretried_http: Option<Site>,
    /// A pause it makes, itself or through a call: whether the delay grows.
    pub pause: Option<(bool, Site)>,
    /// The parameter (index) it fans out over, itself or by handing it on
    /// unchanged to a function that does.
    pub fans_out: Option<(u32, Site)>,
}

impl Reach {
    /// The parts that decide rules (not where), to compare definitions.
    #[allow(clippy::type_complexity)]
    /// The retry and fan-out facts (`unretried_http`, `pause`, `fans_out`)
    /// are left out: comparing them made names whose definitions agree on
    /// queries ambiguous, and lost query findings.
    fn profile(&self) -> (bool, bool, bool, Option<SideEffect>, Vec<(u32, &str)>, bool, bool) {
        (
            self.query.is_some(),
            self.forwarded_http.is_some(),
            self.http_set,
            self.effect.as_ref().map(|(e, _)| e.clone()),
            self.logs.iter().map(|l| (l.index, l.name.as_str())).collect(),
            self.reports,
            self.spawns.is_some(),
        )
    }
}

/// The summaries of a whole project, with the indexes [`close`] builds.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summaries {
    pub functions: Vec<FunctionSummary>,
    /// Function name → indexes into `functions`. Derived.
    #[serde(skip)]
    by_name: BTreeMap<String, Vec<usize>>,
    /// (class, method name) → indexes into `functions`. Derived.
    #[serde(skip)]
    by_member: HashMap<(String, String), Vec<usize>>,
    /// File path → (call start, function index, call index), sorted. Derived.
    #[serde(skip)]
    by_path: BTreeMap<String, Vec<(usize, usize, usize)>>,
    /// Per function, per call: the definition it resolves to. Derived.
    #[serde(skip)]
    resolved: Vec<Vec<Option<usize>>>,
}

impl Summaries {
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }

    /// What other files' findings can depend on, as text for the result
    /// cache's facts key: every definition of each name that has at least
    /// one definition reaching an effect (where it is, and what it reaches,
    /// without byte offsets or lines). A call elsewhere can only turn into a
    /// finding through such a name (or stop being one when a same-named
    /// definition makes it ambiguous), so an edit that adds, moves or
    /// changes functions without effects keeps every other file's results.
    /// Messages name another file's effect by path and function, never by
    /// line; labels point only into the file being checked, which is
    /// rechecked when it changes. Call after [`close`].
    pub fn key_text(&self) -> String {
        let mut out = String::new();
        for (name, defs) in &self.by_name {
            if !defs.iter().any(|&i| {
                let f = &self.functions[i];
                f.reach != Reach::default() || f.returns == Some(Returns::Option)
            }) {
                continue;
            }
            for &i in defs {
                let f = &self.functions[i];
                let site = |s: &Site| format!("{}:{}:{}", s.path, s.callee, s.function);
                let r = &f.reach;
                out.push_str(&format!(
                    "{name} {} {:?} {} {:?} q={:?} h={:?} {} e={:?} l={:?} r={} n={} s={:?} u={:?} p={:?} f={:?}\n",
                    f.module,
                    f.class,
                    f.path,
                    f.returns,
                    r.query.as_ref().map(site),
                    r.forwarded_http.as_ref().map(site),
                    r.http_set,
                    r.effect.as_ref().map(|(e, s)| (e, site(s))),
                    r.logs,
                    r.reports,
                    f.noop,
                    r.spawns.as_ref().map(site),
                    r.unretried_http.as_ref().map(site),
                    r.pause.as_ref().map(|(g, s)| (g, site(s))),
                    r.fans_out.as_ref().map(|(i, s)| (i, site(s))),
                ));
            }
        }
        out
    }

    /// What the call starting at byte `start` of `path` reaches, when it
    /// resolves to project functions that agree.
    pub fn lookup(&self, path: &str, start: usize) -> Option<(&CallRef, &FunctionSummary)> {
        let calls = self.by_path.get(path)?;
        let i = calls.binary_search_by_key(&start, |c| c.0).ok()?;
        let (_, f, c) = calls[i];
        let call = &self.functions[f].calls[c];
        let target = (*self.resolved.get(f)?.get(c)?)?;
        Some((call, &self.functions[target]))
    }

    /// Whether a call written in `path` resolves to a definition whose
    /// summary a rule reads: one that reaches something ([`Reach`]) or does
    /// nothing (`noop`). Every rule that asks [`Self::lookup`] judges a call
    /// resolving to any other definition as one that resolves to none, so
    /// a file without such a call is judged the same before the summaries
    /// are closed as after. Call after [`close`].
    pub fn read_from(&self, path: &str) -> bool {
        let Some(calls) = self.by_path.get(path) else { return false };
        calls.iter().any(|&(_, f, c)| {
            self.resolved.get(f).and_then(|r| r.get(c)).copied().flatten().is_some_and(|t| {
                let callee = &self.functions[t];
                callee.reach != Reach::default() || callee.noop
            })
        })
    }

    /// The one definition (or agreeing definitions: the first) among `candidates`.
    fn agree(&self, candidates: &[usize]) -> Option<usize> {
        let first = *candidates.first()?;
        let profile = (self.functions[first].reach.profile(), self.functions[first].returns);
        candidates
            .iter()
            .all(|&i| (self.functions[i].reach.profile(), self.functions[i].returns) == profile)
            .then_some(first)
    }

    /// The definitions `target` may name.
    fn candidates(&self, from: &str, target: &Target) -> Vec<usize> {
        let mut c = self.candidates_of(from, target).unwrap_or_default();
        // A name defined this many times names no one function, and comparing
        // every definition at every call would make a file that repeats one
        // definition quadratic.
        if c.len() > MAX_CANDIDATES {
            c.clear();
        }
        // A Rust call reaches Rust functions only, and the other way round.
        let rust = |p: &str| p.ends_with(".rs");
        c.retain(|&i| rust(&self.functions[i].path) == rust(from));
        // A Rust method on a value of unknown type: one definition only, and
        // a name of several words (`url.join()`, `v.push()` are std's).
        if rust(from)
            && let Target::Attribute { name } = target
            && (c.len() != 1 || !name.contains('_'))
        {
            c.clear();
        }
        c
    }

    /// The definition a call written in `from` (a path) names, resolved when
    /// the check runs: for Rust call sites, which the facts phase does not
    /// record for every file ([`crate::analysis::rust_summaries`]). Call
    /// after [`close`].
    pub fn resolve(&self, from: &str, target: &Target) -> Option<&FunctionSummary> {
        let c = self.candidates(from, target);
        self.agree(&c).map(|i| &self.functions[i])
    }

    fn candidates_of(&self, from: &str, target: &Target) -> Option<Vec<usize>> {
        let (name, candidates): (&str, Vec<usize>) = match target {
            Target::Function { module, name } => {
                let all = self.by_name.get(name)?;
                let mut c: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let f = &self.functions[i];
                        f.class.is_none() && module_matches(&f.module, module, from)
                    })
                    .collect();
                // Python `from app.services import stripe; stripe.create_x()`:
                // `stripe` may be an instance made in `app.services`, so a
                // method of a class of that module.
                if c.is_empty()
                    && from.ends_with(".py")
                    && let Some((parent, _)) = module.rsplit_once('.')
                {
                    c = all
                        .iter()
                        .copied()
                        .filter(|&i| {
                            let f = &self.functions[i];
                            f.class.is_some() && module_matches(&f.module, parent, from)
                        })
                        .collect();
                }
                (name, c)
            }
            Target::Method { module, class, name } => {
                let all = self.by_member.get(&(class.clone(), name.clone()))?;
                let c = all.iter().copied().filter(|&i| &self.functions[i].module == module).collect();
                (name, c)
            }
            Target::Assoc { class, name } => (name, self.by_member.get(&(class.clone(), name.clone()))?.clone()),
            Target::Attribute { name } => {
                if GENERIC_NAMES.contains(&name.as_str())
                    || name.starts_with('_') && !name.starts_with("__")
                    || !several_words(name)
                {
                    return None;
                }
                (name, self.by_name.get(name)?.clone())
            }
        };
        let _ = name;
        Some(candidates)
    }
}

/// `get_by_id`, `sendInvoice`: a name of two words or more. On an object of
/// unknown type a one-word method (`x.append()`, `items.pop()`) is as likely
/// a built-in's or a library's as the one project method of that name, so it
/// names no project function (the list above was not enough: a project
/// `append` that writes a query log made every `list.append` in a loop a
/// query).
fn several_words(name: &str) -> bool {
    let core = name.trim_matches('_');
    core.contains('_') || core.as_bytes().windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// A definition's module matches a reference's: equal, or the reference is a
/// trailing part of it (`shop.repo` names `src.shop.repo`; `@/lib/repo`
/// names `src/lib/repo`).
fn module_matches(def: &str, reference: &str, _from: &str) -> bool {
    if def == reference {
        return true;
    }
    let Some(head) = def.strip_suffix(reference) else { return false };
    head.ends_with('.') || reference.contains('/') && head.ends_with('/') || head.ends_with("::")
}

/// Builds the indexes and folds callees' effects in, to [`DEPTH`] calls.
/// Deterministic whatever order the files were merged in.
pub fn close(s: &mut Summaries) {
    s.functions.sort_by(|a, b| (&a.path, &a.module, &a.class, &a.name).cmp(&(&b.path, &b.module, &b.class, &b.name)));
    s.by_name.clear();
    s.by_member.clear();
    s.by_path.clear();
    for (i, f) in s.functions.iter().enumerate() {
        s.by_name.entry(f.name.clone()).or_default().push(i);
        if let Some(class) = &f.class {
            s.by_member.entry((class.clone(), f.name.clone())).or_default().push(i);
        }
        let calls = s.by_path.entry(f.path.clone()).or_default();
        for (c, call) in f.calls.iter().enumerate() {
            calls.push((call.start, i, c));
        }
    }
    for calls in s.by_path.values_mut() {
        calls.sort();
        calls.dedup_by_key(|c| c.0);
    }
    // Level 0: each function's own effects.
    for f in &mut s.functions {
        f.reach = Reach {
            query: f.query.clone(),
            forwarded_http: f.http.as_ref().filter(|(t, _)| *t == HttpTimeout::Forwarded).map(|(_, s)| s.clone()),
            http_set: f.http.as_ref().is_some_and(|(t, _)| *t == HttpTimeout::Set),
            effect: f.effect.clone(),
            logs: f.logs.clone(),
            reports: f.reports,
            spawns: f.spawns.clone(),
            unretried_http: if f.retries.is_some() { None } else { f.http_call.clone() },
            pause: f.pause.clone(),
            fans_out: f.fans_out.clone(),
        };
    }
    let candidates: Vec<Vec<Vec<usize>>> =
        s.functions.iter().map(|f| f.calls.iter().map(|c| s.candidates(&f.path, &c.target)).collect()).collect();
    for _ in 0..DEPTH {
        let mut next: Vec<Reach> = Vec::with_capacity(s.functions.len());
        for (fi, f) in s.functions.iter().enumerate() {
            let mut r = f.reach.clone();
            for (ci, call) in f.calls.iter().enumerate() {
                let Some(t) = s.agree(&candidates[fi][ci]) else { continue };
                let callee = &s.functions[t].reach;
                if r.query.is_none() {
                    r.query = callee.query.clone();
                }
                if r.effect.is_none() {
                    r.effect = match &callee.effect {
                        // The caller passes the key the payment takes: keyed.
                        Some((SideEffect::Payment(Some(k)), _)) if call.keywords.contains(k) => None,
                        // Not passed and not handed on: this call is the keyless one.
                        Some((SideEffect::Payment(Some(_)), site)) if !call.forwards => {
                            Some((SideEffect::Payment(None), site.clone()))
                        }
                        other => other.clone(),
                    };
                }
                if callee.forwarded_http.is_some() {
                    if call.passes_timeout {
                        r.http_set = true;
                    } else if call.forwards && r.forwarded_http.is_none() {
                        r.forwarded_http = callee.forwarded_http.clone();
                    }
                }
                r.http_set |= callee.http_set && callee.forwarded_http.is_none();
                r.reports |= callee.reports;
                if r.spawns.is_none() {
                    r.spawns = callee.spawns.clone();
                }
                // A function that retries covers the calls it makes.
                if r.unretried_http.is_none() && f.retries.is_none() {
                    r.unretried_http = callee.unretried_http.clone();
                }
                if r.pause.is_none() {
                    r.pause = callee.pause.clone();
                }
                // A parameter handed on unchanged to one the callee fans out over.
                if r.fans_out.is_none()
                    && let Some((i, site)) = &callee.fans_out
                    && let Some((_, own, _)) = call.params.iter().find(|(slot, _, _)| *slot == ArgSlot::Position(*i))
                {
                    r.fans_out = Some((*own, site.clone()));
                }
                // A parameter handed on unchanged to one the callee logs.
                for (slot, own, name) in &call.params {
                    if r.logs.iter().any(|l| l.index == *own) {
                        continue;
                    }
                    if let Some(l) = callee.logs.iter().find(|l| l.receives(slot)) {
                        r.logs.push(LoggedParam { index: *own, name: name.clone(), via: l.via.clone() });
                    }
                }
                r.logs.sort();
            }
            next.push(r);
        }
        let mut changed = false;
        for (f, r) in s.functions.iter_mut().zip(next) {
            changed |= f.reach != r;
            f.reach = r;
        }
        if !changed {
            break;
        }
    }
    s.resolved = candidates.iter().map(|calls| calls.iter().map(|c| s.agree(c)).collect()).collect();
}

// ---------------------------------------------------------------- collection

/// What a local name is bound to by an import.
#[derive(Debug, Clone)]
enum Imported {
    /// `import app.repo as r`: a module.
    Module(String),
    /// `from app.repo import get_by_id`: a name in a module (maybe a submodule).
    Symbol(String, String),
}

/// The module a file defines: `app/repo.py` → `app.repo`,
/// `src/lib/repo/index.ts` → `src/lib/repo`.
pub fn module_of(path: &str, grammar: Grammar) -> String {
    let no_ext = path.rsplit_once('.').map(|(a, _)| a).unwrap_or(path);
    if grammar == Grammar::Python {
        let m = no_ext.strip_suffix("/__init__").unwrap_or(no_ext);
        m.replace('/', ".")
    } else {
        no_ext.strip_suffix("/index").unwrap_or(no_ext).to_string()
    }
}

struct FileCx<'a> {
    file: &'a SourceFile,
    src: &'a str,
    module: String,
    python: bool,
    imports: HashMap<String, Imported>,
    queries: &'a LangQueries,
    effects: &'a LangEffects,
    catalog: &'a Catalog,
    /// The file imports or creates a concurrency limiter: read once per file
    /// when the first task start is seen (per call, it made a file of many
    /// task starts quadratic).
    limited: std::cell::OnceCell<bool>,
}

/// Summarises every function and method of a Python or TS/JS file.
pub fn collect(file: &SourceFile, tree: &Tree, catalog: &Catalog) -> Vec<FunctionSummary> {
    let python = file.grammar == Grammar::Python;
    let module = module_of(&file.path, file.grammar);
    let root = tree.root_node();
    let imports = if python { py_imports(root, &file.text, &module) } else { js_imports(root, &file.text, &module) };
    let queries = if python { &catalog.queries.python } else { &catalog.queries.javascript };
    let cx = FileCx {
        file,
        src: &file.text,
        module,
        python,
        imports,
        queries,
        effects: catalog.side_effects.lang(python),
        catalog,
        limited: std::cell::OnceCell::new(),
    };
    let mut out = Vec::new();
    // The walk stops at each function: `summarise` walks its body and hands
    // back the named functions nested in it, so every node is visited once.
    let mut nested = Vec::new();
    crate::lang::walk(root, &mut |n| {
        if let Some((name, body, class)) = function_parts(n, cx.src, python) {
            // Every definition is kept, effects or not: a name defined twice
            // must be seen twice for `Target::Attribute` to stay precise.
            out.push(summarise(&cx, n, name, body, class, &mut nested));
            return false;
        }
        true
    });
    while let Some(n) = nested.pop() {
        if let Some((name, body, class)) = function_parts(n, cx.src, python) {
            out.push(summarise(&cx, n, name, body, class, &mut nested));
        } else {
            // A class nested in a function: its methods.
            crate::lang::walk(n, &mut |m| {
                if m.id() != n.id() && function_parts(m, cx.src, python).is_some() {
                    nested.push(m);
                    return false;
                }
                true
            });
        }
    }
    out
}

/// A function's name, body and enclosing class, for the node kinds that define one.
fn function_parts<'t>(n: Node<'t>, src: &str, python: bool) -> Option<(String, Node<'t>, Option<String>)> {
    let class_of = |n: Node<'t>| {
        let mut cur = n.parent();
        while let Some(p) = cur {
            match p.kind() {
                "block" | "class_body" | "decorated_definition" => cur = p.parent(),
                "class_definition" | "class_declaration" | "class" | "abstract_class_declaration" => {
                    return p.field("name").map(|c| node_text(c, src).to_string());
                }
                _ => return None,
            }
        }
        None
    };
    if python {
        if n.kind() != "function_definition" {
            return None;
        }
        return Some((node_text(n.field("name")?, src).to_string(), n.field("body")?, class_of(n)));
    }
    match n.kind() {
        "function_declaration" | "generator_function_declaration" => {
            Some((node_text(n.field("name")?, src).to_string(), n.field("body")?, None))
        }
        "method_definition" => Some((node_text(n.field("name")?, src).to_string(), n.field("body")?, class_of(n))),
        "arrow_function" | "function_expression" | "function" => {
            let decl = n.parent().filter(|p| p.kind() == "variable_declarator")?;
            let name = decl.field("name").filter(|x| x.kind() == "identifier")?;
            Some((node_text(name, src).to_string(), n.field("body")?, None))
        }
        _ => None,
    }
}

fn is_class(n: Node<'_>) -> bool {
    matches!(n.kind(), "class_definition" | "class_declaration" | "class")
}

fn is_function(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "function_definition"
            | "lambda"
            | "function_declaration"
            | "generator_function_declaration"
            | "method_definition"
            | "arrow_function"
            | "function_expression"
            | "function"
            | "class_definition"
            | "class_declaration"
    )
}

/// The parameters of a function: (`**kwargs` / options-object names, names
/// of parameters that default to `None`/are optional, every name).
fn params(func: Node<'_>, src: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut rest = Vec::new();
    let mut optional = Vec::new();
    let mut all = Vec::new();
    let Some(ps) = func.field("parameters") else { return (rest, optional, all) };
    let mut cursor = ps.walk();
    for p in ps.named_children(&mut cursor) {
        let ident = |n: Node<'_>| {
            let mut found = None;
            crate::lang::walk(n, &mut |x| {
                if found.is_none() && x.kind() == "identifier" {
                    found = Some(node_text(x, src).to_string());
                }
                found.is_none()
            });
            found
        };
        let Some(name) = ident(p) else { continue };
        match p.kind() {
            "dictionary_splat_pattern" => rest.push(name.clone()),
            "default_parameter" | "typed_default_parameter" if p.field("value").is_some_and(|v| v.kind() == "none") => {
                optional.push(name.clone());
            }
            // JS: the last object-typed parameter may carry request options.
            "optional_parameter" | "required_parameter" => {
                if p.kind() == "optional_parameter" || node_text(p, src).contains('=') {
                    optional.push(name.clone());
                }
                let lower = name.to_ascii_lowercase();
                if lower.contains("option") || lower.contains("config") || lower == "init" || lower == "opts" {
                    rest.push(name.clone());
                }
            }
            "identifier" if !func.kind().starts_with("function_def") => {
                let lower = name.to_ascii_lowercase();
                if lower.contains("option") || lower.contains("config") || lower == "init" || lower == "opts" {
                    rest.push(name.clone());
                }
            }
            _ => {}
        }
        all.push(name);
    }
    (rest, optional, all)
}

fn summarise<'t>(
    cx: &FileCx<'_>,
    func: Node<'t>,
    name: String,
    body: Node<'t>,
    class: Option<String>,
    nested: &mut Vec<Node<'t>>,
) -> FunctionSummary {
    let src = cx.src;
    let shown = match &class {
        Some(c) => format!("{c}.{name}"),
        None => name.clone(),
    };
    let (rest, optional, _) = params(func, src);
    // One walk of the body for both passes: the calls, and (for the flow
    // of parameters to logs) the calls and assignments in source order.
    let mut nodes = Vec::new();
    let mut flow_nodes = Vec::new();
    // JS/TS calls whose promise is left floating (by id), found from their
    // statement: asking each call for its parent costs the tree's depth.
    let mut floating_calls = std::collections::HashSet::new();
    crate::lang::walk(body, &mut |n| {
        // Named nested functions have their own summary; callbacks and
        // lambdas run as part of this one.
        if n.id() != body.id() && is_function(n) && (is_class(n) || function_parts(n, src, cx.python).is_some()) {
            nested.push(n);
            return false;
        }
        match n.kind() {
            "call" | "call_expression" => {
                nodes.push(n);
                flow_nodes.push(n);
            }
            "assignment" | "variable_declarator" | "assignment_expression" => flow_nodes.push(n),
            "expression_statement" if !cx.python => {
                if let Some(call) = floating(cx, n) {
                    floating_calls.insert(call);
                }
            }
            _ => {}
        }
        true
    });
    let (logs, mut passed) = param_flow(cx, func, flow_nodes, class.is_some(), &shown);
    let mut s = FunctionSummary {
        module: cx.module.clone(),
        path: cx.file.path.clone(),
        class: class.clone(),
        name,
        returns: None,
        query: None,
        http: None,
        effect: None,
        logs,
        reports: cx.python && crate::analysis::handlers::reports_in_flight(body, src),
        noop: does_nothing(body, src, cx.python),
        spawns: None,
        http_call: None,
        retries: retry_decorator(cx, func).map(|r| Site { function: shown.clone(), ..r }),
        pause: None,
        fans_out: None,
        calls: Vec::new(),
        reach: Reach::default(),
    };
    let site = |n: Node<'_>| Site {
        path: cx.file.path.clone(),
        start: n.start_byte(),
        end: n.end_byte(),
        line: n.start_position().row as u32 + 1,
        callee: n.field("function").map(|f| compact(node_text(f, src))).unwrap_or_default(),
        function: shown.clone(),
    };
    for call in nodes {
        if let Some(grows) = pause_call(cx, call) {
            if s.pause.is_none() {
                s.pause = Some((grows, site(call)));
            }
            if s.retries.is_none() && retries_around(call, body) {
                s.retries = Some(site(call));
            }
        }
        if s.retries.is_none() && retry_wrapper(cx, call) {
            s.retries = Some(site(call));
        }
        if s.http_call.is_none() && is_http_call(cx, call) {
            s.http_call = Some(site(call));
        }
        // A write (`Order.objects.create`) is both a query and a side effect.
        let query = is_query(cx, call);
        if query && s.query.is_none() {
            s.query = Some(site(call));
        }
        if query {
            if s.effect.is_none()
                && let Some(e) = side_effect(cx, call, body, &optional)
            {
                s.effect = Some((e, site(call)));
            }
            continue;
        }
        if let Some(t) = http_timeout(cx, call, func, body, &rest, &optional) {
            if s.http.as_ref().is_none_or(|(old, _)| *old == HttpTimeout::Set && t == HttpTimeout::Forwarded) {
                s.http = Some((t, site(call)));
            }
            continue;
        }
        if s.effect.is_none()
            && let Some(e) = side_effect(cx, call, body, &optional)
        {
            s.effect = Some((e, site(call)));
            continue;
        }
        if s.spawns.is_none() && spawns_task(cx, call, floating_calls.contains(&call.id())) {
            s.spawns = Some(site(call));
            continue;
        }
        if s.fans_out.is_none()
            && let Some(i) = fans_out(cx, call, func, class.is_some())
        {
            s.fans_out = Some((i, site(call)));
            continue;
        }
        if let Some(target) = target_of(cx, call, class.as_deref()) {
            let forwards = forwards_rest(cx, call, &rest);
            let passes_timeout = passes_timeout(cx, call);
            let keywords = keywords_in(call, src, cx.python);
            let params = passed.remove(&call.start_byte()).unwrap_or_default();
            s.calls.push(CallRef { target, start: call.start_byte(), forwards, passes_timeout, keywords, params });
        }
    }
    s
}

// ------------------------------------------------------------ retry facts

/// The retry catalog of the file's language.
fn retry_cat<'a>(cx: &FileCx<'a>) -> &'a crate::catalog::retry::LangRetry {
    if cx.python { &cx.catalog.retry.python } else { &cx.catalog.retry.javascript }
}

/// A retry library's policy by its resolved path (path-matched policies only:
/// a name-matched one, Celery's `task`, retries only with options).
fn is_retry_policy(cx: &FileCx<'_>, path: &str) -> bool {
    retry_cat(cx).policy(path).is_some_and(|p| p.paths.iter().any(|x| x == path))
}

/// Python: the function is decorated with a retry policy (`@retry(...)` from
/// tenacity, `@backoff.on_exception(...)`).
fn retry_decorator(cx: &FileCx<'_>, func: Node<'_>) -> Option<Site> {
    if !cx.python {
        return None;
    }
    let parent = func.parent().filter(|p| p.kind() == "decorated_definition")?;
    let mut cursor = parent.walk();
    let found = parent.children(&mut cursor).filter(|c| c.kind() == "decorator").find(|d| {
        let text = node_text(*d, cx.src).trim_start_matches('@').trim();
        let head: String = text.split('(').next().unwrap_or(text).split_whitespace().collect();
        import_path_text(cx, head).is_some_and(|p| is_retry_policy(cx, &p))
    })?;
    Some(Site {
        path: cx.file.path.clone(),
        start: found.start_byte(),
        end: found.end_byte(),
        line: found.start_position().row as u32 + 1,
        callee: compact(node_text(found, cx.src).trim_start_matches('@')),
        function: String::new(),
    })
}

/// A call to a retry library's wrapper (`pRetry(() => ...)`,
/// `axiosRetry(client, ...)`, `tenacity.Retrying(...)`).
fn retry_wrapper(cx: &FileCx<'_>, call: Node<'_>) -> bool {
    let Some(callee) = call.field("function") else { return false };
    import_path(cx, callee).is_some_and(|p| is_retry_policy(cx, &p))
}

/// An outbound HTTP call the network catalog knows, timeout or not.
fn is_http_call(cx: &FileCx<'_>, call: Node<'_>) -> bool {
    let Some(callee) = call.field("function") else { return false };
    import_path(cx, callee).is_some_and(|p| {
        cx.catalog.network.call(cx.python, NetRule::Request, &p).is_some_and(|e| e.kind == CallKind::Call)
    })
}

/// When `call` pauses as the retry loops read it
/// ([`crate::rules::retry_loop::pause_call`]): whether its delay grows or
/// comes from elsewhere (a parameter, a computed local, an attribute, a
/// helper that picks its own) rather than being a constant (`2`, `5 * 1000`,
/// `RETRY_DELAY`, `settings.RETRY_DELAY`).
fn pause_call(cx: &FileCx<'_>, call: Node<'_>) -> Option<bool> {
    let callee = call.field("function")?;
    if callee.end_byte() - callee.start_byte() > 256 {
        return None;
    }
    let path = import_path(cx, callee).unwrap_or_else(|| compact(node_text(callee, cx.src)));
    let cat = retry_cat(cx);
    // Only a catalog sleep call or a sleep helper by its exact name: the
    // loops' name markers (`expo`, `Retry`) match `export_report()` too.
    let last = path.rsplit('.').next().unwrap_or(&path);
    if !crate::catalog::retry::LangRetry::listed(&cat.sleep_calls, &path) && !cat.sleep_names.iter().any(|n| n == last)
    {
        return None;
    }
    let delay = crate::rules::retry_loop::pause_call(cat, call, &path, cx.python)?;
    let Some(delay) = delay else { return Some(true) };
    let text = node_text(delay, cx.src);
    if cat.growth_markers.iter().any(|m| text.contains(m.as_str())) {
        return Some(true);
    }
    let constant = |w: &str| w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let words: Vec<&str> = text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let attribute_constant = text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && text.rsplit('.').next().is_some_and(|w| !w.is_empty() && constant(w));
    let fixed = attribute_constant || words.iter().all(|w| w.starts_with(|c: char| c.is_ascii_digit()) || constant(w));
    Some(!fixed || text.contains('('))
}

/// The pause sits in a loop of the function whose body holds a `try`: the
/// function retries, waiting between attempts.
fn retries_around(call: Node<'_>, body: Node<'_>) -> bool {
    let mut cur = call.parent();
    while let Some(n) = cur {
        if n.id() == body.id() {
            return false;
        }
        if matches!(n.kind(), "for_statement" | "while_statement" | "for_in_statement" | "do_statement") {
            let mut has_try = false;
            crate::lang::walk(n, &mut |m| {
                has_try |= m.kind() == "try_statement";
                !has_try
            });
            return has_try;
        }
        cur = n.parent();
    }
    false
}

/// Python: a call that starts a task it does not wait for, in a file with
/// no concurrency limiter.
fn spawns_task(cx: &FileCx<'_>, call: Node<'_>, floating: bool) -> bool {
    if !cx.python {
        return floating && !limited(cx);
    }
    let fan = &cx.catalog.queues.python.fan_out;
    let Some(callee) = call.field("function") else { return false };
    let spawn = import_path(cx, callee).is_some_and(|p| fan.spawn.contains(&p))
        || callee_parts(call, cx.src).is_some_and(|(_, m)| fan.spawn_methods.contains(&m));
    if !spawn || call.parent().is_some_and(|p| p.kind() == "await") {
        return false;
    }
    // `task = asyncio.create_task(...)` awaited later in the function.
    if let Some(p) = call.parent().filter(|p| p.kind() == "assignment")
        && let Some(left) = p.field("left")
    {
        let mut f = p.parent();
        while let Some(n) = f.filter(|n| n.kind() != "function_definition") {
            f = n.parent();
        }
        let name = node_text(left, cx.src);
        if f.is_some_and(|f| node_text(f, cx.src).contains(&format!("await {name}"))) {
            return false;
        }
    }
    !limited(cx)
}

/// The file imports or creates a concurrency limiter (read once per file).
fn limited(cx: &FileCx<'_>) -> bool {
    *cx.limited.get_or_init(|| {
        let fan = &cx.catalog.queues.lang(cx.python).fan_out;
        crate::rules::fan_out_without_limit::text_is_limited(cx.src, fan, cx.python)
    })
}

/// JS/TS: the call an expression statement leaves floating on purpose:
/// `void work(x)`, `work(x).then(...)` / `.catch(...)` / `.finally(...)`.
fn floating(cx: &FileCx<'_>, stmt: Node<'_>) -> Option<usize> {
    let e = stmt.named_child(0)?;
    if e.kind() == "unary_expression" && node_text(e, cx.src).starts_with("void") {
        let arg = e.field("argument")?;
        return (arg.kind() == "call_expression").then(|| arg.id());
    }
    let (obj, m) = callee_parts(e, cx.src)?;
    (e.kind() == "call_expression"
        && matches!(m.as_str(), "then" | "catch" | "finally")
        && obj.kind() == "call_expression")
        .then(|| e.id())
}

/// JS/TS: `Promise.all(xs.map(...))` (or another gather call of
/// `queues.toml`) whose collection is one of the function's parameters, in
/// a file with no concurrency limiter: the parameter's index.
fn fans_out(cx: &FileCx<'_>, call: Node<'_>, func: Node<'_>, method: bool) -> Option<u32> {
    if cx.python {
        return None;
    }
    let fan = &cx.catalog.queues.javascript.fan_out;
    let callee = call.field("function")?;
    if callee.end_byte() - callee.start_byte() > 64 {
        return None;
    }
    let callee: String = node_text(callee, cx.src).split_whitespace().collect();
    if !fan.gather.contains(&callee) {
        return None;
    }
    let arg = *crate::lang::typescript::call_args(call).first()?;
    let (mut iter, work) = crate::rules::fan_out_without_limit::js_source(arg, call, cx.src, 0)?;
    if !crate::rules::fan_out_without_limit::js_is_work(work, cx.src)
        || crate::analysis::collections::js_work_on_one_connection(work, &cx.catalog.collections.javascript, cx.src)
    {
        return None;
    }
    // `ids.filter(...)`, `[...ids]`: as many as the parameter.
    for _ in 0..4 {
        iter = crate::lang::typescript::unwrap_expr(iter);
        match callee_parts(iter, cx.src) {
            Some((obj, m)) if fan.passthrough_methods.contains(&m) => iter = obj,
            _ => break,
        }
    }
    if iter.kind() != "identifier" || limited(cx) {
        return None;
    }
    let name = node_text(iter, cx.src);
    let i = param_names(func, cx.src, method).iter().position(|p| p == name)?;
    Some(i as u32)
}

/// A body whose statements all discard: `pass`, `...`, a docstring, a
/// constant return; an empty JS block.
fn does_nothing(body: Node<'_>, src: &str, python: bool) -> bool {
    use crate::analysis::handlers::{discards_js, discards_py, statements};
    let stmts = statements(body);
    if python {
        !stmts.is_empty() && stmts.iter().all(|s| discards_py(*s, src))
    } else {
        body.kind() == "statement_block" && stmts.iter().all(|s| discards_js(*s, src, false))
    }
}

// ------------------------------------------------------ parameters to logs

/// The parameter names of a function in order, `self`/`cls` of a method not
/// counted (a call `obj.method(a)` passes `a` as the first).
fn param_names(func: Node<'_>, src: &str, method: bool) -> Vec<String> {
    let mut all = params(func, src).2;
    if all.is_empty()
        && let Some(p) = func.field("parameter")
    {
        // `x => ...`
        all.push(node_text(p, src).to_string());
    }
    if method && all.first().is_some_and(|n| n == "self" || n == "cls") {
        all.remove(0);
    }
    all
}

/// Which parameters the function writes to a log call itself, and, per
/// call (by start byte), which arguments are its parameters unchanged.
/// Values flow through local assignments in source order, f-strings,
/// template literals, `+`/`%`, `.format` and the secrets catalog's
/// passthroughs; a sanitizer (`mask`, `hash`, `len`, ...) stops them, and
/// reassigning a parameter (`token = mask(token)`) cleans it. `nodes` are
/// the body's calls and assignments in source order (named nested
/// functions left out), from the walk `summarise` makes.
#[allow(clippy::type_complexity)]
fn param_flow(
    cx: &FileCx<'_>,
    func: Node<'_>,
    nodes: Vec<Node<'_>>,
    method: bool,
    shown: &str,
) -> (Vec<LoggedParam>, HashMap<usize, Vec<(ArgSlot, u32, String)>>) {
    let src = cx.src;
    let names = param_names(func, src, method);
    let mut logs: Vec<LoggedParam> = Vec::new();
    let mut passed: HashMap<usize, Vec<(ArgSlot, u32, String)>> = HashMap::new();
    if names.is_empty() {
        return (logs, passed);
    }
    let mut locals: HashMap<String, Vec<u32>> = HashMap::new();
    // An assignment's value is visited after the assignment itself; apply
    // it once its calls have been seen (`x = f(token)` logs before rebinding).
    let mut pending: Vec<(usize, String, Vec<u32>)> = Vec::new();
    for n in nodes {
        while let Some(at) = pending.iter().position(|(end, _, _)| *end <= n.start_byte()) {
            let (_, name, from) = pending.remove(at);
            locals.insert(name, from);
        }
        match n.kind() {
            "call" | "call_expression" => {
                let Some(args) = n.field("arguments") else { continue };
                let mut cursor = args.walk();
                let args: Vec<Node<'_>> = args.named_children(&mut cursor).filter(|a| a.kind() != "comment").collect();
                if is_log_call(cx, n) {
                    let ignored = &cx.catalog.secrets.sinks(cx.python).ignored_keywords;
                    for a in &args {
                        if a.kind() == "keyword_argument"
                            && a.field("name").is_some_and(|k| ignored.iter().any(|i| i == node_text(k, src)))
                        {
                            continue;
                        }
                        for i in flow(cx, *a, &locals, &names, 0) {
                            if !logs.iter().any(|l| l.index == i) {
                                logs.push(LoggedParam {
                                    index: i,
                                    name: names[i as usize].clone(),
                                    via: shown.to_string(),
                                });
                            }
                        }
                    }
                    continue;
                }
                let mut position = 0;
                let mut out = Vec::new();
                for a in &args {
                    let (slot, value) = if a.kind() == "keyword_argument" {
                        let Some(k) = a.field("name") else { continue };
                        let Some(v) = a.field("value") else { continue };
                        (ArgSlot::Keyword(node_text(k, src).to_string()), v)
                    } else if matches!(a.kind(), "list_splat" | "dictionary_splat" | "spread_element") {
                        break;
                    } else {
                        position += 1;
                        (ArgSlot::Position(position - 1), *a)
                    };
                    if value.kind() == "identifier" {
                        let name = node_text(value, src);
                        // Only the parameter itself, not rebound since.
                        if !locals.contains_key(name)
                            && let Some(i) = names.iter().position(|p| p == name)
                        {
                            out.push((slot, i as u32, name.to_string()));
                        }
                    }
                }
                if !out.is_empty() {
                    passed.insert(n.start_byte(), out);
                }
            }
            _ => {
                let (left, right) = match n.kind() {
                    "variable_declarator" => (n.field("name"), n.field("value")),
                    _ => (n.field("left"), n.field("right")),
                };
                let (Some(left), Some(right)) = (left, right) else { continue };
                if left.kind() != "identifier" {
                    continue;
                }
                let from = flow(cx, right, &locals, &names, 0);
                pending.push((n.end_byte(), node_text(left, src).to_string(), from));
            }
        }
    }
    logs.sort();
    (logs, passed)
}

/// The parameters (indexes into `names`) whose value `e` carries.
fn flow(cx: &FileCx<'_>, e: Node<'_>, locals: &HashMap<String, Vec<u32>>, names: &[String], depth: u32) -> Vec<u32> {
    let src = cx.src;
    let cat = &cx.catalog.secrets;
    if depth > 12 {
        return Vec::new();
    }
    let children = |n: Node<'_>| {
        let mut cursor = n.walk();
        let kids: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
        let mut out: Vec<u32> = kids.into_iter().flat_map(|c| flow(cx, c, locals, names, depth + 1)).collect();
        out.sort();
        out.dedup();
        out
    };
    match e.kind() {
        "identifier" => {
            let name = node_text(e, src);
            match locals.get(name) {
                Some(from) => from.clone(),
                None => names.iter().position(|p| p == name).map(|i| vec![i as u32]).unwrap_or_default(),
            }
        }
        "parenthesized_expression"
        | "await"
        | "await_expression"
        | "as_expression"
        | "non_null_expression"
        | "interpolation"
        | "template_substitution"
        | "string"
        | "template_string"
        | "concatenated_string"
        | "list"
        | "tuple"
        | "set"
        | "array"
        | "expression_list"
        | "list_splat"
        | "dictionary_splat"
        | "spread_element"
        | "object"
        | "dictionary"
        | "argument_list"
        | "arguments"
        | "conditional_expression"
        | "ternary_expression" => children(e),
        "pair" | "keyword_argument" => {
            e.field("value").map(|v| flow(cx, v, locals, names, depth + 1)).unwrap_or_default()
        }
        "binary_operator" | "binary_expression" => {
            let op = e.field("operator").map(|o| node_text(o, src)).unwrap_or("");
            if !matches!(op, "+" | "%" | "or" | "||" | "??") {
                return Vec::new();
            }
            children(e)
        }
        "call" | "call_expression" => {
            let Some(callee) = e.field("function") else { return Vec::new() };
            let text = compact(node_text(callee, src));
            let last = text.rsplit('.').next().unwrap_or(&text).to_string();
            if cat.is_sanitizer(&last) {
                return Vec::new();
            }
            let args = e.field("arguments").map(|a| flow(cx, a, locals, names, depth + 1)).unwrap_or_default();
            match callee.kind() {
                "attribute" | "member_expression" if cat.passthrough_methods.contains(&last) => {
                    let mut out =
                        callee.field("object").map(|o| flow(cx, o, locals, names, depth + 1)).unwrap_or_default();
                    out.extend(args);
                    out.sort();
                    out.dedup();
                    out
                }
                _ if cat.passthrough_calls.contains(&text) => args,
                "identifier" if cat.passthrough_calls.contains(&last) => args,
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A logger call the secrets catalog knows: `logger.info`, `logging.warning`,
/// `self.log.error`, `logging.getLogger(__name__).info`, `console.log`.
fn is_log_call(cx: &FileCx<'_>, call: Node<'_>) -> bool {
    let src = cx.src;
    let sinks = cx.catalog.secrets.sinks(cx.python);
    let Some((recv, method)) = callee_parts(call, src) else { return false };
    if !sinks.logger_methods.contains(&method) {
        return false;
    }
    let under = |p: &str| {
        sinks
            .logger_paths
            .iter()
            .any(|lp| p == lp || p.starts_with(&format!("{lp}.")) || p.starts_with(&format!("{lp}()")))
    };
    if call.field("function").and_then(|c| import_path(cx, c)).is_some_and(|p| under(&p)) {
        return true;
    }
    match recv.kind() {
        "identifier" => {
            let name = node_text(recv, src);
            (!cx.python && name == "console")
                || !cx.imports.contains_key(name) && sinks.logger_names.iter().any(|n| n == name)
                || sinks.logger_name_suffixes.iter().any(|s| name.ends_with(s.as_str()))
        }
        "attribute" | "member_expression" => recv
            .field("attribute")
            .or_else(|| recv.field("property"))
            .map(|a| node_text(a, src))
            .is_some_and(|n| sinks.logger_names.iter().any(|x| x == n)),
        "call" | "call_expression" => {
            recv.field("function").and_then(|f| import_path(cx, f)).is_some_and(|p| under(&p))
        }
        _ => false,
    }
}

fn compact(t: &str) -> String {
    let t: String = t.split_whitespace().collect();
    if t.len() > 60 { format!("...{}", t.rsplit('.').next().unwrap_or(&t)) } else { t }
}

/// The receiver and method of `obj.method(...)`.
fn callee_parts<'t>(call: Node<'t>, src: &str) -> Option<(Node<'t>, String)> {
    let callee = call.field("function")?;
    let obj = callee.field("object")?;
    let prop = callee.field("attribute").or_else(|| callee.field("property"))?;
    Some((obj, node_text(prop, src).to_string()))
}

/// A catalog query that runs here (a lazy query returned unevaluated does not).
fn is_query(cx: &FileCx<'_>, call: Node<'_>) -> bool {
    let src = cx.src;
    let Some((obj, method)) = callee_parts(call, src) else { return false };
    let Some(segs) = crate::rules::query_in_loop::segments(obj, src) else { return false };
    let Some(client) = cx.queries.clients.iter().find(|c| {
        c.methods.contains(&method)
            && c.receivers.iter().any(|p| receiver_matches(p, &segs))
            && !c.exclude_receivers.iter().any(|p| receiver_matches(p, &segs))
            && c.file_marker.as_ref().is_none_or(|m| src.to_ascii_lowercase().contains(&m.to_ascii_lowercase()))
    }) else {
        return false;
    };
    let outer = crate::rules::query_in_loop::chain_top(call);
    let Some(parent) = outer.parent() else { return false };
    if cx.python {
        let terminal = callee_parts(outer, src).map(|(_, m)| m).unwrap_or_default();
        if !client.lazy.contains(&terminal) {
            return true;
        }
        return match parent.kind() {
            "for_statement" | "for_in_clause" => parent.field("right") == Some(outer),
            "subscript" => parent.field("value") == Some(outer),
            "argument_list" => parent.parent().and_then(|c| c.field("function")).is_some_and(|f| {
                matches!(node_text(f, src), "list" | "len" | "tuple" | "set" | "sorted" | "sum" | "bool" | "next")
            }),
            _ => false,
        };
    }
    // JS: a promise awaited or handed back to the caller (who awaits it).
    let mut p = parent;
    while matches!(p.kind(), "parenthesized_expression" | "as_expression" | "non_null_expression") {
        let Some(up) = p.parent() else { return false };
        p = up;
    }
    matches!(p.kind(), "await_expression" | "return_statement" | "arrow_function")
}

/// The qualified path of a callee through the file's imports (`requests.get`).
fn import_path(cx: &FileCx<'_>, callee: Node<'_>) -> Option<String> {
    // A callee this long is a chain or an expression, never an import's name
    // (and copying it for every link of `a.b().b()...` is quadratic).
    if callee.end_byte() - callee.start_byte() > 256 {
        return None;
    }
    let text: String = node_text(callee, cx.src).split_whitespace().collect();
    import_path_text(cx, text)
}

/// [`import_path`] of a callee written as `text` (a decorator's head).
fn import_path_text(cx: &FileCx<'_>, text: String) -> Option<String> {
    if !text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$') {
        return None;
    }
    let (head, tail) = match text.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (text.as_str(), None),
    };
    let base = match cx.imports.get(head) {
        Some(Imported::Module(m)) => m.clone(),
        Some(Imported::Symbol(m, n)) => {
            if cx.python {
                format!("{m}.{n}")
            } else if n == "default" || n == "*" {
                m.clone()
            } else {
                format!("{m}.{n}")
            }
        }
        None if !cx.python && head == "fetch" => "fetch".to_string(),
        None => return None,
    };
    Some(match tail {
        Some(t) => format!("{base}.{t}"),
        None => base,
    })
}

/// An outbound HTTP call's timeout when it is set or forwarded; `None` when
/// the call is no catalog HTTP call or sets no timeout at all.
fn http_timeout(
    cx: &FileCx<'_>,
    call: Node<'_>,
    func: Node<'_>,
    body: Node<'_>,
    rest: &[String],
    optional: &[String],
) -> Option<HttpTimeout> {
    let src = cx.src;
    let path = import_path(cx, call.field("function")?)?;
    let entry = cx.catalog.network.call(cx.python, NetRule::Request, &path).filter(|e| e.kind == CallKind::Call)?;
    let _ = func;
    if cx.python {
        let (kwargs, splat) = crate::lang::python::keyword_args(call, src);
        if let Some((_, v)) = kwargs.iter().find(|(k, _)| entry.timeout.iter().any(|t| t == k)) {
            let v = node_text(*v, src);
            return Some(if optional.iter().any(|o| o == v) { HttpTimeout::Forwarded } else { HttpTimeout::Set });
        }
        if let Some(i) = entry.positional
            && crate::lang::python::positional_args(call).len() > i
        {
            return Some(HttpTimeout::Set);
        }
        if !splat {
            return None;
        }
        // `kwargs.setdefault("timeout", 10)` or `kwargs["timeout"] = ...` before the call.
        let before = src.get(body.start_byte()..call.start_byte()).unwrap_or("");
        let sets = entry.timeout.iter().any(|t| {
            before.contains(&format!("setdefault(\"{t}\""))
                || before.contains(&format!("setdefault('{t}'"))
                || before.contains(&format!("[\"{t}\"] ="))
                || before.contains(&format!("['{t}'] ="))
        });
        if sets {
            return Some(HttpTimeout::Set);
        }
        return forwards_rest(cx, call, rest).then_some(HttpTimeout::Forwarded);
    }
    // JS: the options argument sets a timeout (or a signal), or is the
    // function's own options parameter (maybe spread into a literal).
    let args = crate::lang::typescript::call_args(call);
    let mut forwarded = false;
    for a in &args {
        let a = crate::lang::typescript::unwrap_expr(*a);
        if a.kind() == "identifier" && rest.iter().any(|r| r == node_text(a, src)) {
            forwarded = true;
        }
        if a.kind() == "object" {
            let (props, _) = crate::lang::typescript::object_props(a, src);
            if props.iter().any(|(k, _)| entry.timeout.iter().any(|t| t == k) || *k == "signal") {
                return Some(HttpTimeout::Set);
            }
            let mut cursor = a.walk();
            for p in a.named_children(&mut cursor) {
                if p.kind() == "spread_element"
                    && p.named_child(0).is_some_and(|x| rest.iter().any(|r| r == node_text(x, src)))
                {
                    forwarded = true;
                }
            }
        }
    }
    forwarded.then_some(HttpTimeout::Forwarded)
}

/// The call passes the function's own `**kwargs` (or JS options parameter) on.
fn forwards_rest(cx: &FileCx<'_>, call: Node<'_>, rest: &[String]) -> bool {
    if rest.is_empty() {
        return false;
    }
    let src = cx.src;
    let Some(args) = call.field("arguments") else { return false };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).any(|a| {
        let inner = match a.kind() {
            "dictionary_splat" | "spread_element" => a.named_child(0),
            "identifier" if !cx.python => Some(a),
            "object" => {
                let mut c = a.walk();
                let spread = a.named_children(&mut c).find(|p| p.kind() == "spread_element");
                spread.and_then(|p| p.named_child(0))
            }
            _ => None,
        };
        inner.is_some_and(|x| rest.iter().any(|r| r == node_text(x, src)))
    })
}

/// The call passes a timeout itself.
fn passes_timeout(cx: &FileCx<'_>, call: Node<'_>) -> bool {
    passes_timeout_in(call, cx.src, cx.python)
}

/// Keyword argument names (Python) or object-literal argument keys (JS).
pub fn keywords_in(call: Node<'_>, src: &str, python: bool) -> Vec<String> {
    if python {
        return crate::lang::python::keyword_args(call, src).0.into_iter().map(|(k, _)| k.to_string()).collect();
    }
    crate::lang::typescript::call_args(call)
        .into_iter()
        .flat_map(|a| crate::lang::typescript::object_props(crate::lang::typescript::unwrap_expr(a), src).0)
        .map(|(k, _)| k.to_string())
        .collect()
}

/// `timeout=` (Python) or an object literal with `timeout`/`signal` (JS).
pub fn passes_timeout_in(call: Node<'_>, src: &str, python: bool) -> bool {
    if python {
        let (kwargs, _) = crate::lang::python::keyword_args(call, src);
        return kwargs.iter().any(|(k, v)| k.contains("timeout") && v.kind() != "none");
    }
    crate::lang::typescript::call_args(call).into_iter().any(|a| {
        let (props, _) = crate::lang::typescript::object_props(crate::lang::typescript::unwrap_expr(a), src);
        props.iter().any(|(k, _)| k.to_ascii_lowercase().contains("timeout") || *k == "signal")
    })
}

/// A payment without its key, or a catalog side effect, with no guard before it.
fn side_effect(cx: &FileCx<'_>, call: Node<'_>, body: Node<'_>, optional: &[String]) -> Option<SideEffect> {
    let src = cx.src;
    let callee = call.field("function")?;
    let last = crate::rules::idempotency::last_name(call, src)?;
    let cat = cx.effects;
    let pay = cat.payment_lasts.matches(|| cat.payments.iter().flat_map(|e| &e.calls), last);
    let eff =
        cat.effect_lasts.matches(|| cat.guards.calls.iter().chain(cat.effects.iter().flat_map(|e| &e.calls)), last);
    if !pay && !eff {
        return None;
    }
    let mut segs: Vec<String> =
        crate::rules::idempotency::written_segments(callee, src).into_iter().map(str::to_string).collect();
    // The imported module a name stands for (`stripe` for `from stripe import Refund`).
    let resolved = import_path(cx, callee).unwrap_or_default();
    let mentions = |r: &str| {
        let r = r.to_ascii_lowercase();
        node_text(callee, src).to_ascii_lowercase().contains(&r) || resolved.to_ascii_lowercase().contains(&r)
    };
    if !resolved.is_empty() {
        segs = resolved.split('.').map(str::to_string).collect();
    }
    let seg_refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let matches = |pats: &[String]| pats.iter().any(|p| pattern_matches(p, &seg_refs));
    if pay
        && let Some(entry) =
            cat.payments.iter().find(|e| matches(&e.calls) && (e.receiver.is_empty() || mentions(&e.receiver)))
    {
        if cx.python {
            let (kwargs, splat) = crate::lang::python::keyword_args(call, src);
            if let Some((k, v)) = kwargs.iter().find(|(k, _)| entry.keys.iter().any(|e| e == k)) {
                if let Some(param) = key_from_optional(*v, src, optional) {
                    return Some(SideEffect::Payment(Some(param)));
                }
                let v = node_text(*v, src);
                return optional.iter().any(|o| o == v).then(|| SideEffect::Payment(Some(k.to_string())));
            }
            // `params = {..., "idempotency_key": idempotency_key}; X.create(**params)`.
            if splat {
                if let Some(param) = dict_key_from_optional(body, call, &entry.keys, src, optional) {
                    return Some(SideEffect::Payment(Some(param)));
                }
                let before = src.get(body.start_byte()..call.start_byte()).unwrap_or("");
                for k in &entry.keys {
                    for o in optional {
                        let q2 = format!("\"{k}\": {o}");
                        let q1 = format!("'{k}': {o}");
                        if before.contains(&format!("{q2},"))
                            || before.contains(&format!("{q1},"))
                            || before.contains(&format!("{q2}\n"))
                            || before.contains(&format!("{q1}\n"))
                            || before.contains(&format!("{q2}}}"))
                            || before.contains(&format!("{q1}}}"))
                        {
                            return Some(SideEffect::Payment(Some(k.clone())));
                        }
                    }
                    if before.contains(k.as_str()) {
                        return None;
                    }
                }
            }
        }
        // As the rule itself: a function that mentions idempotency keys it.
        let keyed =
            mentions_idempotency(body, src) || entry.keys.iter().any(|k| node_text(call, src).contains(k.as_str()));
        return (!keyed).then_some(SideEffect::Payment(None));
    }
    let before = src.get(body.start_byte()..call.start_byte()).unwrap_or("").to_ascii_lowercase();
    let guarded = cat.guards.words.iter().any(|w| before.contains(w.as_str()))
        || cat.guards.calls.iter().any(|g| before.contains(&format!("{}(", g.rsplit('.').next().unwrap_or(g))));
    if guarded {
        return None;
    }
    let effect = cat.effects.iter().find(|e| matches(&e.calls) && (e.receiver.is_empty() || mentions(&e.receiver)))?;
    let call_text = node_text(call, src);
    if effect.unless.iter().any(|u| call_text.contains(u.as_str())) {
        return None;
    }
    Some(SideEffect::Effect(effect.again.clone()))
}

/// A name or string (not a comment) in `body` says "idempotency".
/// Python: a key value that is `None` unless the caller passes an optional
/// parameter (`f"{idempotency_key}_invoice" if idempotency_key else None`):
/// that parameter's name. A key built from the parameter and something
/// else with no `None` branch (`f"{order.id}-{attempt}"`) is not this.
fn key_from_optional(value: Node<'_>, src: &str, optional: &[String]) -> Option<String> {
    let value = if value.kind() == "parenthesized_expression" { value.named_child(0)? } else { value };
    if value.kind() != "conditional_expression" {
        return None;
    }
    let mut cursor = value.walk();
    let parts: Vec<Node<'_>> = value.named_children(&mut cursor).collect();
    // `a if cond else b`: children are a, cond, b.
    let [then, cond, other] = parts[..] else { return None };
    if !(then.kind() == "none" || other.kind() == "none") {
        return None;
    }
    let mut found = None;
    crate::lang::walk(cond, &mut |n| {
        if found.is_none() && n.kind() == "identifier" && optional.iter().any(|o| o == node_text(n, src)) {
            found = Some(node_text(n, src).to_string());
        }
        found.is_none()
    });
    found
}

/// Python: `params = {..., "idempotency_key": <None unless an optional
/// parameter is passed>}` before `X.create(**params)`: that parameter.
fn dict_key_from_optional(
    body: Node<'_>,
    call: Node<'_>,
    keys: &[String],
    src: &str,
    optional: &[String],
) -> Option<String> {
    let mut found = None;
    crate::lang::walk(body, &mut |n| {
        if found.is_some() || n.start_byte() >= call.start_byte() {
            return false;
        }
        if n.kind() == "pair"
            && n.field("key").is_some_and(|k| keys.iter().any(|x| x == strip_quotes(node_text(k, src))))
            && let Some(v) = n.field("value")
        {
            found = key_from_optional(v, src, optional);
            return false;
        }
        true
    });
    found
}

fn mentions_idempotency(body: Node<'_>, src: &str) -> bool {
    let mut found = false;
    crate::lang::walk(body, &mut |n| {
        if found || n.kind() == "comment" {
            return false;
        }
        if n.child_count() == 0 || n.kind() == "string" {
            found = node_text(n, src).to_ascii_lowercase().contains("idempotency");
            return false;
        }
        true
    });
    found
}

/// How a call names a project function, if it may be one.
fn target_of(cx: &FileCx<'_>, call: Node<'_>, class: Option<&str>) -> Option<Target> {
    let src = cx.src;
    let callee = call.field("function")?;
    match callee.kind() {
        "identifier" => {
            let name = node_text(callee, src);
            match cx.imports.get(name) {
                Some(Imported::Symbol(m, n)) => Some(Target::Function { module: m.clone(), name: n.clone() }),
                Some(Imported::Module(_)) => None,
                None => Some(Target::Function { module: cx.module.clone(), name: name.to_string() }),
            }
        }
        "attribute" | "member_expression" => {
            let obj = callee.field("object")?;
            let name = node_text(callee.field("attribute").or_else(|| callee.field("property"))?, src).to_string();
            let head = node_text(obj, src);
            if matches!(head, "self" | "this" | "cls") {
                return class.map(|c| Target::Method { module: cx.module.clone(), class: c.to_string(), name });
            }
            if obj.kind() == "identifier" {
                match cx.imports.get(head) {
                    Some(Imported::Module(m)) => return Some(Target::Function { module: m.clone(), name }),
                    Some(Imported::Symbol(m, n)) => {
                        // `from app import repo; repo.get_by_id()` (a submodule),
                        // or a JS namespace / default import of a module.
                        let module = if cx.python {
                            format!("{m}.{n}")
                        } else if n == "*" || n == "default" {
                            m.clone()
                        } else {
                            return Some(Target::Attribute { name });
                        };
                        return Some(Target::Function { module, name });
                    }
                    None => {}
                }
                // `def refresh(tracker: Audit): tracker.entry(..)`: the method of
                // the class the parameter is annotated with.
                if let Some(class) = annotated_class(obj, head, src) {
                    return Some(Target::Assoc { class, name });
                }
            }
            Some(Target::Attribute { name })
        }
        _ => None,
    }
}

/// The class a parameter named `name` of the function around `at` is
/// annotated with (`tracker: Audit`, `tracker: Audit = None` in Python,
/// `tracker: Audit` in TypeScript), when the annotation is a plain class name.
fn annotated_class(at: Node<'_>, name: &str, src: &str) -> Option<String> {
    let mut up = at.parent();
    // Each `parent()` costs the tree's depth: a parameter is used within a
    // few dozen levels of its function, and a deep chain (`a.b().b()...`)
    // made this walk quadratic.
    let mut steps = 0;
    let function = loop {
        let n = up?;
        steps += 1;
        if steps > 64 {
            return None;
        }
        if matches!(
            n.kind(),
            "function_definition"
                | "function_declaration"
                | "method_definition"
                | "arrow_function"
                | "function_expression"
        ) {
            break n;
        }
        up = n.parent();
    };
    let params = function.field("parameters")?;
    let mut cursor = params.walk();
    for p in params.named_children(&mut cursor) {
        let (pname, ty) = match p.kind() {
            "typed_parameter" => (p.named_child(0), p.field("type")),
            "typed_default_parameter" => (p.field("name"), p.field("type")),
            "required_parameter" | "optional_parameter" => {
                (p.field("pattern"), p.field("type").and_then(|t| t.named_child(0)))
            }
            _ => continue,
        };
        let (Some(pname), Some(ty)) = (pname, ty) else { continue };
        if node_text(pname, src) != name {
            continue;
        }
        let ty = node_text(ty, src).trim();
        let plain = ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return plain.then(|| ty.to_string());
    }
    None
}

/// Python imports: local name → what it is bound to. Relative imports are
/// made absolute from `module`.
fn py_imports(root: Node<'_>, src: &str, module: &str) -> HashMap<String, Imported> {
    let mut out = HashMap::new();
    let mut cursor = root.walk();
    let mut stmts: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    // Imports inside `try:`/`if TYPE_CHECKING:` blocks at module level.
    let mut i = 0;
    while i < stmts.len() {
        let n = stmts[i];
        if matches!(n.kind(), "try_statement" | "if_statement" | "block") {
            let mut c = n.walk();
            stmts.extend(n.named_children(&mut c));
        }
        i += 1;
    }
    for n in stmts {
        match n.kind() {
            "import_statement" => {
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    match name.kind() {
                        "dotted_name" => {
                            let full = node_text(name, src);
                            let head = full.split('.').next().unwrap_or(full);
                            out.insert(head.to_string(), Imported::Module(head.to_string()));
                        }
                        "aliased_import" => {
                            if let (Some(m), Some(a)) = (name.field("name"), name.field("alias")) {
                                out.insert(
                                    node_text(a, src).to_string(),
                                    Imported::Module(node_text(m, src).to_string()),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(m) = n.field("module_name") else { continue };
                let written = node_text(m, src);
                let from = if m.kind() == "relative_import" { absolute(written, module) } else { written.to_string() };
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    let (orig, local) = match name.kind() {
                        "dotted_name" => (node_text(name, src), node_text(name, src)),
                        "aliased_import" => match (name.field("name"), name.field("alias")) {
                            (Some(o), Some(a)) => (node_text(o, src), node_text(a, src)),
                            _ => continue,
                        },
                        _ => continue,
                    };
                    out.insert(local.to_string(), Imported::Symbol(from.clone(), orig.to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

/// `..repo` from `app.orders.views` → `app.repo`.
fn absolute(relative: &str, module: &str) -> String {
    let dots = relative.chars().take_while(|c| *c == '.').count();
    let rest = &relative[dots..];
    let mut parts: Vec<&str> = module.split('.').collect();
    // One dot: the current package (drop the module's own name).
    for _ in 0..dots {
        parts.pop();
    }
    let mut base = parts.join(".");
    if !rest.is_empty() {
        if !base.is_empty() {
            base.push('.');
        }
        base.push_str(rest);
    }
    base
}

/// JS/TS imports: local name → module (a path made absolute for relative
/// specifiers; an alias prefix such as `@/` or `~/` dropped) and name
/// (`default`, `*` or the exported name).
fn js_imports(root: Node<'_>, src: &str, module: &str) -> HashMap<String, Imported> {
    let mut out = HashMap::new();
    let mut cursor = root.walk();
    for n in root.named_children(&mut cursor) {
        if n.kind() != "import_statement" {
            continue;
        }
        let Some(source) = n.field("source") else { continue };
        let spec = strip_quotes(node_text(source, src));
        let project = js_module(spec, module);
        crate::lang::walk(n, &mut |x| {
            let bind = |name: &str| match &project {
                Some(m) => Imported::Symbol(m.clone(), name.to_string()),
                None if name == "default" || name == "*" => Imported::Module(spec.to_string()),
                None => Imported::Symbol(spec.to_string(), name.to_string()),
            };
            match x.kind() {
                "import_clause" => {
                    let mut c = x.walk();
                    for ch in x.named_children(&mut c) {
                        if ch.kind() == "identifier" {
                            out.insert(node_text(ch, src).to_string(), bind("default"));
                        }
                    }
                }
                "namespace_import" => {
                    let mut c = x.walk();
                    if let Some(id) = x.named_children(&mut c).find(|c| c.kind() == "identifier") {
                        out.insert(node_text(id, src).to_string(), bind("*"));
                    }
                }
                "import_specifier" => {
                    if let Some(name) = x.field("name") {
                        let local = x.field("alias").unwrap_or(name);
                        out.insert(node_text(local, src).to_string(), bind(node_text(name, src)));
                    }
                }
                _ => {}
            }
            true
        });
    }
    out
}

/// A project module a JS specifier names, or `None` for a package.
fn js_module(spec: &str, module: &str) -> Option<String> {
    let strip_ext = |s: &str| {
        let s = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts"]
            .iter()
            .find_map(|e| s.strip_suffix(e))
            .unwrap_or(s)
            .to_string();
        s.strip_suffix("/index").map(str::to_string).unwrap_or(s)
    };
    if spec.starts_with("./") || spec.starts_with("../") {
        let mut parts: Vec<&str> = module.split('/').collect();
        parts.pop();
        for seg in spec.split('/') {
            match seg {
                "." | "" => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        return Some(strip_ext(&parts.join("/")));
    }
    for alias in ["@/", "~/", "#/", "src/"] {
        if let Some(rest) = spec.strip_prefix(alias) {
            return Some(strip_ext(rest));
        }
    }
    None
}

// ---------------------------------------------------------------- facts glue

impl ProjectFacts {
    /// What the call starting at byte `start` of `path` reaches through
    /// project functions (`None` when it names none, or several that disagree).
    pub fn summary_of_call(&self, path: &str, start: usize) -> Option<(&CallRef, &FunctionSummary)> {
        self.summaries.lookup(path, start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summarise_files(files: &[(&str, &str)]) -> Summaries {
        let catalog = Catalog::builtin();
        let mut s = Summaries::default();
        for (path, text) in files {
            let grammar = if path.ends_with(".py") { Grammar::Python } else { Grammar::TypeScript };
            let file = SourceFile::new(path.to_string(), path.into(), grammar, (*text).into());
            let tree = crate::lang::parse(grammar, text).expect("parses");
            s.functions.extend(collect(&file, &tree, catalog));
        }
        close(&mut s);
        s
    }

    fn reach<'a>(s: &'a Summaries, name: &str) -> &'a Reach {
        &s.functions.iter().find(|f| f.name == name).expect("summarised").reach
    }

    #[test]
    fn queries_follow_imports_to_depth_three() {
        let s = summarise_files(&[
            (
                "app/repo.py",
                "from app.models import Order\n\ndef get_by_id(pk):\n    return Order.objects.get(pk=pk)\n",
            ),
            ("app/service.py", "from app.repo import get_by_id\n\ndef load(pk):\n    return get_by_id(pk)\n"),
            ("app/views.py", "import app.service as svc\n\ndef view(pk):\n    return svc.load(pk)\n"),
        ]);
        let q = reach(&s, "view").query.as_ref().expect("reached");
        assert_eq!(q.function, "get_by_id");
        assert_eq!(q.callee, "Order.objects.get");
    }

    #[test]
    fn lazy_querysets_returned_are_not_queries() {
        let s = summarise_files(&[(
            "app/repo.py",
            "def with_customer():\n    return Order.objects.select_related('customer')\n",
        )]);
        assert!(s.functions.iter().all(|f| f.query.is_none()));
    }

    #[test]
    fn same_name_with_different_effects_is_not_used() {
        let s = summarise_files(&[
            ("a/repo.py", "class A:\n    def load_thing(self, pk):\n        return Order.objects.get(pk=pk)\n"),
            ("b/cache.py", "class B:\n    def load_thing(self, pk):\n        return CACHE[pk]\n"),
            ("c/views.py", "def view(x, pk):\n    return x.load_thing(pk)\n"),
        ]);
        assert!(reach(&s, "view").query.is_none());
    }

    #[test]
    fn forwarded_kwargs_and_set_timeouts() {
        let s = summarise_files(&[(
            "app/http.py",
            "import requests\n\ndef call_api(method, url, **kwargs):\n    return requests.request(method, url, **kwargs)\n\ndef safe_api(method, url, **kwargs):\n    kwargs.setdefault('timeout', 10)\n    return requests.request(method, url, **kwargs)\n",
        )]);
        assert!(reach(&s, "call_api").forwarded_http.is_some());
        assert!(reach(&s, "safe_api").forwarded_http.is_none());
        assert!(reach(&s, "safe_api").http_set);
    }

    fn logged(s: &Summaries, name: &str) -> Vec<(u32, String, String)> {
        reach(s, name).logs.iter().map(|l| (l.index, l.name.clone(), l.via.clone())).collect()
    }

    #[test]
    fn parameters_written_to_logs_directly_through_locals_and_calls() {
        let s = summarise_files(&[
            (
                "app/log.py",
                "import logging\nlogger = logging.getLogger(__name__)\n\ndef record(label, value):\n    logger.info('%s=%s', label, value)\n\ndef note(event, detail):\n    msg = f'{event}: {detail}'\n    logger.warning(msg)\n\ndef masked(label, value):\n    value = mask(value)\n    logger.info('%s %s', label, value)\n\ndef sized(label, value):\n    logger.info('%s', len(value))\n\nclass A:\n    def entry(self, what, payload):\n        logger.info('%s', payload)\n",
            ),
            (
                "app/views.py",
                "from app.log import record\n\ndef trace(step, data):\n    record(step, data)\n\ndef rebound(step, data):\n    data = data.id\n    record(step, data)\n",
            ),
            (
                "web/log.ts",
                "export function logField(name: string, value: string) {\n  console.info(`${name}=${value}`);\n}\n",
            ),
        ]);
        let own = |i: u32, n: &str, via: &str| (i, n.to_string(), via.to_string());
        assert_eq!(logged(&s, "record"), vec![own(0, "label", "record"), own(1, "value", "record")]);
        assert_eq!(logged(&s, "note"), vec![own(0, "event", "note"), own(1, "detail", "note")]);
        // Masked before logging, or only its length: only the label.
        assert_eq!(logged(&s, "masked"), vec![own(0, "label", "masked")]);
        assert!(logged(&s, "sized").is_empty());
        // `self` is not counted.
        assert_eq!(logged(&s, "entry"), vec![own(1, "payload", "A.entry")]);
        // Handed on unchanged: logged through `record`; rebound first: not.
        assert_eq!(logged(&s, "trace"), vec![own(0, "step", "record"), own(1, "data", "record")]);
        assert_eq!(logged(&s, "rebound"), vec![own(0, "step", "record")]);
        assert_eq!(logged(&s, "logField"), vec![own(0, "name", "logField"), own(1, "value", "logField")]);
    }

    #[test]
    fn functions_that_do_nothing_or_report_the_exception_in_flight() {
        let s = summarise_files(&[
            (
                "app/errors.py",
                "import sentry_sdk\n\ndef ignore(e):\n    pass\n\ndef documented(e):\n    \"\"\"Not tracked.\"\"\"\n    return None\n\ndef report():\n    sentry_sdk.capture_exception()\n\ndef busy(e):\n    print(e)\n",
            ),
            ("app/views.py", "from app.errors import report\n\ndef handle():\n    report()\n"),
            (
                "web/errors.ts",
                "export function ignoreError(_e: unknown) {}\nexport function keep(e: unknown) { return e; }\n",
            ),
        ]);
        let f = |name: &str| s.functions.iter().find(|f| f.name == name).expect("summarised");
        assert!(f("ignore").noop && f("documented").noop && f("ignoreError").noop);
        assert!(!f("busy").noop && !f("keep").noop && !f("report").noop);
        assert!(f("report").reports && !f("handle").reports);
        // Through the import: the caller reports too.
        assert!(reach(&s, "handle").reports);
        assert!(!reach(&s, "busy").reports);
    }

    #[test]
    fn tasks_started_per_call_unless_awaited_or_limited() {
        let s = summarise_files(&[
            (
                "jobs/bg.py",
                "import asyncio\n\nasync def notify(u):\n    await asyncio.sleep(0)\n\ndef schedule(u):\n    asyncio.create_task(notify(u))\n\ndef schedule_for(user):\n    schedule(user.id)\n\nasync def now(u):\n    t = asyncio.create_task(notify(u))\n    await t\n",
            ),
            (
                "jobs/lim.py",
                "import asyncio\nS = asyncio.Semaphore(3)\n\ndef limited(u):\n    asyncio.create_task(u)\n",
            ),
        ]);
        let f = |name: &str| s.functions.iter().find(|f| f.name == name).expect("summarised");
        assert_eq!(f("schedule").spawns.as_ref().map(|s| s.callee.as_str()), Some("asyncio.create_task"));
        assert!(reach(&s, "schedule_for").spawns.is_some());
        assert!(f("now").spawns.is_none() && f("limited").spawns.is_none() && f("notify").spawns.is_none());
    }

    #[test]
    fn js_fan_out_over_a_parameter_and_floating_promises() {
        let s = summarise_files(&[
            (
                "src/lib/notify.ts",
                "export async function one(id: string) { await fetch(id); }\nexport async function all(ids: string[]) {\n  await Promise.all(ids.map((id) => one(id)));\n}\nexport async function viaAll(x: number, ids: string[]) { await all(ids); }\nexport function later(id: string) { void one(id); }\nexport function thenLater(id: string) { one(id).then(() => 1); }\nexport async function chunked(ids: string[]) {\n  for (const c of [ids]) { await Promise.all(c.map((id) => one(id))); }\n}\nexport async function waits(id: string) { await one(id); }\n",
            ),
            (
                "src/lib/limited.ts",
                "import pLimit from \"p-limit\";\nexport async function limitedAll(ids: string[]) {\n  await Promise.all(ids.map((id) => id));\n}\n",
            ),
        ]);
        let f = |name: &str| s.functions.iter().find(|f| f.name == name).expect("summarised");
        assert_eq!(f("all").fans_out.as_ref().map(|x| x.0), Some(0));
        assert_eq!(reach(&s, "viaAll").fans_out.as_ref().map(|x| x.0), Some(1));
        assert!(f("chunked").fans_out.is_none() && f("limitedAll").fans_out.is_none());
        assert!(f("later").spawns.is_some() && f("thenLater").spawns.is_some());
        assert!(f("waits").spawns.is_none() && f("one").spawns.is_none());
    }

    #[test]
    fn retries_pauses_and_http_no_retry_covers() {
        let s = summarise_files(&[
            (
                "app/erp.py",
                "import time\nimport requests\nfrom tenacity import retry, wait_exponential\n\n@retry(wait=wait_exponential())\ndef push(x):\n    requests.post('u', json=x, timeout=5)\n\ndef send(x):\n    requests.post('u', json=x)\n\ndef looped(x):\n    for i in range(5):\n        try:\n            return requests.post('u', json=x, timeout=5)\n        except requests.RequestException:\n            time.sleep(2 ** i)\n\ndef via_push(x):\n    push(x)\n\ndef via_send(x):\n    send(x)\n\ndef rest(seconds):\n    time.sleep(seconds)\n\ndef steady():\n    time.sleep(2)\n\ndef later(n):\n    rest(n)\n",
            ),
            (
                "src/lib/pace.ts",
                "import pRetry from \"p-retry\";\nexport async function coolDown(attempt: number) {\n  const ms = 100 * attempt;\n  await new Promise((r) => setTimeout(r, ms));\n}\nexport async function getWithRetry(url: string) {\n  return pRetry(() => fetch(url), { retries: 3 });\n}\n",
            ),
        ]);
        let f = |name: &str| s.functions.iter().find(|f| f.name == name).expect("summarised");
        assert!(f("push").retries.is_some() && f("looped").retries.is_some() && f("getWithRetry").retries.is_some());
        assert!(f("send").retries.is_none() && f("rest").retries.is_none());
        assert!(reach(&s, "push").unretried_http.is_none() && reach(&s, "looped").unretried_http.is_none());
        assert!(reach(&s, "via_push").unretried_http.is_none() && reach(&s, "getWithRetry").unretried_http.is_none());
        assert_eq!(reach(&s, "via_send").unretried_http.as_ref().map(|s| s.function.as_str()), Some("send"));
        assert_eq!(reach(&s, "rest").pause.as_ref().map(|p| p.0), Some(true));
        assert_eq!(reach(&s, "steady").pause.as_ref().map(|p| p.0), Some(false));
        assert_eq!(reach(&s, "later").pause.as_ref().map(|p| p.0), Some(true));
        assert_eq!(reach(&s, "coolDown").pause.as_ref().map(|p| p.0), Some(true));
    }

    #[test]
    fn payment_keys_forwarded_through_a_params_dict_and_an_instance() {
        let s = summarise_files(&[
            (
                "billing/stripe_service.py",
                "import stripe as stripe_lib\n\nclass StripeService:\n    async def open_plan(self, customer, idempotency_key=None):\n        params = {\n            \"customer\": customer,\n            \"idempotency_key\": idempotency_key,\n        }\n        return await stripe_lib.Subscription.create_async(**params)\n\nstripe = StripeService()\n",
            ),
            (
                "billing/plans.py",
                "from billing.stripe_service import stripe as stripe_service\n\nasync def start(c):\n    return await stripe_service.open_plan(customer=c)\n\nasync def start_keyed(c):\n    return await stripe_service.open_plan(customer=c, idempotency_key=c.id)\n",
            ),
        ]);
        let own = &s.functions.iter().find(|f| f.name == "open_plan").expect("summarised").effect;
        assert_eq!(own.as_ref().map(|(e, _)| e.clone()), Some(SideEffect::Payment(Some("idempotency_key".into()))));
        let plans = s.functions.iter().find(|f| f.name == "start").expect("summarised");
        let (call, target) = s.lookup(&plans.path, plans.calls[0].start).expect("resolved");
        assert!(!call.keywords.contains(&"idempotency_key".to_string()));
        assert_eq!(target.name, "open_plan");
        // The keyed caller reaches no keyless payment.
        assert!(reach(&s, "start_keyed").effect.is_none());
        assert!(matches!(reach(&s, "start").effect, Some((SideEffect::Payment(None), _))));
    }

    #[test]
    fn relative_and_js_modules() {
        assert_eq!(absolute(".repo", "app.orders.views"), "app.orders.repo");
        assert_eq!(absolute("..repo", "app.orders.views"), "app.repo");
        assert_eq!(js_module("./repo", "src/lib/service").as_deref(), Some("src/lib/repo"));
        assert_eq!(js_module("../db/index.js", "src/lib/service").as_deref(), Some("src/db"));
        assert_eq!(js_module("@/lib/repo", "src/x").as_deref(), Some("lib/repo"));
        assert_eq!(js_module("axios", "src/x"), None);
        assert!(module_matches("src/lib/repo", "lib/repo", ""));
        assert!(module_matches("fixtures.x.shop.repo", "shop.repo", ""));
        assert!(!module_matches("shop.repository", "repo", ""));
    }
}
