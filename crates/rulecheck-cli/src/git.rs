//! Reading rule files out of git objects: the files of a commit, not of the work tree.
//!
//! Everything goes through the `git` command (`rev-parse`, `ls-tree`, `cat-file --batch`), run in the
//! current directory, so that whatever git itself honours — `GIT_DIR` in a hook, worktrees, alternates —
//! applies here too.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::diff::{Snapshot, SnapshotFile};
use crate::inputs::EXTENSIONS;
use crate::run::{Error, glob_match};
use crate::settings::{self, Loaded};

/// The config file looked for at the root of a commit.
pub const CONFIG_FILE: &str = "rulecheck.toml";

/// The object name git uses for "no object": a new branch's old value, a deleted branch's new one.
pub fn is_null(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// Runs git with `args`; its standard output, or an error naming the command and git's message.
pub fn git(args: &[&str]) -> Result<Vec<u8>, Error> {
    let output = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Input(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(Error::Input(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

/// Like [`git`], with the output as one trimmed line.
pub fn git_line(args: &[&str]) -> Result<String, Error> {
    let out = git(args)?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

/// The commit `rev` names, or `None` if it names none (or no such object is here).
pub fn resolve_commit(rev: &str) -> Option<String> {
    let spec = format!("{rev}^{{commit}}");
    let output = Command::new("git")
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !sha.is_empty()).then_some(sha)
}

/// The merge base of two commits, if they have one.
pub fn merge_base(a: &str, b: &str) -> Option<String> {
    git_line(&["merge-base", a, b])
        .ok()
        .filter(|s| !s.is_empty())
}

/// One blob of a tree.
struct Entry {
    path: String,
    object: String,
    size: u64,
}

/// The regular files of `commit`'s tree, with their sizes.
fn tree(commit: &str) -> Result<Vec<Entry>, Error> {
    let out = git(&["ls-tree", "-r", "-l", "-z", "--full-tree", commit])?;
    let mut entries = Vec::new();
    for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        // `<mode> <type> <object> <size>`; symbolic links (120000) and submodules are not rule files.
        let [mode, "blob", object, size] = fields[..] else {
            continue;
        };
        if mode == "120000" {
            continue;
        }
        entries.push(Entry {
            path: path.to_owned(),
            object: object.to_owned(),
            size: size.parse().unwrap_or(u64::MAX),
        });
    }
    Ok(entries)
}

/// Reads blobs by object name with one `git cat-file --batch`.
fn read_blobs(objects: &[&str]) -> Result<Vec<Vec<u8>>, Error> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Input(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut request = objects.join("\n");
    request.push('\n');
    // Written from another thread: git answers while it reads, and both pipes have bounded buffers.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_end(&mut out)
        .map_err(|e| Error::Input(format!("cannot read from git cat-file: {e}")))?;
    let written = writer
        .join()
        .map_err(|_| Error::Input("git cat-file: writer failed".into()))?;
    let status = child
        .wait()
        .map_err(|e| Error::Input(format!("git cat-file: {e}")))?;
    if written.is_err() || !status.success() {
        return Err(Error::Input("`git cat-file --batch` failed".into()));
    }
    let mut blobs = Vec::with_capacity(objects.len());
    let mut at = 0;
    for object in objects {
        let end = out[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| at + i)
            .ok_or_else(|| Error::Input("git cat-file: truncated answer".into()))?;
        let header = String::from_utf8_lossy(&out[at..end]).into_owned();
        let size: usize = match header.split(' ').collect::<Vec<_>>()[..] {
            [_, "blob", size] => size
                .parse()
                .map_err(|_| Error::Input(format!("git cat-file: bad header `{header}`")))?,
            _ => {
                return Err(Error::Input(format!(
                    "git cat-file: cannot read object {object}: {header}"
                )));
            }
        };
        let start = end + 1;
        let stop = start + size;
        if stop > out.len() {
            return Err(Error::Input("git cat-file: truncated answer".into()));
        }
        blobs.push(out[start..stop].to_vec());
        at = stop + 1;
    }
    Ok(blobs)
}

/// The rule files of `commit` and the settings that apply to them.
///
/// Settings: `explicit` (a file of the work tree, from `--config`) if given, else `rulecheck.toml` at the
/// root of the commit if it has one, else the defaults. Files: those matching the settings' `files` globs
/// (relative to the root of the repository), else every `*.conf`, `*.junos` and `*.set` file outside
/// hidden directories — what lint would read from a checkout of the commit. `label` prefixes the names
/// shown in findings (`label:path`); an empty label shows the bare path.
pub fn snapshot(
    commit: &str,
    label: &str,
    explicit: Option<&Path>,
) -> Result<(Snapshot, Loaded), Error> {
    let entries = tree(commit)?;
    let loaded = match explicit {
        Some(path) => settings::load(Some(path))?,
        None => match entries.iter().find(|e| e.path == CONFIG_FILE) {
            Some(entry) => {
                let text = read_blobs(&[entry.object.as_str()])?.remove(0);
                let text = String::from_utf8(text).map_err(|_| {
                    Error::Input(format!("{commit}:{CONFIG_FILE}: not valid UTF-8"))
                })?;
                settings::from_text(&text, &format!("{}:{CONFIG_FILE}", short(commit)))?
            }
            None => Loaded::default(),
        },
    };
    let wanted = |path: &str| match &loaded.files {
        Some(globs) => globs
            .iter()
            .any(|g| glob_match(g.trim_start_matches("./"), path)),
        None => {
            !path.split('/').any(|segment| segment.starts_with('.'))
                && Path::new(path)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e))
        }
    };
    let chosen: Vec<&Entry> = entries.iter().filter(|e| wanted(&e.path)).collect();
    let max = loaded.limits.max_file_bytes;
    if let Some(big) = chosen.iter().find(|e| e.size > max) {
        return Err(Error::Input(format!(
            "{}:{}: file of {} bytes is larger than the bound `[limits] max-file-bytes` ({max}); rulecheck refuses input this large",
            short(commit),
            big.path,
            big.size
        )));
    }
    let objects: Vec<&str> = chosen.iter().map(|e| e.object.as_str()).collect();
    let blobs = read_blobs(&objects)?;
    let files = chosen
        .iter()
        .zip(blobs)
        .map(|(entry, bytes)| SnapshotFile {
            key: entry.path.clone(),
            name: if label.is_empty() {
                entry.path.clone()
            } else {
                format!("{label}:{}", entry.path)
            },
            bytes,
        })
        .collect();
    Ok((Snapshot { files }, loaded))
}

/// An abbreviated object name for messages.
pub fn short(sha: &str) -> &str {
    if sha.len() >= 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        &sha[..12]
    } else {
        sha
    }
}
