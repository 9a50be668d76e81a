//! The TypeScript/JavaScript front end (TS, TSX, JS, JSX, ESM and CommonJS):
//! which nodes open context frames and scopes, how `import`, `require` and
//! assignments bind names, and how a callee resolves to a qualified name.

use tree_sitter::Node;

use crate::engine::context::{FrameKind, FunctionInfo, HandlerKind};
use crate::engine::semantic::{Binding, BindingKind, Resolved, Semantic};
use crate::lang::{NodeExt, node_text, strip_quotes};

/// Function-like node kinds.
pub const FUNCTION_KINDS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];

/// The text with the valid syntax the grammars cannot parse blanked (see
/// [`crate::lang::parse`]), or `None` when there is none: type arguments of
/// tagged templates and `export type *` (TypeScript), and a bare `&` the
/// first parse left as an ERROR in JSX text or a JSX attribute string.
pub fn blank_unparsable(text: &str, first: &tree_sitter::Tree, grammar: crate::source::Grammar) -> Option<String> {
    let typescript = matches!(grammar, crate::source::Grammar::TypeScript | crate::source::Grammar::Tsx);
    let mut bytes = if typescript { blank_template_type_args(text).map(String::into_bytes) } else { None };
    let b = text.as_bytes();
    // An ERROR in JSX text, or in a JSX attribute's string.
    let in_jsx = |n: Node<'_>| match n.parent() {
        Some(p) if p.kind() == "jsx_element" => true,
        Some(p) if p.kind() == "string" => p.parent().is_some_and(|a| a.kind() == "jsx_attribute"),
        _ => false,
    };
    // A run of JSX text from `from` to the next tag or expression.
    let text_run = |from: usize| {
        from..b[from..].iter().position(|c| matches!(c, b'<' | b'{' | b'}')).map_or(b.len(), |p| from + p)
    };
    let mut cursor = first.walk();
    let mut stack = vec![first.root_node()];
    while let Some(n) = stack.pop() {
        let range = if !n.is_error() {
            None
        } else if b[n.start_byte()] == b'&' && in_jsx(n) {
            // In an attribute string, every `&` of the string (one error hides the next).
            match n.parent() {
                Some(p) if p.kind() == "string" => Some(p.byte_range()),
                _ => Some(text_run(n.start_byte())),
            }
        } else {
            // JSX text cut short by a `&`: the parser kept the opening tag and
            // some of the text in an ERROR and read the rest as code.
            let mut walk = n.walk();
            n.named_children(&mut walk).find(|c| c.kind() == "jsx_text").map(|t| text_run(t.start_byte()))
        };
        if let Some(range) = range.filter(|r| b[r.clone()].contains(&b'&')) {
            let buf = bytes.get_or_insert_with(|| b.to_vec());
            for c in &mut buf[range] {
                if *c == b'&' {
                    *c = b' ';
                }
            }
            continue;
        }
        if n.has_error() {
            stack.extend(n.children(&mut cursor));
        }
    }
    // `export type * from "m"` (TypeScript 5): the grammar knows `export * from "m"`.
    if typescript {
        for (at, _) in text.match_indices("type") {
            let before = text[..at].trim_end();
            let after = text[at + 4..].trim_start();
            if before.ends_with("export") && after.starts_with('*') {
                let buf = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
                buf[at..at + 4].copy_from_slice(b"    ");
            }
        }
    }
    if typescript {
        blank_type_imports(text, &mut bytes);
        blank_keyword_named_parameters(text, &mut bytes);
        blank_keyword_named_members(text, &mut bytes);
    }
    // Whole characters were replaced by spaces: still UTF-8.
    bytes.map(|v| String::from_utf8(v).expect("whole characters replaced by spaces"))
}

/// Whether `b[i]` can be part of an identifier.
fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// The type of a module, `import("m").T` and `typeof import("m")`, which the
/// grammar reads only as a dynamic import expression: `typeof import("m")`
/// becomes `typeof _` and `import("m").T` becomes `T` (same offsets). A dynamic
/// import (`await import("m")`, `import("m").then(..)`) is left alone.
fn blank_type_imports(text: &str, bytes: &mut Option<Vec<u8>>) {
    let b = text.as_bytes();
    for (at, _) in text.match_indices("import(") {
        if at > 0 && (ident_byte(b[at - 1]) || b[at - 1] == b'.') {
            continue;
        }
        // `import(` then one string literal then `)`.
        let mut i = at + "import(".len();
        let Some(&quote) = b.get(i).filter(|q| matches!(q, b'"' | b'\'')) else { continue };
        let Some(len) = b[i + 1..].iter().take(512).position(|&c| c == quote || c == b'\n') else { continue };
        i += len + 2;
        if b.get(i) != Some(&b')') || b[i - 1] != quote {
            continue;
        }
        let call_end = i + 1;
        let before = text[..at].trim_end();
        let after_word = |w: &str| {
            before.ends_with(w) && !before[..before.len() - w.len()].bytes().next_back().is_some_and(ident_byte)
        };
        let (from, to) = if after_word("typeof") {
            (at + 1, call_end)
        } else {
            // `.T` (`.T.U`), then anything but a call.
            let mut k = call_end;
            let mut members = 0;
            while b.get(k) == Some(&b'.') && b.get(k + 1).is_some_and(|&c| ident_byte(c) && !c.is_ascii_digit()) {
                k += 1;
                while b.get(k).is_some_and(|&c| ident_byte(c)) {
                    k += 1;
                }
                members += 1;
            }
            let next = b[k..].iter().find(|c| !c.is_ascii_whitespace());
            if members == 0 || next == Some(&b'(') || after_word("await") || text[call_end + 1..k].starts_with("then") {
                continue;
            }
            (at, call_end + 1)
        };
        let buf = bytes.get_or_insert_with(|| b.to_vec());
        buf[from..to].fill(b' ');
        if from == at + 1 {
            buf[at] = b'_';
        }
    }
}

/// A member named `in` or `instanceof` at the start of a line with no `;`
/// after the member before it (`value: string` then `in: "header"`): the
/// grammar reads the keyword as an operator on the line above. The name
/// becomes `_` (same offsets). An operator that starts a line is not a
/// member: `in` must be followed by `:` or `?:`, `instanceof` by `(` and a
/// return type.
fn blank_keyword_named_members(text: &str, bytes: &mut Option<Vec<u8>>) {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let start = at + (line.len() - body.len());
        at += line.len();
        let name = if let Some(rest) = body.strip_prefix("instanceof(") {
            rest.contains("):").then_some("instanceof")
        } else if let Some(rest) = body.strip_prefix("in") {
            let rest = rest.trim_start();
            (rest.starts_with(':') || rest.starts_with("?:")).then_some("in")
        } else {
            None
        };
        if let Some(name) = name {
            let buf = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
            buf[start..start + name.len()].fill(b' ');
            buf[start] = b'_';
        }
    }
}

/// A function type whose one parameter is named like a predefined type,
/// `(string) => void`: the grammar reads `(string)` as a parenthesised type.
/// The name becomes `_` (same offsets).
fn blank_keyword_named_parameters(text: &str, bytes: &mut Option<Vec<u8>>) {
    const KEYWORDS: &[&str] = &["string", "number", "boolean", "any", "unknown", "object", "symbol", "bigint"];
    let b = text.as_bytes();
    for (at, _) in text.match_indices('(') {
        let rest = &text[at + 1..];
        let name = rest.trim_start();
        let Some(kw) = KEYWORDS
            .iter()
            .find(|k| name.starts_with(**k) && !name.as_bytes().get(k.len()).is_some_and(|&c| ident_byte(c)))
        else {
            continue;
        };
        let after = name[kw.len()..].trim_start();
        if !after.starts_with(')') || !after[1..].trim_start().starts_with("=>") {
            continue;
        }
        let start = at + 1 + (rest.len() - name.len());
        let buf = bytes.get_or_insert_with(|| b.to_vec());
        buf[start..start + kw.len()].fill(b' ');
        buf[start] = b'_';
    }
}

/// The text with the type arguments of every tagged template blanked
/// (`styled.div<{ $size: number }>`...`` becomes `styled.div` followed by
/// spaces and the template), or `None` when there is none. Offsets and line
/// breaks are kept, so a tree parsed from the result fits the original text.
pub fn blank_template_type_args(text: &str) -> Option<String> {
    const MAX_SPAN: usize = 4096;
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    for (i, _) in text.match_indices('`') {
        let Some(close) = b[..i].iter().rposition(|c| !c.is_ascii_whitespace()) else { continue };
        if b[close] != b'>' || (close > 0 && b[close - 1] == b'=') {
            continue;
        }
        // Walk back to the `<` that opens this list; `=>` inside is not a bracket.
        let mut depth = 0usize;
        let mut open = None;
        let mut k = close;
        while k > 0 && close - k < MAX_SPAN {
            k -= 1;
            match b[k] {
                b'`' => break,
                b';' if depth == 0 => break,
                b'>' if k > 0 && b[k - 1] == b'=' => {}
                b'>' | b')' | b']' | b'}' => depth += 1,
                b'<' if depth == 0 => {
                    open = Some(k);
                    break;
                }
                b'<' | b'(' | b'[' | b'{' => match depth.checked_sub(1) {
                    Some(d) => depth = d,
                    None => break,
                },
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let callee_end = open.checked_sub(1).map(|p| b[p]);
        if !callee_end.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b')' | b']')) {
            continue;
        }
        let buf = out.get_or_insert_with(|| b.to_vec());
        for c in &mut buf[open..=close] {
            if *c != b'\n' && *c != b'\r' {
                *c = b' ';
            }
        }
    }
    // Every byte between two ASCII brackets became a space: still UTF-8.
    out.map(|v| String::from_utf8(v).expect("whole characters replaced by spaces"))
}

/// The node kinds the walker hands to [`bind`].
pub fn is_binding_kind(kind: &str) -> bool {
    matches!(
        kind,
        "import_statement"
            | "variable_declarator"
            | "assignment_expression"
            | "public_field_definition"
            | "field_definition"
            | "formal_parameters"
    ) || kind == "arrow_function"
}

/// The frame a node opens, if any.
/// `parent` is the node's parent (the walker keeps it; `Node::parent` is slow).
pub fn frame_for<'t>(node: Node<'t>, parent: Option<Node<'t>>, src: &str) -> Option<FrameKind> {
    let kind = node.kind();
    if FUNCTION_KINDS.contains(&kind) {
        return Some(FrameKind::Function(function_info(node, parent, src)));
    }
    Some(match kind {
        "class_declaration" | "class" | "abstract_class_declaration" => {
            FrameKind::Class { name: node.field("name").map(|n| node_text(n, src).to_string()) }
        }
        "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => FrameKind::Loop,
        "statement_block" => {
            let parent = parent?;
            if parent.kind() == "try_statement" && parent.field("body") == Some(node) {
                FrameKind::Try
            } else {
                return None;
            }
        }
        "catch_clause" => FrameKind::Handler,
        "finally_clause" => FrameKind::Finally,
        _ => return None,
    })
}

/// Whether a node opens a scope, and whether that scope is a class body.
pub fn scope_for(node: Node<'_>) -> Option<bool> {
    let kind = node.kind();
    if FUNCTION_KINDS.contains(&kind) {
        return Some(false);
    }
    matches!(kind, "class_declaration" | "class" | "abstract_class_declaration").then_some(true)
}

fn function_info<'t>(node: Node<'t>, parent: Option<Node<'t>>, src: &str) -> FunctionInfo {
    let is_async = {
        let mut cursor = node.walk();
        node.children(&mut cursor).take_while(|c| !c.is_named() || c.kind() == "decorator").any(|c| c.kind() == "async")
    };
    let mut name = node.field("name").map(|n| node_text(n, src).to_string());
    // `const handler = async () => {}` names the arrow function.
    if name.is_none()
        && let Some(parent) = parent
        && parent.kind() == "variable_declarator"
        && let Some(n) = parent.field("name")
        && n.kind() == "identifier"
    {
        name = Some(node_text(n, src).to_string());
    }
    let is_callback = parent.is_some_and(|p| p.kind() == "arguments");
    let handler = handler_kind(node, parent, src, name.as_deref());
    FunctionInfo { name, is_async, handler, is_callback }
}

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "all", "use", "options", "head"];

/// Route registration, framework decorators and route-file exports mark handlers.
fn handler_kind<'t>(node: Node<'t>, parent: Option<Node<'t>>, src: &str, name: Option<&str>) -> Option<HandlerKind> {
    let webhook = |text: &str| text.to_ascii_lowercase().contains("webhook");
    // `app.post("/path", async (req, res) => ...)`, `router.get(...)`.
    if let Some(args) = parent.filter(|p| p.kind() == "arguments")
        && let Some(call) = args.parent().filter(|c| c.kind() == "call_expression")
        && let Some(callee) = call.field("function")
        && callee.kind() == "member_expression"
        && let Some(prop) = callee.field("property")
    {
        let method = node_text(prop, src);
        let first = args.named_child(0);
        let path_arg = first.filter(|f| matches!(f.kind(), "string" | "template_string"));
        if HTTP_METHODS.contains(&method) && path_arg.is_some() {
            let path = path_arg.map(|p| node_text(p, src)).unwrap_or("");
            return Some(if webhook(path) || name.is_some_and(webhook) {
                HandlerKind::Webhook
            } else {
                HandlerKind::Request
            });
        }
        if matches!(method, "process" | "subscribe" | "consume" | "on") && node.kind() != "method_definition" {
            let obj = callee.field("object").map(|o| node_text(o, src)).unwrap_or("");
            let lower = obj.to_ascii_lowercase();
            if lower.contains("queue") || lower.contains("consumer") || lower.contains("channel") {
                return Some(HandlerKind::Job);
            }
        }
    }
    // `new Worker("queue", async (job) => ...)` (BullMQ).
    if let Some(args) = parent.filter(|p| p.kind() == "arguments")
        && let Some(new) = args.parent().filter(|c| c.kind() == "new_expression")
        && new.field("constructor").is_some_and(|c| node_text(c, src) == "Worker")
    {
        return Some(HandlerKind::Job);
    }
    // NestJS BullMQ: `process(job)` of a `@Processor("queue")` class.
    if node.kind() == "method_definition"
        && name == Some("process")
        && let Some(class) = node.parent().and_then(|b| b.parent())
        && matches!(class.kind(), "class_declaration" | "class" | "abstract_class_declaration")
        && decorators(class, src).iter().any(|d| d.split('(').next() == Some("Processor"))
    {
        return Some(HandlerKind::Job);
    }
    // NestJS and similar decorators on methods.
    if node.kind() == "method_definition" {
        for d in decorators(node, src) {
            let head = d.split('(').next().unwrap_or(d);
            match head {
                "Post" | "Put" | "Patch" | "Delete" | "Get" | "All" => {
                    return Some(if webhook(d) || name.is_some_and(webhook) {
                        HandlerKind::Webhook
                    } else {
                        HandlerKind::Request
                    });
                }
                "Process" | "EventPattern" | "MessagePattern" | "Cron" | "OnEvent" | "SqsMessageHandler"
                | "RabbitSubscribe" | "Processor" => return Some(HandlerKind::Job),
                _ => {}
            }
        }
    }
    // Next.js route handlers: `export async function POST(request)`.
    if node.kind() == "function_declaration"
        && parent.is_some_and(|p| p.kind() == "export_statement")
        && let Some(n) = name
        && matches!(n, "GET" | "POST" | "PUT" | "PATCH" | "DELETE")
    {
        return Some(HandlerKind::Request);
    }
    // `export const POST = async (request) => ...` (Next.js route files).
    if matches!(node.kind(), "arrow_function" | "function_expression")
        && let Some(n) = name
        && matches!(n, "POST" | "PUT" | "PATCH" | "DELETE")
        && parent.and_then(|d| d.parent()).and_then(|l| l.parent()).is_some_and(|e| e.kind() == "export_statement")
    {
        return Some(HandlerKind::Request);
    }
    // A named function taking `(req, res)` (Express, Next.js `pages/api`):
    // registered elsewhere, it is still a request handler.
    if node.kind() != "method_definition" && parent.is_none_or(|p| p.kind() != "arguments") && takes_req_res(node, src)
    {
        return Some(if name.is_some_and(webhook) { HandlerKind::Webhook } else { HandlerKind::Request });
    }
    None
}

/// The first two parameters are named like an HTTP request and response.
fn takes_req_res(node: Node<'_>, src: &str) -> bool {
    let Some(params) = node.field("parameters") else { return false };
    let mut cursor = params.walk();
    let names: Vec<&str> = params
        .named_children(&mut cursor)
        .take(2)
        .map(|p| p.field("pattern").map(|n| node_text(n, src)).unwrap_or_else(|| node_text(p, src)))
        .collect();
    matches!(names.first(), Some(&("req" | "request"))) && matches!(names.get(1), Some(&("res" | "response" | "reply")))
}

/// Decorators of a method or class (source text without `@`).
pub fn decorators<'s>(node: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    for c in node.children(&mut cursor) {
        if c.kind() == "decorator" {
            out.push(node_text(c, src).trim_start_matches('@').trim());
        }
    }
    let mut prev = node.prev_named_sibling();
    while let Some(p) = prev.filter(|p| p.kind() == "decorator") {
        out.push(node_text(p, src).trim_start_matches('@').trim());
        prev = p.prev_named_sibling();
    }
    out
}

/// Updates the model for imports, declarations, assignments and parameters.
pub fn bind<'t>(node: Node<'t>, sem: &mut Semantic<'t>, src: &str) {
    match node.kind() {
        "import_statement" => {
            let Some(source) = node.field("source") else { return };
            let module = strip_quotes(node_text(source, src)).to_string();
            let mut cursor = node.walk();
            let Some(clause) = node.children(&mut cursor).find(|c| c.kind() == "import_clause") else { return };
            let mut cursor = clause.walk();
            for part in clause.named_children(&mut cursor) {
                match part.kind() {
                    "identifier" => sem.bind(node_text(part, src), path(module.clone(), node)),
                    "namespace_import" => {
                        if let Some(id) = last_identifier(part) {
                            sem.bind(node_text(id, src), path(module.clone(), node));
                        }
                    }
                    "named_imports" => {
                        let mut c2 = part.walk();
                        for spec in part.named_children(&mut c2).filter(|s| s.kind() == "import_specifier") {
                            let Some(name) = spec.field("name") else { continue };
                            let alias = spec.field("alias").unwrap_or(name);
                            let name = strip_quotes(node_text(name, src));
                            let target = if name == "default" { module.clone() } else { format!("{module}.{name}") };
                            sem.bind(node_text(alias, src), path(target, node));
                        }
                    }
                    _ => {}
                }
            }
        }
        "variable_declarator" => {
            let Some(name) = node.field("name") else { return };
            let value = node.field("value");
            bind_pattern(sem, name, value, node, src);
        }
        "assignment_expression" => {
            let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if let Some(key) = target_name(left, src) {
                let kind = value_kind(sem, right, src);
                sem.bind(key, Binding { kind, site: node });
            }
        }
        "public_field_definition" | "field_definition" => {
            let name = node.field("name").or_else(|| node.field("property"));
            let (Some(name), Some(value)) = (name, node.field("value")) else { return };
            let kind = value_kind(sem, value, src);
            sem.bind(format!("this.{}", node_text(name, src)), Binding { kind, site: node });
        }
        "formal_parameters" => {
            let mut cursor = node.walk();
            for p in node.named_children(&mut cursor) {
                let pattern = match p.kind() {
                    "required_parameter" | "optional_parameter" => p.field("pattern"),
                    "identifier" => Some(p),
                    "assignment_pattern" => p.field("left"),
                    _ => None,
                };
                if let Some(id) = pattern.filter(|n| n.kind() == "identifier") {
                    sem.bind(node_text(id, src), Binding { kind: BindingKind::Unknown, site: p });
                }
            }
        }
        "arrow_function" => {
            // `x => ...` has a bare identifier parameter instead of formal_parameters.
            if let Some(p) = node.field("parameter").filter(|p| p.kind() == "identifier") {
                sem.bind(node_text(p, src), Binding { kind: BindingKind::Unknown, site: p });
            }
        }
        _ => {}
    }
}

fn path(target: String, site: Node<'_>) -> Binding<'_> {
    Binding { kind: BindingKind::Path(target), site }
}

fn last_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| c.kind() == "identifier").last()
}

/// `require("m")` → `m`.
fn require_module<'s>(node: Node<'_>, src: &'s str) -> Option<&'s str> {
    if node.kind() != "call_expression" {
        return None;
    }
    let callee = node.field("function")?;
    if node_text(callee, src) != "require" {
        return None;
    }
    let arg = node.field("arguments")?.named_child(0)?;
    (arg.kind() == "string").then(|| strip_quotes(node_text(arg, src)))
}

fn bind_pattern<'t>(sem: &mut Semantic<'t>, pattern: Node<'t>, value: Option<Node<'t>>, site: Node<'t>, src: &str) {
    match pattern.kind() {
        "identifier" => {
            let kind = match value {
                Some(v) => value_kind(sem, v, src),
                None => BindingKind::Unknown,
            };
            sem.bind(node_text(pattern, src), Binding { kind, site });
        }
        "object_pattern" => {
            // `const { get, post: p } = require("axios")` or `= axios`.
            let base = value.and_then(|v| {
                let v = unwrap(v);
                require_module(v, src)
                    .map(str::to_string)
                    .or_else(|| resolve(sem, v, src).filter(|r| r.bound && r.instance.is_none()).map(|r| r.path))
            });
            let mut cursor = pattern.walk();
            for prop in pattern.named_children(&mut cursor) {
                let (key, local) = match prop.kind() {
                    "shorthand_property_identifier_pattern" => (prop, prop),
                    "pair_pattern" => match (prop.field("key"), prop.field("value")) {
                        (Some(k), Some(v)) if v.kind() == "identifier" => (k, v),
                        _ => continue,
                    },
                    _ => continue,
                };
                let kind = match &base {
                    Some(b) => BindingKind::Path(format!("{b}.{}", node_text(key, src))),
                    None => BindingKind::Unknown,
                };
                sem.bind(node_text(local, src), Binding { kind, site });
            }
        }
        _ => {}
    }
}

fn target_name(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "identifier" => Some(node_text(node, src).to_string()),
        "member_expression" => {
            let obj = node.field("object")?;
            let prop = node.field("property")?;
            (obj.kind() == "this").then(|| format!("this.{}", node_text(prop, src)))
        }
        _ => None,
    }
}

fn unwrap(mut node: Node<'_>) -> Node<'_> {
    while matches!(
        node.kind(),
        "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
    ) {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn value_kind<'t>(sem: &Semantic<'t>, value: Node<'t>, src: &str) -> BindingKind<'t> {
    let value = unwrap(value);
    if let Some(module) = require_module(value, src) {
        return BindingKind::Path(module.to_string());
    }
    match value.kind() {
        "call_expression" | "new_expression" => {
            let callee = value.field("function").or_else(|| value.field("constructor"));
            match callee.and_then(|c| resolve(sem, c, src)) {
                Some(r) => BindingKind::Instance { of: r.path, node: value },
                None => BindingKind::Unknown,
            }
        }
        "identifier" | "member_expression" => match resolve(sem, value, src) {
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

/// Resolves a callee or receiver expression: `axios.get`, `api.get` (an
/// instance), `axios.create().get`, `this.http.post`, `require("got").post`.
pub fn resolve<'t>(sem: &Semantic<'t>, node: Node<'t>, src: &str) -> Option<Resolved<'t>> {
    let mut budget = crate::lang::RESOLVE_STEPS;
    resolve_within(sem, node, src, &mut budget)
}

/// [`resolve`] with a budget of steps shared by the nested calls, so a chain
/// of thousands of calls (`a.b().b()...`, `new new A`) neither recurses that
/// deep nor costs time per call that grows with the chain.
fn resolve_within<'t>(sem: &Semantic<'t>, node: Node<'t>, src: &str, budget: &mut usize) -> Option<Resolved<'t>> {
    let mut members: Vec<&str> = Vec::new();
    let mut cur = unwrap(node);
    loop {
        *budget = budget.checked_sub(1)?;
        match cur.kind() {
            "member_expression" => {
                let prop = cur.field("property")?;
                members.push(node_text(prop, src));
                cur = unwrap(cur.field("object")?);
            }
            "subscript_expression" => {
                // `axios["get"]`
                let index = cur.field("index")?;
                if index.kind() != "string" {
                    return None;
                }
                members.push(strip_quotes(node_text(index, src)));
                cur = unwrap(cur.field("object")?);
            }
            "identifier" | "this" => {
                members.reverse();
                return sem.resolve_chain(node_text(cur, src), &members);
            }
            "call_expression" | "new_expression" => {
                members.reverse();
                if let Some(module) = require_module(cur, src) {
                    let mut path = module.to_string();
                    for m in members.iter().filter(|m| **m != "default") {
                        path.push('.');
                        path.push_str(m);
                    }
                    return Some(Resolved { path, instance: None, site: None, bound: true });
                }
                let callee = cur.field("function").or_else(|| cur.field("constructor"))?;
                let callee = resolve_within(sem, callee, src, budget)?;
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

/// The properties of an object literal, as (key, value) pairs; spread
/// elements are reported through the flag.
pub fn object_props<'t, 's>(obj: Node<'t>, src: &'s str) -> (Vec<(&'s str, Node<'t>)>, bool) {
    let mut out = Vec::new();
    let mut spread = false;
    if obj.kind() != "object" {
        return (out, false);
    }
    let mut cursor = obj.walk();
    for p in obj.named_children(&mut cursor) {
        match p.kind() {
            "pair" => {
                if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                    out.push((strip_quotes(node_text(k, src)), v));
                }
            }
            "shorthand_property_identifier" => out.push((node_text(p, src), p)),
            "spread_element" => spread = true,
            "method_definition" => {
                if let Some(k) = p.field("name") {
                    out.push((node_text(k, src), p));
                }
            }
            _ => {}
        }
    }
    (out, spread)
}

/// Arguments of a call or `new` expression.
pub fn call_args(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = call.field("arguments") else { return Vec::new() };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).filter(|a| a.kind() != "comment").collect()
}

/// Strips `await`, parentheses and type assertions around an expression.
pub fn unwrap_expr(node: Node<'_>) -> Node<'_> {
    unwrap(node)
}

#[cfg(test)]
mod tests {
    use super::frame_for;
    use crate::engine::context::{FrameKind, HandlerKind};
    use crate::lang::{parse, walk};
    use crate::source::Grammar;

    /// The handler kind of every function in `src`, in document order.
    fn handlers(src: &str) -> Vec<(Option<String>, Option<HandlerKind>)> {
        let tree = parse(Grammar::TypeScript, src).expect("parses");
        let mut out = Vec::new();
        walk(tree.root_node(), &mut |n| {
            if let Some(FrameKind::Function(info)) = frame_for(n, n.parent(), src).filter(|_| n.is_named()) {
                out.push((info.name, info.handler));
            }
            true
        });
        out
    }

    #[test]
    fn route_registrations_and_exports() {
        let got = handlers(
            "router.post('/orders', async (req, res) => {});\n\
             router.post('/webhooks/stripe', async (req, res) => {});\n\
             export async function POST(request: Request) {}\n\
             export const PUT = async (request: Request) => {};\n\
             const PATCH = async (request: Request) => {};\n\
             export async function stripeWebhook(req: Request, res: Response) {}\n\
             export default async function handler(req, res) {}\n\
             function helper(a, b) {}\n\
             items.map((req, res) => req);\n",
        );
        let kinds: Vec<Option<HandlerKind>> = got.iter().map(|g| g.1).collect();
        assert_eq!(
            kinds,
            vec![
                Some(HandlerKind::Request),
                Some(HandlerKind::Webhook),
                Some(HandlerKind::Request),
                Some(HandlerKind::Request),
                None,
                Some(HandlerKind::Webhook),
                Some(HandlerKind::Request),
                None,
                None,
            ]
        );
    }
}
