//! Node-kind buckets: for each grammar, a table indexed by tree-sitter kind id
//! that says which enabled rules want the node and whether the walker must
//! open a frame or scope, bind names or read a suppression comment there.
//! Built once per run; the walk does one array lookup per node.

use crate::engine::rust::RustKind;
use crate::lang::{python, typescript};
use crate::rule::Rule;
use crate::source::Grammar;

/// What the walker must do at a node kind besides dispatching rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindFlags {
    pub frame: bool,
    pub scope: bool,
    pub bind: bool,
    pub comment: bool,
}

/// The dispatch table of one grammar.
#[derive(Debug, Default)]
pub struct KindTable {
    rules: Vec<Vec<usize>>,
    flags: Vec<KindFlags>,
}

impl KindTable {
    /// Rule slots registered for `kind_id`.
    pub fn rules_for(&self, kind_id: u16) -> &[usize] {
        self.rules.get(kind_id as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Walker flags for `kind_id`.
    pub fn flags(&self, kind_id: u16) -> KindFlags {
        self.flags.get(kind_id as usize).copied().unwrap_or_default()
    }
}

const PY_FRAMES: &[&str] = &[
    "function_definition",
    "lambda",
    "class_definition",
    "for_statement",
    "while_statement",
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
    "generator_expression",
    "block",
    "except_clause",
    "finally_clause",
    "with_statement",
];

const JS_FRAMES: &[&str] = &[
    "class_declaration",
    "class",
    "abstract_class_declaration",
    "for_statement",
    "for_in_statement",
    "while_statement",
    "do_statement",
    "statement_block",
    "catch_clause",
    "finally_clause",
];

/// The enabled tree-sitter rules and their per-grammar dispatch tables.
pub struct RuleSet {
    rules: Vec<&'static dyn Rule>,
    tables: Vec<KindTable>,
    /// Rust: rule slots per [`RustKind`].
    rust: Vec<Vec<usize>>,
}

impl RuleSet {
    /// Builds the tables for `rules` (the enabled ones, in registry order).
    pub fn new(rules: Vec<&'static dyn Rule>) -> RuleSet {
        let tables = Grammar::ALL.iter().map(|&g| build_table(g, &rules)).collect();
        let mut rust = vec![Vec::new(); RustKind::COUNT];
        for (slot, rule) in rules.iter().enumerate() {
            for &k in rule.rust_kinds() {
                rust[k as usize].push(slot);
            }
        }
        RuleSet { rules, tables, rust }
    }

    /// Rule slots registered for a Rust node kind.
    pub fn rust_rules_for(&self, kind: RustKind) -> &[usize] {
        &self.rust[kind as usize]
    }

    /// True when no enabled rule checks Rust.
    pub fn rust_is_empty(&self) -> bool {
        self.rust.iter().all(Vec::is_empty)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule is enabled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule in `slot`.
    pub fn rule(&self, slot: usize) -> &'static dyn Rule {
        self.rules[slot]
    }

    /// All rules.
    pub fn rules(&self) -> &[&'static dyn Rule] {
        &self.rules
    }

    /// The table of `grammar`.
    pub fn table(&self, grammar: Grammar) -> &KindTable {
        &self.tables[grammar.index()]
    }
}

fn build_table(grammar: Grammar, rules: &[&'static dyn Rule]) -> KindTable {
    let language = grammar.ts_language();
    let count = language.node_kind_count();
    let mut table = KindTable { rules: vec![Vec::new(); count], flags: vec![KindFlags::default(); count] };
    let is_py = grammar == Grammar::Python;
    for id in 0..count as u16 {
        // One visible name may map to several ids (aliases); match them all.
        if !language.node_kind_is_named(id) {
            continue;
        }
        let Some(name) = language.node_kind_for_id(id) else { continue };
        let flags = &mut table.flags[id as usize];
        if is_py {
            flags.frame = PY_FRAMES.contains(&name);
            flags.scope = matches!(name, "function_definition" | "lambda" | "class_definition");
            flags.bind = python::is_binding_kind(name);
        } else {
            flags.frame = JS_FRAMES.contains(&name) || typescript::FUNCTION_KINDS.contains(&name);
            flags.scope = typescript::FUNCTION_KINDS.contains(&name)
                || matches!(name, "class_declaration" | "class" | "abstract_class_declaration");
            flags.bind = typescript::is_binding_kind(name);
        }
        flags.comment = name == "comment";
        for (slot, rule) in rules.iter().enumerate() {
            let kinds = if is_py { rule.python_kinds() } else { rule.js_kinds() };
            if kinds.contains(&name) {
                table.rules[id as usize].push(slot);
            }
        }
    }
    table
}
