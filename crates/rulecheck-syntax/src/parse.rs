//! Reads both input forms into a [`ConfigTree`].
//!
//! The hierarchical form is parsed with an explicit stack, never recursion, so nesting depth cannot overflow
//! the call stack; blocks nested deeper than [`Limits::max_depth`] are reported and skipped. Errors do not
//! stop the parser: it reports each one where it stands and carries on with the next statement.

use crate::diagnostic::{Code, Diagnostic};
use crate::lexer::{Lexer, Token, TokenKind};
use crate::source::{SourceMap, point};
use crate::span::{FileId, Loc, Span};
use crate::tree::{ConfigTree, NodeId};

/// Bounds on what the parser accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of `{ }` blocks. A full Junos configuration nests about a dozen levels.
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

const SET_VERBS: &[&str] = &["set", "deactivate", "activate", "delete", "insert"];

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
        errors: Errors {
            file,
            limit: limits.max_errors,
            count: 0,
            out: diagnostics,
        },
    };
    match form {
        Form::Hierarchical => parser.hierarchical(limits.max_depth),
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

struct Frame {
    node: Option<NodeId>,
    open: Span,
}

struct Parser<'t, 's, 'd> {
    tree: &'t mut ConfigTree,
    sources: &'s SourceMap,
    file: FileId,
    text: &'s str,
    errors: Errors<'d>,
}

impl Parser<'_, '_, '_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn hierarchical(&mut self, max_depth: usize) {
        let mut lexer = Lexer::new(self.text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut tags = Tags::default();
        let mut broken = false;
        let mut depth_reported = false;
        let parent_of = |stack: &[Frame]| match stack.last() {
            None => Some(ConfigTree::ROOT),
            Some(frame) => frame.node,
        };
        while let Some(token) = lexer.next_token() {
            match token.kind {
                TokenKind::Comment | TokenKind::Newline => {}
                TokenKind::Error => broken = true,
                TokenKind::Word if words.is_empty() && self.tag(token.span, &mut tags) => {}
                TokenKind::Word | TokenKind::Quoted => words.push(Word::Single(token.span)),
                TokenKind::LBracket => match self.list(&mut lexer, token.span) {
                    Some(list) => words.push(list),
                    None => broken = true,
                },
                TokenKind::RBracket => {
                    self.errors
                        .report(token.span, "unexpected `]`: no list is open here".into());
                    broken = true;
                }
                TokenKind::Semi => {
                    if words.is_empty() {
                        if tags.start.is_some() {
                            self.errors.report(
                                token.span,
                                "a tag such as `inactive:` must be followed by a statement".into(),
                            );
                        }
                    } else if !broken {
                        self.statement(parent_of(&stack), &words, &tags, token.span, false);
                    }
                    words.clear();
                    tags = Tags::default();
                    broken = false;
                }
                TokenKind::LBrace => {
                    let node = if words.is_empty() {
                        self.errors.report(
                            token.span,
                            "a block must follow a statement name, as in `term NAME {`".into(),
                        );
                        None
                    } else if broken {
                        None
                    } else if stack.len() >= max_depth {
                        if !depth_reported {
                            self.errors.report(
                                token.span,
                                format!("blocks are nested deeper than {max_depth} levels; the contents are skipped"),
                            );
                            depth_reported = true;
                        }
                        None
                    } else {
                        self.statement(parent_of(&stack), &words, &tags, token.span, true)
                    };
                    stack.push(Frame {
                        node,
                        open: token.span,
                    });
                    words.clear();
                    tags = Tags::default();
                    broken = false;
                }
                TokenKind::RBrace => {
                    if let Some(last) = words.last() {
                        let end = last.span().end;
                        let same_line =
                            !self.text[end as usize..token.span.start as usize].contains('\n');
                        if same_line || broken {
                            self.errors.report(
                                point(end),
                                "expected `;` at the end of this statement".into(),
                            );
                        }
                        if !broken {
                            let first =
                                self.statement_first(parent_of(&stack), &words, &tags, point(end));
                            if let (Some(first), false) = (first, same_line) {
                                self.tree.unterminated.push((first, self.loc(point(end))));
                            }
                        }
                        words.clear();
                        tags = Tags::default();
                        broken = false;
                    }
                    if stack.pop().is_none() {
                        self.errors
                            .report(token.span, "unexpected `}`: no block is open here".into());
                    }
                }
            }
        }
        if let Some(last) = words.last() {
            self.errors.report(
                point(last.span().end),
                "expected `;` at the end of this statement".into(),
            );
        }
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

    fn list(&mut self, lexer: &mut Lexer<'_>, open: Span) -> Option<Word> {
        let mut items = Vec::new();
        loop {
            let Some(token) = lexer.next_token() else {
                self.errors
                    .report(open, "this `[` is never closed: `]` is missing".into());
                return None;
            };
            match token.kind {
                TokenKind::Word | TokenKind::Quoted => items.push(token.span),
                TokenKind::Comment | TokenKind::Newline => {}
                TokenKind::RBracket => return Some(Word::List(items, open.cover(token.span))),
                TokenKind::Error => {}
                _ => {
                    self.errors
                        .report(open, "this `[` is never closed: `]` is missing".into());
                    self.errors.report(
                        token.span,
                        format!(
                            "unexpected `{}` inside a `[ ]` list",
                            token.span.slice(self.text)
                        ),
                    );
                    return None;
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
        if block {
            let _ = target;
            Some(node)
        } else {
            None
        }
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
                Some(TokenKind::Comment) => {}
                Some(TokenKind::Newline) | None => {
                    if !line.is_empty() {
                        self.set_command(&line);
                        line.clear();
                    }
                    if token.is_none() {
                        break;
                    }
                }
                Some(_) => line.push(token.expect("matched Some")),
            }
        }
        for e in lexer.errors {
            self.errors.report(e.span, e.message);
        }
    }

    fn set_command(&mut self, tokens: &[Token]) {
        if tokens.iter().any(|t| t.kind == TokenKind::Error) {
            return;
        }
        let verb = tokens[0];
        let verb_text = verb.span.slice(self.text);
        if verb.kind != TokenKind::Word || !SET_VERBS.contains(&verb_text) {
            self.errors.report(
                verb.span,
                format!("`{verb_text}` is not a configuration command; expected `set`, `deactivate`, `activate`, `delete` or `insert`"),
            );
            return;
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
                        return;
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
                    return;
                }
            }
            i += 1;
        }
        if words.is_empty() {
            self.errors
                .report(verb.span, format!("`{verb_text}` needs a statement path"));
            return;
        }
        let end = tokens[tokens.len() - 1].span;
        match verb_text {
            "set" => {
                let tags = Tags {
                    start: Some(verb.span),
                    ..Tags::default()
                };
                self.statement(Some(ConfigTree::ROOT), &words, &tags, end, false);
            }
            "insert" => self.insert(&words, end),
            _ => {
                let Some(node) = self.path(&words, verb_text == "deactivate", verb.span.cover(end))
                else {
                    return;
                };
                match verb_text {
                    "deactivate" => self.tree.node_mut(node).inactive = true,
                    "activate" => self.tree.node_mut(node).inactive = false,
                    _ => self.tree.node_mut(node).deleted = true,
                }
            }
        }
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
        let position = words.iter().position(
            |w| matches!(w, Word::Single(s) if matches!(s.slice(self.text), "before" | "after")),
        );
        let (Some(p), true) = (position, words.len() >= 2) else {
            self.errors.report(
                words[0].span().cover(end),
                "`insert` needs `before` or `after` and the element to move next to".into(),
            );
            return;
        };
        let Word::Single(reference) = words[words.len() - 1] else {
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
        let children = &mut self.tree.node_mut(parent).children;
        children.retain(|&c| c != moved);
        let at = children
            .iter()
            .position(|&c| c == anchor)
            .expect("anchor is a sibling");
        children.insert(if before { at } else { at + 1 }, moved);
    }
}
