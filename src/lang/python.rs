//! The Python front end: which nodes open context frames and scopes, how
//! imports and assignments bind names, and how a callee resolves to a
//! qualified name.

use tree_sitter::Node;

use crate::engine::context::{FrameKind, FunctionInfo, HandlerKind};
use crate::engine::semantic::{Binding, BindingKind, Resolved, Semantic};
use crate::lang::{NodeExt, node_text, strip_quotes};

/// The node kinds the walker hands to [`bind`].
pub fn is_binding_kind(kind: &str) -> bool {
    matches!(
        kind,
        "import_statement"
            | "import_from_statement"
            | "assignment"
            | "with_item"
            | "parameters"
            | "lambda_parameters"
            | "global_statement"
    )
}

/// The frame a node opens, if any.
/// `parent` is the node's parent (the walker keeps it; `Node::parent` is slow).
pub fn frame_for<'t>(node: Node<'t>, parent: Option<Node<'t>>, src: &str) -> Option<FrameKind> {
    Some(match node.kind() {
        "function_definition" => FrameKind::Function(function_info(node, src)),
        "lambda" => FrameKind::Function(FunctionInfo { name: None, is_async: false, handler: None, is_callback: true }),
        "class_definition" => FrameKind::Class { name: node.field("name").map(|n| node_text(n, src).to_string()) },
        "for_statement" | "while_statement" => FrameKind::Loop,
        "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression" => {
            FrameKind::Comprehension
        }
        "block" => {
            // The body of a `try` is the `block` child named `body`.
            let parent = parent?;
            if parent.kind() == "try_statement" && parent.field("body") == Some(node) {
                FrameKind::Try
            } else {
                return None;
            }
        }
        "except_clause" => FrameKind::Handler,
        "finally_clause" => FrameKind::Finally,
        "with_statement" => FrameKind::With,
        _ => return None,
    })
}

/// Whether a node opens a scope, and whether that scope is a class body.
pub fn scope_for(node: Node<'_>) -> Option<bool> {
    match node.kind() {
        "function_definition" | "lambda" => Some(false),
        "class_definition" => Some(true),
        _ => None,
    }
}

fn function_info(node: Node<'_>, src: &str) -> FunctionInfo {
    let name = node.field("name").map(|n| node_text(n, src).to_string());
    let is_async = node.child(0).is_some_and(|c| c.kind() == "async");
    let handler = handler_kind(node, src, name.as_deref());
    FunctionInfo { name, is_async, handler, is_callback: false }
}

/// Decorators (as source text, without `@`) of a function or class definition.
pub fn decorators<'s>(def: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let Some(parent) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
        return Vec::new();
    };
    let mut cursor = parent.walk();
    parent
        .children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .map(|d| node_text(d, src).trim_start_matches('@').trim())
        .collect()
}

/// Route, task and consumer decorators, and Django-style views, mark handlers.
fn handler_kind(def: Node<'_>, src: &str, name: Option<&str>) -> Option<HandlerKind> {
    const ROUTE: &[&str] = &[
        ".route(",
        ".get(",
        ".post(",
        ".put(",
        ".patch(",
        ".delete(",
        ".api_route(",
        ".websocket(",
        "api_view",
        "require_POST",
        "require_http_methods",
        "action(",
    ];
    const JOB: &[&str] = &[
        "shared_task",
        ".task",
        "task(",
        "dramatiq.actor",
        "actor",
        "job",
        "periodic_task",
        "consumer",
        "subscriber",
        "huey.",
        "rq.job",
    ];
    let name_says_webhook = name.is_some_and(|n| n.to_ascii_lowercase().contains("webhook"));
    for d in decorators(def, src) {
        let lower = d.to_ascii_lowercase();
        if ROUTE.iter().any(|p| d.contains(p)) {
            return Some(if name_says_webhook || lower.contains("webhook") {
                HandlerKind::Webhook
            } else {
                HandlerKind::Request
            });
        }
        let head = d.split('(').next().unwrap_or(d);
        if JOB.iter().any(|p| head.contains(p.trim_end_matches('('))) {
            return Some(HandlerKind::Job);
        }
    }
    // Django function views and class-based view methods take `request`.
    let params = def.field("parameters")?;
    let mut cursor = params.walk();
    let names: Vec<&str> = params.named_children(&mut cursor).take(2).map(|p| node_text(p, src)).collect();
    let takes_request =
        names.first() == Some(&"request") || (names.first() == Some(&"self") && names.get(1) == Some(&"request"));
    if takes_request {
        return Some(if name_says_webhook { HandlerKind::Webhook } else { HandlerKind::Request });
    }
    None
}

/// Updates the model for an import, assignment, `with` item or parameter list.
pub fn bind<'t>(node: Node<'t>, sem: &mut Semantic<'t>, src: &str) {
    match node.kind() {
        "import_statement" => {
            let mut cursor = node.walk();
            for child in node.children_by_field_name("name", &mut cursor) {
                match child.kind() {
                    "dotted_name" => {
                        // `import a.b` binds `a`; attribute access resolves the rest.
                        let full = node_text(child, src);
                        let head = full.split('.').next().unwrap_or(full);
                        sem.bind(head, Binding { kind: BindingKind::Path(head.to_string()), site: node });
                    }
                    "aliased_import" => {
                        if let (Some(name), Some(alias)) = (child.field("name"), child.field("alias")) {
                            let path = node_text(name, src).to_string();
                            sem.bind(node_text(alias, src), Binding { kind: BindingKind::Path(path), site: node });
                        }
                    }
                    _ => {}
                }
            }
        }
        "import_from_statement" => {
            let Some(module) = node.field("module_name") else { return };
            let module = node_text(module, src);
            let mut cursor = node.walk();
            for child in node.children_by_field_name("name", &mut cursor) {
                let (name, alias) = match child.kind() {
                    "dotted_name" => (node_text(child, src), node_text(child, src)),
                    "aliased_import" => match (child.field("name"), child.field("alias")) {
                        (Some(n), Some(a)) => (node_text(n, src), node_text(a, src)),
                        _ => continue,
                    },
                    _ => continue,
                };
                let path = if module.ends_with('.') { format!("{module}{name}") } else { format!("{module}.{name}") };
                sem.bind(alias, Binding { kind: BindingKind::Path(path), site: node });
            }
        }
        "assignment" => {
            let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let Some(target) = target_name(left, src) else { return };
            let kind = value_kind(sem, right, src);
            sem.bind(target, Binding { kind, site: node });
        }
        "with_item" => {
            // `with requests.Session() as s:` is an `as_pattern` inside the item.
            let Some(value) = node.field("value") else { return };
            if value.kind() != "as_pattern" {
                return;
            }
            let (Some(expr), Some(alias)) = (value.named_child(0), value.field("alias")) else {
                return;
            };
            let Some(target) = alias.named_child(0).and_then(|t| target_name(t, src)) else { return };
            let kind = value_kind(sem, expr, src);
            sem.bind(target, Binding { kind, site: node });
        }
        "parameters" | "lambda_parameters" => {
            // Parameters shadow outer names: `def f(requests): requests.get()`
            // is not the requests module.
            let mut cursor = node.walk();
            for p in node.named_children(&mut cursor) {
                let name = match p.kind() {
                    "identifier" => Some(p),
                    "default_parameter" | "typed_default_parameter" => p.field("name"),
                    "typed_parameter" => p.named_child(0),
                    _ => None,
                };
                if let Some(n) = name.filter(|n| n.kind() == "identifier") {
                    sem.bind(node_text(n, src), Binding { kind: BindingKind::Unknown, site: p });
                }
            }
        }
        _ => {}
    }
}

/// `x`, `self.x` (and `cls.x`), as a binding key.
fn target_name(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "identifier" => Some(node_text(node, src).to_string()),
        "attribute" => {
            let obj = node.field("object")?;
            let attr = node.field("attribute")?;
            let obj_text = node_text(obj, src);
            (obj.kind() == "identifier" && (obj_text == "self" || obj_text == "cls"))
                .then(|| format!("self.{}", node_text(attr, src)))
        }
        _ => None,
    }
}

/// What assigning `value` binds: a path for an alias, an instance for a call.
fn value_kind<'t>(sem: &Semantic<'t>, value: Node<'t>, src: &str) -> BindingKind<'t> {
    let value = unwrap_await(value);
    match value.kind() {
        "call" => {
            let callee = value.field("function");
            match callee.and_then(|c| resolve(sem, c, src)) {
                Some(r) => BindingKind::Instance { of: r.path, node: value },
                None => BindingKind::Unknown,
            }
        }
        "identifier" | "attribute" => match resolve(sem, value, src) {
            Some(r) if r.bound => match r.instance {
                Some(node) => {
                    BindingKind::Instance { of: r.path.strip_suffix("()").unwrap_or(&r.path).to_string(), node }
                }
                None => BindingKind::Path(r.path),
            },
            _ => BindingKind::Unknown,
        },
        _ => BindingKind::Unknown,
    }
}

fn unwrap_await(mut node: Node<'_>) -> Node<'_> {
    while matches!(node.kind(), "await" | "parenthesized_expression") {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// Resolves an expression used as a callee or receiver: `requests.get`,
/// `r.get`, `s.get` (an instance), `requests.Session().get`, `self.http.post`.
pub fn resolve<'t>(sem: &Semantic<'t>, node: Node<'t>, src: &str) -> Option<Resolved<'t>> {
    let mut budget = crate::lang::RESOLVE_STEPS;
    resolve_within(sem, node, src, &mut budget)
}

/// [`resolve`] with a budget of steps shared by the nested calls, so a chain
/// of thousands of calls (`a()()()...`) neither recurses that deep nor costs
/// time per call that grows with the chain.
fn resolve_within<'t>(sem: &Semantic<'t>, node: Node<'t>, src: &str, budget: &mut usize) -> Option<Resolved<'t>> {
    let mut members: Vec<&str> = Vec::new();
    let mut cur = unwrap_await(node);
    loop {
        *budget = budget.checked_sub(1)?;
        match cur.kind() {
            "attribute" => {
                members.push(node_text(cur.field("attribute")?, src));
                cur = unwrap_await(cur.field("object")?);
            }
            "identifier" => {
                members.reverse();
                let head = node_text(cur, src);
                let head = if head == "cls" { "self" } else { head };
                return sem.resolve_chain(head, &members);
            }
            "call" => {
                // `requests.Session().get`: the receiver is a fresh instance.
                let callee = resolve_within(sem, cur.field("function")?, src, budget)?;
                members.reverse();
                let mut path = format!("{}()", callee.path);
                for m in &members {
                    path.push('.');
                    path.push_str(m);
                }
                return Some(Resolved { path, instance: Some(cur), site: None, bound: callee.bound });
            }
            _ => return None,
        }
    }
}

/// Keyword arguments of a call, as (name, value) pairs, and whether it
/// forwards `**kwargs`.
pub fn keyword_args<'t, 's>(call: Node<'t>, src: &'s str) -> (Vec<(&'s str, Node<'t>)>, bool) {
    let mut out = Vec::new();
    let mut splat = false;
    let Some(args) = call.field("arguments") else { return (out, splat) };
    let mut cursor = args.walk();
    for a in args.named_children(&mut cursor) {
        match a.kind() {
            "keyword_argument" => {
                if let (Some(n), Some(v)) = (a.field("name"), a.field("value")) {
                    out.push((node_text(n, src), v));
                }
            }
            "dictionary_splat" => splat = true,
            _ => {}
        }
    }
    (out, splat)
}

/// Positional arguments of a call (stops at the first keyword argument).
pub fn positional_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.field("arguments") else { return Vec::new() };
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat" | "comment"))
        .collect()
}

/// True when the call passes `*args` (which may hold any positional argument).
pub fn has_list_splat(call: Node<'_>) -> bool {
    let Some(args) = call.field("arguments") else { return false };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).any(|a| a.kind() == "list_splat")
}

/// The string value of a plain string literal (no f-string interpolation).
pub fn string_value<'s>(node: Node<'_>, src: &'s str) -> Option<&'s str> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    if node.named_children(&mut cursor).any(|c| c.kind() == "interpolation") {
        return None;
    }
    Some(strip_quotes(node_text(node, src)))
}
