//! The git pre-push hook: `rulecheck hook install` and `rulecheck hook pre-push`.
//!
//! The installed hook is a small shell script that runs `rulecheck hook pre-push` with git's arguments and
//! input. It fails closed: a rulecheck that cannot be found, cannot run or crashes blocks the push, with a
//! message saying how to push anyway, deliberately (`git push --no-verify`).
//!
//! `rulecheck hook pre-push REMOTE URL` reads git's lines `<local ref> <local sha> <remote ref> <remote sha>`
//! and, for each pushed commit, checks the rule files **of that commit** (read from git objects, never the
//! work tree) with the `rulecheck.toml` of that commit: lint of every configuration, and the diff against
//! what the remote has. The base of the diff:
//! - an update: the remote's commit, if it is here (after a fetch it is; a force push replacing commits
//!   that were never fetched is linted only, and says so);
//! - a new branch: the merge base with the remote's default branch (`refs/remotes/REMOTE/HEAD`, else its
//!   `main` or `master`), if there is one; otherwise lint only;
//! - a deletion: nothing to check.
//!
//! The pre-commit framework reads git's input itself and runs its pre-push hooks with an empty standard
//! input and the push in environment variables (pre-commit, `pre_commit/commands/hook_impl.py` and
//! `run.py`): `PRE_COMMIT_FROM_REF` and `PRE_COMMIT_TO_REF` (the remote's commit, or for a new branch the
//! parent of its first commit the remote lacks; neither is set when the whole history is new),
//! `PRE_COMMIT_LOCAL_BRANCH`, `PRE_COMMIT_REMOTE_BRANCH`, `PRE_COMMIT_REMOTE_NAME` and
//! `PRE_COMMIT_REMOTE_URL`. It passes on only the first ref of a push that pushes anything. When git's
//! input has no line and these are set, the hook checks `TO_REF` and diffs it against `FROM_REF`; with only
//! the branch variables, it checks the local branch as a new branch.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rulecheck_syntax::SourceMap;

use crate::args::{FailOn, HookCommand};
use crate::diff::{self, Compared};
use crate::git;
use crate::run::{Error, exit_code};

/// The line that marks a hook as written by rulecheck (so that installing again replaces it).
const MARKER: &str = "# rulecheck pre-push hook: installed by `rulecheck hook install`";

/// Runs a `rulecheck hook` subcommand.
pub fn run(command: &HookCommand) -> Result<ExitCode, Error> {
    match command {
        HookCommand::Install { force } => install(*force),
        HookCommand::PrePush {
            remote,
            url: _,
            fail_on,
        } => pre_push(remote.as_deref(), *fail_on),
    }
}

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The hook script. It prefers the binary that installed it (an absolute path works whatever `PATH` a git
/// client runs hooks with) and falls back to `rulecheck` on `PATH` if that binary has gone.
fn script(binary: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
#
# Checks the rule files of the commits being pushed and refuses the push when a finding reaches the fail
# level. It fails closed: if rulecheck cannot run, the push is blocked too.
# To push anyway, deliberately: git push --no-verify

rulecheck={binary}
if [ ! -x "$rulecheck" ]; then
    rulecheck=$(command -v rulecheck 2>/dev/null)
fi
if [ -z "$rulecheck" ]; then
    echo "rulecheck pre-push hook: the rulecheck binary was not found (installed as {binary_text}, not on PATH either)." >&2
    echo "The push is blocked. Reinstall rulecheck and run 'rulecheck hook install', or push deliberately without the check: git push --no-verify" >&2
    exit 1
fi
"$rulecheck" hook pre-push "$@"
status=$?
if [ "$status" -eq 0 ]; then
    exit 0
fi
if [ "$status" -eq 1 ]; then
    echo "rulecheck: push refused. Fix the findings above, or push deliberately without the check: git push --no-verify" >&2
    exit 1
fi
echo "rulecheck: the pre-push check could not finish (exit status $status); the push is blocked." >&2
echo "To push anyway, deliberately: git push --no-verify" >&2
exit 1
"#,
        binary = shell_quote(binary),
        binary_text = binary.replace(['"', '$', '`', '\\'], "?"),
    )
}

/// Writes the pre-push hook into the repository's hooks directory (`core.hooksPath` is honoured).
fn install(force: bool) -> Result<ExitCode, Error> {
    let hooks = PathBuf::from(git::git_line(&["rev-parse", "--git-path", "hooks"])?);
    let path = hooks.join("pre-push");
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::Input(format!("cannot find the rulecheck binary's own path: {e}")))?;
    let binary = binary.to_str().ok_or_else(|| {
        Error::Input(format!(
            "the rulecheck binary's path is not UTF-8: {}",
            binary.display()
        ))
    })?;
    let text = script(binary);
    let mut out = std::io::stdout().lock();
    match std::fs::read(&path) {
        Ok(existing) if existing == text.as_bytes() => {
            writeln!(
                out,
                "the rulecheck pre-push hook is already installed at {}",
                path.display()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Ok(existing) => {
            let ours = String::from_utf8_lossy(&existing).contains(MARKER);
            if !ours && !force {
                return Err(Error::Input(format!(
                    "{} exists and was not written by rulecheck; not replacing it. Run `rulecheck hook install --force` to replace it (it is kept as pre-push.before-rulecheck), or call `rulecheck hook pre-push \"$@\"` from it",
                    path.display()
                )));
            }
            if !ours {
                let backup = hooks.join("pre-push.before-rulecheck");
                std::fs::write(&backup, &existing)
                    .map_err(|e| Error::Input(format!("cannot write {}: {e}", backup.display())))?;
                writeln!(out, "kept the previous hook as {}", backup.display())?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::Input(format!("cannot read {}: {e}", path.display())));
        }
    }
    std::fs::create_dir_all(&hooks)
        .map_err(|e| Error::Input(format!("cannot create {}: {e}", hooks.display())))?;
    write_executable(&path, &text)?;
    writeln!(
        out,
        "installed the rulecheck pre-push hook at {}",
        path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn write_executable(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let failed = |e: std::io::Error| Error::Input(format!("cannot write {}: {e}", path.display()));
    std::fs::write(path, text).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(failed)?;
    }
    Ok(())
}

/// One line of git's pre-push input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref pushed (`refs/heads/main`), or `(delete)`.
    pub local_ref: String,
    /// The commit pushed; all zeros for a deletion.
    pub local_sha: String,
    /// The ref updated on the remote.
    pub remote_ref: String,
    /// What the remote has now; all zeros for a new ref.
    pub remote_sha: String,
}

/// Parses git's pre-push input.
pub fn parse_updates(input: &str) -> Result<Vec<RefUpdate>, Error> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                [local_ref, local_sha, remote_ref, remote_sha] => Ok(RefUpdate {
                    local_ref: local_ref.to_owned(),
                    local_sha: local_sha.to_owned(),
                    remote_ref: remote_ref.to_owned(),
                    remote_sha: remote_sha.to_owned(),
                }),
                _ => Err(Error::Input(format!(
                    "unexpected pre-push input line `{line}`: expected `<local ref> <local sha> <remote ref> <remote sha>`"
                ))),
            }
        })
        .collect()
}

/// What is checked for one pushed ref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The commit pushed.
    pub commit: String,
    /// The commit to diff against, if any.
    pub base: Option<String>,
    /// Why there is no base, or where it comes from, for the report.
    pub note: String,
}

/// Decides what to check for `update` pushed to `remote`; `None` for a deletion.
pub fn plan(update: &RefUpdate, remote: &str) -> Result<Option<Plan>, Error> {
    if git::is_null(&update.local_sha) {
        return Ok(None);
    }
    let Some(commit) = git::resolve_commit(&update.local_sha) else {
        // A pushed tag may point at a tree or a blob: no rule files to check.
        return Ok(None);
    };
    if !git::is_null(&update.remote_sha) {
        return Ok(Some(match git::resolve_commit(&update.remote_sha) {
            Some(base) => Plan {
                commit,
                note: format!("compared with {} on {remote}", git::short(&base)),
                base: Some(base),
            },
            None => Plan {
                commit,
                base: None,
                note: format!(
                    "{remote} has {} which is not here (fetch to compare with it): lint only",
                    git::short(&update.remote_sha)
                ),
            },
        }));
    }
    for candidate in ["HEAD", "main", "master"] {
        let tracking = format!("refs/remotes/{remote}/{candidate}");
        if let Some(head) = git::resolve_commit(&tracking) {
            if let Some(base) = git::merge_base(&head, &commit) {
                return Ok(Some(Plan {
                    commit,
                    note: format!(
                        "new branch: compared with its merge base {} with {remote}/{candidate}",
                        git::short(&base)
                    ),
                    base: Some(base),
                }));
            }
        }
    }
    Ok(Some(Plan {
        commit,
        base: None,
        note: "new branch with no common history with the remote's default branch: lint only"
            .into(),
    }))
}

/// Lint of every configuration of `snapshot` and, with a base, the diff against it.
pub fn check(plan: &Plan, sources: &mut SourceMap) -> Result<Compared, Error> {
    let (new, loaded) = git::snapshot(&plan.commit, "", None)?;
    let old = match &plan.base {
        Some(base) => Some(git::snapshot(base, git::short(base), None)?.0),
        None => None,
    };
    Ok(diff::lint_and_compare(old.as_ref(), &new, &loaded, sources))
}

/// What the pre-commit framework passes to a pre-push hook, from its environment variables. Empty values
/// count as unset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameworkPush {
    /// `PRE_COMMIT_FROM_REF`: the commit to compare with.
    pub from_ref: Option<String>,
    /// `PRE_COMMIT_TO_REF`: the commit pushed.
    pub to_ref: Option<String>,
    /// `PRE_COMMIT_LOCAL_BRANCH`: the local ref pushed, as git gave it.
    pub local_branch: Option<String>,
    /// `PRE_COMMIT_REMOTE_BRANCH`: the ref updated on the remote.
    pub remote_branch: Option<String>,
    /// `PRE_COMMIT_REMOTE_NAME`: the remote pushed to.
    pub remote_name: Option<String>,
}

impl FrameworkPush {
    /// Reads the variables through `var`; `None` when neither the pushed commit nor the pushed branch is
    /// named, that is, when the hook does not run under the framework at the pre-push stage.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let push = Self {
            from_ref: get("PRE_COMMIT_FROM_REF"),
            to_ref: get("PRE_COMMIT_TO_REF"),
            local_branch: get("PRE_COMMIT_LOCAL_BRANCH"),
            remote_branch: get("PRE_COMMIT_REMOTE_BRANCH"),
            remote_name: get("PRE_COMMIT_REMOTE_NAME"),
        };
        (push.to_ref.is_some() || push.local_branch.is_some()).then_some(push)
    }

    /// The local ref, for the report.
    fn local_ref(&self) -> &str {
        self.local_branch
            .as_deref()
            .or(self.to_ref.as_deref())
            .unwrap_or("HEAD")
    }

    /// The remote ref, for the report.
    fn remote_ref(&self) -> &str {
        self.remote_branch.as_deref().unwrap_or("the remote")
    }

    /// What to check. With `TO_REF`, that commit against `FROM_REF`; otherwise (the framework sets no refs
    /// when the whole history is new) the local branch, as a new branch of `remote`.
    pub fn plan(&self, remote: &str) -> Result<Option<Plan>, Error> {
        // Fail closed: a pushed commit that cannot be found is not a push that may go through unchecked.
        let resolve = |variable: &str, name: &str| {
            git::resolve_commit(name).ok_or_else(|| {
                Error::Input(format!(
                    "{variable} is `{name}`, which names no commit of this repository"
                ))
            })
        };
        let Some(to_ref) = &self.to_ref else {
            let local = self.local_ref();
            return plan(
                &RefUpdate {
                    local_ref: local.to_owned(),
                    local_sha: resolve("PRE_COMMIT_LOCAL_BRANCH", local)?,
                    remote_ref: self.remote_ref().to_owned(),
                    remote_sha: "0".repeat(40),
                },
                remote,
            );
        };
        let commit = resolve("PRE_COMMIT_TO_REF", to_ref)?;
        let (base, note) = match &self.from_ref {
            Some(from_ref) => match git::resolve_commit(from_ref) {
                Some(base) => (
                    Some(base.clone()),
                    format!(
                        "compared with {} (pre-commit's from-ref)",
                        git::short(&base)
                    ),
                ),
                None => (
                    None,
                    format!(
                        "pre-commit's from-ref {} is not here: lint only",
                        git::short(from_ref)
                    ),
                ),
            },
            None => (None, "pre-commit gave no from-ref: lint only".to_owned()),
        };
        Ok(Some(Plan { commit, base, note }))
    }
}

/// Runs the hook: reads git's input, checks each pushed commit, refuses (exit 1) on a finding at the fail
/// level.
fn pre_push(remote: Option<&str>, fail_on: Option<FailOn>) -> Result<ExitCode, Error> {
    let framework = FrameworkPush::from_env(|name| std::env::var(name).ok());
    let remote = remote
        .or(framework.as_ref().and_then(|f| f.remote_name.as_deref()))
        .unwrap_or("origin");
    let mut input = String::new();
    // Run by hand under the framework (`pre-commit run --hook-stage pre-push --from-ref … --to-ref …`), the
    // hook's standard input may be a terminal: the variables say it all, and reading would wait for a user.
    if framework.is_none() || !std::io::stdin().is_terminal() {
        for line in std::io::stdin().lock().lines() {
            let line =
                line.map_err(|e| Error::Input(format!("cannot read git's pre-push input: {e}")))?;
            input.push_str(&line);
            input.push('\n');
        }
    }
    let updates = parse_updates(&input)?;
    let mut pushes: Vec<(String, String, Option<Plan>)> = Vec::new();
    for update in &updates {
        pushes.push((
            update.local_ref.clone(),
            update.remote_ref.clone(),
            plan(update, remote)?,
        ));
    }
    if let (true, Some(framework)) = (updates.is_empty(), &framework) {
        pushes.push((
            framework.local_ref().to_owned(),
            framework.remote_ref().to_owned(),
            framework.plan(remote)?,
        ));
    }
    // Git shows what a hook writes; standard error keeps it apart from any output git itself parses.
    let mut out = std::io::stderr().lock();
    let color = std::io::stderr().is_terminal();
    let mut refused = false;
    let mut done: Vec<Plan> = Vec::new();
    for (local_ref, remote_ref, plan) in pushes {
        let Some(plan) = plan else {
            writeln!(out, "rulecheck: {remote_ref}: deleted, nothing to check")?;
            continue;
        };
        if done.contains(&plan) {
            continue;
        }
        writeln!(
            out,
            "rulecheck: checking {} ({}) for {}: {}",
            local_ref,
            git::short(&plan.commit),
            remote_ref,
            plan.note
        )?;
        let mut sources = SourceMap::new();
        let compared = check(&plan, &mut sources)?;
        diff::write_human(&mut out, &sources, &compared, color)?;
        if exit_code(&compared.diagnostics, fail_on) != ExitCode::SUCCESS {
            refused = true;
        }
        done.push(plan);
    }
    out.flush()?;
    Ok(if refused {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_push_input_is_parsed() {
        let zeros = "0".repeat(40);
        let a = "a".repeat(40);
        let input = format!(
            "refs/heads/main {a} refs/heads/main {zeros}\n\n(delete) {zeros} refs/heads/old {a}\n"
        );
        let updates = parse_updates(&input).unwrap();
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].local_sha, a);
        assert!(git::is_null(&updates[1].local_sha));
        assert!(parse_updates("refs/heads/main abc").is_err());
    }

    #[test]
    fn pre_commit_variables_are_read_and_empty_ones_ignored() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(FrameworkPush::from_env(vars(&[])), None);
        // Only the remote: not a push the framework describes.
        assert_eq!(
            FrameworkPush::from_env(vars(&[
                ("PRE_COMMIT_REMOTE_NAME", "origin"),
                ("PRE_COMMIT_TO_REF", ""),
            ])),
            None
        );
        let push = FrameworkPush::from_env(vars(&[
            ("PRE_COMMIT_FROM_REF", "abc"),
            ("PRE_COMMIT_TO_REF", "def"),
            ("PRE_COMMIT_REMOTE_NAME", "upstream"),
        ]))
        .expect("a push");
        assert_eq!(push.from_ref.as_deref(), Some("abc"));
        assert_eq!(push.to_ref.as_deref(), Some("def"));
        assert_eq!(push.remote_name.as_deref(), Some("upstream"));
        assert_eq!(push.local_ref(), "def");
        let whole_history = FrameworkPush::from_env(vars(&[
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
        ]))
        .expect("a push");
        assert_eq!(whole_history.to_ref, None);
        assert_eq!(whole_history.local_ref(), "refs/heads/main");
    }

    #[test]
    fn the_binary_path_is_quoted_for_the_shell() {
        assert_eq!(
            shell_quote("/opt/it's/rulecheck"),
            r"'/opt/it'\''s/rulecheck'"
        );
        let text = script("/usr/local/bin/rulecheck");
        assert!(text.starts_with("#!/bin/sh\n"));
        assert!(text.contains(MARKER));
        assert!(text.contains("rulecheck='/usr/local/bin/rulecheck'"));
        assert!(text.contains("git push --no-verify"));
    }
}
