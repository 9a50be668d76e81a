//! The per-file semantic model: which names are bound to which imported
//! modules, functions and classes, and which hold instances made by a known
//! constructor or factory (`s = requests.Session()`, `const api = axios.create()`).
//!
//! The language front ends fill it in as the walker passes imports and
//! assignments (document order, so a use sees the bindings made above it);
//! rules ask it to resolve a callee to a qualified name such as
//! `requests.get`, `axios.create().get` or `requests.Session().post`.

use tree_sitter::Node;

/// What a name is bound to.
#[derive(Debug, Clone)]
pub enum BindingKind<'t> {
    /// The name stands for a qualified path: a module, function or class
    /// (`import requests as r` binds `r` to `requests`).
    Path(String),
    /// The name holds what calling `of` returned; `node` is that call (or
    /// `new` expression), so rules can read its arguments.
    Instance { of: String, node: Node<'t> },
    /// Bound to something pagerproof does not follow; shadows outer bindings.
    Unknown,
}

/// One binding of a name in a scope.
#[derive(Debug, Clone)]
pub struct Binding<'t> {
    pub kind: BindingKind<'t>,
    /// The node that made the binding (import, assignment, `with` item).
    pub site: Node<'t>,
}

/// A name resolved through the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'t> {
    /// Qualified path. An instance is written as its constructor followed by
    /// `()`: `requests.Session().get`, `axios.create().post`.
    pub path: String,
    /// For paths through an instance: the call that made the instance.
    pub instance: Option<Node<'t>>,
    /// The binding's site for the head name, if the head was bound.
    pub site: Option<Node<'t>>,
    /// False when the head name was not bound at all (a global such as
    /// `fetch`, or a name pagerproof could not see the origin of).
    pub bound: bool,
}

impl Resolved<'_> {
    /// The last dotted segment (`get` for `requests.get`).
    pub fn last(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }

    /// For an instance path such as `requests.Session().get`, the
    /// constructor (`requests.Session`) and the member (`get`).
    pub fn instance_parts(&self) -> Option<(&str, &str)> {
        let idx = self.path.rfind("().")?;
        Some((&self.path[..idx], &self.path[idx + 3..]))
    }
}

#[derive(Debug)]
struct Scope<'t> {
    /// The node that opened the scope (module root, function, class).
    owner: usize,
    is_class: bool,
    bindings: foldhash::HashMap<String, Binding<'t>>,
}

/// Scopes and bindings of one file.
#[derive(Debug)]
pub struct Semantic<'t> {
    scopes: Vec<Scope<'t>>,
}

impl<'t> Semantic<'t> {
    /// A model with one (module) scope owned by `root`.
    pub fn new(root: Node<'t>) -> Self {
        Semantic { scopes: vec![Scope { owner: root.id(), is_class: false, bindings: foldhash::HashMap::default() }] }
    }

    pub(crate) fn push_scope(&mut self, owner: Node<'t>, is_class: bool) {
        self.scopes.push(Scope { owner: owner.id(), is_class, bindings: foldhash::HashMap::default() });
    }

    pub(crate) fn pop_scope_if(&mut self, owner: Node<'t>) {
        if self.scopes.len() > 1 && self.scopes.last().is_some_and(|s| s.owner == owner.id()) {
            self.scopes.pop();
        }
    }

    /// Binds `name` in the innermost scope. Names starting with `self.` or
    /// `this.` are attributes of the enclosing class instance and are bound in
    /// the innermost class scope so every method sees them.
    pub fn bind(&mut self, name: impl Into<String>, binding: Binding<'t>) {
        let name = name.into();
        let is_attr = name.starts_with("self.") || name.starts_with("this.");
        let idx = if is_attr {
            self.scopes.iter().rposition(|s| s.is_class).unwrap_or(self.scopes.len() - 1)
        } else {
            self.scopes.len() - 1
        };
        self.scopes[idx].bindings.insert(name, binding);
    }

    /// The binding of `name`, innermost scope first. Class scopes are only
    /// visible from their own body, as in Python, except for `self.`/`this.`
    /// attributes.
    pub fn lookup(&self, name: &str) -> Option<&Binding<'t>> {
        let is_attr = name.starts_with("self.") || name.starts_with("this.");
        let last = self.scopes.len() - 1;
        self.scopes.iter().enumerate().rev().find_map(|(i, s)| {
            if s.is_class && i != last && !is_attr {
                return None;
            }
            s.bindings.get(name)
        })
    }

    /// Resolves a dotted chain of names: `head` followed by `members`
    /// (`r.get` is `("r", ["get"])`). The longest bound prefix wins, so
    /// `self.session.get` uses a `self.session` binding.
    pub fn resolve_chain(&self, head: &str, members: &[&str]) -> Option<Resolved<'t>> {
        // Try `head.m1.m2`, then `head.m1`, then `head`: one key, cut back.
        let mut key = join(head, members);
        for split in (0..=members.len()).rev() {
            if split < members.len() {
                key.truncate(key.len() - members[split].len() - 1);
            }
            if let Some(binding) = self.lookup(&key) {
                let rest = &members[split..];
                return match &binding.kind {
                    BindingKind::Path(p) => {
                        Some(Resolved { path: join(p, rest), instance: None, site: Some(binding.site), bound: true })
                    }
                    BindingKind::Instance { of, node } => Some(Resolved {
                        path: join(&format!("{of}()"), rest),
                        instance: Some(*node),
                        site: Some(binding.site),
                        bound: true,
                    }),
                    BindingKind::Unknown => None,
                };
            }
            if split == 0 {
                break;
            }
        }
        Some(Resolved { path: join(head, members), instance: None, site: None, bound: false })
    }
}

fn join(base: &str, rest: &[&str]) -> String {
    let mut s = base.to_string();
    for r in rest {
        s.push('.');
        s.push_str(r);
    }
    s
}
