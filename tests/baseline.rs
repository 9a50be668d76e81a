//! Baselines (`--write-baseline`, `--baseline`) with the real binary in
//! temporary git repositories: matching survives lines added above, a
//! function moved within its file and a renamed file; repeated identical
//! findings are counted; fixed ones are reported as pruneable.

mod common;

use common::*;

fn check(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--format", "concise", "--no-progress"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const TWO: &str = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n\n\ndef poll(url):\n    requests.get(url)\n    requests.get(url)\n";

#[test]
fn baseline_hides_existing_findings_across_unrelated_edits() {
    let dir = repo();
    write(dir.path(), "app/a.py", TWO);
    write(dir.path(), "app/b.py", FETCH);
    let o = check(dir.path(), &["--write-baseline", "pagerproof-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("pagerproof-baseline.json")).unwrap();
    // Stable, sorted, no line numbers; identical findings counted.
    assert!(!text.contains("\"line\""), "{text}");
    assert!(text.contains("\"count\": 2"), "{text}");
    let paths: Vec<&str> = text.lines().filter(|l| l.contains("\"path\"")).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let o = check(dir.path(), &["--write-baseline", "again.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text, std::fs::read_to_string(dir.path().join("again.json")).unwrap(), "deterministic");
    commit(dir.path(), "baseline");

    let o = check(dir.path(), &["--baseline", "pagerproof-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(findings(&o), Vec::<String>::new());

    // Lines added above, a function moved below another, a file renamed.
    write(
        dir.path(),
        "app/a.py",
        "import requests\n\nTIMEOUT = 5\n\n\ndef poll(url):\n    requests.get(url)\n    requests.get(url)\n\n\ndef fetch(url):\n    return requests.get(url)\n",
    );
    git(dir.path(), &["mv", "app/b.py", "app/client.py"]);
    let o = check(dir.path(), &["--baseline", "pagerproof-baseline.json"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0));

    // One more identical call in `poll` is new: the count says so.
    write(
        dir.path(),
        "app/a.py",
        "import requests\n\n\ndef poll(url):\n    requests.get(url)\n    requests.get(url)\n    requests.get(url)\n\n\ndef fetch(url):\n    return requests.get(url)\n",
    );
    let o = check(dir.path(), &["--baseline", "pagerproof-baseline.json"]);
    assert_eq!(findings(&o), vec!["app/a.py:7: PP201"], "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));

    // The same line in a new function is new, too (the symbol differs).
    write(dir.path(), "app/a.py", &format!("{TWO}\n\ndef other(url):\n    return requests.get(url)\n"));
    let o = check(dir.path(), &["--baseline", "pagerproof-baseline.json"]);
    assert_eq!(findings(&o), vec!["app/a.py:14: PP201"], "{}", stdout(&o));
}

#[test]
fn fixed_findings_are_reported_as_pruneable() {
    let dir = repo();
    write(dir.path(), "app/a.py", TWO);
    let o = check(dir.path(), &["--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0));
    write(
        dir.path(),
        "app/a.py",
        "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n\n\ndef poll(url):\n    requests.get(url)\n    requests.get(url)\n",
    );
    let o = check(dir.path(), &["--baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("1 baselined findings no longer occur"), "{err}");
    assert!(err.contains("app/a.py: PP201 [request-without-timeout] return requests.get(url)"), "{err}");
}

#[test]
fn a_bad_baseline_file_is_a_usage_error() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    let o = check(dir.path(), &["--baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
    write(dir.path(), "bad.json", "{\"version\": 1, \"findings\": [{}]}");
    let o = check(dir.path(), &["--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid baseline"), "{}", stderr(&o));
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    let o = check(dir.path(), &["--write-baseline", "pagerproof-baseline.json"]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("pagerproof-baseline.json")).unwrap();
    assert!(text.contains("\"path\": \"app/a.py\""), "{text}");
    // From a subdirectory, the same baseline still matches.
    let o = check(&dir.path().join("app"), &["--baseline", "../pagerproof-baseline.json", "."]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(findings(&o), Vec::<String>::new());
}
