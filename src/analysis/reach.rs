//! Reach from the JS/TS import graph: a module that some project file
//! imports, but only files that do not run in production import (tooling,
//! build scripts, tests), runs only when they run. It takes their role:
//! tooling when any importer is tooling or build code, test otherwise.
//!
//! Computed once per run after the other role evidence and before the rules
//! ([`js_only_reached_by_tools_or_tests`], called from `lib.rs` `gather`),
//! from a lexical scan of each file's `import … from "./x"`,
//! `export … from "./x"`, `require("./x")` and `import("./x")`, with
//! extension and `index` resolution. Python's counterpart (what only
//! management commands and scripts import) is `lib.rs`
//! `tooling_only_modules`.
//!
//! It is conservative: a module keeps its role when
//! - anything that is neither tooling, build nor test code imports it
//!   (production, browser, migration or generated code, read even when the
//!   run skips it);
//! - it is an entry point something loads without an import in the project:
//!   a Next.js `app/` route file or a `pages/` file, `middleware`, `proxy`
//!   and `instrumentation`, an `index` file (a package's barrel), a conventional
//!   server start (`main`, `server`, `app`, `worker`, ...), a file a
//!   `package.json` names (`main`, `module`, `exports`, `bin`, a script's
//!   command), a `"use server"` module, or one that starts listening itself;
//! - code other than tests imports something by a name the scan cannot
//!   resolve (a path alias such as `@/lib/x`, a workspace path such as
//!   `backend-lib/src/x`) whose tail, or whose last two segments, end the
//!   module's path (from a tool too: the folder may misname a service
//!   module, and its import may be the only one);
//! - production code imports by a computed name from its folder
//!   (``import(`./plugins/${name}`)`` keeps `plugins/` and below;
//!   `require(name)` the importer's own folder; `import.meta.glob` and
//!   `require.context` the importer's folder and below).
//!
//! A production module that nothing imports at all is tooling when it is a
//! script run by hand (`hand_run_scripts`): no `package.json` names it, it is
//! no entry point, exports nothing, and does its work at the top level with
//! a script's sign (`process.exit`, `process.argv`, a folder named for
//! scripts, a `require.main === module` guard). What only it imports
//! follows it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::analysis::roles::{FileRole, Role};
use crate::source::{Grammar, SourceFile};

/// Extensions an extension-less JS/TS specifier may resolve to.
const JS_EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// File stems a runtime or framework loads by name: never imported-only.
const ENTRY_STEMS: &[&str] = &[
    "index",
    "main",
    "server",
    "app",
    "worker",
    "entry",
    "start",
    "bootstrap",
    "middleware",
    "instrumentation",
    "proxy",
    "_app",
    "_document",
];

/// Next.js `app/` router file names (`page.tsx`, `route.ts`, ...).
const NEXT_APP_FILES: &[&str] = &[
    "page",
    "layout",
    "route",
    "loading",
    "error",
    "global-error",
    "not-found",
    "template",
    "default",
    "opengraph-image",
    "twitter-image",
    "icon",
    "apple-icon",
    "sitemap",
    "robots",
    "manifest",
];

/// One JS/TS file of the run, read or skipped.
struct Node {
    /// Display path.
    path: String,
    /// Absolute, lexically normalised path.
    abs: PathBuf,
    /// Its role before this step.
    role: Role,
    /// Index in `files` when the run reads it.
    file: Option<usize>,
}

impl Node {
    /// Code that does not run in production.
    fn off_production(&self) -> bool {
        matches!(self.role, Role::Tooling | Role::Build | Role::Test)
    }
}

/// Gives every production or browser JS/TS module that only tooling, build
/// or test code imports the importers' role (see the module docs), with the
/// evidence as its reason: "imported only by tooling (`cli/run.ts`), never by
/// the service". `skipped` holds the files the run does not check (display
/// path and role); the tooling, build, test and generated JS/TS among them
/// are read here for their imports (files over `max` bytes are not).
pub fn js_only_reached_by_tools_or_tests(
    files: &mut [SourceFile],
    skipped: &[(String, FileRole)],
    cwd: &Path,
    max: u64,
) {
    let js = |path: &str| Grammar::from_path(Path::new(path)).is_some_and(|g| g.language().is_js_family());
    if !files.iter().any(|f| f.language().is_js_family()) {
        return;
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut texts: Vec<Option<std::sync::Arc<str>>> = Vec::new();
    for (i, f) in files.iter().enumerate().filter(|(_, f)| f.language().is_js_family()) {
        nodes.push(Node {
            path: f.path.clone(),
            abs: crate::walk::normalize(&cwd.join(&f.fs_path)),
            role: f.role.role,
            file: Some(i),
        });
        texts.push(Some(f.text.clone()));
    }
    for (path, role) in skipped.iter().filter(|(p, _)| js(p)) {
        let reads = matches!(role.role, Role::Tooling | Role::Build | Role::Test | Role::Generated);
        if !reads {
            continue;
        }
        let abs = crate::walk::normalize(&cwd.join(path));
        let text = std::fs::metadata(&abs)
            .ok()
            .filter(|m| m.len() <= max)
            .and_then(|_| std::fs::read_to_string(&abs).ok())
            .map(std::sync::Arc::from);
        nodes.push(Node { path: path.clone(), abs, role: role.role, file: None });
        texts.push(text);
    }
    // Every node by its path without a JS extension, and a folder by its
    // `index` file.
    let mut by_key: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        let bare = strip_js_extension(&node.abs);
        if bare.file_name().is_some_and(|s| s == "index")
            && let Some(dir) = bare.parent()
        {
            by_key.entry(dir.to_path_buf()).or_default().push(n);
        }
        by_key.entry(bare).or_default().push(n);
    }
    // Who imports whom; what code other than tests imports by names the
    // scan cannot resolve; where production code imports by computed names.
    let mut importers: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    // Imports by a `@/x` or `~/x` alias, resolved against the importer's
    // package folder (and its `src/`), for the browser step only.
    let mut alias_importers: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut packages_of = PackageDirs::default();
    let mut unresolved: HashSet<String> = HashSet::new();
    // What server code (neither browser, tooling, build nor test code)
    // imports by names the scan cannot resolve.
    let mut unresolved_server: HashSet<String> = HashSet::new();
    let mut computed_dirs: Vec<(PathBuf, bool)> = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let Some(text) = &texts[n] else { continue };
        let dir = node.abs.parent().unwrap_or(Path::new("/"));
        for spec in specifiers(text) {
            if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
                let target = strip_js_extension(&crate::walk::normalize(&dir.join(spec)));
                for &t in by_key.get(&target).into_iter().flatten() {
                    if t != n && !importers[t].contains(&n) {
                        importers[t].push(n);
                    }
                }
            } else if node.role != Role::Test {
                let spec = spec.split(['?', '!']).next().unwrap_or_default();
                let bare = strip_js_extension(Path::new(spec)).to_string_lossy().into_owned();
                let mut resolved = false;
                if let Some(rest) = bare.strip_prefix("@/").or_else(|| bare.strip_prefix("~/"))
                    && let Some(pkg) = packages_of.nearest(&node.abs, cwd)
                {
                    for target in [pkg.join(rest), pkg.join("src").join(rest)] {
                        for &t in by_key.get(&crate::walk::normalize(&target)).into_iter().flatten() {
                            resolved = true;
                            if t != n && !alias_importers[t].contains(&n) {
                                alias_importers[t].push(n);
                            }
                        }
                    }
                }
                if !resolved && !node.off_production() && node.role != Role::Browser {
                    let parts: Vec<&str> = bare.split('/').collect();
                    for i in 0..parts.len() {
                        unresolved_server.insert(parts[i..].join("/"));
                    }
                }
                // `@/lib/x`, `~/lib/x`, `@scope/pkg/src/x`: also without the
                // alias or scope, and by the last two segments, for an alias
                // that maps to another folder (`@app/api/guards/x` is
                // `apps/api/src/guards/x`).
                if let Some((first, rest)) = bare.split_once('/')
                    && (first.starts_with('@') || first == "~" || first == "#")
                {
                    unresolved.insert(rest.to_string());
                }
                let parts: Vec<&str> = bare.split('/').collect();
                if parts.len() > 2 {
                    unresolved.insert(parts[parts.len() - 2..].join("/"));
                }
                unresolved.insert(bare);
            }
        }
        if !node.off_production() {
            for (folder, subfolders) in computed_import_dirs(text) {
                computed_dirs.push((crate::walk::normalize(&dir.join(folder)), subfolders));
            }
        }
    }
    browser_only_reached(&mut nodes, files, &texts, &importers, &alias_importers, &unresolved_server, cwd);
    let mut packages = PackageEntries::default();
    let scripts = tool_scripts(&nodes, &texts, &importers, &mut packages, cwd);
    let protected: Vec<bool> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let Some(i) = node.file else { return true };
            if !matches!(node.role, Role::Production | Role::Browser) || importers[n].is_empty() {
                return true;
            }
            let text = texts[n].as_deref().unwrap_or_default();
            entry_point(&files[i].path, text)
                || packages.names(&node.abs, cwd).is_some_and(|by| by.is_none())
                || reached_by_tail(&files[i].path, &unresolved)
                || computed_dirs
                    .iter()
                    .any(|(d, sub)| if *sub { node.abs.starts_with(d) } else { node.abs.parent() == Some(d.as_path()) })
        })
        .collect();
    // To a fixed point: a module whose importers are all tooling, build or
    // test code, or modules already found so, takes their role.
    let mut found: HashMap<usize, (Role, String)> = scripts;
    for (n, reason) in
        hand_run_scripts(&nodes, files, &texts, &importers, (&unresolved, computed_dirs.as_slice()), &mut packages, cwd)
    {
        found.entry(n).or_insert((Role::Tooling, reason));
    }
    loop {
        let mut changed = false;
        for n in 0..nodes.len() {
            if protected[n] || found.contains_key(&n) {
                continue;
            }
            let role_of = |m: usize| found.get(&m).map(|(r, _)| *r).unwrap_or(nodes[m].role);
            if !importers[n].iter().all(|&m| matches!(role_of(m), Role::Tooling | Role::Build | Role::Test)) {
                continue;
            }
            let tooling = importers[n].iter().any(|&m| matches!(role_of(m), Role::Tooling | Role::Build));
            let (role, what) = if tooling { (Role::Tooling, "tooling") } else { (Role::Test, "tests") };
            // The first importer of that kind by path, so the reason is stable.
            let by = importers[n]
                .iter()
                .filter(|&&m| !tooling || matches!(role_of(m), Role::Tooling | Role::Build))
                .map(|&m| nodes[m].path.as_str())
                .min()
                .unwrap_or_default()
                .to_string();
            found.insert(n, (role, format!("imported only by {what} (`{by}`), never by the service")));
            changed = true;
        }
        if !changed {
            break;
        }
    }
    for (n, (role, reason)) in found {
        if let Some(i) = nodes[n].file {
            files[i].role = FileRole::new(role, reason);
        }
    }
}

/// The package folder nearest above a file (the folder of the first
/// `package.json` found walking up, up to `cwd`), cached by folder.
#[derive(Default)]
struct PackageDirs {
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl PackageDirs {
    fn nearest(&mut self, abs: &Path, cwd: &Path) -> Option<PathBuf> {
        let start = abs.parent()?.to_path_buf();
        if let Some(found) = self.by_dir.get(&start) {
            return found.clone();
        }
        let mut dir = Some(start.as_path());
        let mut found = None;
        while let Some(d) = dir {
            if d.join("package.json").is_file() {
                found = Some(d.to_path_buf());
                break;
            }
            if d == cwd {
                break;
            }
            dir = d.parent();
        }
        self.by_dir.insert(start, found.clone());
        found
    }
}

/// Browser code by reach: in a pages-router full-stack app (a Next.js
/// `pages/` app; see `roles::PackageKind::FullStack`), a module with no
/// evidence of any role (`services/env.ts`, `utils/importer.ts`) that only
/// browser modules import, by relative path or by the `@/` / `~/` alias, is
/// client code: it is bundled for the browser and runs there. Conservative:
/// the module keeps its role when server code imports it, or imports by a
/// name the scan cannot resolve that ends its path; when it is one of the
/// framework's server places or defines a server function
/// (`roles::full_stack_server`), carries a server marker, imports a Node
/// built-in, or is a conventional entry point (`server`, `main`, `worker`,
/// ...). To a fixed point: what only such modules import follows them.
fn browser_only_reached(
    nodes: &mut [Node],
    files: &mut [SourceFile],
    texts: &[Option<std::sync::Arc<str>>],
    importers: &[Vec<usize>],
    alias_importers: &[Vec<usize>],
    unresolved_server: &HashSet<String>,
    cwd: &Path,
) {
    use crate::analysis::roles::{self, PackageKind};
    let mut dirs = PackageDirs::default();
    let mut kinds: HashMap<PathBuf, Option<PackageKind>> = HashMap::new();
    let mut candidates: Vec<(usize, String)> = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let Some(i) = node.file else { continue };
        if node.role != Role::Production || files[i].role != FileRole::production() {
            continue;
        }
        let Some(pkg) = dirs.nearest(&node.abs, cwd) else { continue };
        let kind = kinds.entry(pkg.clone()).or_insert_with(|| roles::js_package_kind(&pkg)).clone();
        let Some(PackageKind::FullStack { framework, pages_router: true }) = kind else { continue };
        let text = texts[n].as_deref().unwrap_or_default();
        let inner = node.abs.strip_prefix(&pkg).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
        let stem = strip_js_extension(&node.abs).file_name().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if roles::full_stack_server(&inner, text)
            || roles::js_server_marker(text).is_some()
            || roles::imports_node_builtin(text)
            || (stem != "index" && ENTRY_STEMS.contains(&stem.as_str()))
            || stem.ends_with(".config")
            || reached_by_tail(&files[i].path, unresolved_server)
        {
            continue;
        }
        candidates.push((n, framework));
    }
    let mut browser: HashMap<usize, String> = HashMap::new();
    loop {
        let mut changed = false;
        for (n, framework) in &candidates {
            if browser.contains_key(n) {
                continue;
            }
            let all: Vec<usize> = importers[*n].iter().chain(&alias_importers[*n]).copied().collect();
            let is_browser = |m: usize| nodes[m].role == Role::Browser || browser.contains_key(&m);
            if all.is_empty() || !all.iter().all(|&m| is_browser(m)) {
                continue;
            }
            let by = all.iter().map(|&m| nodes[m].path.as_str()).min().unwrap_or_default().to_string();
            browser.insert(
                *n,
                format!("client code of the `{framework}` pages app: imported only by browser code (`{by}`)"),
            );
            changed = true;
        }
        if !changed {
            break;
        }
    }
    for (n, reason) in browser {
        nodes[n].role = Role::Browser;
        if let Some(i) = nodes[n].file {
            files[i].role = FileRole::new(Role::Browser, reason);
        }
    }
}

/// Commands that run a JS/TS file.
const JS_RUNNERS: &[&str] =
    &["node", "ts-node", "ts-node-esm", "tsx", "bun", "babel-node", "vite-node", "esno", "esrun", "jiti", "deno"];

/// Words of a `package.json` script name that start the service (`start`,
/// `start:worker`, `dev`, `serve`): a file such a script runs is the service.
const START_SCRIPT_WORDS: &[&str] = &[
    "start",
    "serve",
    "server",
    "prod",
    "production",
    "dev",
    "develop",
    "worker",
    "workers",
    "run",
    "boot",
    "daemon",
    "cron",
    "queue",
    "consumer",
    "listen",
    "preview",
    "main",
    "app",
];

/// Developer scripts inside a service's source: a module that only a
/// `package.json` script runs (`"test-rest-api": "ts-node
/// src/scripts/test-rest-api.ts"`), by a script name with no word that
/// starts the service ([`START_SCRIPT_WORDS`]), that the package's `main`,
/// `exports` and `bin` do not name, that nothing but tooling, build or test
/// code imports, that is no conventional entry point and starts no server
/// (`.listen(`): tooling, with its imports following it in the fixed point.
fn tool_scripts(
    nodes: &[Node],
    texts: &[Option<std::sync::Arc<str>>],
    importers: &[Vec<usize>],
    packages: &mut PackageEntries,
    cwd: &Path,
) -> HashMap<usize, (Role, String)> {
    let mut out = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        if node.file.is_none() || !matches!(node.role, Role::Production | Role::Browser) {
            continue;
        }
        if !importers[n].iter().all(|&m| nodes[m].off_production()) {
            continue;
        }
        let Some(Some((script, manifest))) = packages.names(&node.abs, cwd) else { continue };
        let text = texts[n].as_deref().unwrap_or_default();
        let stem = strip_js_extension(&node.abs).file_name().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if ENTRY_STEMS.contains(&stem.as_str()) || text.contains(".listen(") || roles_use_server(text) {
            continue;
        }
        let manifest = manifest.strip_prefix(cwd).unwrap_or(&manifest).join("package.json");
        out.insert(
            n,
            (
                Role::Tooling,
                format!(
                    "run only by the `{script}` script of `{}`, never imported by the service",
                    manifest.to_string_lossy().replace('\\', "/")
                ),
            ),
        );
    }
    out
}

/// Folder names that hold hand-run scripts: weak evidence, taken only with
/// a script's own signs (see [`hand_run_scripts`]).
const SCRIPT_FOLDERS: &[&str] =
    &["scripts", "script", "commands", "command", "migrations", "maintenance", "tools", "oneoff", "one-off", "cli"];

/// Scripts run by hand inside a service's folders (`src/commands/import.js`,
/// `src/migrations/backfill.ts`): a production module that no file imports
/// at all, that no `package.json` names, that is no entry point
/// ([`entry_point`]: conventional stems, `*.config.*`, framework route files,
/// `"use server"`, a `.listen(`), that code other than tests cannot reach by
/// an unresolved name nor production code by a computed one, that exports nothing (a module
/// a plugin system or a serverless runtime loads exports what it offers),
/// and that does its work at the top level as a script: it calls a function
/// it declares, or an async IIFE, at column 0, with a script's sign
/// (`process.exit(`, `process.argv`) or in a folder named for scripts
/// ([`SCRIPT_FOLDERS`], `*-migrations`); or it guards itself with
/// `require.main === module` / `import.meta.main`. Returns each with its
/// reason; what only it imports follows it in the fixed point.
fn hand_run_scripts(
    nodes: &[Node],
    files: &[SourceFile],
    texts: &[Option<std::sync::Arc<str>>],
    importers: &[Vec<usize>],
    (unresolved, computed_dirs): (&HashSet<String>, &[(PathBuf, bool)]),
    packages: &mut PackageEntries,
    cwd: &Path,
) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let Some(i) = node.file else { continue };
        if node.role != Role::Production || !importers[n].is_empty() {
            continue;
        }
        let text = texts[n].as_deref().unwrap_or_default();
        let display = &files[i].path;
        if entry_point(display, text)
            || packages.names(&node.abs, cwd).is_some()
            || reached_by_tail(display, unresolved)
            || computed_dirs
                .iter()
                .any(|(d, sub)| if *sub { node.abs.starts_with(d) } else { node.abs.parent() == Some(d.as_path()) })
        {
            continue;
        }
        let Some(sign) = script_sign(display, text) else { continue };
        out.push((n, format!("a script run by hand ({sign}); nothing imports it and no `package.json` names it")));
    }
    out
}

/// How a module shows it runs as a script (see [`hand_run_scripts`]), or
/// `None`.
fn script_sign(display: &str, text: &str) -> Option<String> {
    let guard = text.contains("require.main === module") || text.contains("import.meta.main");
    let exports =
        text.lines().any(|l| l.starts_with("export ") || l.starts_with("module.exports") || l.starts_with("exports."));
    if exports && !guard {
        return None;
    }
    if guard {
        return Some("it runs itself under a `require.main === module` guard".to_string());
    }
    let run = top_level_run(text)?;
    let dirs: Vec<&str> = display.split('/').rev().skip(1).collect();
    let folder = dirs.iter().find(|d| SCRIPT_FOLDERS.contains(*d) || d.ends_with("-migrations"));
    let exits = ["process.exit(", "process.argv"].into_iter().find(|s| text.contains(s));
    match (exits, folder) {
        (Some(s), _) => Some(format!("top-level `{run}` and `{}`", s.trim_end_matches('('))),
        (None, Some(d)) => Some(format!("top-level `{run}` in a `{d}/` folder")),
        (None, None) => None,
    }
}

/// The first top-level statement (at column 0) that runs work: a call of a
/// function the file declares (`main()`, `migrate().catch(…)`, `await
/// run()`, `void main()`) or an immediately invoked function (`(async () =>
/// {`).
fn top_level_run(text: &str) -> Option<String> {
    let mut declared: Option<HashSet<&str>> = None;
    for line in text.lines() {
        let l = line.trim_end();
        let body = l.trim_start_matches(';');
        if body.starts_with("(async") || body.starts_with("(function") || body.starts_with("(() =>") {
            return Some("(async () => { … })()".to_string());
        }
        let call = body.strip_prefix("await ").or_else(|| body.strip_prefix("void ")).unwrap_or(body);
        let len = call.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$').count();
        let name = &call[..len];
        if name.is_empty() || !call[len..].starts_with('(') {
            continue;
        }
        // The file's declared functions, read once: a file of thousands of
        // top-level calls must not search the whole text per call.
        if declared.get_or_insert_with(|| declared_functions(text)).contains(name) {
            return Some(format!("{name}()"));
        }
    }
    None
}

/// Names `text` declares as functions: `function f(` / `function f (`,
/// `const f = async`, `const f = (`, `const f = function`, `let f = async`.
fn declared_functions(text: &str) -> HashSet<&str> {
    let ident = |s: &str| s.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$').count();
    let mut names = HashSet::new();
    for (at, kw) in text.match_indices("function ") {
        let rest = &text[at + kw.len()..];
        let n = ident(rest);
        if n > 0 && (rest[n..].starts_with('(') || rest[n..].starts_with(" (")) {
            names.insert(&rest[..n]);
        }
    }
    for (kw, values) in [("const ", &["async", "(", "function"][..]), ("let ", &["async"][..])] {
        for (at, _) in text.match_indices(kw) {
            let rest = &text[at + kw.len()..];
            let n = ident(rest);
            if n > 0 && rest[n..].strip_prefix(" = ").is_some_and(|v| values.iter().any(|p| v.starts_with(p))) {
                names.insert(&rest[..n]);
            }
        }
    }
    names
}

/// A `"use server"` module (never a script).
fn roles_use_server(text: &str) -> bool {
    crate::analysis::roles::js_use_server(text).is_some()
}

/// The module specifiers of a JS/TS file: `from "m"`, `import "m"`,
/// `require("m")`, `import("m")`.
/// `import(/* webpackChunkName: "x" */ "./x")` too.
fn specifiers(text: &str) -> impl Iterator<Item = &str> {
    let commented = text.match_indices("import(").filter_map(move |(at, kw)| {
        let rest = text[at + kw.len()..].trim_start();
        if !rest.starts_with("/*") {
            return None;
        }
        let rest = skip_comments(rest);
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &rest[1..];
        let spec = &body[..body.find(quote)?];
        (!spec.is_empty() && !spec.contains('\n')).then_some(spec)
    });
    crate::analysis::roles::js_import_specifiers(text).chain(commented)
}

/// `s` after any leading `/* ... */` comments and white space.
fn skip_comments(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("/*") {
        s = rest.find("*/").map_or("", |end| rest[end + 2..].trim_start());
    }
    s
}

/// The folders `text` imports from by names computed at run time: the
/// static folder of a template (``import(`./plugins/${name}`)`` is
/// `./plugins`, with its subfolders), or the file's own folder for a name
/// held in a variable (`require(name)`, `import.meta.glob`,
/// `require.context`): (folder relative to the file, subfolders too).
fn computed_import_dirs(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if text.contains("import.meta.glob") || text.contains("require.context") {
        out.push((".".to_string(), true));
    }
    for kw in ["import(", "require("] {
        for (at, _) in text.match_indices(kw) {
            if crate::analysis::roles::js_name_continues(text, at) {
                continue;
            }
            let arg = skip_comments(text[at + kw.len()..].trim_start());
            match arg.chars().next() {
                None | Some('"' | '\'' | ')') => {}
                Some('`') => {
                    let body = &arg[1..];
                    let end = body.find(['`', '$']).unwrap_or(body.len());
                    let literal = &body[..end];
                    if !body[end..].starts_with('$') {
                        continue; // a template with no substitution: a plain name
                    }
                    let folder = literal.rsplit_once('/').map_or(".", |(d, _)| d);
                    if folder.starts_with('.') {
                        out.push((folder.to_string(), true));
                    }
                }
                Some(_) => out.push((".".to_string(), false)),
            }
        }
    }
    out
}

/// A file a runtime or framework loads by its name or place.
fn entry_point(display: &str, text: &str) -> bool {
    let bare = strip_js_extension(Path::new(display));
    let stem = bare.file_name().and_then(|s| s.to_str()).unwrap_or_default();
    let dirs: Vec<&str> = display.split('/').rev().skip(1).collect();
    ENTRY_STEMS.contains(&stem)
        || stem.ends_with(".config")
        || (dirs.contains(&"app") && NEXT_APP_FILES.contains(&stem))
        || dirs.contains(&"pages")
        || crate::analysis::roles::js_use_server(text).is_some()
        || text.contains(".listen(")
}

/// True when one of the names production code imports unresolved ends with
/// the module's path (`lib/x` for `apps/web/src/lib/x.ts`).
fn reached_by_tail(display: &str, unresolved: &HashSet<String>) -> bool {
    let bare = strip_js_extension(Path::new(display)).to_string_lossy().replace('\\', "/");
    let parts: Vec<&str> = bare.split('/').collect();
    (0..parts.len()).any(|i| unresolved.contains(&parts[i..].join("/")))
}

/// The files each `package.json` names, by the folder it is in.
#[derive(Default)]
struct PackageEntries {
    by_dir: HashMap<PathBuf, Vec<(String, Option<String>)>>,
}

impl PackageEntries {
    /// How a `package.json` in a folder above `abs` (up to `cwd`, or the
    /// file system root for files outside it) names the file: `None` when
    /// none does; `Some(None)` when one names it as an entry (`main`,
    /// `exports`, `bin`, a script that starts the service); `Some(Some((script,
    /// folder)))` when only developer scripts run it (see [`tool_scripts`]).
    fn names(&mut self, abs: &Path, cwd: &Path) -> Option<Option<(String, PathBuf)>> {
        let mut dir = abs.parent();
        while let Some(d) = dir {
            let named = self.by_dir.entry(d.to_path_buf()).or_insert_with(|| package_paths(d));
            if !named.is_empty()
                && let Ok(rel) = abs.strip_prefix(d)
            {
                let rel = comparable(&rel.to_string_lossy());
                let hits: Vec<&Option<String>> = named
                    .iter()
                    .filter(|(n, _)| *n == rel || (n.ends_with('*') && rel.starts_with(n.trim_end_matches('*'))))
                    .map(|(_, script)| script)
                    .collect();
                if !hits.is_empty() {
                    return Some(match hits.iter().all(|s| s.is_some()) {
                        true => hits.iter().filter_map(|s| (*s).clone()).min().map(|s| (s, d.to_path_buf())),
                        false => None,
                    });
                }
            }
            if d == cwd {
                break;
            }
            dir = d.parent();
        }
        None
    }
}

/// The paths a folder's `package.json` names anywhere (`main`, `exports`,
/// `bin`, a script's `node dist/worker.js`), comparable (see [`comparable`]),
/// each with the name of the developer script that names it (a `scripts`
/// entry whose name has no word of [`START_SCRIPT_WORDS`]), `None` for the
/// rest.
fn package_paths(dir: &Path) -> Vec<(String, Option<String>)> {
    let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else { return Vec::new() };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    let mut out = Vec::new();
    let mut stack: Vec<(&serde_json::Value, Option<String>)> = vec![(&json, None)];
    while let Some((v, script)) = stack.pop() {
        match v {
            serde_json::Value::String(s) => {
                // A developer script names the file it runs (`ts-node
                // src/scripts/x.ts`), not a folder it copies (`cp -r
                // src/templates/* dist/`).
                let runs = script.is_some()
                    && s.split_whitespace().any(|w| JS_RUNNERS.contains(&w.rsplit('/').next().unwrap_or(w)));
                for word in s.split_whitespace() {
                    let file = JS_EXTENSIONS.iter().any(|e| word.ends_with(&format!(".{e}")));
                    if word.contains('/') || file {
                        let tool = if runs && file && !word.contains('*') { script.clone() } else { None };
                        out.push((comparable(word), tool));
                    }
                }
            }
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|v| (v, script.clone()))),
            serde_json::Value::Object(o) => {
                let scripts = std::ptr::eq(v, &json["scripts"]);
                // Dependencies name packages and workspaces whole folders,
                // not files.
                for (k, v) in o {
                    if !k.ends_with("ependencies") && !matches!(k.as_str(), "workspaces" | "files" | "repository") {
                        let tool = scripts
                            && !k
                                .split([':', '-', '_', '.'])
                                .any(|w| START_SCRIPT_WORDS.contains(&w.to_ascii_lowercase().as_str()));
                        stack.push((v, if tool { Some(k.clone()) } else { script.clone() }));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A package-relative path as source and build output both name it:
/// without `./`, a JS extension, or a leading `src/`, `dist/`, `build/`,
/// `lib/` or `out/` folder (`./dist/worker.js` and `src/worker.ts` agree).
fn comparable(path: &str) -> String {
    let p = path.trim_start_matches("./").replace('\\', "/");
    let p = strip_js_extension(Path::new(&p)).to_string_lossy().into_owned();
    for prefix in ["src/", "dist/", "build/", "lib/", "out/", "esm/", "cjs/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    p
}

/// `a/b.ts` → `a/b`; `a/b.d.ts` and `a/b.css` keep their names.
fn strip_js_extension(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if JS_EXTENSIONS.contains(&e) => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_level_call_of_a_declared_function_is_a_run() {
        assert_eq!(top_level_run("async function main() {}\nmain();\n"), Some("main()".into()));
        assert_eq!(top_level_run("const go = async () => {};\nawait go();\n"), Some("go()".into()));
        assert_eq!(top_level_run("fetch(u);\nfetch(u);\n"), None);
        let names = declared_functions("let f = 1;\nconst g = (x) => x;\nfunction h (a) {}");
        assert!(names.contains("g") && names.contains("h") && !names.contains("f"));
    }

    #[test]
    fn computed_names_and_package_paths_are_recognised() {
        assert_eq!(computed_import_dirs("const m = await import(`./locales/${lang}`);"), [("./locales".into(), true)]);
        assert_eq!(computed_import_dirs("const m = require(name);"), [(".".into(), false)]);
        assert_eq!(specifiers("import(/* webpackPrefetch: true */ './a/B')").collect::<Vec<_>>(), ["./a/B"]);
        assert!(computed_import_dirs("import(/* webpackPrefetch: true */ './a/B')").is_empty());
        assert!(computed_import_dirs("import x from \"./x\";\nconst y = require(\"./y\");\nimport(`./z`);").is_empty());
        assert_eq!(comparable("./dist/worker.js"), "worker");
        assert_eq!(comparable("src/worker.ts"), "worker");
        assert!(reached_by_tail("apps/web/src/lib/mail.ts", &HashSet::from(["lib/mail".to_string()])));
        assert!(!reached_by_tail("apps/web/src/lib/mail.ts", &HashSet::from(["lib/email".to_string()])));
        assert_eq!(crate::walk::normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }
}
