//! Turns path arguments into configuration files.

use std::io::Read;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use rulecheck_syntax::parallel::{HALVES_BYTES, join};

use crate::run::Error;

/// Extensions of configuration files found in directories.
pub const EXTENSIONS: &[&str] = &["conf", "junos", "set"];

/// The largest file read by default (`[limits] max-file-bytes`). A larger file is not read into memory:
/// it gets an RC090 finding instead.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Directory levels walked below a path argument.
const MAX_DEPTH: usize = 32;

/// One file to read: its display name and where to read it from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The name shown in findings.
    pub name: String,
    /// The path, or `None` for standard input.
    pub path: Option<PathBuf>,
}

/// Expands path arguments: files as given, directories to their configuration files in sorted order.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".into(),
                path: None,
            });
            continue;
        }
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::Input(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, 0, &mut found)?;
            if found.is_empty() {
                return Err(Error::Input(format!(
                    "{}: no configuration files (*.conf, *.junos, *.set) in this directory",
                    path.display()
                )));
            }
            found.sort();
            inputs.extend(found.into_iter().map(|p| Input {
                name: p.display().to_string(),
                path: Some(p),
            }));
        } else {
            inputs.push(Input {
                name: path.display().to_string(),
                path: Some(path.clone()),
            });
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Input(format!("cannot read directory {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry
            .map_err(|e| Error::Input(format!("cannot read directory {}: {e}", dir.display())))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| Error::Input(format!("cannot read {}: {e}", path.display())))?;
        if file_type.is_dir() {
            if !entry.file_name().to_string_lossy().starts_with('.') {
                walk(&path, depth + 1, found)?;
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            if file_type.is_symlink() && std::fs::metadata(&path).is_err() {
                return Err(Error::Input(format!(
                    "{}: broken symbolic link",
                    path.display()
                )));
            }
            found.push(path);
        }
    }
    Ok(())
}

/// An input's bytes, or how many there are at least when that is more than the bound.
#[derive(Debug)]
pub enum Contents {
    /// The whole file.
    Bytes(Vec<u8>),
    /// More than the bound: at least this many bytes. Nothing beyond the bound was read.
    TooLarge(u64),
}

/// Reads an input's bytes, reading no more than `max + 1` of them.
pub fn read_bounded(input: &Input, max: u64) -> Result<Contents, Error> {
    let cannot = |e: std::io::Error| Error::Input(format!("cannot read {}: {e}", input.name));
    let mut bytes = Vec::new();
    let limit = max.saturating_add(1);
    match &input.path {
        None => {
            std::io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(cannot)?;
        }
        Some(path) => {
            let file = std::fs::File::open(path).map_err(cannot)?;
            let size = file.metadata().map_err(cannot)?.len();
            if size > max {
                return Ok(Contents::TooLarge(size));
            }
            // The whole file in one allocation, not a doubling buffer up to twice its size. (It may
            // have grown since: `read_to_end` still takes the rest, up to the bound.)
            let size = usize::try_from(size).unwrap_or(0);
            #[cfg(unix)]
            // Copying a large file out of the page cache, and the page faults of the buffer it goes
            // to, take one core a good part of a second at a gigabyte.
            if size >= HALVES_BYTES && rulecheck_eval::threads() > 1 {
                bytes = read_halves(&file, size).map_err(cannot)?;
                std::io::Seek::seek(&mut &file, std::io::SeekFrom::Start(bytes.len() as u64))
                    .map_err(cannot)?;
            }
            bytes.reserve_exact(size.saturating_add(1).saturating_sub(bytes.len()));
            let rest = limit.saturating_sub(bytes.len() as u64);
            file.take(rest).read_to_end(&mut bytes).map_err(cannot)?;
        }
    }
    if bytes.len() as u64 > max {
        return Ok(Contents::TooLarge(bytes.len() as u64));
    }
    Ok(Contents::Bytes(bytes))
}

/// The first `size` bytes of `file`, its two halves read on two threads; fewer, in order, if the file
/// is shorter now.
#[cfg(unix)]
fn read_halves(file: &std::fs::File, size: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    /// Reads at `offset` until `buf` is full or the file ends; how much was read.
    fn fill(file: &std::fs::File, buf: &mut [u8], offset: usize) -> std::io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], (offset + done) as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
    // Zeroed by the system as each thread first writes its pages, not by this one beforehand.
    let mut bytes = vec![0u8; size + 1];
    let middle = size / 2;
    let (first, second) = bytes[..size].split_at_mut(middle);
    let (read_second, read_first) = join(|| fill(file, second, middle), || fill(file, first, 0));
    let read_first = read_first?;
    let read_second = read_second?;
    bytes.truncate(if read_first < middle {
        read_first
    } else {
        middle + read_second
    });
    Ok(bytes)
}

/// Reads an input's bytes where a partial check is no use (`trace`, `diff` of paths): more than `max`
/// is an error (exit 2) naming the bound.
pub fn read(input: &Input, max: u64) -> Result<Vec<u8>, Error> {
    match read_bounded(input, max)? {
        Contents::Bytes(bytes) => Ok(bytes),
        Contents::TooLarge(_) => Err(Error::Input(too_large(&input.name, max))),
    }
}

/// The message for a file over `[limits] max-file-bytes`.
pub fn too_large(name: &str, max: u64) -> String {
    format!(
        "{name}: the file is larger than the bound `[limits] max-file-bytes` ({max} bytes); it is not checked"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file is read whole, in order, in halves; a bound below its size still stops it.
    #[cfg(unix)]
    #[test]
    fn a_large_file_is_read_whole_in_halves() {
        let dir = std::env::temp_dir().join(format!("rulecheck-halves-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("large.conf");
        let data: Vec<u8> = (0..HALVES_BYTES + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let input = Input {
            name: "large.conf".into(),
            path: Some(path.clone()),
        };
        let size = data.len() as u64;
        match read_bounded(&input, size).unwrap() {
            Contents::Bytes(bytes) => assert!(bytes == data, "the bytes as written"),
            Contents::TooLarge(n) => panic!("{n} bytes over a bound of its size"),
        }
        assert!(matches!(
            read_bounded(&input, size - 1).unwrap(),
            Contents::TooLarge(n) if n == size
        ));
        // A file shorter than when its size was taken: what it holds, in order.
        let file = std::fs::File::open(&path).unwrap();
        for claimed in [data.len() + 1000, 3 * data.len()] {
            let bytes = read_halves(&file, claimed).unwrap();
            assert!(bytes == data, "claimed {claimed}: {} bytes", bytes.len());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
