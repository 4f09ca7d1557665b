//! Reads both input forms into a [`ConfigTree`].
//!
//! The hierarchical form is parsed with an explicit stack, never recursion, so nesting depth cannot overflow
//! the call stack; blocks nested deeper than [`Limits::max_depth`] are reported and skipped, and so are
//! statements of more words than that (each word is a level of the tree). Errors do not stop the parser: it
//! reports each one where it stands and carries on with the next statement.
//!
//! Junos writes one statement per line. A statement whose `;` is missing before a `}` or before a word on
//! the next line ends there; the model builder reports it (RC001), or, for unknown text, as verbatim
//! (RC020). Reading on across the line break would make `count c` and `discard;` on the next line one
//! statement, and the discard would be lost. `grammar/junos.ebnf` is the reference for what is accepted.

use crate::diagnostic::{Code, Diagnostic};
use crate::lexer::{Lexer, Token, TokenKind};
use crate::source::{SourceMap, point};
use crate::span::{FileId, Loc, Span};
use crate::suppress;
use crate::tree::{Annotation, ConfigTree, NodeId};

/// Bounds on what the parser accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of `{ }` blocks, and the most words in one statement (each word is a level of
    /// the tree). A full Junos configuration nests about a dozen levels. `[limits] max-depth` in
    /// rulecheck.toml.
    pub max_depth: usize,
    /// Syntax errors reported per file before the rest are summarised in one finding.
    pub max_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_errors: 100,
        }
    }
}

/// Which form a file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `firewall { family inet { … } }`
    Hierarchical,
    /// `set firewall family inet …` lines.
    Set,
}

const SET_VERBS: &[&str] = &[
    "set",
    "deactivate",
    "activate",
    "delete",
    "insert",
    "annotate",
];

/// Keywords whose first argument names an element: `inactive: neighbor 192.0.2.1;` deactivates that neighbor,
/// not every neighbor.
const NAMED: &[&str] = &[
    "neighbor",
    "term",
    "filter",
    "route",
    "group",
    "prefix-list",
    "policer",
    "unit",
    "family",
    "interface",
];

/// Detects the form from the first word of the file.
pub fn detect_form(text: &str) -> Form {
    let first =
        Lexer::new(text).find(|t| !matches!(t.kind, TokenKind::Comment | TokenKind::Newline));
    match first {
        Some(t) if t.kind == TokenKind::Word && SET_VERBS.contains(&t.span.slice(text)) => {
            Form::Set
        }
        _ => Form::Hierarchical,
    }
}

/// Parses `file` of `sources` into `tree`, appending syntax errors (RC001) to `diagnostics`.
///
/// A large file is read in parts on the machine's cores (see [`read_in_parts`]); the tree and the
/// findings are the ones reading it whole gives.
pub fn parse_file(
    tree: &mut ConfigTree,
    sources: &SourceMap,
    file: FileId,
    limits: Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Form {
    let text = &sources.get(file).text;
    let form = detect_form(text);
    // The machine's cores are asked for (a few system calls) only for a file large enough to divide.
    let threads = if text.len() >= 2 * PART_BYTES {
        crate::parallel::threads()
    } else {
        1
    };
    let starts = part_starts(text, form, threads);
    read_in_parts(tree, sources, file, limits, diagnostics, form, &starts);
    form
}

/// Bytes of text per part below which a file is not divided: a part is read in a few milliseconds.
const PART_BYTES: usize = 1 << 20;

/// Lines looked at for a good place to start a part.
const PART_SEARCH_LINES: usize = 1000;

/// Where the parts of `text` after the first start when it is read on `threads` threads: a line start
/// near each equal share, after a line that ends with `;`, `{` or `}` in the hierarchical form (where a
/// statement of several lines cannot go on). Empty for a file of less than two parts' worth.
fn part_starts(text: &str, form: Form, threads: usize) -> Vec<usize> {
    let parts = threads.min(text.len() / PART_BYTES);
    let bytes = text.as_bytes();
    let mut starts: Vec<usize> = Vec::new();
    for k in 1..parts {
        let mut at = k * text.len() / parts;
        for _ in 0..PART_SEARCH_LINES {
            let Some(line_feed) = bytes[at..].iter().position(|&b| b == b'\n') else {
                break;
            };
            let start = at + line_feed + 1;
            let ends_statement = bytes[..start - 1]
                .iter()
                .rev()
                .find(|b| !b" \t\r".contains(b))
                .is_some_and(|b| b";{}".contains(b));
            if start < text.len() && (form == Form::Set || ends_statement) {
                if starts.last().is_none_or(|&last| last < start) {
                    starts.push(start);
                }
                break;
            }
            at = start;
        }
    }
    starts
}

/// Reads `file` into `tree`: the text before `starts[0]` on this thread, and each part from one start to
/// the next on a thread of its own, at the same time. A part does not know the blocks open where it
/// starts: its tree has a node standing for each, and is merged into `tree` in order
/// ([`Parser::merge`]) when reading on from where the part before it stopped would have given the same
/// tree. When not (a syntax error, a `replace:` or `delete` acting on what came before, a start inside a
/// comment or statement, blocks nested too deeply), its text is read here instead. Returns how many
/// parts were merged.
fn read_in_parts(
    tree: &mut ConfigTree,
    sources: &SourceMap,
    file: FileId,
    limits: Limits,
    diagnostics: &mut Vec<Diagnostic>,
    form: Form,
    starts: &[usize],
) -> usize {
    let text = &sources.get(file).text;
    // Each part ends where the next starts; the last reads to the end of the text.
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([usize::MAX]).collect();
    std::thread::scope(|scope| {
        let parts: Vec<_> = starts
            .iter()
            .zip(&ends)
            .map(|(&start, &end)| {
                scope.spawn(move || read_part(sources, file, limits, form, start, end))
            })
            .collect();
        let first_end = starts.first().copied().unwrap_or(usize::MAX);
        let mut parser = Parser::new(tree, sources, file, limits, diagnostics);
        // The parts' nodes are merged into this tree: room for all of them at once, so that neither
        // reading the first part nor merging the others moves the nodes read so far. The generated
        // configurations take a node per 32 bytes; room that is never used is never touched.
        parser.tree.reserve(text.len() / NODE_BYTES);
        let mut cur = Cursor::at(text, 0);
        parser.read(form, &mut cur, first_end);
        let mut merged = 0;
        for ((part, &start), &end) in parts.into_iter().zip(starts).zip(&ends) {
            let part = part
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if parser.merge(&mut cur, part, start) {
                merged += 1;
            } else {
                parser.read(form, &mut cur, end);
            }
        }
        match form {
            Form::Hierarchical => parser.end_hierarchical(cur),
            Form::Set => parser.end_set_commands(cur),
        }
        merged
    })
}

/// Bytes of text per node reserved for ahead of reading in parts: fewer than configurations take.
const NODE_BYTES: usize = 24;

/// A part of a file read on its own, from `start` up to `end`, as [`read_in_parts`] merges it.
fn read_part(
    sources: &SourceMap,
    file: FileId,
    limits: Limits,
    form: Form,
    start: usize,
    end: usize,
) -> Part<'_> {
    let text = &sources.get(file).text;
    let mut tree = ConfigTree::new();
    tree.reserve(end.min(text.len()).saturating_sub(start) / NODE_BYTES);
    let mut diagnostics = Vec::new();
    let mut parser = Parser::new(&mut tree, sources, file, limits, &mut diagnostics);
    parser.outer = Some(Outer {
        blocks: vec![ConfigTree::ROOT],
        deepest: None,
        depends: false,
    });
    let mut cursor = Cursor::at(text, start);
    parser.read(form, &mut cursor, end);
    let errors = parser.errors.count + cursor.lexer.errors.len();
    let directives = std::mem::take(&mut parser.directives);
    let outer = parser.outer.take().expect("set above");
    Part {
        tree,
        cursor,
        directives,
        outer,
        errors,
    }
}

/// A part of a file read on its own (see [`read_in_parts`]).
struct Part<'a> {
    /// What it read.
    tree: ConfigTree,
    /// Where it stopped; its open blocks are nodes of `tree`.
    cursor: Cursor<'a>,
    /// `rulecheck:` directives at its end, waiting for the statement they stand before.
    directives: Vec<Span>,
    outer: Outer,
    /// Syntax errors found (not reported: a part with errors is read again in place).
    errors: usize,
}

/// What a part of a file read on its own notes about the blocks open where it starts.
struct Outer {
    /// The nodes standing for the blocks open where the part starts, innermost first: the root of the
    /// part's tree, then one for each of them the part closed.
    blocks: Vec<NodeId>,
    /// How much deeper than where it starts the part opened a block, if it opened one (negative after
    /// closing outer blocks).
    deepest: Option<isize>,
    /// Whether it did something whose effect depends on the text before it (`replace:`, `delete:`, a
    /// command other than `set` and `deactivate`).
    depends: bool,
}

/// Where reading stands between two tokens: what the next token needs of the ones before it.
struct Cursor<'a> {
    lexer: Lexer<'a>,
    /// The blocks open (hierarchical form).
    stack: Vec<Frame>,
    /// The statement being read (hierarchical form).
    st: Statement,
    /// A token a `[ ]` list stopped at, to be read again as part of the enclosing statement.
    again: Option<Token>,
    /// Whether blocks nested too deeply have been reported.
    depth_reported: bool,
    /// The tokens of the command being read (`set` form).
    line: Vec<Token>,
}

impl<'a> Cursor<'a> {
    fn at(text: &'a str, pos: usize) -> Self {
        Self {
            lexer: Lexer::at(text, pos),
            stack: Vec::new(),
            st: Statement::default(),
            again: None,
            depth_reported: false,
            line: Vec::new(),
        }
    }

    /// The next token to read, unless the lexer has passed `stop`.
    fn next(&mut self, stop: usize) -> Option<Token> {
        self.again
            .take()
            .or_else(|| (self.lexer.pos() < stop).then(|| self.lexer.next_token())?)
    }

    /// Whether the last token read ends at `at` and no statement or command is under way.
    fn between_statements(&self, at: usize) -> bool {
        self.lexer.pos() == at
            && self.again.is_none()
            && self.st.words.is_empty()
            && self.st.tags.start.is_none()
            && !self.st.broken
            && self.line.is_empty()
    }
}

struct Errors<'d> {
    file: FileId,
    limit: usize,
    count: usize,
    out: &'d mut Vec<Diagnostic>,
}

impl Errors<'_> {
    fn report(&mut self, span: Span, message: String) {
        self.count += 1;
        if self.count <= self.limit {
            self.out.push(Diagnostic::new(
                Code::SyntaxError,
                Loc::new(self.file, span),
                message,
            ));
        } else if self.count == self.limit + 1 {
            self.out.push(Diagnostic::new(
                Code::SyntaxError,
                Loc::new(self.file, span),
                format!(
                    "more than {} syntax errors in this file; the rest are not shown",
                    self.limit
                ),
            ));
        }
    }
}

/// One word of a statement, or a `[ list ]` of words.
#[derive(Clone, Debug)]
enum Word {
    Single(Span),
    List(Vec<Span>, Span),
}

impl Word {
    fn span(&self) -> Span {
        match self {
            Word::Single(s) | Word::List(_, s) => *s,
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Tags {
    inactive: bool,
    replace: bool,
    delete: bool,
    start: Option<Span>,
}

/// The statement being read in the hierarchical form.
#[derive(Default)]
struct Statement {
    words: Vec<Word>,
    tags: Tags,
    /// A token of it was invalid (and reported): the statement is dropped.
    broken: bool,
    /// A line break followed its last word.
    line_break: bool,
}

impl Statement {
    /// Starts the next statement, keeping the allocation of the words.
    fn reset(&mut self) {
        self.words.clear();
        self.tags = Tags::default();
        self.broken = false;
        self.line_break = false;
    }
}

struct Frame {
    node: Option<NodeId>,
    open: Span,
}

struct Parser<'t, 's, 'd> {
    tree: &'t mut ConfigTree,
    sources: &'s SourceMap,
    file: FileId,
    text: &'s str,
    max_depth: usize,
    errors: Errors<'d>,
    /// The words of the last `set` command and the node each led to.
    set_path: Vec<(Span, NodeId)>,
    /// `rulecheck:` directives read since the last statement, waiting for the statement they stand before.
    directives: Vec<Span>,
    /// Set when reading a part of a file on its own.
    outer: Option<Outer>,
    /// Room for the words of a `set` command.
    words: Vec<Word>,
}

impl<'t, 's, 'd> Parser<'t, 's, 'd> {
    fn new(
        tree: &'t mut ConfigTree,
        sources: &'s SourceMap,
        file: FileId,
        limits: Limits,
        diagnostics: &'d mut Vec<Diagnostic>,
    ) -> Self {
        Self {
            tree,
            sources,
            file,
            text: &sources.get(file).text,
            max_depth: limits.max_depth,
            errors: Errors {
                file,
                limit: limits.max_errors,
                count: 0,
                out: diagnostics,
            },
            set_path: Vec::new(),
            directives: Vec::new(),
            outer: None,
            words: Vec::new(),
        }
    }
}

impl Parser<'_, '_, '_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    /// Reads on until the lexer has passed `stop`, or to the end of the text (`usize::MAX`).
    fn read(&mut self, form: Form, cur: &mut Cursor<'_>, stop: usize) {
        match form {
            Form::Hierarchical => self.hierarchical(cur, stop),
            Form::Set => self.set_commands(cur, stop),
        }
    }

    /// Takes in `part`, read on its own from `start`, if reading on from `cur` would have given the same
    /// tree; false if it might not have (the caller then reads the part's text itself).
    ///
    /// Reading on gives the same tree when this reading stopped just before `start`, between two
    /// statements and with no directive waiting; the part found no error and did nothing that acts on
    /// what came before it; it closed no more blocks than are open here, and those it closed were read
    /// (not skipped); and it nested no block deeper than the limit counting the ones open here. Its nodes
    /// then merge with these as the words would have if read here ([`ConfigTree::graft`]), and reading
    /// goes on from where it stopped.
    fn merge(&mut self, cur: &mut Cursor<'_>, part: Part<'_>, start: usize) -> bool {
        let closed = part.outer.blocks.len() - 1;
        if part.errors > 0
            || part.outer.depends
            || !cur.between_statements(start)
            || !self.directives.is_empty()
            || closed > cur.stack.len()
            || part
                .outer
                .deepest
                .is_some_and(|d| cur.stack.len() as isize + d >= self.max_depth as isize)
        {
            return false;
        }
        let mut anchors = Vec::with_capacity(part.outer.blocks.len());
        for (k, &block) in part.outer.blocks.iter().enumerate() {
            let here = match cur.stack.len().checked_sub(k + 1) {
                Some(i) => cur.stack[i].node,
                None => Some(ConfigTree::ROOT),
            };
            let Some(here) = here else {
                // A skipped block: reading on would drop the part's statements in it.
                return false;
            };
            anchors.push((block, here));
        }
        let map = self.tree.graft(self.sources, &part.tree, &anchors);
        let Part {
            cursor, directives, ..
        } = part;
        cur.stack.truncate(cur.stack.len() - closed);
        cur.stack
            .extend(cursor.stack.into_iter().map(|frame| Frame {
                node: frame.node.map(|n| map[n.0 as usize]),
                open: frame.open,
            }));
        cur.st = cursor.st;
        cur.again = cursor.again;
        cur.line = cursor.line;
        cur.lexer.seek(cursor.lexer.pos());
        self.directives = directives;
        // The path of the last command read here is not the last command's any more.
        self.set_path.clear();
        true
    }

    /// Reads statements of the hierarchical form until the lexer has passed `stop`, or to the end of
    /// the text (`usize::MAX`).
    fn hierarchical(&mut self, cur: &mut Cursor<'_>, stop: usize) {
        while let Some(token) = cur.next(stop) {
            // Whether a line break separates the statement's last word from this token (comments aside).
            let after_line_break = cur.st.line_break;
            if cur.st.line_break && !matches!(token.kind, TokenKind::Comment | TokenKind::Newline) {
                cur.st.line_break = false;
                if matches!(token.kind, TokenKind::Word | TokenKind::Quoted) {
                    // A word on a new line while the statement before it has no `;`: Junos writes one
                    // statement per line, so the statement ended at the line break. Whether that is a
                    // syntax error or pasted verbatim text is for the model builder to say.
                    if !cur.st.broken {
                        self.unterminated(self.parent(&cur.stack), &cur.st);
                    }
                    cur.st.reset();
                }
            }
            match token.kind {
                TokenKind::Comment => self.comment(token.span, cur.st.words.is_empty()),
                TokenKind::Newline => cur.st.line_break = !cur.st.words.is_empty(),
                TokenKind::Error => cur.st.broken = true,
                TokenKind::Word
                    if cur.st.words.is_empty() && self.tag(token.span, &mut cur.st.tags) => {}
                TokenKind::Word | TokenKind::Quoted => cur.st.words.push(Word::Single(token.span)),
                TokenKind::LBracket => match self.list(&mut cur.lexer, token.span) {
                    Ok(list) => cur.st.words.push(list),
                    Err(stopped_at) => {
                        cur.st.broken = true;
                        cur.again = stopped_at;
                    }
                },
                TokenKind::RBracket => {
                    self.errors
                        .report(token.span, "unexpected `]`: no list is open here".into());
                    cur.st.broken = true;
                }
                TokenKind::Semi => {
                    let mut node = None;
                    if cur.st.words.is_empty() {
                        self.dangling_tag(&cur.st);
                    } else if !cur.st.broken {
                        node = self.statement(
                            self.parent(&cur.stack),
                            &cur.st.words,
                            &cur.st.tags,
                            token.span,
                            false,
                        );
                    }
                    self.annotate_pending(node, true);
                    cur.st.reset();
                }
                TokenKind::LBrace => {
                    let node = if cur.st.words.is_empty() {
                        self.errors.report(
                            token.span,
                            "a block must follow a statement name, as in `term NAME {`".into(),
                        );
                        None
                    } else if cur.st.broken {
                        None
                    } else if self.too_deep(cur.stack.len()) {
                        if !cur.depth_reported {
                            let max_depth = self.max_depth;
                            self.errors.report(
                                token.span,
                                format!("blocks are nested deeper than {max_depth} levels (the bound `[limits] max-depth`); the contents are skipped"),
                            );
                            cur.depth_reported = true;
                        }
                        None
                    } else {
                        self.statement(
                            self.parent(&cur.stack),
                            &cur.st.words,
                            &cur.st.tags,
                            token.span,
                            true,
                        )
                    };
                    self.annotate_pending(node, false);
                    cur.stack.push(Frame {
                        node,
                        open: token.span,
                    });
                    cur.st.reset();
                }
                TokenKind::RBrace => {
                    // Directives before `}`, or before a statement that lacks its `;`, stand before no
                    // element.
                    self.annotate_pending(None, false);
                    if let Some(last) = cur.st.words.last() {
                        let end = last.span().end;
                        let same_line = !after_line_break;
                        if same_line || cur.st.broken {
                            self.errors.report(
                                point(end),
                                "expected `;` at the end of this statement".into(),
                            );
                        }
                        if cur.st.broken {
                        } else if same_line {
                            self.statement(
                                self.parent(&cur.stack),
                                &cur.st.words,
                                &cur.st.tags,
                                point(end),
                                false,
                            );
                        } else {
                            self.unterminated(self.parent(&cur.stack), &cur.st);
                        }
                    } else {
                        self.dangling_tag(&cur.st);
                    }
                    cur.st.reset();
                    if cur.stack.pop().is_none() {
                        match &mut self.outer {
                            // A part of a file closes a block opened before it starts.
                            Some(outer) => outer.blocks.push(self.tree.outer_block()),
                            None => self
                                .errors
                                .report(token.span, "unexpected `}`: no block is open here".into()),
                        }
                    }
                }
            }
        }
    }

    /// What the end of the text leaves to report in the hierarchical form: the last statement without
    /// its `;`, blocks never closed, and the lexer's findings.
    fn end_hierarchical(&mut self, cur: Cursor<'_>) {
        if let Some(last) = cur.st.words.last() {
            self.errors.report(
                point(last.span().end),
                "expected `;` at the end of this statement".into(),
            );
        } else {
            self.dangling_tag(&cur.st);
        }
        self.annotate_pending(None, false);
        for frame in cur.stack.iter().rev() {
            self.errors.report(
                frame.open,
                "this `{` is never closed: `}` is missing".into(),
            );
        }
        for e in cur.lexer.errors {
            self.errors.report(e.span, e.message);
        }
    }

    /// The node the statements of the innermost open block go under: `None` in a block that was skipped.
    fn parent(&self, stack: &[Frame]) -> Option<NodeId> {
        match (stack.last(), &self.outer) {
            (Some(frame), _) => frame.node,
            (None, Some(outer)) => outer.blocks.last().copied(),
            (None, None) => Some(ConfigTree::ROOT),
        }
    }

    /// Whether a block opened inside `open` blocks is nested too deeply to be read. A part of a file
    /// cannot tell (the blocks open where it starts are not counted): it notes how deep it went instead.
    fn too_deep(&mut self, open: usize) -> bool {
        match &mut self.outer {
            Some(outer) => {
                let depth = open as isize - (outer.blocks.len() as isize - 1);
                outer.deepest = Some(outer.deepest.map_or(depth, |d| d.max(depth)));
                false
            }
            None => open >= self.max_depth,
        }
    }

    /// Notes, in a part of a file read on its own, a statement or command whose effect depends on the
    /// text before the part: the part cannot be merged.
    fn acts_on_earlier_text(&mut self) {
        if let Some(outer) = &mut self.outer {
            outer.depends = true;
        }
    }

    /// Reports a tag such as `inactive:` that no statement follows.
    fn dangling_tag(&mut self, st: &Statement) {
        if let Some(tag) = st.tags.start {
            self.errors.report(
                tag,
                "a tag such as `inactive:` must be followed by a statement".into(),
            );
        }
    }

    /// Adds a statement that ended at a line break instead of at `;`, and records where `;` is missing.
    fn unterminated(&mut self, parent: Option<NodeId>, st: &Statement) {
        let Some(last) = st.words.last() else {
            return;
        };
        let end = point(last.span().end);
        if let Some(first) = self.statement_first(parent, &st.words, &st.tags, end) {
            self.tree.unterminated.push((first, self.loc(end)));
        }
    }

    /// Handles `inactive:`, `replace:`, `protect:` and friends; false if `span` is no tag.
    fn tag(&mut self, span: Span, tags: &mut Tags) -> bool {
        match span.slice(self.text) {
            "inactive:" => tags.inactive = true,
            "replace:" => {
                tags.replace = true;
                self.acts_on_earlier_text();
            }
            "delete:" => {
                tags.delete = true;
                self.acts_on_earlier_text();
            }
            // `protect:` guards against later edits; `active:` is the default. Neither changes what is deployed.
            "protect:" | "active:" | "unprotect:" => {}
            _ => return false,
        }
        tags.start.get_or_insert(span);
        true
    }

    /// Reads a `[ list ]` after its `[`. On failure, returns the token that ended the list early (`;`, `{`,
    /// `}` or `[`), which belongs to the enclosing statement or block.
    fn list(&mut self, lexer: &mut Lexer<'_>, open: Span) -> Result<Word, Option<Token>> {
        let mut items = Vec::new();
        let mut broken = false;
        loop {
            let Some(token) = lexer.next_token() else {
                self.errors
                    .report(open, "this `[` is never closed: `]` is missing".into());
                return Err(None);
            };
            match token.kind {
                TokenKind::Word | TokenKind::Quoted => items.push(token.span),
                TokenKind::Comment => self.comment(token.span, false),
                TokenKind::Newline => {}
                TokenKind::RBracket if broken => return Err(None),
                TokenKind::RBracket => return Ok(Word::List(items, open.cover(token.span))),
                TokenKind::Error => broken = true,
                TokenKind::LBrace | TokenKind::RBrace | TokenKind::LBracket | TokenKind::Semi => {
                    self.errors.report(
                        open,
                        format!(
                            "this `[` is never closed: `]` is missing before `{}`",
                            token.span.slice(self.text)
                        ),
                    );
                    return Err(Some(token));
                }
            }
        }
    }

    /// Adds one statement's chain under `parent`; returns the node a block's contents go under.
    fn statement(
        &mut self,
        parent: Option<NodeId>,
        words: &[Word],
        tags: &Tags,
        end: Span,
        block: bool,
    ) -> Option<NodeId> {
        let parent = parent?;
        let start = tags.start.unwrap_or(words[0].span());
        if words.len() > self.max_depth {
            // Each word is one level of the tree: bound its depth as the depth of blocks is bounded.
            self.errors.report(
                start.cover(words[words.len() - 1].span()),
                format!(
                    "a statement of {} words is longer than the {} accepted (the bound `[limits] max-depth`); it is skipped",
                    words.len(),
                    self.max_depth
                ),
            );
            return None;
        }
        let statement = self.loc(start.cover(end));
        let named = match &words[0] {
            Word::Single(s) => NAMED.contains(&s.slice(self.text)) && words.len() > 1,
            Word::List(..) => false,
        };
        let target_index = if block {
            words.len() - 1
        } else {
            usize::from(named)
        };
        let mut node = parent;
        let mut target = None;
        for (i, word) in words.iter().enumerate() {
            match word {
                Word::Single(span) => {
                    node = self
                        .tree
                        .child(self.sources, node, self.loc(*span), statement);
                    if i == target_index {
                        target = Some(node);
                        self.apply_tags(node, tags);
                    }
                }
                Word::List(items, span) => {
                    if i + 1 != words.len() {
                        self.errors.report(
                            *span,
                            "a `[ ]` list must be the last part of a statement".into(),
                        );
                        return None;
                    }
                    if i == target_index && tags.replace {
                        self.tree.clear(node);
                    }
                    for item in items {
                        let child = self
                            .tree
                            .child(self.sources, node, self.loc(*item), statement);
                        if i == target_index {
                            self.apply_tags(
                                child,
                                &Tags {
                                    replace: false,
                                    ..*tags
                                },
                            );
                        }
                    }
                }
            }
        }
        let _ = target;
        Some(node)
    }

    /// Adds a leaf statement and returns the node of its first word.
    fn statement_first(
        &mut self,
        parent: Option<NodeId>,
        words: &[Word],
        tags: &Tags,
        end: Span,
    ) -> Option<NodeId> {
        let parent = parent?;
        self.statement(Some(parent), words, tags, end, false);
        let Word::Single(first) = words[0] else {
            return None;
        };
        self.tree.find(self.sources, parent, first.slice(self.text))
    }

    /// Notes a comment: a `rulecheck:` directive waits for the statement it stands before, or, where no
    /// statement can follow it directly, is recorded as standing before none.
    fn comment(&mut self, span: Span, before_statement: bool) {
        if !suppress::is_directive(span.slice(self.text)) {
            return;
        }
        if before_statement {
            self.directives.push(span);
        } else {
            self.tree.annotations.push(Annotation {
                text: self.loc(span),
                node: None,
                innermost: false,
                annotate: false,
            });
        }
    }

    /// Attaches the waiting directives to the statement that followed them (`None`: to none).
    fn annotate_pending(&mut self, node: Option<NodeId>, innermost: bool) {
        for span in std::mem::take(&mut self.directives) {
            self.tree.annotations.push(Annotation {
                text: self.loc(span),
                node,
                innermost,
                annotate: false,
            });
        }
    }

    fn apply_tags(&mut self, node: NodeId, tags: &Tags) {
        if tags.replace {
            self.tree.clear(node);
        }
        if tags.inactive {
            self.tree.node_mut(node).inactive = true;
        }
        if tags.delete {
            self.tree.node_mut(node).deleted = true;
        }
    }

    /// Reads commands of the `set` form until the lexer has passed `stop`, or to the end of the text
    /// (`usize::MAX`).
    fn set_commands(&mut self, cur: &mut Cursor<'_>, stop: usize) {
        while cur.lexer.pos() < stop {
            let token = cur.lexer.next_token();
            match token.map(|t| t.kind) {
                Some(TokenKind::Comment) => {
                    let span = token.expect("matched Some").span;
                    self.comment(span, cur.line.is_empty());
                }
                Some(TokenKind::Newline) | None => {
                    if !cur.line.is_empty() {
                        // A directive before a `set` command applies to the element the command names.
                        let node = self.set_command(&cur.line);
                        self.annotate_pending(node, true);
                        cur.line.clear();
                    }
                    if token.is_none() {
                        break;
                    }
                }
                Some(_) => cur.line.push(token.expect("matched Some")),
            }
        }
    }

    /// What the end of the text leaves to report in the `set` form: the lexer's findings.
    fn end_set_commands(&mut self, cur: Cursor<'_>) {
        self.annotate_pending(None, false);
        for e in cur.lexer.errors {
            self.errors.report(e.span, e.message);
        }
    }

    /// Runs one command; for `set`, returns the last node of its path.
    fn set_command(&mut self, tokens: &[Token]) -> Option<NodeId> {
        // The words of every command go in one vector, not one each.
        let mut words = std::mem::take(&mut self.words);
        words.clear();
        let node = self.command(tokens, &mut words);
        self.words = words;
        node
    }

    /// [`Parser::set_command`] with `words` (empty) to hold the words of the command.
    fn command(&mut self, tokens: &[Token], words: &mut Vec<Word>) -> Option<NodeId> {
        if tokens.iter().any(|t| t.kind == TokenKind::Error) {
            return None;
        }
        let verb = tokens[0];
        let verb_text = verb.span.slice(self.text);
        if verb.kind != TokenKind::Word || !SET_VERBS.contains(&verb_text) {
            self.errors.report(
                verb.span,
                format!("`{verb_text}` is not a configuration command; expected `set`, `deactivate`, `activate`, `delete`, `insert` or `annotate`"),
            );
            return None;
        }
        let mut i = 1;
        while i < tokens.len() {
            let t = tokens[i];
            match t.kind {
                TokenKind::Word | TokenKind::Quoted => words.push(Word::Single(t.span)),
                TokenKind::LBracket => {
                    let Some(close) = tokens[i..]
                        .iter()
                        .position(|t| t.kind == TokenKind::RBracket)
                    else {
                        self.errors
                            .report(t.span, "this `[` is never closed: `]` is missing".into());
                        return None;
                    };
                    let items: Vec<Span> = tokens[i + 1..i + close]
                        .iter()
                        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Quoted))
                        .map(|t| t.span)
                        .collect();
                    words.push(Word::List(items, t.span.cover(tokens[i + close].span)));
                    i += close;
                }
                _ => {
                    self.errors.report(
                        t.span,
                        format!(
                            "unexpected `{}` in a `{verb_text}` command",
                            t.span.slice(self.text)
                        ),
                    );
                    return None;
                }
            }
            i += 1;
        }
        if words.is_empty() {
            self.errors
                .report(verb.span, format!("`{verb_text}` needs a statement path"));
            return None;
        }
        let end = tokens[tokens.len() - 1].span;
        if words.len() > self.max_depth {
            self.errors.report(
                verb.span.cover(end),
                format!(
                    "a command of {} words is longer than the {} accepted (the bound `[limits] max-depth`); it is skipped",
                    words.len(),
                    self.max_depth
                ),
            );
            return None;
        }
        // `set` adds and `deactivate` marks what it names, creating the path if need be: their effect
        // merges with the text before them as the words do. The others act on what exists already.
        if !matches!(verb_text, "set" | "deactivate") {
            self.acts_on_earlier_text();
        }
        match verb_text {
            "set" => return self.set(words, self.loc(verb.span.cover(end))),
            "insert" => {
                self.set_path.clear();
                self.insert(words, end);
            }
            "annotate" => self.annotate(words, verb.span.cover(end)),
            _ => {
                self.set_path.clear();
                let node = self.path(words, verb_text == "deactivate", verb.span.cover(end))?;
                match verb_text {
                    "deactivate" => self.tree.node_mut(node).inactive = true,
                    "activate" => self.tree.node_mut(node).inactive = false,
                    _ => self.tree.node_mut(node).deleted = true,
                }
            }
        }
        None
    }

    /// `annotate PATH "comment"`: a Junos annotation. Only `rulecheck:` directives matter to the deployed
    /// configuration's checks; PATH is the full path from the top, as in `set`.
    fn annotate(&mut self, words: &[Word], whole: Span) {
        let Some((Word::Single(comment), path)) = words.split_last().filter(|(_, p)| !p.is_empty())
        else {
            self.errors.report(
                whole,
                "`annotate` needs a statement path and a comment, as in `annotate firewall family inet filter F term T \"…\"`".into(),
            );
            return;
        };
        if !suppress::is_directive(comment.slice(self.text)) {
            return;
        }
        let node = self.path(path, false, whole);
        self.tree.annotations.push(Annotation {
            text: self.loc(*comment),
            node,
            innermost: false,
            annotate: true,
        });
    }

    /// `set PATH`: adds the path under the root. Consecutive commands share most of their path (`set
    /// firewall family inet filter F term T from …`), so the walk resumes from the deepest node the
    /// previous `set` reached through the same words. Other commands may delete or move nodes: they
    /// start the walk afresh.
    fn set(&mut self, words: &[Word], statement: Loc) -> Option<NodeId> {
        let text = self.text;
        let shared = self
            .set_path
            .iter()
            .zip(words)
            .take_while(|((previous, _), word)| {
                matches!(word, Word::Single(s) if s.slice(text) == previous.slice(text))
            })
            .count();
        self.set_path.truncate(shared);
        let mut node = self
            .set_path
            .last()
            .map_or(ConfigTree::ROOT, |&(_, node)| node);
        for (i, word) in words.iter().enumerate().skip(shared) {
            match word {
                Word::Single(span) => {
                    node = self
                        .tree
                        .child(self.sources, node, self.loc(*span), statement);
                    self.set_path.push((*span, node));
                }
                Word::List(items, span) => {
                    if i + 1 != words.len() {
                        self.errors.report(
                            *span,
                            "a `[ ]` list must be the last part of a statement".into(),
                        );
                        return None;
                    }
                    for item in items {
                        self.tree
                            .child(self.sources, node, self.loc(*item), statement);
                    }
                }
            }
        }
        Some(node)
    }

    /// Follows a path of single words from the root, creating it if `create`.
    fn path(&mut self, words: &[Word], create: bool, whole: Span) -> Option<NodeId> {
        let mut node = ConfigTree::ROOT;
        for word in words {
            let Word::Single(span) = word else {
                self.errors.report(
                    word.span(),
                    "a `[ ]` list cannot name a statement here".into(),
                );
                return None;
            };
            node = if create {
                self.tree
                    .child(self.sources, node, self.loc(*span), self.loc(whole))
            } else {
                // Junos warns "statement not found" and goes on: so do we, silently.
                self.tree.find(self.sources, node, span.slice(self.text))?
            };
        }
        Some(node)
    }

    /// `insert PATH before|after KEYWORD NAME`: moves an ordered element (a term, a flow route).
    fn insert(&mut self, words: &[Word], end: Span) {
        // The last `before`/`after` that some word follows: a term may itself be named `before`.
        let position = words[..words.len() - 1].iter().rposition(
            |w| matches!(w, Word::Single(s) if matches!(s.slice(self.text), "before" | "after")),
        );
        let Some(p) = position.filter(|&p| p >= 1) else {
            self.errors.report(
                words[0].span().cover(end),
                "`insert` needs a statement path, `before` or `after`, and the element to move next to"
                    .into(),
            );
            return;
        };
        let Word::Single(reference) = words[words.len() - 1] else {
            self.errors.report(
                words[words.len() - 1].span(),
                "a `[ ]` list cannot name a statement here".into(),
            );
            return;
        };
        let before = words[p].span().slice(self.text) == "before";
        let Some(moved) = self.path(&words[..p], false, end) else {
            return;
        };
        let parent = self.tree.node(moved).parent;
        let Some(anchor) = self
            .tree
            .find(self.sources, parent, reference.slice(self.text))
        else {
            self.errors.report(
                reference,
                format!("`{}` is not defined here", reference.slice(self.text)),
            );
            return;
        };
        if anchor == moved {
            // Moving an element next to itself leaves the order as it is.
            return;
        }
        self.tree.move_next_to(moved, anchor, before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Reads `text` whole and in parts starting at `starts`, checks that both give the same tree and the
    /// same findings, and returns how many parts were merged rather than read again.
    fn same_in_parts(text: &str, starts: &[usize]) -> usize {
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new("t.conf", text.to_owned()));
        let limits = Limits {
            max_depth: 8,
            ..Limits::default()
        };
        let form = detect_form(text);
        let read = |starts: &[usize]| {
            let (mut tree, mut found) = (ConfigTree::new(), Vec::new());
            let merged = read_in_parts(&mut tree, &sources, file, limits, &mut found, form, starts);
            (tree, found, merged)
        };
        let (whole, found, _) = read(&[]);
        let (parted, found_parted, merged) = read(starts);
        assert_eq!(
            found_parted, found,
            "findings, parts at {starts:?} of:\n{text}"
        );
        assert!(parted == whole, "tree, parts at {starts:?} of:\n{text}");
        merged
    }

    /// Every line start of `text` as the start of a second part, and pairs of them as the starts of two
    /// more; returns how many parts were merged.
    fn same_at_every_line(text: &str) -> usize {
        let lines: Vec<usize> = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(|&i| i < text.len())
            .collect();
        let mut merged = 0;
        for (n, &start) in lines.iter().enumerate() {
            merged += same_in_parts(text, &[start]);
            if let Some(&later) = lines.get(n + 1 + n % 7) {
                merged += same_in_parts(text, &[start, later]);
            }
        }
        merged
    }

    /// The files under `dir`, recursively, whose name ends with `.conf`.
    fn conf_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                conf_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "conf") {
                out.push(path);
            }
        }
    }

    #[test]
    fn fixtures_read_in_parts_as_read_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        conf_files(&root.join("fixtures"), &mut files);
        assert!(files.len() > 50, "{} fixture files", files.len());
        // The generated corpus beside the work tree, where it is (see tests/corpus.rs).
        conf_files(&root.join("../shared/corpus/aerleon"), &mut files);
        let (mut merged, mut parts) = (0, 0);
        for path in &files {
            let text = std::fs::read_to_string(path).expect("fixtures are text");
            merged += same_at_every_line(&text);
            parts += text.lines().count();
        }
        // Most starts are between two statements of a file without errors: the parts are merged.
        assert!(merged > parts / 2, "{merged} parts merged of about {parts}");
    }

    #[test]
    fn tricky_places_to_start_a_part() {
        let texts = [
            // A block reopened after the part starts, and a term named in both halves.
            "firewall {\n family inet {\n  filter f {\n   term a { then accept; }\n   term b { then discard; }\n  }\n  filter f {\n   term b { then accept; }\n  }\n }\n}\n",
            "firewall {\n family inet {\n  filter f {\n   term a { then accept; }\n   term b { then discard; }\n  }\n  filter f {\n   term a { from { port 22; } }\n   term c { then accept; }\n  }\n }\n}\n",
            // Comments and quoted strings over several lines, a list over lines, verbatim text.
            "firewall {\n /* a comment\n over lines */\n family inet {\n  filter f {\n   term a {\n    from {\n     port [ 22\n      80 ];\n    }\n    then {\n     count \"a\nb\";\n     accept;\n    }\n   }\n   verbatim line\n   term b { then discard; }\n  }\n }\n}\n",
            // Tags, `replace:` and `delete:` acting on what came before, `inactive:`.
            "firewall {\n family inet {\n  filter f {\n   term a { then accept; }\n   inactive: term b { then discard; }\n  }\n }\n}\nfirewall {\n family inet {\n  replace: filter f {\n   term c { then accept; }\n  }\n  filter g {\n   delete: term x;\n   term y { then accept; }\n  }\n }\n}\n",
            // Directives before statements, a dangling tag, syntax errors, unclosed and extra braces.
            "# rulecheck: disable RC304\nfirewall {\n family inet {\n  filter f {\n   # rulecheck: disable RC301\n   term a { then accept; }\n   inactive:\n  }\n  filter g { term a { then accept } }\n }\n}\n}\nfirewall { family inet { filter h {\n",
            // Deeper than the limit of 8 in the tests, in the first part and in the second.
            "a {\n b {\n  c {\n   d {\n    e {\n     f {\n      g {\n       h {\n        i {\n         j;\n        }\n       }\n      }\n     }\n    }\n   }\n  }\n }\n}\nk {\n l {\n  m;\n }\n}\n",
            // The `set` form: commands that act on what came before, directives, errors.
            "set firewall family inet filter f term a then accept\nset firewall family inet filter f term b then discard\n# rulecheck: disable RC304\nset firewall family inet filter f term c from port 22\ndelete firewall family inet filter f term a\ninsert firewall family inet filter f term c before term b\nset firewall family inet filter f term a then accept\ndeactivate firewall family inet filter f term b\nactivate firewall family inet filter f term b\nannotate firewall family inet filter f term c \"rulecheck: disable RC301\"\nset firewall family inet filter g term x then [ accept\nbogus command\nset firewall family inet filter g term \"quoted\nname\" then accept\nset firewall family inet filter g term y then accept",
        ];
        for text in texts {
            same_at_every_line(text);
        }
    }

    proptest::proptest! {
        /// Texts of configuration words, punctuation and line breaks in any order, read in parts at any
        /// line starts, give what reading them whole gives.
        #[test]
        fn any_text_reads_in_parts_as_whole(
            words in proptest::collection::vec(0usize..WORDS.len(), 0..120),
            cuts in proptest::collection::vec(0usize..1000, 1..4),
        ) {
            let text: String = words.iter().map(|&w| WORDS[w]).collect();
            let lines: Vec<usize> = text
                .match_indices('\n')
                .map(|(i, _)| i + 1)
                .filter(|&i| i < text.len())
                .collect();
            if !lines.is_empty() {
                let mut starts: Vec<usize> = cuts.iter().map(|c| lines[c % lines.len()]).collect();
                starts.sort_unstable();
                starts.dedup();
                same_in_parts(&text, &starts);
            }
        }
    }

    /// What [`any_text_reads_in_parts_as_whole`] builds texts from.
    const WORDS: &[&str] = &[
        "firewall ",
        "family ",
        "inet ",
        "filter ",
        "f ",
        "g ",
        "term ",
        "a ",
        "b ",
        "then ",
        "accept",
        "{ ",
        "{\n",
        "}\n",
        "} ",
        ";\n",
        "; ",
        "\n",
        "\n",
        "\n",
        "inactive: ",
        "replace: ",
        "delete: ",
        "# rulecheck: disable RC301\n",
        "/* c\n */ ",
        "\"q\nq\" ",
        "[ ",
        "] ",
        "set ",
        "delete ",
        "insert ",
        "before ",
        "deactivate ",
    ];

    #[test]
    fn a_large_file_is_divided_where_a_statement_ends() {
        let term = "   term t { from { port 22; } then accept; }\n";
        let text = format!(
            "firewall {{\n family inet {{\n  filter f {{\n{}  }}\n }}\n}}\n",
            term.repeat(3 * PART_BYTES / term.len())
        );
        let starts = part_starts(&text, Form::Hierarchical, 3);
        assert_eq!(starts.len(), 2, "{starts:?}");
        for &start in &starts {
            assert!(text[..start].ends_with("accept; }\n"), "{start}");
        }
        assert!(part_starts(&text, Form::Hierarchical, 1).is_empty());
        assert!(part_starts(&text[..PART_BYTES], Form::Hierarchical, 2).is_empty());
    }
}
