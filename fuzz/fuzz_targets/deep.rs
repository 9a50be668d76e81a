//! Structure-aware deep inputs for every front end: the fuzzer's bytes pick a
//! language and a stack of nesting shapes (brackets, keyword chains, unary
//! operators, casts, `else if`, call and method chains, closures, generics,
//! attributes, macro token trees, SQL operator chains), each repeated up to
//! thousands of times around a small core. Plain byte fuzzing rarely builds
//! nesting this deep, which is where stack overflows hide: the run must end
//! with findings or notices, never an abort or an internal error.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use pagerproof::catalog::Catalog;
use pagerproof::diagnostic::NoticeKind;
use pagerproof::source::{Grammar, SourceFile};

/// (prefix, suffix) pairs wrapped around the core, per language.
const RUST: &[(&str, &str)] = &[
    ("return ", ""),
    ("break ", ""),
    ("yield ", ""),
    ("", " as u8"),
    ("if a { 1 } else ", ""),
    ("match ", " {}"),
    ("(", ")"),
    ("[", "]"),
    ("{ ", " }"),
    ("-", ""),
    ("!", ""),
    ("&", ""),
    ("*", ""),
    ("|| ", ""),
    ("move |x| ", ""),
    ("", ".await"),
    ("", ".m()"),
    ("", "?"),
    ("", " + 1"),
    ("#[a] ", ""),
    ("m!(", ")"),
    ("unsafe { ", " }"),
    ("async { ", " }"),
    ("a @ ", ""),
    ("..", ""),
];
const RUST_TYPES: &[(&str, &str)] =
    &[("Vec<", ">"), ("&", ""), ("*const ", ""), ("fn() -> ", ""), ("[", "; 1]"), ("(", ",)"), ("Box<dyn Fn() -> ", ">")];
const PYTHON: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("not ", ""),
    ("-", ""),
    ("await ", ""),
    ("lambda: ", ""),
    ("1 if a else ", ""),
    ("", "()"),
    ("", ".b"),
    ("", " + b"),
    ("f(", ")"),
    ("{1: ", "}"),
];
const JS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("!", ""),
    ("-", ""),
    ("await ", ""),
    ("typeof ", ""),
    ("new ", ""),
    ("() => ", ""),
    ("a ? b : ", ""),
    ("", "()"),
    ("", ".b()"),
    ("", " + b"),
    ("{a: ", "}"),
    ("f(", ")"),
    ("`${", "}`"),
];
const SQL: &[(&str, &str)] = &[("(", ")"), ("NOT ", ""), ("-", ""), ("", " + 1"), ("", " AND a"), ("", "::int"), ("CASE WHEN a THEN ", " END")];

/// The core wrapped `count` times in the chosen shapes, repeating the stack
/// of shapes from the inside out, with a newline every few levels so no file
/// looks minified.
fn nest(u: &mut Unstructured<'_>, shapes: &[(&str, &str)], core: &str) -> Result<String> {
    let layers = u.int_in_range(1..=4)?;
    let mut stack = Vec::new();
    for _ in 0..layers {
        stack.push(*u.choose(shapes)?);
    }
    let count: usize = u.int_in_range(1..=20_000)?;
    let mut prefix = String::new();
    let mut suffix = String::new();
    for i in 0..count {
        let (p, s) = stack[i % stack.len()];
        prefix.push_str(p);
        suffix.insert_str(0, s);
        if i % 8 == 7 {
            prefix.push('\n');
        }
    }
    Ok(format!("{prefix}{core}{suffix}"))
}

fn no_internal_error(notices: &[pagerproof::diagnostic::Notice]) {
    for n in notices {
        assert!(n.kind != NoticeKind::InternalError, "{}", n.message);
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    match u.int_in_range(0..=5)? {
        0 => {
            let e = nest(u, RUST, "x")?;
            let text = format!("async fn f() {{\n    let y = {e};\n}}\n");
            no_internal_error(&pagerproof::check_text("src/handlers.rs", &text).expect("a Rust path").1);
        }
        1 => {
            let t = nest(u, RUST_TYPES, "u8")?;
            let text = format!("type T = {t};\nfn f(x: {t}) {{}}\n");
            no_internal_error(&pagerproof::check_text("src/types.rs", &text).expect("a Rust path").1);
        }
        2 => {
            let e = nest(u, PYTHON, "x")?;
            let text = format!("import requests\nasync def f():\n    y = (\n{e})\n    requests.get(y)\n");
            no_internal_error(&pagerproof::check_text("app/views.py", &text).expect("a Python path").1);
        }
        3 | 4 => {
            let e = nest(u, JS, "x")?;
            let path = if u.arbitrary::<bool>()? { "src/api.ts" } else { "src/api.js" };
            let text = format!("async function f() {{\n  const y = (\n{e});\n  await fetch(y);\n}}\n");
            no_internal_error(&pagerproof::check_text(path, &text).expect("a JS path").1);
        }
        _ => {
            let e = nest(u, SQL, "a")?;
            let text = format!("SELECT {e} FROM orders;\nCREATE INDEX i ON orders (total);\n");
            let files = vec![
                SourceFile::new(
                    "db/migrations/V1__init.sql".into(),
                    "db/migrations/V1__init.sql".into(),
                    Grammar::Sql,
                    Arc::from("CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n"),
                ),
                SourceFile::new(
                    "db/migrations/V2__next.sql".into(),
                    "db/migrations/V2__next.sql".into(),
                    Grammar::Sql,
                    Arc::from(text),
                ),
            ];
            let _ = pagerproof::migration::analyze(
                &files,
                Catalog::builtin(),
                &|_| true,
                &|_| None,
                &|_| None,
                &|_, _| None,
            );
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
