//! `pagerproof.toml` / `[tool.pagerproof]`: discovery, validation with spans,
//! selection precedence, per-path overrides, excludes, catalog extensions,
//! the suppression policy and `pagerproof init`; plus the generated reference
//! `docs/config.md` (`UPDATE_GENERATED=1 cargo test --test config` rewrites it).

mod common;

use common::*;
use pagerproof::config;

fn concise(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--format", "concise", "--no-progress", "--preview"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn unknown_keys_wrong_types_and_unknown_rules_point_at_the_span() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    let cases: &[(&str, &[&str])] = &[
        ("selct = [\"PP201\"]\n", &["pagerproof.toml:1:1", "unknown key `selct`", "did you mean `select`?"]),
        ("preview = \"yes\"\n", &["pagerproof.toml:1:11", "expected a boolean"]),
        (
            "select = [\"PP2O1\"]\n",
            &["pagerproof.toml:1:11", "unknown rule or category `PP2O1`", "did you mean `PP201`?"],
        ),
        ("ignore = [\"missing-timout\"]\n", &["did you mean `missing-timeout`?"]),
        ("[severity]\nPP201 = \"fatal\"\n", &["pagerproof.toml:2:9", "unknown variant `fatal`"]),
        ("fail_on = \"warn\"\n", &["did you mean `warning`?"]),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nignor = [\"PP201\"]\n",
            &["pagerproof.toml:3:1", "did you mean `ignore`?"],
        ),
        ("[catalog.network]\npyton = []\n", &["pagerproof.toml:2:1", "did you mean `python`?"]),
        ("[catalog.netwrk]\n", &["did you mean `network`?"]),
        (
            "[[catalog.network.python]]\nrule = \"request\"\npaths = \"x\"\n",
            &["pagerproof.toml:3:9", "expected a sequence"],
        ),
        ("exclude = [\"a{b\"]\n", &["pagerproof.toml:1:12", "invalid glob"]),
        ("[roles]\nvendord = [\"lib/**\"]\n", &["pagerproof.toml:2:1", "did you mean `vendored`?"]),
        // Which files are migrations is the migration reader's decision.
        ("[roles]\nmigration = [\"db/**\"]\n", &["pagerproof.toml:2:1", "unknown key `migration`"]),
        ("[roles]\ntooling = [\"a[\"]\n", &["pagerproof.toml:2:12", "invalid glob"]),
        ("[roles]\ntooling = \"scripts\"\n", &["pagerproof.toml:2:11", "expected a sequence"]),
        ("select = [\n", &["pagerproof.toml:"]),
        ("[fix]\ndefault_timeout_seconds = 0\n", &["pagerproof.toml:2:27", "must be between 1 and 3600, not 0"]),
        ("[fix]\ndefault_queue_maxsize = \"big\"\n", &["pagerproof.toml:2:25", "expected i64"]),
        ("[fix]\ndefault_timeout = 5\n", &["pagerproof.toml:2:1", "did you mean `default_timeout_seconds`?"]),
    ];
    for (text, wanted) in cases {
        write(dir.path(), "pagerproof.toml", text);
        let o = concise(dir.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stdout(&o));
        let err = stderr(&o);
        for w in *wanted {
            assert!(err.contains(w), "{text:?}: missing {w:?} in\n{err}");
        }
    }
}

#[test]
fn nearest_config_above_the_path_wins_and_config_flag_overrides() {
    let dir = repo();
    write(dir.path(), "svc/app/a.py", FETCH);
    write(dir.path(), "pagerproof.toml", "ignore = [\"PP201\"]\n");
    // Nearest: svc/pyproject.toml with [tool.pagerproof] beats the root file.
    write(
        dir.path(),
        "svc/pyproject.toml",
        "[project]\nname = \"x\"\n[tool.pagerproof]\nselect = [\"PP201\"]\n[tool.pagerproof.severity]\nPP201 = \"error\"\n",
    );
    let o = concise(dir.path(), &["svc/app"]);
    assert!(stdout(&o).contains("PP201 [error]"), "{}", stdout(&o));
    // A pyproject.toml without [tool.pagerproof] is not a config.
    write(dir.path(), "svc/pyproject.toml", "[project]\nname = \"x\"\n");
    let o = concise(dir.path(), &["svc/app"]);
    assert_eq!(o.status.code(), Some(0), "root config ignores PP201: {}", stdout(&o));
    // pagerproof.toml wins over pyproject.toml in one directory.
    write(dir.path(), "svc/pyproject.toml", "[tool.pagerproof]\nignore = [\"PP201\"]\n");
    write(dir.path(), "svc/pagerproof.toml", "select = [\"PP201\"]\n");
    let o = concise(dir.path(), &["svc/app"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // --config and --no-config.
    write(dir.path(), "other.toml", "ignore = [\"missing-timeout\"]\n");
    let o = concise(dir.path(), &["--config", "other.toml", "svc/app"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = concise(dir.path(), &["--no-config", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = concise(dir.path(), &["--config", "missing.toml", "."]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_select_replaces_config_selection_and_overrides_still_apply() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(dir.path(), "batch/b.py", FETCH);
    write(
        dir.path(),
        "pagerproof.toml",
        "ignore = [\"missing-timeout\"]\n[[overrides]]\npaths = [\"batch\"]\nignore = [\"PP201\"]\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), Vec::<String>::new());
    // --select replaces the config's ignore; the override still holds.
    let o = concise(dir.path(), &["--select", "PP201"]);
    assert_eq!(findings(&o), vec!["app/a.py:5: PP201"]);
    // --extend-select adds to the config (and beats its ignore).
    let o = concise(dir.path(), &["--extend-select", "request-without-timeout"]);
    assert_eq!(findings(&o), vec!["app/a.py:5: PP201"]);
    // An override can turn a rule back on, and set its own severity.
    write(
        dir.path(),
        "pagerproof.toml",
        "ignore = [\"missing-timeout\"]\n[[overrides]]\npaths = [\"batch/*.py\"]\nselect = [\"missing-timeout\"]\nseverity = { PP201 = \"note\" }\n",
    );
    let o = concise(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(findings(&o), vec!["batch/b.py:5: PP201"]);
    assert!(stdout(&o).contains("[note]"));
    assert_eq!(o.status.code(), Some(0), "a note is below fail-on warning");
}

#[test]
fn select_by_category_severity_and_fail_on_from_config() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(
        dir.path(),
        "pagerproof.toml",
        "select = [\"missing-timeout\"]\nfail_on = \"error\"\n[severity]\nmissing-timeout = \"note\"\nPP201 = \"error\"\n",
    );
    let o = concise(dir.path(), &[]);
    assert!(stdout(&o).contains("PP201 [error]"), "a code beats its category: {}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
    write(dir.path(), "pagerproof.toml", "select = [\"missing-timeout\"]\nfail_on = \"error\"\n");
    let o = concise(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "warning below the config's fail_on");
    let o = concise(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(o.status.code(), Some(1), "--fail-on wins over the config");
}

#[test]
fn exclude_skips_walked_and_named_files() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(dir.path(), "app/legacy/old.py", FETCH);
    write(dir.path(), "gen/x.py", FETCH);
    write(dir.path(), "pagerproof.toml", "exclude = [\"app/legacy/**\", \"gen\"]\n");
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), vec!["app/a.py:5: PP201"]);
    let o = concise(dir.path(), &["app/legacy/old.py", "gen/x.py"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", stdout(&o));
    // Globs are relative to the config's directory, whatever the cwd.
    let o = concise(&dir.path().join("app"), &["."]);
    assert_eq!(findings(&o), vec!["a.py:5: PP201"], "{}", stdout(&o));
}

#[test]
fn exclude_follows_gitignore_rules() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(dir.path(), "app/generated/keep.py", FETCH);
    write(dir.path(), "app/generated/drop.py", FETCH);
    write(dir.path(), "build/x.py", FETCH);
    write(dir.path(), "lib/build", "");
    write(dir.path(), "lib/build.py", FETCH);
    write(dir.path(), "docs/tools/y.py", FETCH);
    // `!` takes a file back (when its directory is not excluded, as in git);
    // a trailing `/` matches directories only;
    // `./docs` is anchored at the config's directory.
    write(
        dir.path(),
        "pagerproof.toml",
        "exclude = [\"app/generated/*\", \"!app/generated/keep.py\", \"build/\", \"./docs\"]\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(
        findings(&o),
        vec!["app/a.py:5: PP201", "app/generated/keep.py:5: PP201", "lib/build.py:5: PP201"],
        "{}",
        stdout(&o)
    );
}

#[test]
fn catalog_extensions_teach_a_team_client() {
    let dir = repo();
    write(
        dir.path(),
        "app/c.py",
        "from acme import http\n\n\ndef f():\n    http.get(\"/x\")\n    http.get(\"/y\", deadline=3)\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), Vec::<String>::new());
    write(
        dir.path(),
        "pagerproof.toml",
        "[[catalog.network.python]]\nrule = \"request\"\npaths = [\"acme.http.get\"]\ntimeout = [\"deadline\"]\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), vec!["app/c.py:5: PP201"], "{}", stdout(&o));
    // The built-in entries are still there.
    write(dir.path(), "app/a.py", FETCH);
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o).len(), 2, "{}", stdout(&o));
    // The same from pyproject.toml.
    std::fs::remove_file(dir.path().join("pagerproof.toml")).unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"shop\"\n\n[[tool.pagerproof.catalog.network.python]]\nrule = \"request\"\npaths = [\"acme.http.get\"]\ntimeout = [\"deadline\"]\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o).len(), 2, "{}", stdout(&o));
    // Mistakes in pyproject.toml point into it.
    write(dir.path(), "pyproject.toml", "[project]\nname = \"shop\"\n\n[tool.pagerproof]\nselct = []\n");
    let o = concise(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pyproject.toml:5:1"), "{}", stderr(&o));
    assert!(stderr(&o).contains("did you mean `select`?"), "{}", stderr(&o));
}

#[test]
fn suppression_reasons_can_be_required_and_unused_ones_stay_reported() {
    let dir = repo();
    write(
        dir.path(),
        "app/a.py",
        "import requests\n\n\ndef f(u):\n    return requests.get(u)  # pagerproof: ignore[PP201]\n\n\ndef g(u):\n    return requests.get(u)  # pagerproof: ignore[PP201] -- internal, bounded by the proxy\n\n\ndef h():\n    return 1  # pagerproof: ignore[PP201] -- stale\n",
    );
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), vec!["app/a.py:13: PP001"], "{}", stdout(&o));
    write(dir.path(), "pagerproof.toml", "require_suppression_reason = true\n");
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), vec!["app/a.py:5: PP002", "app/a.py:13: PP001"], "{}", stdout(&o));
    assert!(stdout(&o).contains("without `-- reason`"));
}

#[test]
fn init_writes_a_starter_config_that_loads() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    let o = run_in(dir.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("pagerproof.toml")).unwrap();
    assert!(text.contains("# "), "commented");
    let o = concise(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let o = run_in(dir.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2), "never overwrites without --force");
    // Every commented-out line of the template is valid when uncommented.
    let uncommented: String = config::STARTER
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") || rest.starts_with('[') => rest.to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    config::parse(std::path::Path::new("t.toml"), &uncommented, false, dir.path().to_path_buf())
        .unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn documented_keys_are_exactly_the_accepted_keys() {
    let mut documented: Vec<&str> = config::KEYS.iter().map(|k| k.key).collect();
    let mut accepted = config::accepted_keys(&[], false);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::KEYS and the parser disagree");
    let mut documented: Vec<&str> = config::OVERRIDE_KEYS.iter().map(|k| k.key).collect();
    let mut accepted = config::accepted_keys(&["overrides"], true);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::OVERRIDE_KEYS and the parser disagree");
    let mut documented: Vec<&str> = config::MIGRATION_KEYS.iter().map(|k| k.key).collect();
    let mut accepted = config::accepted_keys(&["migrations"], false);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::MIGRATION_KEYS and the parser disagree");
    let mut documented: Vec<&str> = config::DATABASE_KEYS.iter().map(|k| k.key).collect();
    let mut accepted = config::accepted_keys(&["database"], false);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::DATABASE_KEYS and the parser disagree");
    let mut documented: Vec<&str> = config::FIX_KEYS.iter().map(|k| k.key).collect();
    let mut accepted = config::accepted_keys(&["fix"], false);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::FIX_KEYS and the parser disagree");
    let mut documented: Vec<&str> =
        config::ROLE_KEYS.iter().map(|k| k.key).filter(|k| !matches!(*k, "migration" | "uncompiled")).collect();
    let mut accepted = config::accepted_keys(&["roles"], false);
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "config::ROLE_KEYS and the parser disagree");
    let sections: Vec<&str> = pagerproof::catalog::BUILTIN_FILES.iter().map(|(s, _)| *s).collect();
    let mut accepted = config::accepted_keys(&["catalog"], false);
    accepted.sort();
    let mut sections = sections;
    sections.sort();
    assert_eq!(sections, accepted, "every catalog section has a built-in file");
}

#[test]
fn config_reference_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/config.md");
    let want = config::reference_markdown();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            panic!("docs/config.md is stale; run `UPDATE_GENERATED=1 cargo test --test config`");
        }
    }
}

/// The JSON schema is generated from the parser's types: checked in, and
/// checked to be current, so an editor never validates against a stale one.
#[test]
fn config_json_schema_is_up_to_date_and_describes_the_keys() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pagerproof.schema.json");
    let want = config::json_schema();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            panic!("docs/pagerproof.schema.json is stale; run `UPDATE_GENERATED=1 cargo test --test config`");
        }
    }
    let v: serde_json::Value = serde_json::from_str(&want).unwrap();
    let props = v["properties"].as_object().unwrap();
    // Every documented key is in the schema, described, and nothing else is.
    let mut keys: Vec<&str> = config::KEYS.iter().map(|k| k.key).collect();
    keys.sort_unstable();
    let mut in_schema: Vec<&str> = props.keys().map(String::as_str).collect();
    in_schema.sort_unstable();
    assert_eq!(in_schema, keys);
    for k in config::KEYS {
        assert_eq!(props[k.key]["description"], k.doc, "{}", k.key);
    }
    assert_eq!(v["additionalProperties"], false, "unknown keys are errors, in the schema too");
    assert!(want.contains("\"warning\""), "severity values are enumerated");
}

#[test]
fn small_relations_come_from_the_catalog_and_the_config() {
    let dir = repo();
    write(
        dir.path(),
        "app/v.py",
        "from app.models import Product\n\n\ndef members(project):\n    for m in project.members.all():\n        print(Product.objects.filter(owner=m).count())\n\n\ndef lines(order):\n    for line in order.lines.all():\n        print(Product.objects.get(pk=line.product_id))\n",
    );
    // `order.lines` is small by default; `project.members` is not.
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), vec!["app/v.py:6: PP501"], "{}", stdout(&o));
    write(dir.path(), "pagerproof.toml", "[catalog.collections]\nsmall_relations = [\"project.members\"]\n");
    let o = concise(dir.path(), &[]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", stdout(&o));
}
