//! Money-moving payment API calls (charges, payment intents, refunds,
//! transfers, subscriptions) made without an idempotency key, per
//! `rules/catalog/side_effects.toml`: a retried request, job or redelivered
//! webhook that reaches the call again moves money a second time.

use tree_sitter::Node;

use crate::catalog::side_effects::PaymentCall;
use crate::diagnostic::Label;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::{NodeExt, node_text, python, strip_quotes, typescript, walk};
use crate::rule::{Rule, RuleMeta};
use crate::rules::idempotency::{self, CalleeName, Redelivery};
use crate::rules::idempotency_rust;
use crate::source::{Grammar, Span};

crate::declare_rule! {
    pub static META = {
        code: "PP701",
        name: "payment-without-idempotency-key",
        category: NonIdempotentHandler,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A charge, refund or transfer is created without an idempotency key, so a retry moves money twice",
        fix: "Pass an idempotency key derived from the order, event or request (not a fresh random value) to the payment call",
    }
}

/// The rule.
pub struct PaymentWithoutIdempotencyKey;

impl Rule for PaymentWithoutIdempotencyKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        idempotency_rust::PAYMENT_KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        idempotency_rust::check_payment(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let python = cx.grammar() == Grammar::Python;
        let catalog = cx.catalog;
        let payments = &catalog.side_effects.lang(python).payments;
        let Some(last) = idempotency::last_name(node, cx.src) else { return };
        let lasts = &catalog.side_effects.lang(python).payment_lasts;
        if !lasts.matches(|| payments.iter().flat_map(|e| &e.calls), last) {
            through_project_function(node, cx);
            return;
        }
        let Some(name) = CalleeName::of(node, cx) else { return };
        let Some(entry) = catalog
            .side_effects
            .lang(python)
            .payments
            .iter()
            .find(|e| name.matches(&e.calls) && (e.receiver.is_empty() || name.mentions(&e.receiver)))
        else {
            return;
        };
        let keyed = if python { keyed_python(node, entry, cx) } else { keyed_js(node, entry, cx) };
        if keyed || function_mentions_idempotency(cx) || catches_repeat(node, entry, cx.src) {
            return;
        }
        let handler = idempotency::redelivery(cx);
        if handler.is_none() && cx.file.role.is_tooling() {
            return;
        }
        let retry = idempotency::retry_phrase(handler.map(|h| h.0));
        let callee = idempotency::callee(node).unwrap_or(node);
        let msg = format!(
            "`{}` has no idempotency key, so {retry} that reaches it again repeats the payment operation and can move money twice",
            name.display()
        );
        let src = cx.src;
        let d = cx.report(Span::of(callee), msg);
        if let Some((kind, func)) = handler {
            let what = match kind {
                Redelivery::Webhook => "webhook handler the provider redelivers on any non-2xx answer or timeout",
                Redelivery::RetryingJob => "task that retries after a failure",
                Redelivery::Job => "background job",
                Redelivery::Request => "request handler",
            };
            d.labels.push(Label { span: idempotency::head_span(func, src), message: format!("in this {what}") });
        }
    }
}

/// The call sits in a `try` whose handlers name an error that means "already
/// done" (`charge_already_refunded`): the repeat is detected and handled.
fn catches_repeat(call: Node<'_>, entry: &PaymentCall, src: &str) -> bool {
    let mut cur = call;
    while let Some(p) = cur.parent() {
        if matches!(p.kind(), "function_definition" | "function_declaration" | "arrow_function" | "method_definition") {
            return false;
        }
        if p.kind() == "try_statement" {
            let mut cursor = p.walk();
            let caught = p
                .named_children(&mut cursor)
                .filter(|c| matches!(c.kind(), "except_clause" | "catch_clause"))
                .any(|c| entry.repeat_errors.iter().any(|e| node_text(c, src).contains(e.as_str())));
            if caught {
                return true;
            }
        }
        cur = p;
    }
    false
}

/// A name or string in the enclosing function mentions idempotency (a key
/// read from a header, put into a params dict): trust it. Comments do not count.
fn function_mentions_idempotency(cx: &Checker<'_, '_>) -> bool {
    let Some((_, f)) = cx.ctx.function() else { return false };
    let mut found = false;
    walk(f, &mut |n| {
        if found || n.kind() == "comment" {
            return false;
        }
        if n.child_count() == 0 || n.kind() == "string" {
            found = node_text(n, cx.src).to_ascii_lowercase().contains("idempotency");
            return false;
        }
        true
    });
    found
}

fn keyed_python<'t>(call: Node<'t>, entry: &PaymentCall, cx: &Checker<'_, 't>) -> bool {
    let src = cx.src;
    let (kwargs, _) = python::keyword_args(call, src);
    for (k, v) in &kwargs {
        if entry.keys.iter().any(|x| x == k) {
            return true;
        }
        if entry.options.iter().any(|x| x == k) {
            // `options={"idempotency_key": key}`; a variable may hold it.
            if v.kind() != "dictionary" {
                return true;
            }
            if dict_has_key(*v, &entry.keys, src) {
                return true;
            }
        }
    }
    // `**params`: a dict built in this function without the key is still
    // missing it; one passed in from elsewhere may carry it.
    let Some(args) = call.field("arguments") else { return false };
    let mut cursor = args.walk();
    let splats: Vec<Node<'t>> = args.named_children(&mut cursor).filter(|a| a.kind() == "dictionary_splat").collect();
    for s in splats {
        let Some(inner) = s.named_child(0) else { return true };
        if inner.kind() != "identifier" {
            return true;
        }
        let local = cx.semantic.lookup(node_text(inner, src)).is_some_and(|b| b.site.kind() == "assignment");
        if !local {
            return true;
        }
    }
    false
}

fn dict_has_key(dict: Node<'_>, keys: &[String], src: &str) -> bool {
    let mut cursor = dict.walk();
    dict.named_children(&mut cursor).any(|p| match p.kind() {
        "pair" => p.field("key").is_some_and(|k| keys.iter().any(|x| x == strip_quotes(node_text(k, src)))),
        "dictionary_splat" => true,
        _ => false,
    })
}

fn keyed_js<'t>(call: Node<'t>, entry: &PaymentCall, cx: &Checker<'_, 't>) -> bool {
    let src = cx.src;
    let args = typescript::call_args(call);
    if args.iter().any(|a| a.kind() == "spread_element") {
        return true;
    }
    // The key in any object literal argument counts (stripe-node reads the
    // options hash from the last argument).
    for a in &args {
        let a = typescript::unwrap_expr(*a);
        if a.kind() == "object" {
            let (props, _) = typescript::object_props(a, src);
            if props.iter().any(|(k, _)| entry.keys.iter().any(|x| x == k)) {
                return true;
            }
        }
    }
    for idx in entry.options.iter().filter_map(|o| o.parse::<usize>().ok()) {
        match args.get(idx).map(|a| typescript::unwrap_expr(*a)) {
            // No options argument at all.
            None => {}
            Some(o) if o.kind() == "object" => {
                let (_, spread) = typescript::object_props(o, src);
                if spread {
                    return true;
                }
            }
            // A variable or call may hold the options.
            Some(_) => return true,
        }
    }
    false
}

/// A call to a project function that moves money ([`crate::analysis::summaries`]):
/// one whose idempotency key comes only from a keyword this call does not
/// pass, anywhere; one with no key at all, from a webhook handler or a
/// retrying task (the payment call itself is reported where it is written).
fn through_project_function<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    use crate::analysis::summaries::SideEffect;
    let Some((r, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let Some((SideEffect::Payment(key), site)) = f.reach.effect.clone() else { return };
    if r.forwards || function_mentions_idempotency(cx) {
        return;
    }
    let handler = idempotency::redelivery(cx);
    let shown: String = idempotency::callee(call).map(|c| cx.text(c)).unwrap_or("").split_whitespace().collect();
    let same_file = site.path == cx.file.path;
    let place = if same_file { String::new() } else { format!(" in {}", site.path) };
    let msg = match &key {
        Some(k) if r.keywords.contains(k) => return,
        Some(k) => format!(
            "`{shown}` creates a payment (`{}`{place}) whose idempotency key comes only from its `{k}` argument, and none is passed: a retry moves money twice",
            site.callee
        ),
        None => match handler {
            Some((Redelivery::Webhook | Redelivery::RetryingJob, _)) => format!(
                "`{shown}` creates a payment (`{}` in `{}`{place}) with no idempotency key, so a redelivery or retry that reaches this call again can move money twice",
                site.callee, site.function
            ),
            _ => return,
        },
    };
    if handler.is_none() && cx.file.role.is_tooling() {
        return;
    }
    let src = cx.src;
    let d = cx.report_node(call, msg);
    if same_file {
        d.labels.push(Label { span: Span::new(site.start, site.end), message: "the payment call".to_string() });
    }
    if let Some((_, func)) = handler {
        d.labels.push(Label { span: idempotency::head_span(func, src), message: "in this handler".to_string() });
    }
}
