//! The result cache must never hide or invent a finding: after every kind of
//! change (a file, the config, a project fact, a corrupt cache file) a cached
//! run reports exactly what a run without the cache reports, and it reuses
//! what did not change.

use std::path::Path;

use pagerproof::report::{Format, RenderOptions, render};
use pagerproof::select::Selection;
use pagerproof::{Options, Report, check};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(root: &Path, cache: &Path, selection: &Selection, use_cache: bool) -> Report {
    let mut o = Options::new(vec![root.to_path_buf()], root.to_path_buf());
    o.selection = selection.clone();
    o.jobs = Some(2);
    o.cache_dir = use_cache.then(|| cache.to_path_buf());
    check(&o).expect("run")
}

fn json(report: &Report) -> String {
    let mut out = Vec::new();
    render(report, Format::Json, RenderOptions { color: false, quiet: false, fixes: Default::default() }, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// Runs with the cache and without, asserts both say the same, and returns
/// the cached run's hits and its JSON.
fn same(root: &Path, cache: &Path, selection: &Selection) -> (usize, String) {
    let cached = run(root, cache, selection, true);
    let fresh = run(root, cache, selection, false);
    assert_eq!(json(&cached), json(&fresh), "the cache changed the output");
    (cached.cache_hits, json(&cached))
}

const FINALLY: &str = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n";

#[test]
fn a_stale_cache_never_hides_or_invents_a_finding() {
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    let all = Selection { preview: true, ..Selection::default() };
    for i in 0..6 {
        write(root, &format!("svc/m{i}.py"), FINALLY);
    }
    write(root, "svc/clean.py", "def ok():\n    return 1\n");
    write(root, "lib/http.py", "import requests\n\nclass PlainSession(requests.Session):\n    pass\n");
    write(
        root,
        "clients/c.py",
        "from lib.http import PlainSession\n\ndef call():\n    return PlainSession().get('https://x')\n",
    );
    write(root, "web/api.ts", "function f() { try { g(); } finally { return 1; } }\n");
    let files = 10;

    // Cold, then warm: everything reused, same output.
    let (hits, cold) = same(root, cache, &all);
    assert_eq!(hits, 0);
    assert!(cold.contains("clients/c.py") && cold.contains("svc/m0.py"), "{cold}");
    let (hits, warm) = same(root, cache, &all);
    assert_eq!(hits, files);
    assert_eq!(warm, cold);

    // One file gains a finding, one loses its finding: only they are re-checked.
    write(root, "svc/clean.py", FINALLY);
    write(root, "svc/m0.py", "def ok():\n    return 1\n");
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, files - 2);
    assert!(out.contains("svc/clean.py") && !out.contains("svc/m0.py"), "{out}");

    // A project fact changes (the session class now sets a timeout): the
    // finding in another, unchanged file must go, so nothing is reused.
    write(
        root,
        "lib/http.py",
        "import requests\n\nclass PlainSession(requests.Session):\n    def request(self, *a, **kw):\n        kw.setdefault('timeout', 5)\n        return super().request(*a, **kw)\n",
    );
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, 0, "facts changed: every file is checked again");
    assert!(!out.contains("clients/c.py"), "{out}");
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, files);

    // Another selection (as a config change would make) is another cache.
    let no_finally = Selection { ignore: vec!["jump-in-finally".into()], preview: true, ..Selection::default() };
    let (hits, out) = same(root, cache, &no_finally);
    assert_eq!(hits, 0);
    assert!(!out.contains("PP103"), "{out}");
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, files, "switching back reuses the first config's cache");

    // A file deleted is not reported from the cache.
    std::fs::remove_file(root.join("svc/m1.py")).unwrap();
    let (_, out) = same(root, cache, &all);
    assert!(!out.contains("svc/m1.py"), "{out}");

    // A corrupt cache file is a cold run, not an error.
    for entry in std::fs::read_dir(cache).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            std::fs::write(&p, "{\"version\": 1, garbage").unwrap();
        }
    }
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, 0);
}

/// A module-level constant collection is a project fact: when the module
/// that defines it turns it into a registry filled at run time, the loop over
/// it in another, unchanged module becomes an N+1, cache or not.
#[test]
fn imported_constant_collections_are_never_stale() {
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    // query-in-loop is preview.
    let all = Selection { preview: true, ..Selection::default() };
    write(root, "shop/constants.py", "currencies = [\"EUR\", \"USD\"]\n");
    write(
        root,
        "shop/views.py",
        "from shop.constants import currencies\nfrom shop.models import Order\n\n\ndef totals():\n    for c in currencies:\n        print(Order.objects.filter(currency=c).count())\n",
    );
    let (_, out) = same(root, cache, &all);
    assert!(!findings(&out).contains(&"shop/views.py PP501".to_string()), "{out}");
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, 2);

    write(root, "shop/constants.py", "currencies = []\n\n\ndef register(c):\n    currencies.append(c)\n");
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, 0, "the fact changed: every file is checked again");
    assert!(findings(&out).contains(&"shop/views.py PP501".to_string()), "{out}");
}

/// `path code` of every finding in a JSON report.
fn findings(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {}", d["path"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect()
}

/// Migration findings depend on the whole history: editing one migration
/// must change what another reports, cache or not.
#[test]
fn migration_histories_are_never_stale() {
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    let all = Selection { preview: true, ..Selection::default() };
    write(root, "db/migrations/V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n");
    write(root, "db/migrations/V2__index.sql", "CREATE INDEX orders_total ON orders (total);\n");
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, 0);
    assert!(findings(&out).contains(&"db/migrations/V2__index.sql PP801".to_string()), "{out}");
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, 2);
    // The table now comes from the same migration as the index: no finding,
    // although V1's text did not change.
    write(
        root,
        "db/migrations/V2__index.sql",
        "CREATE TABLE orders2 (id bigint, total int);\nCREATE INDEX orders2_total ON orders2 (total);\n",
    );
    let (_, out) = same(root, cache, &all);
    assert!(!findings(&out).iter().any(|f| f.ends_with("PP801")), "{out}");
    // A later migration whose text never changes: its finding comes and goes
    // with an earlier one (a validated CHECK makes SET NOT NULL cheap).
    write(
        root,
        "db/migrations/V3__check.sql",
        "ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL);\n",
    );
    write(root, "db/migrations/V4__not_null.sql", "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n");
    let not_null = "db/migrations/V4__not_null.sql PP807".to_string();
    let (_, out) = same(root, cache, &all);
    assert!(!findings(&out).contains(&not_null), "{out}");
    write(root, "db/migrations/V3__check.sql", "SELECT 1;\n");
    let (_, out) = same(root, cache, &all);
    assert!(findings(&out).contains(&not_null), "{out}");
}

/// drop-or-rename-in-use reads the project's code: a cached run must see a
/// use of a dropped column appear and disappear with the code file, and a
/// new migration dropping something else must look for the new names.
#[test]
fn the_code_index_of_dropped_names_is_never_stale() {
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    let all = Selection { preview: true, ..Selection::default() };
    write(root, "db/migrations/V1__init.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text, memo text);\n");
    write(root, "db/migrations/V2__drop.sql", "ALTER TABLE orders DROP COLUMN note;\n");
    let uses_note = "def f(db):\n    return db.execute('SELECT note FROM orders')\n";
    let uses_memo = "def f(db):\n    return db.execute('SELECT memo FROM orders')\n";
    write(root, "app/orders.py", uses_note);
    let dropped_in_use = |out: &str, file: &str| findings(out).contains(&format!("db/migrations/{file} PP809"));
    let (_, out) = same(root, cache, &all);
    assert!(dropped_in_use(&out, "V2__drop.sql"), "{out}");
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, 3);
    assert!(dropped_in_use(&out, "V2__drop.sql"), "{out}");
    // The code stops using the column: the finding goes, cached or not.
    write(root, "app/orders.py", uses_memo);
    let (_, out) = same(root, cache, &all);
    assert!(!dropped_in_use(&out, "V2__drop.sql"), "{out}");
    // A newer migration drops `memo`, which the unchanged code file uses.
    write(root, "db/migrations/V3__drop.sql", "ALTER TABLE orders DROP COLUMN memo;\n");
    let (_, out) = same(root, cache, &all);
    assert!(dropped_in_use(&out, "V3__drop.sql"), "{out}");
}

#[test]
fn the_cli_caches_by_default_outside_the_tree_and_no_cache_bypasses_it() {
    let project = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    write(project.path(), "app/jobs.py", FINALLY);
    let bin = env!("CARGO_BIN_EXE_pagerproof");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .current_dir(project.path())
            .args(args)
            .env("XDG_CACHE_HOME", home.path())
            .output()
            .unwrap()
    };
    let user_cache = home.path().join("pagerproof");
    let a = run(&["check", "--no-cache", "--format", "json", "."]);
    assert!(!user_cache.exists(), "--no-cache writes nothing");
    let b = run(&["check", "--format", "json", "."]);
    let c = run(&["check", "--format", "json", "."]);
    // One folder per project under the user cache directory; nothing in the tree.
    let dirs: Vec<_> = std::fs::read_dir(&user_cache).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(dirs[0].join("CACHEDIR.TAG").exists() && dirs[0].join(".gitignore").exists());
    assert!(!project.path().join(".pagerproof_cache").exists(), "the default cache is outside the scanned tree");
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(b.stdout, c.stdout);
    let elsewhere = tempfile::tempdir().unwrap();
    let d = run(&["check", "--cache-dir", elsewhere.path().to_str().unwrap(), "--format", "json", "."]);
    assert_eq!(a.stdout, d.stdout);
    assert!(std::fs::read_dir(elsewhere.path()).unwrap().count() >= 3);
}

/// Which migrations are in scope decides what they report and whether their
/// suppressions are unused: a cached run must follow the scope setting, the
/// `applied_through` markers and the files named on the command line.
#[test]
fn the_migration_scope_is_never_stale() {
    use pagerproof::analysis::migration_scope::{Mode, Settings};
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    write(root, "db/migrations/V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n");
    write(root, "db/migrations/V2__index.sql", "CREATE INDEX orders_total ON orders (total);\n");
    // An old migration with a suppression that matches nothing: unused only
    // while the migration is in scope.
    write(
        root,
        "db/migrations/V3__note.sql",
        "-- pagerproof: ignore[PP807] -- checked by hand\nCREATE INDEX CONCURRENTLY orders_id ON orders (id);\n",
    );
    write(root, "db/migrations/V4__safe.sql", "SELECT 1;\n");
    let selection = Selection { select: vec!["PP801".into(), "PP807".into(), "PP001".into()], ..Selection::default() };
    let run = |paths: &[&str], scope: &Settings, use_cache: bool| {
        let mut o = Options::new(paths.iter().map(|p| root.join(p)).collect(), root.to_path_buf());
        o.selection = selection.clone();
        o.jobs = Some(2);
        o.migration_scope = scope.clone();
        o.cache_dir = use_cache.then(|| cache.to_path_buf());
        check(&o).expect("run")
    };
    let same = |paths: &[&str], scope: &Settings| {
        let cached = json(&run(paths, scope, true));
        assert_eq!(cached, json(&run(paths, scope, false)), "the cache changed the output");
        findings(&cached)
    };
    let pending = Settings { root: root.to_path_buf(), ..Settings::default() };
    let all = Settings { mode: Mode::All, ..pending.clone() };
    let mut marked = pending.clone();
    marked.applied_through.insert("db/migrations".into(), "V1__orders".into());
    let v3 = "db/migrations/V3__note.sql";
    let both = ["db/migrations/V2__index.sql PP801".to_string(), format!("{v3} PP001")];
    for _ in 0..2 {
        assert_eq!(same(&["."], &pending), Vec::<String>::new());
        assert_eq!(same(&["."], &all), both);
        assert_eq!(same(&["."], &marked), both);
        // Named on the command line, the old migration is in scope (same
        // settings, so the same cache file as the first run).
        assert_eq!(same(&[v3], &pending), [format!("{v3} PP001")]);
        assert_eq!(same(&["."], &pending), Vec::<String>::new());
    }
}

/// The cache file of `dir` (the one `results-*.json`).
fn cache_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("results-"))
        .expect("a cache file")
}

/// Empties the findings of every entry of the cache file in `dir`, the way a
/// pull request would plant "no findings"; with `reseal`, recomputes each
/// entry's checksum too.
fn plant_no_findings(dir: &Path, reseal: bool) {
    let file = cache_file(dir);
    let mut stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for sealed in stored["entries"].as_object_mut().unwrap().values_mut() {
        let mut entry = sealed["entry"].clone();
        entry["results"]["diagnostics"] = serde_json::json!([]);
        let text = entry.to_string();
        if reseal {
            sealed["sum"] = serde_json::Value::String(pagerproof::cache::hash(text.as_bytes()));
        }
        sealed["entry"] = entry;
    }
    std::fs::write(&file, stored.to_string()).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn a_planted_cache_hides_nothing() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    write(root, "app/jobs.py", FINALLY);
    let all = Selection::default();
    let cache = root.join("planted");
    let findings = |r: &Report| r.diagnostics.len();
    assert_eq!(findings(&run(root, &cache, &all, true)), 1);

    // An entry edited without its checksum is dropped.
    plant_no_findings(&cache, false);
    let r = run(root, &cache, &all, true);
    assert_eq!((findings(&r), r.cache_hits), (1, 0), "an edited entry was trusted");

    // A well-sealed entry committed to the repository is never read.
    plant_no_findings(&cache, true);
    git(root, &["init", "-q"]);
    git(root, &["add", "-f", "."]);
    git(root, &["commit", "-qm", "plant"]);
    let r = run(root, &cache, &all, true);
    assert_eq!(findings(&r), 1, "a cache tracked by git was trusted");

    // A cache file that is a link to an endless device is never opened.
    let other = tempfile::tempdir().unwrap();
    run(root, other.path(), &all, true);
    let file = cache_file(other.path());
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
    let start = std::time::Instant::now();
    let r = run(root, other.path(), &all, true);
    assert_eq!(findings(&r), 1);
    assert!(start.elapsed() < std::time::Duration::from_secs(30), "the link was read");
}

#[test]
fn the_build_id_hashes_the_executable() {
    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert_eq!(pagerproof::cache::build_id(), pagerproof::cache::hash(&exe));
}

/// A function summary is a project fact: when a helper in one module stops
/// (or starts) running a query, the loop calling it in another, unchanged
/// module loses (or gains) its finding, cache or not; an edit that only adds
/// a function without effects elsewhere re-checks that file alone.
#[test]
fn function_summaries_are_never_stale() {
    let project = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (root, cache) = (project.path(), cache_dir.path());
    let all = Selection { preview: true, ..Selection::default() };
    write(
        root,
        "shop/repo.py",
        "from shop.models import Order\n\n\ndef get_by_id(pk):\n    return Order.objects.get(pk=pk)\n",
    );
    write(
        root,
        "shop/views.py",
        "from shop.repo import get_by_id\n\n\ndef totals(ids):\n    return [get_by_id(pk).total for pk in ids]\n",
    );
    write(root, "shop/util.py", "def ok():\n    return 1\n");
    let (_, out) = same(root, cache, &all);
    assert!(findings(&out).contains(&"shop/views.py PP501".to_string()), "{out}");

    write(root, "shop/util.py", "def ok():\n    return 1\n\n\ndef also_ok(x):\n    return ok() + x\n");
    let (hits, _) = same(root, cache, &all);
    assert_eq!(hits, 2, "a function without effects changes nothing elsewhere");

    write(root, "shop/repo.py", "CACHE = {}\n\n\ndef get_by_id(pk):\n    return CACHE[pk]\n");
    let (hits, out) = same(root, cache, &all);
    assert_eq!(hits, 0, "the summary changed: every file is checked again");
    assert!(!findings(&out).contains(&"shop/views.py PP501".to_string()), "{out}");
}

/// A cold run (no cache, or a cache with no entry for any file) takes each
/// Python and JS/TS file's summaries from the parse its check walks, judges
/// every file first as if no call reached a project function, and checks
/// again the files whose calls do; a run with part of the cache warm
/// summarises the changed files before checking any. On every summaries
/// fixture all of them must report the same, and a cold run's entries must
/// be reused by the next run.
#[test]
fn summaries_from_the_check_parse_report_what_summaries_first_report() {
    let all = Selection { preview: true, ..Selection::default() };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut compared = 0;
    for rule in std::fs::read_dir(&root).unwrap() {
        for fx in std::fs::read_dir(rule.unwrap().path()).into_iter().flatten() {
            let fx = fx.unwrap().path();
            if !fx.is_dir() || !fx.file_name().unwrap().to_string_lossy().contains("summaries") {
                continue;
            }
            // A copy, with one file that no change below touches.
            let project = tempfile::tempdir().unwrap();
            let copy = project.path();
            let mut files = Vec::new();
            copy_tree(&fx, copy, &mut files);
            write(copy, "zz_anchor.py", "ANCHOR = 1\n");
            let cache_dir = tempfile::tempdir().unwrap();
            let fresh = run(copy, cache_dir.path(), &all, false);
            let cold = run(copy, cache_dir.path(), &all, true);
            assert_eq!(cold.cache_hits, 0);
            assert_eq!(json(&cold), json(&fresh), "cold cache: {}", fx.display());
            let warm = run(copy, cache_dir.path(), &all, true);
            assert_eq!(warm.cache_hits, warm.files_checked, "a cold run's entries are reused: {}", fx.display());
            assert_eq!(json(&warm), json(&fresh), "warm cache: {}", fx.display());
            // Every file but the anchor changes: the cache is not cold, so the
            // changed files are summarised before any is checked.
            for f in &files {
                let mut text = std::fs::read_to_string(f).unwrap();
                text.push('\n');
                std::fs::write(f, text).unwrap();
            }
            let fresh = run(copy, cache_dir.path(), &all, false);
            let first = run(copy, cache_dir.path(), &all, true);
            assert_eq!(first.cache_hits, 1, "only the anchor is reused: {}", fx.display());
            assert_eq!(json(&first), json(&fresh), "summaries first: {}", fx.display());
            compared += usize::from(!fresh.diagnostics.is_empty());
        }
    }
    assert!(compared >= 10, "only {compared} summaries fixtures with findings");
}

/// Copies the files under `from` into `to`, listing the copies in `files`.
fn copy_tree(from: &Path, to: &Path, files: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest, files);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
            files.push(dest);
        }
    }
}
