//! Language front ends: parsing with one tree-sitter `Parser` per worker
//! thread and per grammar, and the helpers rules share to read nodes.

pub mod python;
pub mod rust;
pub mod typescript;

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use tree_sitter::{Language, Node, Parser, Tree};

use crate::source::Grammar;

/// How many member and call steps resolving one callee may take. Real
/// callees take a handful; generated chains of thousands of calls would
/// otherwise recurse once per call and cost time per call that grows with
/// the chain (quadratic over the file).
pub const RESOLVE_STEPS: usize = 32;

/// How deep the small recursive helpers over expressions (constant checks,
/// nested exception tuples) go before giving up with the cautious answer.
pub const MAX_HELPER_DEPTH: u32 = 64;

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

/// Parses `text` with this thread's parser for `grammar`. Returns `None` only
/// when tree-sitter gives up (it recovers from ordinary syntax errors).
pub fn parse(grammar: Grammar, text: &str) -> Option<Tree> {
    if !grammar.is_tree_sitter() {
        return None;
    }
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[grammar.index()];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&grammar.ts_language()).ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(text, None);
        if tree.is_none() {
            // A failed parse can leave the parser mid-state; start clean next time.
            parser.reset();
        }
        // Valid code the TS/JS grammars cannot parse: a tagged template with
        // type arguments (`styled.div<{ $size: number }>`...``, kysely's
        // `sql<Row>`...``; tree-sitter-typescript issue #341), a bare `&`
        // in JSX text or a JSX attribute string (`<p>Profit & Loss</p>`,
        // `href="/?a=1&b=2"`) and TS 5's `export type * from`. The file is parsed again with
        // those bytes blanked: offsets are unchanged, and no rule reads a type
        // argument list or JSX text.
        let tree = tree?;
        if tree.root_node().has_error()
            && matches!(grammar, Grammar::TypeScript | Grammar::Tsx | Grammar::JavaScript)
            && let Some(patched) = typescript::blank_unparsable(text, &tree, grammar)
        {
            match parser.parse(&patched, None) {
                Some(second) if error_count(&second) < error_count(&tree) => return Some(second),
                Some(_) => {}
                None => parser.reset(),
            }
        }
        Some(tree)
    })
}

/// How many ERROR or MISSING nodes a tree has (to compare two parses).
fn error_count(tree: &Tree) -> usize {
    let mut n = 0;
    let mut cursor = tree.walk();
    let mut visit = true;
    loop {
        let node = cursor.node();
        if visit {
            if node.is_error() || node.is_missing() {
                n += 1;
            }
            if node.has_error() && cursor.goto_first_child() {
                continue;
            }
        }
        if cursor.goto_next_sibling() {
            visit = true;
            continue;
        }
        if !cursor.goto_parent() {
            break;
        }
        visit = false;
    }
    n
}

/// Field access by name without tree-sitter's name lookup on every call.
///
/// `Node::child_by_field_name` resolves the name by comparing it with every
/// field name of the grammar, on each call; rules ask for fields on most
/// nodes they see, so that lookup showed up as a tenth of a full check's extra
/// time over parsing. Here each (grammar, name) pair is resolved once per
/// thread and the numeric id is used after that.
pub trait NodeExt<'t> {
    /// The first child in field `name` (a string literal).
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    #[inline]
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        let id = field_id(&self.language(), name)?;
        self.child_by_field_id(id)
    }
}

/// A grammar's identity: the address of its language table.
struct Address(usize);

impl Hasher for Address {
    fn finish(&self) -> u64 {
        self.0 as u64
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ usize::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n;
    }
}

fn field_id(language: &Language, name: &'static str) -> Option<u16> {
    thread_local! {
        static FIELDS: RefCell<foldhash::HashMap<(usize, usize, usize), Option<u16>>> =
            RefCell::new(foldhash::HashMap::default());
    }
    let mut address = Address(0);
    language.hash(&mut address);
    let key = (address.0, name.as_ptr() as usize, name.len());
    FIELDS.with(|cell| {
        if let Some(&id) = cell.borrow().get(&key) {
            return id;
        }
        let id = language.field_id_for_name(name).map(|id| id.get());
        cell.borrow_mut().insert(key, id);
        id
    })
}

/// The source text of a node.
pub fn node_text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Strips one level of string quotes and Python string prefixes
/// (`r"..."`, `b'...'`, `"""..."""`, `` `...` ``). Text that is not a quoted
/// literal comes back unchanged.
pub fn strip_quotes(s: &str) -> &str {
    let prefix = s.find(['"', '\'', '`']).unwrap_or(s.len());
    if prefix > 2 || !s[..prefix].chars().all(|c| "rRbBuUfF".contains(c)) {
        return s;
    }
    let body = &s[prefix..];
    for q in ["\"\"\"", "\'\'\'", "\"", "\'", "`"] {
        if body.len() >= 2 * q.len() && body.starts_with(q) && body.ends_with(q) {
            return &body[q.len()..body.len() - q.len()];
        }
    }
    s
}

/// True when `node` or any ancestor is an ERROR node: rules do not report
/// inside code the parser could not read.
pub fn in_error(node: Node<'_>) -> bool {
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.is_error() {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// Named children of a node, collected (tree-sitter iterates with a cursor).
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Depth-first walk of `node`'s subtree; `f` returns false to skip the
/// children of a node. Iterative, so deep nesting is safe.
pub fn walk<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>) -> bool) {
    let mut cursor = node.walk();
    let mut descend = f(node);
    loop {
        if descend && cursor.goto_first_child() {
            descend = f(cursor.node());
            continue;
        }
        loop {
            if cursor.node().id() == node.id() {
                return;
            }
            if cursor.goto_next_sibling() {
                descend = f(cursor.node());
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// An edit that adds `item` after `last`, the last item of a parenthesised
/// or braced list (arguments, object properties), in the list's own layout:
/// `f(a)` → `f(a, item)`, and a list written one item per line with a
/// trailing comma gets a new line, indented as `last`, ending in a comma.
pub fn append_item(src: &str, last: Node<'_>, item: &str) -> crate::diagnostic::Edit {
    use crate::diagnostic::Edit;
    let end = last.end_byte();
    let rest = &src[end..];
    let comma = rest.find(|c: char| !c.is_whitespace()).filter(|&i| rest[i..].starts_with(','));
    if let Some(i) = comma {
        let after = &rest[i + 1..];
        let next = after.find(|c: char| !c.is_whitespace()).unwrap_or(after.len());
        if after[..next].contains('\n') {
            let line_start = src[..last.start_byte()].rfind('\n').map_or(0, |n| n + 1);
            let indent: String = src[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            return Edit::insert(end + i + 1, format!("\n{indent}{item},"));
        }
    }
    Edit::insert(end, format!(", {item}"))
}

#[cfg(test)]
mod tests {
    use super::{parse, strip_quotes};
    use crate::source::Grammar;

    #[test]
    fn typed_tagged_templates_parse() {
        let src = "const Badge = styled.span<{ yellow?: boolean; primary: boolean }>`\n  padding: 1px;\n`;\nconst rows = sql<Row[]>`select 1`;\nconst Btn = styled(Button)<{ onClick: () => void }>`\n  color: red;\n`;\n";
        for g in [Grammar::TypeScript, Grammar::Tsx] {
            let tree = parse(g, src).expect("a tree");
            assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
            // The tree fits the original text: the template is where it was.
            let text = tree.root_node().to_sexp();
            assert!(text.contains("template_string"), "{text}");
        }
        let jsx = "const a = () => <h2 className=\"x\">Profit & Loss</h2>;\nconst b = () => <p>\n  A &{\" \"}\n</p>;\nconst c = () => <a href=\"https://x.test/?a=1&utm_medium=web&utm_campaign=x\">x</a>;\n";
        for g in [Grammar::JavaScript, Grammar::Tsx] {
            let tree = parse(g, jsx).expect("a tree");
            assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
        }
        let reexport = "export type * from \"./types\";\nexport type * as T from \"./t\";\n";
        for g in [Grammar::TypeScript, Grammar::Tsx] {
            let tree = parse(g, reexport).expect("a tree");
            assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
        }
        // Type queries and types of a module (`typeof import("m")`, `import("m").T`),
        // and function types whose parameters are named like predefined types.
        let types = "const a = await importOriginal<typeof import(\"react\")>();\n\
                     export async function f(): Promise<\n  import(\"axios\").AxiosResponse<number>\n> { return g(); }\n\
                     type P = { onChange?: (string) => void; ready: (string, number) => boolean };\n\
                     const lazy = () => import(\"./page\").then((m) => m.Page);\n";
        for g in [Grammar::TypeScript, Grammar::Tsx] {
            let tree = parse(g, types).expect("a tree");
            assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
            // The dynamic import expression is left alone.
            assert!(
                tree.root_node().to_sexp().contains("(call_expression function: (import)"),
                "{}",
                tree.root_node().to_sexp()
            );
        }
        // JSX text with `&`s that the first parse read as code.
        for text in [
            "export const B = () => (\n  <p>support, database integration, roles & permissions, GraphQL & more</p>\n);\n",
            "export const B = () => (\n  <div>\n    <br />\n    This plan includes\n    support, roles & permissions, GraphQL &\n    REST APIs. It&apos;s free.\n  </div>\n);\n",
            "export const C = () => (\n  <Layout title={title}>\n    <Meta title={title} />\n    inviter && organization && (\n    <Center inline>\n      <Text>hi</Text>\n    </Center>\n    )\n  </Layout>\n);\n",
        ] {
            for g in [Grammar::JavaScript, Grammar::Tsx] {
                let tree = parse(g, text).expect("a tree");
                assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
            }
        }
        // Members named `in` and `instanceof` on a line of their own.
        let members = "type A = {\n  value: string\n  in: \"header\" | \"query\"\n};\ninterface E {\n  finite: E\n  instanceof(constructor: any): E\n}\nconst ok = key\n  in (table);\n";
        let tree = parse(Grammar::TypeScript, members).expect("a tree");
        assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
        assert!(
            tree.root_node()
                .to_sexp()
                .contains("(binary_expression left: (identifier) right: (parenthesized_expression"),
            "{}",
            tree.root_node().to_sexp()
        );
        // A real syntax error is still one.
        let bad = "const a = styled.span<{ yellow: boolean }>`x`;\nconst b = (;\n";
        assert!(parse(Grammar::TypeScript, bad).unwrap().root_node().has_error());
        // Nothing to blank in a comparison followed by a template on the next statement.
        assert_eq!(crate::lang::typescript::blank_template_type_args("if (a < b) x = 1;\nf`t`"), None);
    }

    #[test]
    fn strips_quotes_and_prefixes_only_from_literals() {
        assert_eq!(strip_quotes("\"a\""), "a");
        assert_eq!(strip_quotes("rb'x'"), "x");
        assert_eq!(strip_quotes("\"\"\"doc\"\"\""), "doc");
        assert_eq!(strip_quotes("`t`"), "t");
        assert_eq!(strip_quotes("retries"), "retries");
        assert_eq!(strip_quotes("bar"), "bar");
    }
}
