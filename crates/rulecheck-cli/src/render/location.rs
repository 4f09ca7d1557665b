//! Where a finding stands, in the forms CI systems want: a path relative to the working directory with
//! forward slashes (GitHub resolves it against the repository checkout), and 1-based line and column
//! numbers counting characters.

use std::fmt::Write;
use std::path::{Component, Path};

use rulecheck_syntax::{Loc, SourceMap};

/// A finding's place: its file as CI wants it and its start and end (1-based; the end column is one past
/// the last character).
pub struct Place {
    /// The path relative to the working directory, with `/` between segments, or the absolute path of a
    /// file outside it.
    pub path: String,
    /// Whether `path` is absolute.
    pub absolute: bool,
    /// First line.
    pub line: u32,
    /// First column, in characters.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column one past the last character.
    pub end_column: u32,
}

impl Place {
    /// The place of `loc`, with paths made relative to `cwd` where they lie under it.
    pub fn of(sources: &SourceMap, loc: Loc, cwd: Option<&Path>) -> Self {
        let file = sources.get(loc.file);
        let ((line, column), (end_line, end_column)) = file.line_cols(loc.span);
        let (path, absolute) = ci_path(&file.name, cwd);
        Self {
            path,
            absolute,
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// `name` (a path as given on the command line) relative to `cwd` with forward slashes, and whether the
/// result is still absolute (a file outside the working directory).
pub fn ci_path(name: &str, cwd: Option<&Path>) -> (String, bool) {
    let path = Path::new(name);
    let relative = if path.is_absolute() {
        match cwd.and_then(|cwd| path.strip_prefix(cwd).ok()) {
            Some(inside) => inside,
            None => return (slashes(path), true),
        }
    } else {
        path
    };
    (slashes(relative), false)
}

/// The path's normal segments joined with `/` (a leading `./` dropped; `..` kept).
fn slashes(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        let segment = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                out.push('/');
                continue;
            }
            Component::Prefix(prefix) => prefix.as_os_str().to_string_lossy(),
            Component::ParentDir => "..".into(),
            Component::Normal(s) => s.to_string_lossy(),
        };
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&segment);
    }
    if out.is_empty() { name_of(path) } else { out }
}

fn name_of(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Percent-encodes a path for a URI (RFC 3986 §2): unreserved characters, `/` and the sub-delimiters that
/// are safe in a path stay as they are; every other byte becomes `%XX`.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_with_forward_slashes() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            ci_path("rules/edge.conf", Some(cwd)),
            ("rules/edge.conf".into(), false)
        );
        assert_eq!(
            ci_path("./rules/edge.conf", Some(cwd)),
            ("rules/edge.conf".into(), false)
        );
        assert_eq!(
            ci_path("/work/repo/rules/edge.conf", Some(cwd)),
            ("rules/edge.conf".into(), false)
        );
        assert_eq!(
            ci_path("/elsewhere/edge.conf", Some(cwd)),
            ("/elsewhere/edge.conf".into(), true)
        );
        assert_eq!(ci_path("-", Some(cwd)), ("-".into(), false));
    }

    #[test]
    fn uri_paths_escape_what_a_uri_cannot_hold() {
        assert_eq!(uri_path("rules/edge 1.conf"), "rules/edge%201.conf");
        assert_eq!(uri_path("rules/100%.conf"), "rules/100%25.conf");
        assert_eq!(uri_path("rules/a#b?.conf"), "rules/a%23b%3F.conf");
        assert_eq!(uri_path("règles/x.conf"), "r%C3%A8gles/x.conf");
    }
}
