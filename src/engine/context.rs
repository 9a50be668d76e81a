//! The context stack the walker keeps while it visits a tree: enclosing
//! functions (and whether they handle requests, webhooks or jobs), classes,
//! loops, comprehensions, try blocks, exception handlers, `finally` blocks and
//! `with` blocks.
//!
//! The language front ends decide which nodes open a frame
//! ([`crate::lang::python::frame_for`], [`crate::lang::typescript::frame_for`]);
//! rules only read the stack.

use tree_sitter::Node;

/// What a function is for, as far as its decorators or registration show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// An HTTP route handler.
    Request,
    /// An HTTP handler for a provider's webhook (name or path says so).
    Webhook,
    /// A background job, task or message consumer.
    Job,
}

/// Facts about a function frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The function's name, if it has one.
    pub name: Option<String>,
    pub is_async: bool,
    /// Set when decorators or route registration show what the function handles.
    pub handler: Option<HandlerKind>,
    /// True for lambdas and arrow functions written inline as an argument.
    pub is_callback: bool,
}

/// The kind of one frame on the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameKind {
    Function(FunctionInfo),
    Class {
        name: Option<String>,
    },
    /// `for`, `while`, `do`, `for ... of`, `for ... in`.
    Loop,
    /// A comprehension or generator expression.
    Comprehension,
    /// The protected body of a `try` statement (not its handlers).
    Try,
    /// An `except` clause or a `catch` clause.
    Handler,
    /// A `finally` clause.
    Finally,
    /// A `with` / `async with` statement.
    With,
}

/// One entry of the context stack.
#[derive(Debug, Clone)]
pub struct Frame<'t> {
    pub kind: FrameKind,
    pub node: Node<'t>,
}

/// The stack of frames enclosing the node being visited, outermost first.
#[derive(Debug, Default)]
pub struct Context<'t> {
    frames: Vec<Frame<'t>>,
}

impl<'t> Context<'t> {
    /// An empty stack.
    pub fn new() -> Self {
        Context { frames: Vec::new() }
    }

    pub(crate) fn push(&mut self, frame: Frame<'t>) {
        self.frames.push(frame);
    }

    /// Pops the top frame when it was opened by `node`.
    pub(crate) fn pop_if(&mut self, node: Node<'t>) -> bool {
        if self.frames.last().is_some_and(|f| f.node.id() == node.id()) {
            self.frames.pop();
            true
        } else {
            false
        }
    }

    /// All frames, outermost first.
    pub fn frames(&self) -> &[Frame<'t>] {
        &self.frames
    }

    /// Frames from the innermost outwards, stopping at (and including) the
    /// nearest function: what is lexically inside the current function.
    pub fn within_function(&self) -> impl Iterator<Item = &Frame<'t>> {
        let mut done = false;
        self.frames.iter().rev().take_while(move |f| {
            if done {
                return false;
            }
            if matches!(f.kind, FrameKind::Function(_)) {
                done = true;
            }
            true
        })
    }

    /// The innermost enclosing function frame.
    pub fn function(&self) -> Option<(&FunctionInfo, Node<'t>)> {
        self.frames.iter().rev().find_map(|f| match &f.kind {
            FrameKind::Function(info) => Some((info, f.node)),
            _ => None,
        })
    }

    /// The outermost enclosing function frame (a module's top-level function
    /// around any callbacks).
    pub fn outermost_function(&self) -> Option<Node<'t>> {
        self.frames.iter().find_map(|f| match &f.kind {
            FrameKind::Function(_) => Some(f.node),
            _ => None,
        })
    }

    /// The nearest enclosing function that is a request, webhook or job
    /// handler (callbacks inside a handler count as inside it).
    pub fn handler(&self) -> Option<(HandlerKind, Node<'t>)> {
        self.frames.iter().rev().find_map(|f| match &f.kind {
            FrameKind::Function(FunctionInfo { handler: Some(h), .. }) => Some((*h, f.node)),
            _ => None,
        })
    }

    /// The innermost loop or comprehension inside the current function.
    pub fn enclosing_loop(&self) -> Option<&Frame<'t>> {
        self.within_function().find(|f| matches!(f.kind, FrameKind::Loop | FrameKind::Comprehension))
    }

    /// True when inside a loop or comprehension of the current function.
    pub fn in_loop(&self) -> bool {
        self.enclosing_loop().is_some()
    }

    /// True when the innermost function-level frame of `kind` exists.
    pub fn inside(&self, kind: &FrameKind) -> bool {
        self.within_function().any(|f| std::mem::discriminant(&f.kind) == std::mem::discriminant(kind))
    }

    /// The innermost `except`/`catch` clause of the current function.
    pub fn exception_handler(&self) -> Option<Node<'t>> {
        self.within_function().find(|f| f.kind == FrameKind::Handler).map(|f| f.node)
    }

    /// `Class.method` style name of the innermost named class and function,
    /// used in fingerprints and messages.
    pub fn symbol(&self) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        for f in &self.frames {
            match &f.kind {
                FrameKind::Function(FunctionInfo { name: Some(n), .. }) => parts.push(n),
                FrameKind::Class { name: Some(n) } => parts.push(n),
                _ => {}
            }
        }
        if parts.is_empty() { None } else { Some(parts.join(".")) }
    }
}
