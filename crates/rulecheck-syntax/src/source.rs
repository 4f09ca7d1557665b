//! Source files and line/column lookup.

use crate::span::{FileId, Loc, Span};

/// One configuration file as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users (the path as given, or `-` for standard input).
    pub name: String,
    /// The text. Invalid UTF-8 has been replaced by U+FFFD and reported.
    pub text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Wraps text read from `name`.
    pub fn new(name: impl Into<String>, text: String) -> Self {
        let line_starts = line_starts(text.as_bytes());
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line as u32 + 1, self.column(line, offset))
    }

    /// [`SourceFile::line_col`] of both ends of `span`. The end of most spans is on the line of their
    /// start, which is then not searched for again.
    pub fn line_cols(&self, span: Span) -> ((u32, u32), (u32, u32)) {
        let start = self.line_col(span.start);
        let line = start.0 as usize - 1;
        let end = span.end.min(self.text.len() as u32);
        let next = self.line_starts.get(line + 1).copied();
        if span.start <= end && next.is_none_or(|next| end < next) {
            (start, (start.0, self.column(line, end)))
        } else {
            (start, self.line_col(span.end))
        }
    }

    /// The 1-based column (in characters) of `offset` on 0-based line `line`.
    fn column(&self, line: usize, offset: u32) -> u32 {
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        self.text[start..end].chars().count() as u32 + 1
    }

    /// The byte offset where 1-based `line` starts, if the file has it.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line.checked_sub(1)? as usize).copied()
    }
}

/// Bytes per line that [`line_starts`] makes room for.
const LINE_BYTES: usize = 16;

/// The offset of each line's start: 0, and the offset just after each line feed. A large text is
/// indexed in two halves at once.
fn line_starts(bytes: &[u8]) -> Vec<u32> {
    // Room for a line every 16 bytes: configuration lines are 25 to 35 bytes long on average (the
    // corpus, generated rule sets), and growing a list this long copies it into memory touched for
    // the first time, while room never written is never touched.
    let mut starts = Vec::with_capacity(bytes.len() / LINE_BYTES + 1);
    starts.push(0);
    if bytes.len() < crate::parallel::HALVES_BYTES || crate::parallel::threads() < 2 {
        line_feeds(bytes, 0, &mut starts);
        return starts;
    }
    let middle = bytes.len() / 2;
    let (second, ()) = crate::parallel::join(
        || {
            let mut second = Vec::with_capacity((bytes.len() - middle) / LINE_BYTES);
            line_feeds(&bytes[middle..], middle, &mut second);
            second
        },
        || line_feeds(&bytes[..middle], 0, &mut starts),
    );
    starts.extend(second);
    starts
}

/// Appends `offset + i + 1` for every line feed at `i` in `bytes`. Eight bytes are tested at a time and
/// the line feeds among them found from one mask (a line is some dozens of bytes long), so that large
/// files are indexed at memory speed.
fn line_feeds(bytes: &[u8], offset: usize, starts: &mut Vec<u32>) {
    const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
    const LINE_FEEDS: u64 = u64::from_le_bytes([b'\n'; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = offset as u32;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunk of 8")) ^ LINE_FEEDS;
        // The top bit of each byte of `x` that is zero (each line feed), and of no other: the low
        // seven bits added to 0x7f carry into the top bit unless all are zero.
        let mut feeds = !(((x & LOWS) + LOWS) | x | LOWS);
        while feeds != 0 {
            starts.push(at + feeds.trailing_zeros() / 8 + 1);
            feeds &= feeds - 1;
        }
        at += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b'\n' {
            starts.push(at + i as u32 + 1);
        }
    }
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The text a location covers.
    pub fn text(&self, loc: Loc) -> &str {
        loc.span.slice(&self.get(loc.file).text)
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Decodes raw bytes, replacing invalid UTF-8. Returns the text and the byte offset of the first invalid
/// sequence, if any, so that the caller can report it.
pub fn decode(bytes: Vec<u8>) -> (String, Option<u32>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(err) => {
            let at = err.utf8_error().valid_up_to() as u32;
            (
                String::from_utf8_lossy(err.as_bytes()).into_owned(),
                Some(at),
            )
        }
    }
}

/// A span covering nothing at `offset`.
pub fn point(offset: u32) -> Span {
    Span::new(offset, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offsets after every line feed, one byte at a time.
    fn memchr_all(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i as u32 + 1)
    }

    #[test]
    fn both_ends_of_a_span_are_found_as_each_alone() {
        let text = "ab\ncdé f\n\nxyz é\n";
        let file = SourceFile::new("t", text.to_owned());
        let len = text.len() as u32;
        for start in 0..=len + 2 {
            for end in start.saturating_sub(2)..=len + 2 {
                assert_eq!(
                    file.line_cols(Span { start, end }),
                    (file.line_col(start), file.line_col(end)),
                    "{start}..{end}"
                );
            }
        }
    }

    #[test]
    fn line_starts_match_a_plain_scan() {
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&"x".repeat(i % 17));
            text.push('\n');
            if i % 5 == 0 {
                text.push('\n');
            }
        }
        for end in [0, 1, 7, 8, 9, 63, text.len()] {
            let bytes = &text.as_bytes()[..end];
            let plain: Vec<u32> = std::iter::once(0).chain(memchr_all(bytes)).collect();
            assert_eq!(line_starts(bytes), plain, "first {end} bytes");
        }
        // Every byte value beside a line feed, at every place in a chunk of eight: only line feeds count.
        let every: Vec<u8> = (0..=255u8)
            .flat_map(|b| [b, b, b'\n', b ^ 0x80, b'\n', b'\n', b, b.wrapping_add(1), b])
            .collect();
        let plain: Vec<u32> = std::iter::once(0).chain(memchr_all(&every)).collect();
        assert_eq!(line_starts(&every), plain);
        // A text indexed in halves, with a line feed at, just before and just after the middle.
        let large: Vec<u8> = (0..crate::parallel::HALVES_BYTES + 64)
            .map(|i| if i % 13 == 0 { b'\n' } else { b'x' })
            .collect();
        let plain: Vec<u32> = std::iter::once(0).chain(memchr_all(&large)).collect();
        let middle_feed = (crate::parallel::HALVES_BYTES / 2).next_multiple_of(13);
        for end in [
            2 * middle_feed - 2,
            2 * middle_feed,
            2 * middle_feed + 2,
            2 * middle_feed + 4,
        ] {
            let expected: Vec<u32> = plain
                .iter()
                .copied()
                .filter(|&s| s as usize <= end)
                .collect();
            assert_eq!(line_starts(&large[..end]), expected, "first {end} bytes");
        }
        let file = SourceFile::new("f", "ab\ncd\n\nef".to_owned());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 2));
        assert_eq!(file.line_col(6), (3, 1));
        assert_eq!(file.line_col(8), (4, 2));
        assert_eq!(file.line_start(4), Some(7));
    }
}
