//! Project facts: what one file cannot know alone, collected in a first
//! parallel phase before any rule runs, then merged and shared read-only.
//!
//! A collector names trigger substrings; only files whose text contains one
//! are parsed in this phase, and their trees are kept for the check phase so
//! no file is parsed twice.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::{Node, Tree};

use crate::source::{Grammar, SourceFile};

/// Facts about the whole project. Plain data: rules read it, never recompute it.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProjectFacts {
    /// Python classes (by simple name) that derive from an HTTP session class,
    /// mapped to whether the class applies a default timeout itself.
    pub py_session_classes: BTreeMap<String, bool>,
    /// Python transport adapters (by simple name) that apply a default timeout
    /// when mounted on a session.
    pub py_timeout_adapters: BTreeSet<String>,
    /// `axios.defaults.timeout = ...` is set somewhere in the project.
    pub axios_default_timeout: bool,
    /// Exported names of axios instances created with a timeout, or whose
    /// `defaults.timeout` is set (`api.defaults.timeout = 5000`).
    pub axios_instances_with_timeout: BTreeSet<String>,
    /// Django models (by class name) mapped to their single-valued relation
    /// accessors: `ForeignKey`/`OneToOneField` fields and reverse one-to-ones.
    pub django_fk_fields: BTreeMap<String, BTreeSet<String>>,
    /// Django models (by class name) mapped to their many-valued relation
    /// accessors: `ManyToManyField`s and reverse foreign keys (`related_name`, `x_set`).
    pub django_many_fields: BTreeMap<String, BTreeSet<String>>,
    /// Django model classes (by simple name) mapped to the simple names of
    /// their base classes, so fields of abstract bases and mixins apply.
    pub django_model_bases: BTreeMap<String, BTreeSet<String>>,
    /// Names bound at module level to a non-empty literal collection (a
    /// list, tuple, set, dict, array or object) that the file never mutates,
    /// so a loop over one, in this module or one that imports it, is small
    /// ([`crate::analysis::collections`]).
    pub constant_collections: BTreeSet<String>,
    /// Python functions and methods (by simple name) whose body logs or
    /// reports the exception in flight (`logger.exception`, `exc_info=True`,
    /// `capture_exception()`): a handler that calls one does not swallow
    /// (see `analysis::handlers`).
    #[serde(default)]
    pub reporting_functions: BTreeSet<String>,
    /// Every accessor name in `django_fk_fields` and `django_many_fields`:
    /// a quick test before a rule works out which model an object is.
    /// Derived by [`ProjectFacts::merge`], never stored.
    #[serde(skip)]
    pub django_relation_names: BTreeSet<String>,
    /// Rust types (by simple name) whose hand-written `Debug` or `Display`
    /// prints a mask: value-kind evidence ([`crate::analysis::values`]).
    pub rust_redacting_types: BTreeSet<String>,
    /// Rust names named like a secret whose declared type is a number or a
    /// field-less enum (`const API_KEY: u16`): value-kind evidence
    /// ([`crate::analysis::values::RustValueFacts`]).
    #[serde(default)]
    pub rust_values: crate::analysis::values::RustValueFacts,
    /// Rust timeouts applied where a client flows, not where it is built
    /// ([`crate::analysis::timeouts::RustTimeoutFacts`]).
    #[serde(default)]
    pub rust_timeouts: crate::analysis::timeouts::RustTimeoutFacts,
    /// Module-level settings that always hold a local-socket URL
    /// (value-kind evidence, [`crate::analysis::values::EndpointFacts`]).
    #[serde(default)]
    pub endpoints: crate::analysis::values::EndpointFacts,
    /// Library configuration seen anywhere in the project
    /// ([`crate::analysis::libraries`]).
    #[serde(default)]
    pub libraries: crate::analysis::libraries::LibraryFacts,
    /// Every Python and TS/JS function's own effects and calls
    /// ([`crate::analysis::summaries`]); closed over calls by
    /// [`ProjectFacts::close`] once every file is merged.
    #[serde(default)]
    pub summaries: crate::analysis::summaries::Summaries,
    /// Database engine evidence in the files read (settings modules, setup
    /// code), by folder ([`crate::analysis::database`]).
    #[serde(default)]
    pub database: crate::analysis::database::DatabaseFacts,
}

impl ProjectFacts {
    /// Whether any Django model has a relation accessor called `name`.
    pub fn is_django_relation(&self, name: &str) -> bool {
        if self.django_relation_names.is_empty() {
            // Facts built without `merge` (a single file's own collection).
            let maps = [&self.django_fk_fields, &self.django_many_fields];
            return maps.iter().any(|m| m.values().any(|fields| fields.contains(name)));
        }
        self.django_relation_names.contains(name)
    }

    /// Merges facts from another worker (order-independent).
    pub fn merge(&mut self, other: ProjectFacts) {
        for (k, v) in other.py_session_classes {
            let e = self.py_session_classes.entry(k).or_insert(false);
            *e |= v;
        }
        self.py_timeout_adapters.extend(other.py_timeout_adapters);
        self.axios_default_timeout |= other.axios_default_timeout;
        self.axios_instances_with_timeout.extend(other.axios_instances_with_timeout);
        for (k, v) in other.django_fk_fields {
            self.django_relation_names.extend(v.iter().cloned());
            self.django_fk_fields.entry(k).or_default().extend(v);
        }
        for (k, v) in other.django_many_fields {
            self.django_relation_names.extend(v.iter().cloned());
            self.django_many_fields.entry(k).or_default().extend(v);
        }
        self.constant_collections.extend(other.constant_collections);
        self.reporting_functions.extend(other.reporting_functions);
        self.rust_redacting_types.extend(other.rust_redacting_types);
        self.rust_values.merge(other.rust_values);
        self.rust_timeouts.merge(other.rust_timeouts);
        self.libraries.merge(other.libraries);
        self.endpoints.merge(other.endpoints);
        self.database.merge(other.database);
        self.summaries.functions.extend(other.summaries.functions);
        for (k, v) in other.django_model_bases {
            self.django_model_bases.entry(k).or_default().extend(v);
        }
    }
}

impl ProjectFacts {
    /// Derives what needs every file merged first: the function summaries'
    /// indexes and their closure over calls. Call once after the last `merge`.
    pub fn close(&mut self) {
        crate::analysis::summaries::close(&mut self.summaries);
    }

    /// The text the result cache's facts key hashes: the facts, with the
    /// summaries reduced to what other files' findings can depend on
    /// ([`crate::analysis::summaries::Summaries::key_text`]).
    pub fn key_text(&mut self) -> String {
        // Taken out for the format rather than cloned: they are the largest fact.
        let summaries = std::mem::take(&mut self.summaries);
        let text = format!("{self:?}\n{}", summaries.key_text());
        self.summaries = summaries;
        text
    }
}

/// Collects facts from nodes of the kinds it names.
pub trait FactCollector: Send + Sync + 'static {
    /// A file is parsed in the facts phase only if its text contains one of these.
    fn triggers(&self) -> &'static [&'static str];
    /// Python node kinds to visit.
    fn python_kinds(&self) -> &'static [&'static str] {
        &[]
    }
    /// TypeScript/JavaScript node kinds to visit.
    fn js_kinds(&self) -> &'static [&'static str] {
        &[]
    }
    /// Records what `node` shows. `memo` holds the file's once-per-file
    /// answers (whole-file substring checks), so a collector called for every
    /// class of a file does not scan the file each time.
    fn collect(&self, node: Node<'_>, file: &SourceFile, memo: &super::FileMemo, facts: &mut ProjectFacts) {
        let _ = (node, file, memo, facts);
    }
    /// Records what the file's text shows without a parse. Runs on every
    /// file, so it must be a cheap scan: facts that every file may hold
    /// (module-level constants) would otherwise keep every tree alive.
    fn scan(&self, file: &SourceFile, facts: &mut ProjectFacts) {
        let _ = (file, facts);
    }
}

/// Runs every collector's text scan over `file`; `None` when none found anything.
pub fn scan(collectors: &[&'static dyn FactCollector], file: &SourceFile) -> Option<ProjectFacts> {
    let mut facts = ProjectFacts::default();
    for c in collectors {
        c.scan(file, &mut facts);
    }
    (facts != ProjectFacts::default()).then_some(facts)
}

/// True when any collector wants this file.
pub fn wants(collectors: &[&'static dyn FactCollector], text: &str) -> bool {
    collectors.iter().any(|c| c.triggers().iter().any(|t| text.contains(t)))
}

/// Runs every collector over `tree` in one cursor walk.
pub fn collect(collectors: &[&'static dyn FactCollector], file: &SourceFile, tree: &Tree, facts: &mut ProjectFacts) {
    let active: Vec<&'static dyn FactCollector> =
        collectors.iter().copied().filter(|c| c.triggers().iter().any(|t| file.text.contains(t))).collect();
    if active.is_empty() {
        return;
    }
    let is_py = file.grammar == Grammar::Python;
    let memo = super::FileMemo::default();
    crate::lang::walk(tree.root_node(), &mut |node| {
        let kind = node.kind();
        for c in &active {
            let kinds = if is_py { c.python_kinds() } else { c.js_kinds() };
            if kinds.contains(&kind) {
                c.collect(node, file, &memo, facts);
            }
        }
        true
    });
}
