//! Baselines (`--write-baseline`, `--baseline`) with the real binary in
//! temporary git repositories: matching survives lines added above, a
//! function moved within its file and a renamed file; repeated identical
//! findings are counted; fixed ones are reported as pruneable.

mod common;

use common::*;

fn check(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--format", "concise", "--no-progress", "--preview"];
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
    assert!(err.contains("app/a.py: PP201 [request-without-timeout] requests.get(url)"), "{err}");
}

#[test]
fn a_bad_baseline_file_is_a_usage_error() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    let o = check(dir.path(), &["--baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
    write(dir.path(), "bad.json", "{\"version\": 2, \"files\": [{}]}");
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

#[test]
fn an_old_baseline_version_says_to_rewrite_it() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(
        dir.path(),
        "old.json",
        "{\"version\": 1, \"findings\": [{\"path\": \"app/a.py\", \"rule\": \"PP201\", \"snippet\": \"x\", \"count\": 1}]}",
    );
    let o = check(dir.path(), &["--baseline", "old.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid baseline old.json: it is baseline format version 1"), "{err}");
    assert!(err.contains("rewrite it with `pagerproof check --write-baseline FILE`"), "{err}");
    write(dir.path(), "new.json", "{\"version\": 3, \"files\": []}");
    let o = check(dir.path(), &["--baseline", "new.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("version 3 is newer"), "{}", stderr(&o));
}

#[test]
fn entries_are_per_file_and_keyed_on_the_span_text() {
    let dir = repo();
    write(
        dir.path(),
        "app/a.py",
        "import requests\n\n\ndef push(url):\n    return requests.post(\n        url,\n    )\n",
    );
    let o = check(dir.path(), &["--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(b["version"], 2);
    let file = &b["files"][0];
    assert_eq!(file["path"], "app/a.py");
    assert_eq!(file["sketch"].as_str().unwrap().split(' ').count(), 5, "one hash per distinct line: {file}");
    let entry = &file["findings"][0];
    assert_eq!(entry["text"], "requests.post( url, )", "the whole span, not its first line");
    assert_eq!(
        (entry["rule"].as_str(), entry["symbol"].as_str(), entry["count"].as_u64()),
        (Some("PP201"), Some("push"), Some(1))
    );
}

// Edit scenarios. Each starts from a repository whose baseline was written
// and committed on `main`, edits on a branch (committed), and checks with
// `--baseline` alone and with `--diff-base main`: every new finding must be
// reported and no old one.

const BASELINE: &str = "pagerproof-baseline.json";

/// A repository with `files` and their baseline on `main`, then a `feature`
/// branch with `edit` committed.
fn scenario(files: &[(&str, &str)], edit: impl FnOnce(&std::path::Path)) -> tempfile::TempDir {
    let dir = repo();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    let o = check(dir.path(), &["--write-baseline", BASELINE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    commit(dir.path(), "baseline");
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    edit(dir.path());
    commit(dir.path(), "feature");
    dir
}

/// Findings with `--baseline`, then with `--baseline --diff-base main`; the
/// exit code agrees with them.
fn both(dir: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    for extra in [&["--baseline", BASELINE][..], &["--baseline", BASELINE, "--diff-base", "main"]] {
        let o = check(dir, extra);
        let f = findings(&o);
        assert_eq!(o.status.code(), Some(if f.is_empty() { 0 } else { 1 }), "{}{}", stdout(&o), stderr(&o));
        out.push(f);
    }
    (out.remove(0), out.remove(0))
}

const LOGGED: &str = "import requests\n\n\ndef fetch(url):\n    log(url)\n    return requests.get(url)\n";

#[test]
fn an_identical_finding_inserted_above_a_baselined_one_is_reported() {
    // The new line is 5; the baselined one moves to 7 unchanged. Matching the
    // first identical finding to the baseline would call line 7 new, and
    // --diff-base would then drop it as unchanged.
    let dir = scenario(&[("app/a.py", LOGGED)], |d| {
        write(
            d,
            "app/a.py",
            "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n    log(url)\n    return requests.get(url)\n",
        );
    });
    let (plain, diff) = both(dir.path());
    assert_eq!(diff, vec!["app/a.py:5: PP201"], "the added line");
    assert_eq!(plain, vec!["app/a.py:7: PP201"], "without a diff, the last of the identical ones");
}

#[test]
fn a_duplicated_line_is_reported_once() {
    let dir = scenario(&[("app/a.py", LOGGED)], |d| {
        write(
            d,
            "app/a.py",
            "import requests\n\n\ndef fetch(url):\n    log(url)\n    return requests.get(url)\n    return requests.get(url)\n",
        );
    });
    let (plain, diff) = both(dir.path());
    assert_eq!(plain, vec!["app/a.py:7: PP201"]);
    assert_eq!(diff, vec!["app/a.py:7: PP201"]);
}

#[test]
fn a_surplus_on_unchanged_lines_is_still_reported() {
    // The symbol of a baselined finding changes (its function is renamed) on
    // a line the diff does not touch: the finding is new to the baseline and
    // must not vanish because its own line is unchanged.
    let dir = scenario(&[("app/a.py", LOGGED)], |d| {
        write(d, "app/a.py", &LOGGED.replace("def fetch(url)", "def fetch_all(url)"));
    });
    let (plain, diff) = both(dir.path());
    assert_eq!(plain, vec!["app/a.py:6: PP201"]);
    assert_eq!(diff, vec!["app/a.py:6: PP201"]);
}

#[test]
fn a_function_moved_within_its_file_is_not_new() {
    let two = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n\n\ndef post(url):\n    return requests.post(url)\n";
    let dir = scenario(&[("app/a.py", two)], |d| {
        write(
            d,
            "app/a.py",
            "import requests\n\n\ndef post(url):\n    return requests.post(url)\n\n\ndef fetch(url):\n    return requests.get(url)\n",
        );
    });
    assert_eq!(both(dir.path()), (vec![], vec![]));
}

/// A recorded file that a pull request renames, distinct enough from
/// `CLIENT` that neither git nor the content sketch confuses them.
const OLD: &str = "\"\"\"Talks to the billing service.\"\"\"\nimport requests\n\nBASE = \"https://billing\"\n\n\ndef fetch(url):\n    return requests.get(url)\n\n\ndef invoices():\n    return []\n";
const CLIENT: &str = "\"\"\"Health checks.\"\"\"\nimport requests\n\n\ndef ping():\n    return 1\n";

#[test]
fn a_renamed_file_does_not_absorb_a_new_finding_elsewhere() {
    // The new `fetch` in client.py has the same rule, symbol and text as the
    // renamed file's entry; matching across files let that entry swallow it.
    let dir = scenario(&[("app/old.py", OLD), ("app/client.py", CLIENT)], |d| {
        git(d, &["mv", "app/old.py", "app/renamed.py"]);
        write(d, "app/client.py", &format!("{CLIENT}\n\ndef fetch(url):\n    return requests.get(url)\n"));
    });
    let (plain, diff) = both(dir.path());
    assert_eq!(plain, vec!["app/client.py:10: PP201"]);
    assert_eq!(diff, vec!["app/client.py:10: PP201"]);
    let o = check(dir.path(), &["--baseline", BASELINE, "--diff-base", "main"]);
    assert!(stderr(&o).contains("baseline: app/renamed.py matched as renamed from app/old.py"), "{}", stderr(&o));
}

#[test]
fn a_renamed_file_with_no_change_reports_nothing() {
    let dir = scenario(&[("app/old.py", OLD)], |d| git(d, &["mv", "app/old.py", "app/billing.py"]).truncate(0));
    assert_eq!(both(dir.path()), (vec![], vec![]));
}

#[test]
fn renames_are_found_by_content_without_git() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/old.py", OLD);
    write(dir.path(), "app/client.py", CLIENT);
    let o = check(dir.path(), &["--write-baseline", BASELINE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Renamed and edited (one line of ten changed), plus the same finding
    // added to another file.
    std::fs::remove_file(dir.path().join("app/old.py")).unwrap();
    write(dir.path(), "app/billing.py", &OLD.replace("https://billing", "https://billing.internal"));
    write(dir.path(), "app/client.py", &format!("{CLIENT}\n\ndef fetch(url):\n    return requests.get(url)\n"));
    let o = check(dir.path(), &["--baseline", BASELINE]);
    assert_eq!(findings(&o), vec!["app/client.py:10: PP201"], "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("app/billing.py matched as renamed from app/old.py"), "{}", stderr(&o));
    // A file with other content is not a rename: its finding is new and the
    // vanished file's entry is pruneable.
    std::fs::remove_file(dir.path().join("app/billing.py")).unwrap();
    write(dir.path(), "app/other.py", "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n");
    let o = check(dir.path(), &["--baseline", BASELINE]);
    let got = findings(&o);
    assert!(got.contains(&"app/other.py:5: PP201".to_string()), "{got:?}");
    assert!(stderr(&o).contains("app/old.py: PP201"), "{}", stderr(&o));
}

#[test]
fn reordered_identical_calls_are_not_new() {
    let base = "import requests\n\n\ndef sync(url, other):\n    a = requests.get(url)\n    b = requests.get(url)\n    c = requests.get(other)\n    return a, b, c\n";
    let dir = scenario(&[("app/a.py", base)], |d| {
        write(
            d,
            "app/a.py",
            "import requests\n\n\ndef sync(url, other):\n    c = requests.get(other)\n    b = requests.get(url)\n    a = requests.get(url)\n    return a, b, c\n",
        );
    });
    assert_eq!(both(dir.path()), (vec![], vec![]));
}

const PUSH: &str = "import requests\n\n\ndef push(url, payload):\n    requests.post(\n        url,\n        json=payload,\n    )\n    return requests.post(\n        url,\n        json=payload,\n    )\n";

#[test]
fn an_edit_inside_a_multi_line_call_is_a_new_finding() {
    // The first call now posts something else: its span's text changed on a
    // line after its first one.
    let dir = scenario(&[("app/a.py", PUSH)], |d| {
        write(d, "app/a.py", &PUSH.replacen("json=payload", "json=payload.refund()", 1));
    });
    let (plain, diff) = both(dir.path());
    assert_eq!(plain, vec!["app/a.py:5: PP201"]);
    assert_eq!(diff, vec!["app/a.py:5: PP201"]);
}

#[test]
fn reindenting_a_multi_line_call_is_not_new() {
    let dir = scenario(&[("app/a.py", PUSH)], |d| {
        write(d, "app/a.py", &PUSH.replace("        url,", "            url,"));
    });
    assert_eq!(both(dir.path()), (vec![], vec![]));
}

#[test]
fn an_unrelated_line_changed_above_reports_nothing() {
    let dir = scenario(&[("app/a.py", LOGGED)], |d| {
        write(d, "app/a.py", &LOGGED.replace("log(url)", "log(\"fetching\", url)"));
    });
    assert_eq!(both(dir.path()), (vec![], vec![]));
}
