//! Tokens of Junos configuration text.
//!
//! One lexer serves both forms: the hierarchical form ignores newlines, the `set` form ends a command at one.
//! Junos' own syntax is described in "Junos OS CLI User Guide", sections "Configuration Statements and
//! Identifiers" and "Understanding the Junos OS CLI Configuration Mode" (comments, quoting, lists).

use crate::span::Span;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: a keyword, name, address, number, `inactive:` tag, ….
    Word,
    /// A double-quoted string; the span covers the text between the quotes.
    Quoted,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `;`
    Semi,
    /// A line break (significant only in the `set` form).
    Newline,
    /// A `/* … */` or `#` comment; the span covers the whole comment.
    Comment,
    /// Something that is not valid here; the lexer has reported why.
    Error,
}

/// One token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
}

/// A problem the lexer found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
}

/// The longest word or quoted string accepted. Junos limits names to 255 characters and descriptions to
/// about 900; anything far beyond is not configuration.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Splits text into tokens.
pub struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Problems found so far.
    pub errors: Vec<LexError>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            pos: 0,
            errors: Vec::new(),
        }
    }

    /// A lexer over `text` that starts at byte `pos` (a line start, for reading a file in parts).
    pub fn at(text: &'a str, pos: usize) -> Self {
        Self {
            pos: pos.min(text.len()),
            ..Self::new(text)
        }
    }

    /// Where the next token is looked for: just after the last one read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Goes on from byte `pos`, as a lexer that had read the text up to there would (`pos` is where
    /// another lexer stopped after a token).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.bytes.len());
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(LexError {
            span: Span::new(start as u32, end as u32),
            message: message.into(),
        });
    }

    fn token(kind: TokenKind, start: usize, end: usize) -> Token {
        Token {
            kind,
            span: Span::new(start as u32, end as u32),
        }
    }

    /// The next token, or `None` at the end of the text.
    pub fn next_token(&mut self) -> Option<Token> {
        let bytes = self.bytes;
        let rest = bytes.get(self.pos..).unwrap_or_default();
        self.pos += rest
            .iter()
            .position(|&b| CLASS[usize::from(b)] != SPACE)
            .unwrap_or(rest.len());
        let start = self.pos;
        let &b = bytes.get(start)?;
        self.pos += 1;
        let kind = match b {
            b'\n' => TokenKind::Newline,
            b'{' => TokenKind::LBrace,
            b'}' => TokenKind::RBrace,
            b'[' => TokenKind::LBracket,
            b']' => TokenKind::RBracket,
            b';' => TokenKind::Semi,
            b'#' => {
                self.pos = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                TokenKind::Comment
            }
            b'/' if bytes.get(start + 1) == Some(&b'*') => {
                match find(b"*/", &bytes[start + 2..]) {
                    Some(i) => self.pos = start + 2 + i + 2,
                    None => {
                        self.pos = bytes.len();
                        self.error(start, start + 2, "comment is never closed: `*/` is missing");
                    }
                }
                TokenKind::Comment
            }
            b'"' => return Some(self.quoted(start)),
            _ if is_word_byte(b) => {
                self.pos += bytes[self.pos..]
                    .iter()
                    .position(|&b| !is_word_byte(b))
                    .unwrap_or(bytes.len() - self.pos);
                if self.pos - start > MAX_TOKEN_LEN {
                    self.error(
                        start,
                        start + 1,
                        format!(
                            "word is {} bytes long; the longest accepted is {MAX_TOKEN_LEN}",
                            self.pos - start
                        ),
                    );
                    TokenKind::Error
                } else {
                    TokenKind::Word
                }
            }
            _ => {
                // A control character or stray byte: skip the whole run so binary garbage gives one error.
                while bytes.get(self.pos).is_some_and(|&b| {
                    !is_word_byte(b) && !b.is_ascii_whitespace() && !b"{}[];\"#".contains(&b)
                }) {
                    self.pos += 1;
                }
                let shown = String::from_utf8_lossy(&bytes[start..self.pos.min(start + 4)])
                    .escape_debug()
                    .to_string();
                self.error(start, self.pos, format!("unexpected character `{shown}`"));
                TokenKind::Error
            }
        };
        Some(Self::token(kind, start, self.pos))
    }

    fn quoted(&mut self, start: usize) -> Token {
        let bytes = self.bytes;
        let mut i = start + 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    if i - start > MAX_TOKEN_LEN {
                        self.error(start, start + 1, "quoted string is too long");
                        return Self::token(TokenKind::Error, start, self.pos);
                    }
                    return Self::token(TokenKind::Quoted, start + 1, i);
                }
                _ => i += 1,
            }
        }
        self.pos = bytes.len();
        self.error(
            start,
            start + 1,
            "quoted string is never closed: `\"` is missing",
        );
        Self::token(TokenKind::Error, start, self.pos)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;
    fn next(&mut self) -> Option<Token> {
        self.next_token()
    }
}

/// Bytes that may appear in a bare word: printable ASCII other than the punctuation Junos reserves, and any
/// byte of a multi-byte UTF-8 character.
fn is_word_byte(b: u8) -> bool {
    CLASS[usize::from(b)] == WORD
}

/// A byte that separates tokens without being one.
const SPACE: u8 = 1;
/// A byte of a bare word.
const WORD: u8 = 2;

/// The class of every byte: looked up once per byte, on the hot path of every file.
static CLASS: [u8; 256] = {
    let mut class = [0; 256];
    let mut b = 0;
    while b < 256 {
        class[b] = match b as u8 {
            b' ' | b'\t' | b'\r' | 0x0c => SPACE,
            b'{' | b'}' | b'[' | b']' | b';' | b'"' | b'#' => 0,
            0x21..=0x7e | 0x80.. => WORD,
            _ => 0,
        };
        b += 1;
    }
    class
};

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(needle: &[u8], haystack: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(text)
            .map(|t| (t.kind, t.span.slice(text)))
            .collect()
    }

    #[test]
    fn words_punctuation_and_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("term a { /* x */ from { port [ 80 443 ]; } } # end"),
            vec![
                (Word, "term"),
                (Word, "a"),
                (LBrace, "{"),
                (Comment, "/* x */"),
                (Word, "from"),
                (LBrace, "{"),
                (Word, "port"),
                (LBracket, "["),
                (Word, "80"),
                (Word, "443"),
                (RBracket, "]"),
                (Semi, ";"),
                (RBrace, "}"),
                (RBrace, "}"),
                (Comment, "# end"),
            ]
        );
    }

    #[test]
    fn quoted_string_span_excludes_quotes() {
        assert_eq!(
            kinds(r#"tcp-flags "syn & !ack";"#),
            vec![
                (TokenKind::Word, "tcp-flags"),
                (TokenKind::Quoted, "syn & !ack"),
                (TokenKind::Semi, ";")
            ]
        );
    }

    #[test]
    fn unterminated_string_and_comment_are_errors() {
        let mut lexer = Lexer::new("a \"open");
        assert!(lexer.by_ref().any(|t| t.kind == TokenKind::Error));
        assert_eq!(lexer.errors[0].span, Span::new(2, 3));
        let mut lexer = Lexer::new("/* open");
        let _ = lexer.by_ref().count();
        assert_eq!(lexer.errors.len(), 1);
    }

    #[test]
    fn binary_garbage_is_one_error_per_run() {
        let mut lexer = Lexer::new("a \u{1}\u{2}\u{3} b");
        let tokens: Vec<_> = lexer.by_ref().collect();
        assert_eq!(tokens.len(), 3);
        assert_eq!(lexer.errors.len(), 1);
    }
}
