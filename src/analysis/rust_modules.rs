//! Which `.rs` files under a crate's `src/` the crate compiles: those its
//! roots (`lib.rs`, `main.rs`, `src/bin/*`, the manifest's `[lib]`, `[[bin]]`,
//! `[[bench]]`, `[[example]]` and `[[test]]` paths, `build.rs`, and the files
//! of `examples/`, `benches/` and `tests/`) reach through `mod` declarations.
//! A file no root reaches is a leftover no build sees, and a finding there
//! can never fire in production.
//!
//! The scan is lexical (comments, strings and character literals skipped),
//! and errs towards "reached": a `mod x;` reaches `x.rs` and `x/mod.rs` both
//! beside its file and in the folder named after it, whatever kind of file
//! declares it; `#[path = ".."]` (also inside `cfg_attr`, so the usual file
//! is reached too) reaches its path;
//! `include!("..")` reaches the included file; `#[cfg]`-gated modules count;
//! and a crate whose macros declare modules (`mod $name;`) is not judged.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::lang::rust as rs;
use crate::walk::normalize;

/// What one file declares.
/// The text of a file the run has read (`None`: read it from disk).
pub type TextOf<'a> = dyn Fn(&Path) -> Option<Arc<str>> + Sync + 'a;

#[derive(Debug, Default, PartialEq, Eq)]
struct Decls {
    /// `mod name;`: the enclosing inline modules, the name, and its
    /// `#[path]` when it has one.
    mods: Vec<(Vec<String>, String, Option<String>)>,
    /// Per entry of `mods`: only test builds compile it (a `#[cfg(..)]`
    /// that [`rs::cfg_test_only`] accepts on it or on an enclosing inline
    /// module).
    test_gated: Vec<bool>,
    /// The file starts with a test-only `#![cfg(..)]`.
    test_file: bool,
    /// `include!("file")` with a literal path.
    includes: Vec<String>,
    /// A macro declares modules (`mod $name;`): the module tree is not
    /// knowable lexically.
    macro_mods: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// The tokens of Rust source that matter here: identifiers, string literal
/// contents and punctuation, with comments, numbers and character literals
/// skipped (where a literal or comment ends: [`rs::literal_or_comment_end`]).
fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // Past a malformed escape a step can land inside a character.
        if !text.is_char_boundary(i) || c.is_ascii_whitespace() {
            i += 1;
        } else if let Some(end) = rs::literal_or_comment_end(b, i) {
            // Comments and char literals are skipped; a string is a token.
            if let Some((body, b'"')) = rs::literal_body(b, i, end) {
                out.push(Tok::Str(text.get(body).unwrap_or_default().to_string()));
            }
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let word = &text[i..j];
            // `r#mod` is the identifier `mod`.
            if word == "r" && b.get(j) == Some(&b'#') {
                i = j + 1;
                continue;
            }
            out.push(Tok::Ident(word.to_string()));
            i = j;
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(Tok::Punct(ch));
            i += ch.len_utf8();
        }
    }
    out
}

/// The `mod` declarations and includes of one file.
fn declarations(text: &str) -> Decls {
    let toks = tokens(text);
    let mut decls = Decls::default();
    // One entry per open brace: the inline module it opens, if any, and
    // whether only test builds compile what it holds.
    let mut braces: Vec<(Option<String>, bool)> = Vec::new();
    let mut inline_next: Option<String> = None;
    let mut path_attr: Option<String> = None;
    // A test-only `#[cfg(..)]` on the item being read.
    let mut test_attr = false;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                let gated = test_attr || braces.last().is_some_and(|b| b.1);
                braces.push((inline_next.take(), gated));
                test_attr = false;
            }
            Tok::Punct('}') => {
                braces.pop();
                path_attr = None;
                test_attr = false;
            }
            Tok::Punct(';') => {
                path_attr = None;
                test_attr = false;
            }
            Tok::Punct('#') => {
                // `#[cfg(pred)]`, or `#![cfg(pred)]` for the whole file.
                let inner = toks.get(i + 1) == Some(&Tok::Punct('!'));
                let at = if inner { i + 2 } else { i + 1 };
                if let (Some(Tok::Punct('[')), Some(Tok::Ident(w)), Some(Tok::Punct('('))) =
                    (toks.get(at), toks.get(at + 1), toks.get(at + 2))
                    && w == "cfg"
                {
                    let (pred, end) = predicate(&toks, at + 3);
                    if rs::cfg_test_only(&pred) {
                        if inner && braces.is_empty() {
                            decls.test_file = true;
                        } else if !inner {
                            test_attr = true;
                        }
                    }
                    i = end;
                    continue;
                }
            }
            Tok::Ident(w) if w == "path" => {
                if let (Some(Tok::Punct('=')), Some(Tok::Str(p))) = (toks.get(i + 1), toks.get(i + 2)) {
                    path_attr = Some(p.clone());
                }
            }
            Tok::Ident(w) if w == "mod" => match (toks.get(i + 1), toks.get(i + 2)) {
                (Some(Tok::Punct('$')), _) => decls.macro_mods = true,
                (Some(Tok::Ident(name)), Some(Tok::Punct(';'))) => {
                    let inline: Vec<String> = braces.iter().filter_map(|b| b.0.clone()).collect();
                    decls.mods.push((inline, name.clone(), path_attr.take()));
                    decls.test_gated.push(std::mem::take(&mut test_attr) || braces.last().is_some_and(|b| b.1));
                    i += 2;
                }
                (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) => {
                    inline_next = Some(name.clone());
                    path_attr = None;
                }
                _ => {}
            },
            Tok::Ident(w) if w == "include" => {
                if let (Some(Tok::Punct('!')), Some(Tok::Punct('(' | '[' | '{')), Some(Tok::Str(p))) =
                    (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
                {
                    decls.includes.push(p.clone());
                }
            }
            _ => {}
        }
        i += 1;
    }
    decls
}

/// The text of a `cfg` predicate whose tokens start at `from` (just inside
/// `cfg(`), for [`rs::cfg_test_only`], and the index past its closing `)`.
fn predicate(toks: &[Tok], from: usize) -> (String, usize) {
    let mut depth = 1;
    let mut out = String::new();
    let mut i = from;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return (out, i + 1);
                }
            }
            _ => {}
        }
        match &toks[i] {
            Tok::Ident(w) => out.push_str(w),
            Tok::Str(v) => {
                out.push('"');
                out.push_str(v);
                out.push('"');
            }
            Tok::Punct(c) => out.push(*c),
        }
        out.push(' ');
        i += 1;
    }
    (out, i)
}

/// The crate roots in `crate_dir` (absolute, normalised), or `None` when the
/// manifest declares no package or no root exists.
fn roots(crate_dir: &Path) -> Option<Vec<PathBuf>> {
    let manifest: toml::Table = toml::from_str(&std::fs::read_to_string(crate_dir.join("Cargo.toml")).ok()?).ok()?;
    let package = manifest.get("package")?;
    let mut out: Vec<PathBuf> = Vec::new();
    let mut add = |p: PathBuf| {
        if p.is_file() {
            out.push(normalize(&p));
        }
    };
    add(crate_dir.join("src/lib.rs"));
    add(crate_dir.join("src/main.rs"));
    add(crate_dir.join(package.get("build").and_then(|b| b.as_str()).unwrap_or("build.rs")));
    for key in ["lib", "bin", "bench", "example", "test"] {
        let targets = match manifest.get(key) {
            Some(toml::Value::Array(a)) => a.iter().collect(),
            Some(t @ toml::Value::Table(_)) => vec![t],
            _ => Vec::new(),
        };
        for t in targets {
            if let Some(p) = t.get("path").and_then(|p| p.as_str()) {
                add(crate_dir.join(p));
            }
        }
    }
    // Auto-discovered targets: `src/bin/x.rs`, `src/bin/x/main.rs`, and the
    // files of `examples/`, `benches/` and `tests/` one level down.
    for dir in ["src/bin", "examples", "benches", "tests"] {
        let Ok(rd) = std::fs::read_dir(crate_dir.join(dir)) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                add(p.join("main.rs"));
            } else if p.extension().is_some_and(|x| x == "rs") {
                add(p);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The files a crate compiles: all of them, and those only test builds
/// compile.
struct Tree {
    all: HashSet<PathBuf>,
    test_only: HashSet<PathBuf>,
}

/// The files the crate in `crate_dir` compiles, from its roots through
/// `mod` declarations; `None` when it cannot be known (no roots, a macro
/// that declares modules). `text_of` gives a file's text when the run has
/// read it already (else it is read from disk). A file that only
/// test-gated declarations reach (`#[cfg(test)] mod mock_peers;`, anything
/// below it, a file that opens with `#![cfg(test)]`) or only the crate's
/// `tests/` reach is test-only.
fn compiled(crate_dir: &Path, text_of: &TextOf<'_>) -> Option<Tree> {
    let roots = roots(crate_dir)?;
    // Each file's declarations, read once: (file, the files each `mod`
    // reaches with whether the `mod` is test-gated, and the includes).
    type Edges = (Vec<(PathBuf, bool)>, bool);
    let mut edges: HashMap<PathBuf, Edges> = HashMap::new();
    let mut queue: Vec<PathBuf> = roots.clone();
    while let Some(file) = queue.pop() {
        if edges.contains_key(&file) {
            continue;
        }
        let Some(text) = text_of(&file).or_else(|| std::fs::read_to_string(&file).ok().map(Arc::from)) else {
            edges.insert(file, (Vec::new(), false));
            continue;
        };
        let decls = declarations(&text);
        if decls.macro_mods {
            return None;
        }
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // Both module-folder conventions, whatever kind of file this is.
        let bases = [dir.clone(), dir.join(&stem)];
        let mut out: Vec<(PathBuf, bool)> = Vec::new();
        let mut reach = |p: PathBuf, gated: bool| {
            let p = normalize(&p);
            if p.is_file() {
                out.push((p, gated));
            }
        };
        for (k, (inline, name, path)) in decls.mods.iter().enumerate() {
            let gated = decls.test_gated.get(k).copied().unwrap_or(false);
            for base in &bases {
                let base = inline.iter().fold(base.clone(), |b, m| b.join(m));
                // A `#[path]` may sit in a `cfg_attr`: the usual file may
                // be the one compiled, so it is reached either way.
                if let Some(p) = path {
                    reach(base.join(p), gated);
                }
                reach(base.join(format!("{name}.rs")), gated);
                reach(base.join(name).join("mod.rs"), gated);
            }
            if let Some(p) = path {
                reach(dir.join(p), gated);
            }
        }
        for inc in &decls.includes {
            reach(dir.join(inc), false);
        }
        queue.extend(out.iter().filter(|(p, _)| !edges.contains_key(p)).map(|(p, _)| p.clone()));
        edges.insert(file, (out, decls.test_file));
    }
    // What a non-test build compiles: from the roots outside `tests/`,
    // through declarations no test-only `cfg` gates.
    let tests_dir = normalize(&crate_dir.join("tests"));
    let mut built: HashSet<PathBuf> = HashSet::new();
    let mut queue: Vec<PathBuf> = roots.into_iter().filter(|r| !r.starts_with(&tests_dir)).collect();
    while let Some(file) = queue.pop() {
        let Some((out, test_file)) = edges.get(&file) else { continue };
        if *test_file || !built.insert(file) {
            continue;
        }
        queue.extend(out.iter().filter(|(p, gated)| !gated && !built.contains(p)).map(|(p, _)| p.clone()));
    }
    let all: HashSet<PathBuf> = edges.into_keys().collect();
    let test_only = all.difference(&built).cloned().collect();
    Some(Tree { all, test_only })
}

/// What the module tree says of a Rust file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiled {
    /// No root of its crate reaches it: no build compiles it.
    Never(String),
    /// Only test builds compile it (`#[cfg(test)] mod x;`).
    InTestsOnly(String),
}

/// For each Rust file (absolute, normalised paths) under a crate's `src/`
/// that no root of its crate reaches, or that only test builds compile,
/// which and the reason in words. `text_of` gives the text of files the run
/// has read.
pub fn uncompiled(files: &[PathBuf], text_of: &TextOf<'_>) -> HashMap<PathBuf, Compiled> {
    let mut crate_of: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    // The crate of each file: the nearest folder above a `src/` with a
    // `Cargo.toml`.
    let krates: Vec<Option<PathBuf>> = files.iter().map(|f| crate_dir(f, &mut crate_of)).collect();
    // Each crate's module tree, crates in parallel (this runs before the
    // files are checked, on every run).
    let distinct: HashSet<&PathBuf> = krates.iter().flatten().collect();
    let trees: HashMap<&PathBuf, Option<Tree>> = distinct.into_par_iter().map(|k| (k, compiled(k, text_of))).collect();
    let mut out = HashMap::new();
    for (file, krate) in files.iter().zip(&krates) {
        let Some(krate) = krate else { continue };
        let Some(Some(tree)) = trees.get(krate) else { continue };
        let shown = krate.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !tree.all.contains(file) {
            out.insert(
                file.clone(),
                Compiled::Never(format!(
                    "no crate compiles it: no `mod` declaration reaches it from the roots of crate `{shown}/`"
                )),
            );
        } else if tree.test_only.contains(file) {
            out.insert(
                file.clone(),
                Compiled::InTestsOnly(format!(
                    "only test builds compile it: every `mod` declaration that reaches it in crate `{shown}/` is \
                     gated on a test-only `#[cfg(..)]`"
                )),
            );
        }
    }
    out
}

/// The crate directory of a file under its `src/`: the parent of the
/// nearest `src` folder above the file, when it holds a `Cargo.toml`.
fn crate_dir(file: &Path, cache: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    let mut dir = file.parent()?;
    loop {
        if dir.file_name().is_some_and(|n| n == "src") {
            let krate = dir.parent()?;
            return cache
                .entry(krate.to_path_buf())
                .or_insert_with(|| krate.join("Cargo.toml").is_file().then(|| krate.to_path_buf()))
                .clone();
        }
        dir = dir.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_see_through_comments_strings_and_attributes() {
        let text = r##"
// mod commented;
/* mod blocked; /* nested */ mod still_blocked; */
const S: &str = "mod in_string;";
const R: &str = r#"mod in_raw; "#;
const C: char = '{';
fn f<'a>(x: &'a str) -> &'a str { x } /* ’ non-ASCII in a comment */
#[cfg(feature = "x")]
pub(crate) mod gated;
#[cfg_attr(unix, path = "sys/unix.rs")]
mod sys;
mod outer {
    mod inner;
}
include!("table.rs");
include!(concat!(env!("OUT_DIR"), "/gen.rs"));
"##;
        let d = declarations(text);
        assert_eq!(d.test_gated, vec![false, false, false]);
        let names: Vec<(&[String], &str, Option<&str>)> =
            d.mods.iter().map(|(i, n, p)| (i.as_slice(), n.as_str(), p.as_deref())).collect();
        let outer = ["outer".to_string()];
        assert_eq!(
            names,
            vec![(&[][..], "gated", None), (&[][..], "sys", Some("sys/unix.rs")), (&outer[..], "inner", None)]
        );
        assert_eq!(d.includes, vec!["table.rs".to_string()]);
        assert!(!d.macro_mods);
        assert!(declarations("macro_rules! m { ($n:ident) => { mod $n; } }").macro_mods);
    }

    /// Writes `text` at `rel` under `root` (folders created) and returns
    /// the file's normalised path.
    fn writer(root: &Path) -> impl Fn(&str, &str) -> PathBuf + '_ {
        move |rel, text| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            normalize(&p)
        }
    }

    #[test]
    fn files_no_root_reaches_are_uncompiled() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(dir.path());
        w("Cargo.toml", "[package]\nname = \"u\"\n");
        let lib = w(
            "src/lib.rs",
            "pub mod a;\nmod b;\n#[path = \"gen/c_impl.rs\"]\nmod c;\n#[cfg_attr(not(x), path = \"p_off.rs\")]\nmod p;\n",
        );
        let p_on = w("src/p.rs", "");
        let p_off = w("src/p_off.rs", "");
        let a = w("src/a.rs", "mod child;\n");
        let child = w("src/a/child.rs", "");
        let b = w("src/b/mod.rs", "mod deep;\n");
        let deep = w("src/b/deep.rs", "");
        let c = w("src/gen/c_impl.rs", "");
        let bin = w("src/bin/tool.rs", "mod shared;\n");
        let shared = w("src/bin/shared.rs", "");
        let orphan = w("src/suffixlist.rs", "pub fn f() {}\n");
        let orphan2 = w("src/old/mod.rs", "");
        let all = vec![lib, a, child, b, deep, c, p_on, p_off, bin, shared, orphan.clone(), orphan2.clone()];
        let found = uncompiled(&all, &|_| None);
        let mut got: Vec<&PathBuf> = found.keys().collect();
        got.sort();
        assert_eq!(got, vec![&orphan2, &orphan]);
        assert!(found.values().all(|c| matches!(c, Compiled::Never(_))));
        // A macro that declares modules: nothing is judged.
        w("src/lib.rs", "macro_rules! m { ($n:ident) => { mod $n; } }\npub mod a;\n");
        assert!(uncompiled(&all, &|_| None).is_empty());
    }

    #[test]
    fn modules_only_test_builds_compile_are_test_only() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(dir.path());
        w("Cargo.toml", "[package]\nname = \"t\"\n");
        let lib = w(
            "src/lib.rs",
            "mod fetch;\n#[cfg(test)]\nmod mock_peers;\n#[cfg(all(test, unix))] mod sys_mock;\n\
             #[cfg(any(test, feature = \"testing\"))]\npub mod fakes;\n#[cfg(not(test))]\nmod real;\n\
             #[cfg(feature = \"metrics\")]\nmod metrics;\n#[cfg(any(test, feature = \"metrics\"))]\nmod either;\n\
             #[cfg(test)]\nmod inline_tests {\n    mod helper;\n}\nmod checked;\nmod shared;\n",
        );
        let fetch = w("src/fetch.rs", "");
        let mock = w("src/mock_peers.rs", "mod below;\n");
        let below = w("src/mock_peers/below.rs", "");
        let sys_mock = w("src/sys_mock.rs", "");
        let fakes = w("src/fakes.rs", "");
        let real = w("src/real.rs", "");
        let metrics = w("src/metrics.rs", "");
        let either = w("src/either.rs", "");
        let helper = w("src/inline_tests/helper.rs", "");
        let checked = w("src/checked.rs", "#![cfg(test)]\nfn f() {}\n");
        // Reached both ways: a non-test build compiles it.
        let shared = w("src/shared.rs", "");
        w("src/fetch.rs", "#[cfg(test)]\n#[path = \"shared.rs\"]\nmod shared_in_tests;\n");
        let all = vec![lib, fetch, mock.clone(), below.clone(), sys_mock.clone(), fakes.clone(), real, metrics, either];
        let all = [all, vec![helper.clone(), checked.clone(), shared]].concat();
        let found = uncompiled(&all, &|_| None);
        let mut got: Vec<&PathBuf> =
            found.iter().filter(|(_, c)| matches!(c, Compiled::InTestsOnly(_))).map(|(p, _)| p).collect();
        got.sort();
        let mut want = vec![&mock, &below, &sys_mock, &fakes, &helper, &checked];
        want.sort();
        assert_eq!(got, want);
        assert_eq!(found.len(), want.len());
    }
}
