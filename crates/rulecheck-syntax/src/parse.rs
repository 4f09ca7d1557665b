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
pub fn parse_file(
    tree: &mut ConfigTree,
    sources: &SourceMap,
    file: FileId,
    limits: Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Form {
    let text = &sources.get(file).text;
    let form = detect_form(text);
    let mut parser = Parser {
        tree,
        sources,
        file,
        text,
        max_depth: limits.max_depth,
        errors: Errors {
            file,
            limit: limits.max_errors,
            count: 0,
            out: diagnostics,
        },
        set_path: Vec::new(),
        directives: Vec::new(),
    };
    // About one node per forty bytes of configuration: reserve most of them at once.
    parser.tree.reserve(text.len() / 48);
    match form {
        Form::Hierarchical => parser.hierarchical(),
        Form::Set => parser.set_commands(),
    }
    form
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
}

impl Parser<'_, '_, '_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn hierarchical(&mut self) {
        let max_depth = self.max_depth;
        let mut lexer = Lexer::new(self.text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut st = Statement::default();
        let mut depth_reported = false;
        // A token a `[ ]` list stopped at, to be read again as part of the enclosing statement.
        let mut again: Option<Token> = None;
        let parent_of = |stack: &[Frame]| match stack.last() {
            None => Some(ConfigTree::ROOT),
            Some(frame) => frame.node,
        };
        while let Some(token) = again.take().or_else(|| lexer.next_token()) {
            // Whether a line break separates the statement's last word from this token (comments aside).
            let after_line_break = st.line_break;
            if st.line_break && !matches!(token.kind, TokenKind::Comment | TokenKind::Newline) {
                st.line_break = false;
                if matches!(token.kind, TokenKind::Word | TokenKind::Quoted) {
                    // A word on a new line while the statement before it has no `;`: Junos writes one
                    // statement per line, so the statement ended at the line break. Whether that is a
                    // syntax error or pasted verbatim text is for the model builder to say.
                    if !st.broken {
                        self.unterminated(parent_of(&stack), &st);
                    }
                    st.reset();
                }
            }
            match token.kind {
                TokenKind::Comment => self.comment(token.span, st.words.is_empty()),
                TokenKind::Newline => st.line_break = !st.words.is_empty(),
                TokenKind::Error => st.broken = true,
                TokenKind::Word if st.words.is_empty() && self.tag(token.span, &mut st.tags) => {}
                TokenKind::Word | TokenKind::Quoted => st.words.push(Word::Single(token.span)),
                TokenKind::LBracket => match self.list(&mut lexer, token.span) {
                    Ok(list) => st.words.push(list),
                    Err(stopped_at) => {
                        st.broken = true;
                        again = stopped_at;
                    }
                },
                TokenKind::RBracket => {
                    self.errors
                        .report(token.span, "unexpected `]`: no list is open here".into());
                    st.broken = true;
                }
                TokenKind::Semi => {
                    let mut node = None;
                    if st.words.is_empty() {
                        self.dangling_tag(&st);
                    } else if !st.broken {
                        node = self.statement(
                            parent_of(&stack),
                            &st.words,
                            &st.tags,
                            token.span,
                            false,
                        );
                    }
                    self.annotate_pending(node, true);
                    st.reset();
                }
                TokenKind::LBrace => {
                    let node = if st.words.is_empty() {
                        self.errors.report(
                            token.span,
                            "a block must follow a statement name, as in `term NAME {`".into(),
                        );
                        None
                    } else if st.broken {
                        None
                    } else if stack.len() >= max_depth {
                        if !depth_reported {
                            self.errors.report(
                                token.span,
                                format!("blocks are nested deeper than {max_depth} levels (the bound `[limits] max-depth`); the contents are skipped"),
                            );
                            depth_reported = true;
                        }
                        None
                    } else {
                        self.statement(parent_of(&stack), &st.words, &st.tags, token.span, true)
                    };
                    self.annotate_pending(node, false);
                    stack.push(Frame {
                        node,
                        open: token.span,
                    });
                    st.reset();
                }
                TokenKind::RBrace => {
                    // Directives before `}`, or before a statement that lacks its `;`, stand before no
                    // element.
                    self.annotate_pending(None, false);
                    if let Some(last) = st.words.last() {
                        let end = last.span().end;
                        let same_line = !after_line_break;
                        if same_line || st.broken {
                            self.errors.report(
                                point(end),
                                "expected `;` at the end of this statement".into(),
                            );
                        }
                        if st.broken {
                        } else if same_line {
                            self.statement(
                                parent_of(&stack),
                                &st.words,
                                &st.tags,
                                point(end),
                                false,
                            );
                        } else {
                            self.unterminated(parent_of(&stack), &st);
                        }
                    } else {
                        self.dangling_tag(&st);
                    }
                    st.reset();
                    if stack.pop().is_none() {
                        self.errors
                            .report(token.span, "unexpected `}`: no block is open here".into());
                    }
                }
            }
        }
        if let Some(last) = st.words.last() {
            self.errors.report(
                point(last.span().end),
                "expected `;` at the end of this statement".into(),
            );
        } else {
            self.dangling_tag(&st);
        }
        self.annotate_pending(None, false);
        for frame in stack.iter().rev() {
            self.errors.report(
                frame.open,
                "this `{` is never closed: `}` is missing".into(),
            );
        }
        for e in lexer.errors {
            self.errors.report(e.span, e.message);
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
            "replace:" => tags.replace = true,
            "delete:" => tags.delete = true,
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

    fn set_commands(&mut self) {
        let mut lexer = Lexer::new(self.text);
        let mut line: Vec<Token> = Vec::new();
        loop {
            let token = lexer.next_token();
            match token.map(|t| t.kind) {
                Some(TokenKind::Comment) => {
                    let span = token.expect("matched Some").span;
                    self.comment(span, line.is_empty());
                }
                Some(TokenKind::Newline) | None => {
                    if !line.is_empty() {
                        // A directive before a `set` command applies to the element the command names.
                        let node = self.set_command(&line);
                        self.annotate_pending(node, true);
                        line.clear();
                    }
                    if token.is_none() {
                        break;
                    }
                }
                Some(_) => line.push(token.expect("matched Some")),
            }
        }
        self.annotate_pending(None, false);
        for e in lexer.errors {
            self.errors.report(e.span, e.message);
        }
    }

    /// Runs one command; for `set`, returns the last node of its path.
    fn set_command(&mut self, tokens: &[Token]) -> Option<NodeId> {
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
        let mut words = Vec::new();
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
        match verb_text {
            "set" => return self.set(&words, self.loc(verb.span.cover(end))),
            "insert" => {
                self.set_path.clear();
                self.insert(&words, end);
            }
            "annotate" => self.annotate(&words, verb.span.cover(end)),
            _ => {
                self.set_path.clear();
                let node = self.path(&words, verb_text == "deactivate", verb.span.cover(end))?;
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
