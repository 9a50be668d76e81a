//! `pagerproof merge-sarif`: join the SARIF logs of `check --shard I/N` runs
//! into one log with the same results, in the same order, as a single run.
//!
//! Shards partition the files, so results and notifications never overlap;
//! the rule list is the same in every shard (same config), and the merge
//! checks that it is.

use std::cmp::Ordering;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_sarif::sarif;

use super::{ExitStatus, write_atomic, write_stdout};

/// Arguments of `pagerproof merge-sarif`.
#[derive(Debug, Args)]
pub struct MergeSarifArgs {
    /// The shards' SARIF files.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged log to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `pagerproof merge-sarif`.
pub fn run(args: MergeSarifArgs) -> anyhow::Result<ExitStatus> {
    let mut logs = Vec::new();
    for path in &args.inputs {
        let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let log: sarif::Sarif =
            serde_json::from_slice(&text).with_context(|| format!("{} is not a SARIF log", path.display()))?;
        logs.push((path, log));
    }
    let merged = merge(logs)?;
    let mut buf = serde_json::to_vec_pretty(&merged).context("cannot render the merged log")?;
    buf.push(b'\n');
    match &args.output {
        Some(path) => write_atomic(path, &buf).with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&buf).context("cannot write to stdout")?,
    }
    Ok(ExitStatus::Clean)
}

fn merge(logs: Vec<(&PathBuf, sarif::Sarif)>) -> anyhow::Result<sarif::Sarif> {
    let mut iter = logs.into_iter();
    let Some((first_path, mut merged)) = iter.next() else { bail!("no input") };
    if merged.runs.len() != 1 {
        bail!("{} has {} runs; pagerproof writes exactly one", first_path.display(), merged.runs.len());
    }
    for (path, log) in iter {
        let [run]: [sarif::Run; 1] = log.runs.try_into().map_err(|runs: Vec<_>| {
            anyhow::anyhow!("{} has {} runs; pagerproof writes exactly one", path.display(), runs.len())
        })?;
        let into = &mut merged.runs[0];
        if serde_json::to_value(&run.tool)? != serde_json::to_value(&into.tool)? {
            bail!(
                "{} was written by a different pagerproof version or with different rules than {}; run every shard with the same binary and config",
                path.display(),
                first_path.display()
            );
        }
        into.results.get_or_insert_with(Vec::new).extend(run.results.unwrap_or_default());
        for (into_inv, inv) in
            into.invocations.get_or_insert_with(Vec::new).iter_mut().zip(run.invocations.unwrap_or_default())
        {
            into_inv.execution_successful &= inv.execution_successful;
            if let Some(notes) = inv.tool_execution_notifications {
                into_inv.tool_execution_notifications.get_or_insert_with(Vec::new).extend(notes);
            }
        }
    }
    let run = &mut merged.runs[0];
    if let Some(results) = &mut run.results {
        results.sort_by(compare_results);
    }
    for inv in run.invocations.iter_mut().flatten() {
        if let Some(notes) = &mut inv.tool_execution_notifications {
            notes.sort_by_key(notification_key);
        }
    }
    Ok(merged)
}

/// The primary location's (path, start, end) of a result or notification.
fn location(locations: Option<&Vec<sarif::Location>>) -> (String, [i64; 4]) {
    let physical = locations.and_then(|l| l.first()).and_then(|l| l.physical_location.as_ref());
    let uri = physical.and_then(|p| p.artifact_location.as_ref()).and_then(|a| a.uri.as_deref()).unwrap_or("");
    let region = physical.and_then(|p| p.region.as_ref());
    let get = |f: fn(&sarif::Region) -> Option<i64>| region.and_then(f).unwrap_or(0);
    let pos = [get(|r| r.start_line), get(|r| r.start_column), get(|r| r.end_line), get(|r| r.end_column)];
    (decode(uri.strip_prefix("file://").unwrap_or(uri)), pos)
}

/// The single run's order: path, start, rule, message, end.
fn compare_results(a: &sarif::Result, b: &sarif::Result) -> Ordering {
    let (pa, la) = location(a.locations.as_ref());
    let (pb, lb) = location(b.locations.as_ref());
    pa.cmp(&pb)
        .then(la[..2].cmp(&lb[..2]))
        .then(a.rule_id.cmp(&b.rule_id))
        .then(a.message.text.cmp(&b.message.text))
        .then(la[2..].cmp(&lb[2..]))
}

/// The single run's notice order: path, kind, line, message.
fn notification_key(n: &sarif::Notification) -> (String, usize, i64, Option<String>) {
    let (path, pos) = location(n.locations.as_ref());
    let kind = n
        .properties
        .as_ref()
        .and_then(|p| p.additional_properties.get("kind"))
        .and_then(|k| k.as_str())
        .and_then(|k| crate::diagnostic::NoticeKind::ALL.iter().position(|x| x.as_str() == k))
        .unwrap_or(usize::MAX);
    (path, kind, pos[0], n.message.text.clone())
}

/// Undoes the percent-encoding of a SARIF artifact URI.
fn decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = uri.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
