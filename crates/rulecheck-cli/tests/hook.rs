//! End-to-end test of the pre-push hook: a real repository, a bare remote, `rulecheck hook install`, and
//! `git push`. Git runs the hook; the hook runs the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("the workspace has fixtures/")
}

/// A temporary directory that is its own HOME, so that no user or system git configuration applies.
struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("rulecheck-hook-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("a scratch directory");
        Self { root }
    }

    fn command(&self, program: &str, dir: &Path, args: &[&str]) -> Output {
        self.command_with(program, dir, args, &[])
    }

    /// Runs `program` with the sandbox's environment plus `vars`. Standard input is empty.
    fn command_with(
        &self,
        program: &str,
        dir: &Path,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> Output {
        let mut command = Command::new(program);
        // The tests may themselves run under the pre-commit framework: only `vars` may say what is pushed.
        for (name, _) in std::env::vars() {
            if name.starts_with("PRE_COMMIT_") {
                command.env_remove(name);
            }
        }
        command
            .args(args)
            .envs(vars.iter().copied())
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.root)
            .env("XDG_CONFIG_HOME", self.root.join(".config"))
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .expect("the command runs")
    }

    /// Runs git and returns its trimmed standard output; panics on failure.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.command("git", dir, args);
        assert!(output.status.success(), "git {args:?}: {}", text(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn rulecheck(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_rulecheck"), dir, args)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Everything a command wrote.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A work repository with a bare remote `origin` and the hook installed.
fn repository(sandbox: &Sandbox) -> (PathBuf, PathBuf) {
    let (work, remote) = (sandbox.root.join("work"), sandbox.root.join("remote.git"));
    std::fs::create_dir_all(&work).unwrap();
    sandbox.git(&sandbox.root, &["init", "-q", "--bare", "remote.git"]);
    sandbox.git(&work, &["init", "-q", "-b", "main"]);
    sandbox.git(&work, &["config", "user.name", "Rule Author"]);
    sandbox.git(&work, &["config", "user.email", "author@example.invalid"]);
    sandbox.git(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    let install = sandbox.rulecheck(&work, &["hook", "install"]);
    assert!(install.status.success(), "{}", text(&install));
    (work, remote)
}

fn commit_file(
    sandbox: &Sandbox,
    work: &Path,
    fixture: &Path,
    path: &str,
    message: &str,
) -> String {
    let target = work.join(path);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(fixture, &target).unwrap();
    sandbox.git(work, &["add", path]);
    sandbox.git(work, &["commit", "-q", "-m", message]);
    sandbox.git(work, &["rev-parse", "HEAD"])
}

fn remote_ref(sandbox: &Sandbox, remote: &Path, name: &str) -> Option<String> {
    let output = sandbox.command("git", remote, &["rev-parse", "--verify", "--quiet", name]);
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn a_clean_push_goes_through_and_the_2013_flow_route_is_refused() {
    let sandbox = Sandbox::new("e2e");
    let (work, remote) = repository(&sandbox);
    let clean = commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-old.conf"),
        "rules/edge.conf",
        "edge filter",
    );
    let push = sandbox.command("git", &work, &["push", "-q", "origin", "main"]);
    assert!(
        push.status.success(),
        "the clean push is refused: {}",
        text(&push)
    );
    assert_eq!(
        remote_ref(&sandbox, &remote, "refs/heads/main").as_deref(),
        Some(clean.as_str()),
        "the remote does not hold exactly the pushed commit"
    );

    commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("examples/dns-drop-2013.conf"),
        "rules/flow.conf",
        "drop DNS to 173.245.48.1",
    );
    // The work tree no longer has the route: the hook must read the pushed commit, not the files on disk.
    std::fs::remove_file(work.join("rules/flow.conf")).unwrap();
    let push = sandbox.command("git", &work, &["push", "origin", "main"]);
    let output = text(&push);
    assert!(
        !push.status.success(),
        "the 2013 flow route was pushed: {output}"
    );
    assert!(
        output.contains("RC101"),
        "the refusal does not name RC101: {output}"
    );
    assert!(output.contains("packet-length"), "{output}");
    assert!(
        output.contains("git push --no-verify"),
        "no word on bypassing: {output}"
    );
    // The diff against the remote's commit is part of the check. (The route matches no packet at all, so
    // it changes nothing that is accepted: its harm is to the router, which lint's RC101 names.)
    assert!(output.contains("compared with"), "{output}");
    assert!(output.contains("added file rules/flow.conf"), "{output}");
    assert_eq!(
        remote_ref(&sandbox, &remote, "refs/heads/main").as_deref(),
        Some(clean.as_str()),
        "the remote moved although the push was refused"
    );
}

#[test]
fn new_branches_and_deletions_are_handled() {
    let sandbox = Sandbox::new("branches");
    let (work, remote) = repository(&sandbox);
    commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-old.conf"),
        "rules/edge.conf",
        "edge filter",
    );
    sandbox.git(&work, &["push", "-q", "origin", "main"]);
    sandbox.git(&work, &["checkout", "-q", "-b", "attack"]);
    let head = commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-fires.conf"),
        "rules/edge.conf",
        "drop the attack target",
    );
    // A new branch is compared with its merge base with the remote's main branch.
    let push = sandbox.command("git", &work, &["push", "origin", "attack"]);
    let output = text(&push);
    assert!(push.status.success(), "{output}");
    assert!(output.contains("new branch"), "{output}");
    assert!(output.contains("RC502"), "{output}");
    assert!(output.contains("203.0.113.0/24"), "{output}");
    assert_eq!(
        remote_ref(&sandbox, &remote, "refs/heads/attack"),
        Some(head)
    );
    let delete = sandbox.command("git", &work, &["push", "origin", "--delete", "attack"]);
    assert!(delete.status.success(), "{}", text(&delete));
    assert_eq!(remote_ref(&sandbox, &remote, "refs/heads/attack"), None);
}

#[test]
fn install_is_idempotent_and_keeps_foreign_hooks() {
    let sandbox = Sandbox::new("install");
    let (work, _) = repository(&sandbox);
    let hook = work.join(".git/hooks/pre-push");
    let first = std::fs::read_to_string(&hook).expect("the hook is installed");
    let again = sandbox.rulecheck(&work, &["hook", "install"]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), first);

    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let refused = sandbox.rulecheck(&work, &["hook", "install"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    let forced = sandbox.rulecheck(&work, &["hook", "install", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), first);
    assert_eq!(
        std::fs::read_to_string(work.join(".git/hooks/pre-push.before-rulecheck")).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );

    // core.hooksPath is honoured.
    sandbox.git(&work, &["config", "core.hooksPath", "githooks"]);
    let moved = sandbox.rulecheck(&work, &["hook", "install"]);
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(work.join("githooks/pre-push").is_file());
}

#[test]
fn the_hook_fails_closed_when_rulecheck_cannot_run() {
    let sandbox = Sandbox::new("closed");
    let (work, remote) = repository(&sandbox);
    let hook = work.join(".git/hooks/pre-push");
    let script = std::fs::read_to_string(&hook).unwrap();
    let binary = env!("CARGO_BIN_EXE_rulecheck");
    // The binary has gone, and none is on PATH.
    std::fs::write(&hook, script.replace(binary, "/nonexistent/rulecheck")).unwrap();
    commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-old.conf"),
        "rules/edge.conf",
        "edge filter",
    );
    let push = sandbox.command("git", &work, &["push", "origin", "main"]);
    let output = text(&push);
    assert!(!push.status.success(), "pushed without a check: {output}");
    assert!(output.contains("git push --no-verify"), "{output}");
    assert_eq!(remote_ref(&sandbox, &remote, "refs/heads/main"), None);

    // A rulecheck that crashes blocks the push too.
    let crashing = sandbox.root.join("crashing-rulecheck");
    std::fs::write(&crashing, "#!/bin/sh\nkill -SEGV $$\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&crashing, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(&hook, script.replace(binary, crashing.to_str().unwrap())).unwrap();
    let push = sandbox.command("git", &work, &["push", "origin", "main"]);
    let output = text(&push);
    assert!(!push.status.success(), "pushed past a crash: {output}");
    assert!(output.contains("could not finish"), "{output}");
    assert!(output.contains("git push --no-verify"), "{output}");
    assert_eq!(remote_ref(&sandbox, &remote, "refs/heads/main"), None);
}

/// The pre-commit framework reads git's pre-push input itself and runs its hooks with an empty standard
/// input and the push described by `PRE_COMMIT_*` variables; this is what it runs for the
/// `rulecheck-pre-push` hook of `.pre-commit-hooks.yaml`.
#[test]
fn under_the_pre_commit_framework_the_push_comes_from_its_environment_variables() {
    let sandbox = Sandbox::new("framework");
    let (work, remote) = repository(&sandbox);
    let url = remote.to_str().unwrap();
    let old = commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-old.conf"),
        "rules/edge.conf",
        "edge filter",
    );
    let attack = commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("rules/RC502-fires.conf"),
        "rules/edge.conf",
        "drop the attack target",
    );
    let hook = |vars: &[(&str, &str)]| {
        sandbox.command_with(
            env!("CARGO_BIN_EXE_rulecheck"),
            &work,
            &["hook", "pre-push"],
            vars,
        )
    };
    let framework = |from: &str, to: &str| {
        hook(&[
            ("PRE_COMMIT_FROM_REF", from),
            ("PRE_COMMIT_TO_REF", to),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_REMOTE_URL", url),
        ])
    };

    // TO_REF is checked and diffed against FROM_REF: the new discard is reported, as info.
    let run = framework(&old, &attack);
    let output = text(&run);
    assert_eq!(run.status.code(), Some(0), "{output}");
    assert!(
        output.contains("compared with") && output.contains("pre-commit's from-ref"),
        "{output}"
    );
    assert!(output.contains("RC502"), "{output}");
    assert!(output.contains("203.0.113.0/24"), "{output}");

    // The pushed commit, not the work tree, is checked: the 2013 route refuses the push.
    let crash = commit_file(
        &sandbox,
        &work,
        &fixtures_dir().join("examples/dns-drop-2013.conf"),
        "rules/flow.conf",
        "drop DNS to 173.245.48.1",
    );
    std::fs::remove_file(work.join("rules/flow.conf")).unwrap();
    let run = framework(&attack, &crash);
    let output = text(&run);
    assert_eq!(run.status.code(), Some(1), "{output}");
    assert!(output.contains("RC101"), "{output}");
    assert!(output.contains("added file rules/flow.conf"), "{output}");
    // An older TO_REF is what is checked, whatever HEAD is.
    let run = framework(&old, &attack);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));

    // When the whole history is new the framework names no refs, only the branches: the local branch is
    // checked as a new branch (here with nothing on the remote to compare with).
    let run = hook(&[
        ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_REMOTE_URL", url),
    ]);
    let output = text(&run);
    assert_eq!(run.status.code(), Some(1), "{output}");
    assert!(output.contains("new branch"), "{output}");
    assert!(output.contains("RC101"), "{output}");

    // A TO_REF that names nothing fails closed.
    let run = framework(&old, "no-such-commit");
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(text(&run).contains("PRE_COMMIT_TO_REF"), "{}", text(&run));

    // Without the variables and without git's input there is nothing to check.
    let run = hook(&[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(!text(&run).contains("checking"), "{}", text(&run));
}

#[test]
fn the_pre_commit_manifest_runs_the_hook_at_the_pre_push_stage() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.pre-commit-hooks.yaml"),
    )
    .expect("the repository ships .pre-commit-hooks.yaml");
    let start = manifest
        .find("- id: rulecheck-pre-push\n")
        .expect("a rulecheck-pre-push hook");
    let hook = manifest[start..]
        .split("\n- id:")
        .next()
        .unwrap_or_default();
    for line in [
        "entry: rulecheck hook pre-push",
        "language: system",
        "pass_filenames: false",
        "always_run: true",
        "stages: [pre-push]",
    ] {
        assert!(
            hook.lines().any(|l| l.trim() == line),
            "rulecheck-pre-push lacks `{line}`:\n{hook}"
        );
    }
}

#[test]
fn the_hook_honours_inline_suppressions_as_lint_does() {
    let sandbox = Sandbox::new("suppressed");
    let (work, remote) = repository(&sandbox);
    let config = |comment: &str| {
        format!(
            "firewall {{ family inet {{ filter edge {{
    term allow-web {{ from {{ protocol tcp; destination-port 443; }} then accept; }}
    {comment}
    term block-web {{ from {{ protocol tcp; destination-port 443; }} then discard; }}
    term rest {{ then accept; }}
}} }} }}
"
        )
    };
    let file = sandbox.root.join("edge.conf");
    // Unsuppressed, the shadowed term (RC301, an error) blocks the push.
    std::fs::write(&file, config("")).unwrap();
    commit_file(&sandbox, &work, &file, "rules/edge.conf", "shadowed term");
    let push = sandbox.command("git", &work, &["push", "origin", "main"]);
    assert!(!push.status.success(), "{}", text(&push));
    assert!(text(&push).contains("RC301"), "{}", text(&push));
    // With a reasoned suppression it is the author's decision, and the push goes through.
    std::fs::write(
        &file,
        config("/* rulecheck: allow RC301 reason: kept until the web tier moves */"),
    )
    .unwrap();
    let head = commit_file(&sandbox, &work, &file, "rules/edge.conf", "suppressed");
    let push = sandbox.command("git", &work, &["push", "origin", "main"]);
    assert!(push.status.success(), "{}", text(&push));
    assert_eq!(remote_ref(&sandbox, &remote, "refs/heads/main"), Some(head));
}
