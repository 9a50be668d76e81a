//! Django: a lazy relation (`order.customer`, `order.lines.all()`) read for
//! every row of a queryset loaded without `select_related`/`prefetch_related`
//! for it. The model fields are project facts learned from model classes.

use std::collections::{BTreeSet, HashSet};

use tree_sitter::Node;

use crate::diagnostic::Label;
use crate::engine::{Checker, ProjectFacts};
use crate::lang::{NodeExt, node_text, python as py, strip_quotes};
use crate::rule::{Rule, RuleMeta};
use crate::rules::n_plus_one::enclosing_loop;
use crate::source::SourceFile;

crate::declare_rule! {
    pub static META = {
        code: "PP502",
        name: "lazy-relation-in-loop",
        category: NPlusOne,
        severity: Warning,
        status: Preview,
        since: "0.2.0",
        languages: [Python],
        summary: "A Django relation is loaded lazily once per row of a queryset",
        fix: "Add `select_related(\"<field>\")` (foreign keys) or `prefetch_related(\"<field>\")` (many-valued relations) to the queryset the loop iterates",
    }
}

/// The rule.
pub struct LazyRelationInLoop;

/// Methods on a related manager that run a query.
const MANAGER_METHODS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "count",
    "exists",
    "first",
    "last",
    "get",
    "values",
    "values_list",
    "order_by",
    "aggregate",
    "latest",
    "earliest",
];

impl Rule for LazyRelationInLoop {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["attribute"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if cx.facts.django_fk_fields.is_empty() && cx.facts.django_many_fields.is_empty() {
            return;
        }
        if !cx.ctx.in_loop() {
            return;
        }
        let src = cx.src;
        let (Some(obj), Some(attr)) = (node.field("object"), node.field("attribute")) else {
            return;
        };
        if obj.kind() != "identifier" {
            return;
        }
        let var = node_text(obj, src);
        let field = node_text(attr, src);
        if !cx.facts.is_django_relation(field) {
            return;
        }
        // `order.customer = ...` sets the relation; it does not load it.
        if let Some(p) = cx.parent
            && p.kind() == "assignment"
            && p.field("left") == Some(node)
        {
            return;
        }
        let Some(lp) = enclosing_loop(node, cx) else { return };
        let Some(target) = lp.target else { return };
        let Some(iterable) = lp.iterable else { return };
        let Some(iterable) = element_source(target, iterable, var, src) else { return };
        let Some((model, chain)) = queryset_of(iterable, lp.node, cx) else { return };
        let facts = cx.facts;
        let lineage = lineage(facts, &model);
        let single = lineage.iter().any(|m| facts.django_fk_fields.get(*m).is_some_and(|f| f.contains(field)));
        let many = lineage.iter().any(|m| facts.django_many_fields.get(*m).is_some_and(|f| f.contains(field)));
        if !single && !many {
            return;
        }
        if single && covered(&chain, field, true) || many && covered(&chain, field, false) {
            return;
        }
        if !single {
            // A many-valued relation loads when a manager method is called.
            let called = node.parent().is_some_and(|p| {
                p.kind() == "attribute"
                    && p.field("attribute").is_some_and(|m| MANAGER_METHODS.contains(&node_text(m, src)))
                    && p.parent().is_some_and(|c| c.kind() == "call")
            });
            if !called {
                return;
            }
        }
        let key = (lp.node.id(), field.to_string());
        if !cx.state::<HashSet<(usize, String)>>().insert(key) {
            return;
        }
        let how = if single { "select_related" } else { "prefetch_related" };
        let msg = format!(
            "`{var}.{field}` runs one query per `{var}` because the `{model}` rows are loaded without `{how}(\"{field}\")`: 1,000 rows make 1,001 round trips to the database"
        );
        let header = lp.header;
        let d = cx.report_node(node, msg);
        d.labels.push(Label { span: header, message: format!("iterates `{model}` rows here") });
    }
}

/// A model and its base classes (transitively, a few levels), whose fields it inherits.
fn lineage<'f>(facts: &'f ProjectFacts, model: &'f str) -> Vec<&'f str> {
    let mut out: Vec<&'f str> = vec![model];
    let mut i = 0;
    while i < out.len() && out.len() < 16 {
        if let Some(bases) = facts.django_model_bases.get(out[i]) {
            for b in bases {
                if !out.contains(&b.as_str()) {
                    out.push(b);
                }
            }
        }
        i += 1;
    }
    out
}

/// The collection that `var` is an element of: `orders` in `for order in
/// orders` or `for i, order in enumerate(orders)`.
fn element_source<'t>(target: Node<'t>, iterable: Node<'t>, var: &str, src: &str) -> Option<Node<'t>> {
    if target.kind() == "identifier" {
        return (node_text(target, src) == var).then_some(iterable);
    }
    // `for i, order in enumerate(orders)`.
    if matches!(target.kind(), "pattern_list" | "tuple_pattern")
        && iterable.kind() == "call"
        && iterable.field("function").is_some_and(|f| node_text(f, src) == "enumerate")
    {
        let mut cursor = target.walk();
        let parts: Vec<Node<'t>> = target.named_children(&mut cursor).collect();
        if parts.len() == 2 && node_text(parts[1], src) == var {
            return py::positional_args(iterable).first().copied();
        }
    }
    None
}

/// The model and the queryset text behind an iterable: a chain started at
/// `Model.objects`, or a name assigned one in the enclosing function before
/// the loop (following `qs = qs.filter(...)` steps).
fn queryset_of(iterable: Node<'_>, lp: Node<'_>, cx: &Checker<'_, '_>) -> Option<(String, String)> {
    let src = cx.src;
    let mut chain = String::new();
    let mut expr_text = node_text(iterable, src).to_string();
    let func = cx.ctx.function().map(|(_, n)| n)?;
    for _ in 0..4 {
        let expr = expr_text.trim();
        let expr = expr.strip_prefix("list(").and_then(|e| e.strip_suffix(')')).unwrap_or(expr);
        chain.push_str(expr);
        chain.push('\n');
        if let Some(model) = model_of_chain(expr) {
            if chain.contains(".values(") || chain.contains(".values_list(") {
                return None;
            }
            return Some((model, chain));
        }
        // A name assigned before the loop.
        let name = expr.split(['.', '(']).next()?;
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
            return None;
        }
        let assigned = last_assignment(func, name, lp.start_byte(), src)?;
        // `qs = qs.filter(...)`: keep the later steps and follow the name.
        let rest = expr.strip_prefix(name).unwrap_or("");
        chain.push_str(rest);
        expr_text = assigned;
    }
    None
}

/// `Order.objects...` or `models.Order.objects...` → `Order`.
fn model_of_chain(expr: &str) -> Option<String> {
    let idx = expr.find(".objects.")?;
    let prefix = &expr[..idx];
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    let head = prefix.rsplit('.').next().unwrap_or(prefix);
    head.chars().next().is_some_and(|c| c.is_ascii_uppercase()).then(|| head.to_string())
}

/// The right-hand side of the last `name = ...` in `func` before `before`.
fn last_assignment(func: Node<'_>, name: &str, before: usize, src: &str) -> Option<String> {
    let mut found: Option<String> = None;
    crate::lang::walk(func, &mut |n| {
        if n.start_byte() >= before {
            return false;
        }
        if n.kind() == "assignment"
            && let (Some(l), Some(r)) = (n.field("left"), n.field("right"))
            && node_text(l, src) == name
        {
            found = Some(node_text(r, src).to_string());
        }
        true
    });
    found
}

/// True when the queryset text loads `field` up front.
fn covered(chain: &str, field: &str, single: bool) -> bool {
    if single && chain.contains("select_related()") {
        return true;
    }
    // `prefetch_related(*fields)`, `select_related(related)`: built elsewhere, so unknown.
    for call in ["select_related(", "prefetch_related("] {
        for (i, _) in chain.match_indices(call) {
            let next = chain[i + call.len()..].trim_start().chars().next();
            if next.is_some_and(|c| !matches!(c, '"' | '\'' | ')')) {
                return true;
            }
        }
    }
    for quote in ['"', '\''] {
        if chain.contains(&format!("{quote}{field}{quote}")) || chain.contains(&format!("{quote}{field}__")) {
            return true;
        }
    }
    false
}

/// Project facts: Django model classes and their relation fields.
pub struct DjangoModelFacts;

impl crate::engine::facts::FactCollector for DjangoModelFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &["ForeignKey(", "OneToOneField(", "ManyToManyField(", "GenericForeignKey("]
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["class_definition"]
    }

    fn collect(&self, node: Node<'_>, file: &SourceFile, _memo: &crate::engine::FileMemo, facts: &mut ProjectFacts) {
        let src: &str = &file.text;
        let (Some(name), Some(body)) = (node.field("name"), node.field("body")) else {
            return;
        };
        let model = node_text(name, src).to_string();
        if let Some(bases) = node.field("superclasses") {
            let mut cursor = bases.walk();
            for b in bases.named_children(&mut cursor) {
                let b = node_text(b, src);
                let b = b.rsplit('.').next().unwrap_or(b);
                let is_name = !b.is_empty() && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if is_name && b != "Model" && b != "object" {
                    facts.django_model_bases.entry(model.clone()).or_default().insert(b.to_string());
                }
            }
        }
        let mut cursor = body.walk();
        for stmt in body.named_children(&mut cursor) {
            let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else { continue };
            let (Some(left), Some(call)) = (assign.field("left"), assign.field("right")) else {
                continue;
            };
            if left.kind() != "identifier" || call.kind() != "call" {
                continue;
            }
            let Some(callee) = call.field("function") else { continue };
            let callee = node_text(callee, src);
            let kind = callee.rsplit('.').next().unwrap_or(callee);
            let field = node_text(left, src).to_string();
            let (kwargs, _) = py::keyword_args(call, src);
            let target = py::positional_args(call)
                .first()
                .copied()
                .or_else(|| kwargs.iter().find(|(k, _)| *k == "to").map(|(_, v)| *v))
                .map(|t| {
                    let t = strip_quotes(node_text(t, src));
                    let t = t.rsplit('.').next().unwrap_or(t);
                    if t == "self" { model.clone() } else { t.to_string() }
                });
            let related =
                kwargs.iter().find(|(k, _)| *k == "related_name").map(|(_, v)| strip_quotes(node_text(*v, src)));
            let lower = model.to_ascii_lowercase();
            match kind {
                "ForeignKey" | "TreeForeignKey" | "ParentalKey" => {
                    add(&mut facts.django_fk_fields, &model, field);
                    if let Some(t) = target {
                        reverse(&mut facts.django_many_fields, &t, related, format!("{lower}_set"));
                    }
                }
                "OneToOneField" => {
                    add(&mut facts.django_fk_fields, &model, field);
                    if let Some(t) = target {
                        reverse(&mut facts.django_fk_fields, &t, related, lower);
                    }
                }
                "GenericForeignKey" => add(&mut facts.django_fk_fields, &model, field),
                "ManyToManyField" | "ParentalManyToManyField" | "TreeManyToManyField" => {
                    add(&mut facts.django_many_fields, &model, field);
                    if let Some(t) = target {
                        reverse(&mut facts.django_many_fields, &t, related, format!("{lower}_set"));
                    }
                }
                _ => {}
            }
        }
    }
}

fn add(map: &mut std::collections::BTreeMap<String, BTreeSet<String>>, model: &str, field: String) {
    map.entry(model.to_string()).or_default().insert(field);
}

fn reverse(
    map: &mut std::collections::BTreeMap<String, BTreeSet<String>>,
    target: &str,
    related: Option<&str>,
    default: String,
) {
    let name = match related {
        Some(r) if r.ends_with('+') || r.contains('%') => return,
        Some(r) => r.to_string(),
        None => default,
    };
    add(map, target, name);
}
