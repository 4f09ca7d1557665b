//! The configuration tree: every statement of every file, merged the way Junos merges them.
//!
//! Both input forms land here. A statement's words become a chain of nodes (`filter F { term T { then
//! accept; } }` and `set … filter F term T then accept` give `filter → F → term → T → then → accept`), and a
//! node with the same word under the same parent is the same node, so repeated blocks merge as Junos merges
//! them on `load merge`. Children keep the order in which they first appeared: that order is term order.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use crate::source::SourceMap;
use crate::span::{Loc, Span};

/// Index of a node in its [`ConfigTree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// One word of configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The word itself (for a quoted string, the text between the quotes).
    pub word: Loc,
    /// The whole statement the word came from, in the word's file: see [`Node::statement`].
    statement: Span,
    /// The parent; the root is its own parent.
    pub parent: NodeId,
    /// Children in the order they first appeared, as a list linked through `next_sibling`: no allocation
    /// per node. The root is never a child, so [`ConfigTree::ROOT`] stands for "none".
    first_child: NodeId,
    last_child: NodeId,
    next_sibling: NodeId,
    /// Children linked under this node, deleted ones included, counted up to `u16::MAX`: only whether
    /// there are more than [`SCAN_LIMIT`] matters.
    child_count: u16,
    /// Marked `inactive:` or deactivated: not part of the deployed configuration.
    pub inactive: bool,
    /// Removed by `delete` (kept in the arena so ids stay stable).
    pub deleted: bool,
}

// Nodes are most of the memory a configuration is read into: keep them small.
const _: () = assert!(std::mem::size_of::<Node>() == 40);

impl Node {
    fn new(word: Loc, statement: Loc, parent: NodeId) -> Self {
        debug_assert_eq!(
            word.file, statement.file,
            "a word and its statement share a file"
        );
        Self {
            word,
            statement: statement.span,
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            child_count: 0,
            inactive: false,
            deleted: false,
        }
    }

    /// The whole statement the word came from, for underlining.
    pub fn statement(&self) -> Loc {
        Loc {
            file: self.word.file,
            span: self.statement,
        }
    }
}

/// "No node" in the sibling links.
const NONE: NodeId = ConfigTree::ROOT;

/// The merged configuration of one unit (one file, or several files merged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigTree {
    nodes: Vec<Node>,
    /// Finds a child by its word when a node has many children: (parent, hash of word) → first child with
    /// that hash. Collisions fall back to a scan.
    index: HashMap<(u32, u64), NodeId, BuildHasherDefault<WordHasher>>,
    /// Statements that ended at a line break before `}` instead of at `;`: the first node of each and the
    /// place where `;` is missing. The model builder decides how to report them.
    pub unterminated: Vec<(NodeId, Loc)>,
    /// Comments and annotations that are `rulecheck:` directives, with the statement each stands before.
    pub annotations: Vec<Annotation>,
}

/// A `rulecheck:` directive written as a comment or a Junos annotation (see [`crate::suppress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The comment, or the annotation's string.
    pub text: Loc,
    /// The node of the statement it stands before; `None` when it stands before no statement.
    pub node: Option<NodeId>,
    /// Whether it applies to the innermost term, flow route or filter on the path to `node` (a directive
    /// before a `set` command or a one-line statement) rather than to `node` itself (before a block).
    pub innermost: bool,
    /// Whether it was written with `annotate` (which names its statement) rather than as a comment.
    pub annotate: bool,
}

/// Children are scanned linearly up to this many; beyond, the index is used.
const SCAN_LIMIT: u16 = 12;

impl Default for ConfigTree {
    fn default() -> Self {
        Self::new()
    }
}

/// The children of one node, in order, deleted ones included.
struct Siblings<'t> {
    nodes: &'t [Node],
    next: NodeId,
}

impl Iterator for Siblings<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = self.next;
        if id == NONE {
            return None;
        }
        self.next = self.nodes[id.0 as usize].next_sibling;
        Some(id)
    }
}

impl ConfigTree {
    /// A tree holding only the root.
    pub fn new() -> Self {
        Self::with_capacity(1)
    }

    /// A tree with room for `nodes` nodes before it reallocates.
    pub fn with_capacity(nodes: usize) -> Self {
        let mut all = Vec::with_capacity(nodes.max(1));
        all.push(Node::new(Loc::default(), Loc::default(), Self::ROOT));
        Self {
            nodes: all,
            index: HashMap::default(),
            unterminated: Vec::new(),
            annotations: Vec::new(),
        }
    }

    /// Makes room for `additional` more nodes.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.nodes.reserve(additional);
    }

    /// The root: its children are the top-level statements.
    pub const ROOT: NodeId = NodeId(0);

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub(crate) fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.0 as usize]
    }

    /// The number of nodes, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds only the root.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    fn siblings(&self, parent: NodeId) -> Siblings<'_> {
        Siblings {
            nodes: &self.nodes,
            next: self.node(parent).first_child,
        }
    }

    /// The live (not deleted) children of a node, in order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.siblings(id).filter(|&c| !self.node(c).deleted)
    }

    /// Whether this node or any ancestor is inactive.
    pub fn is_inactive(&self, mut id: NodeId) -> bool {
        loop {
            let node = self.node(id);
            if node.inactive {
                return true;
            }
            if id == Self::ROOT {
                return false;
            }
            id = node.parent;
        }
    }

    /// The child of `parent` whose word is `text`.
    pub fn find(&self, sources: &SourceMap, parent: NodeId, text: &str) -> Option<NodeId> {
        let is_live_match = |c: NodeId| {
            let node = self.node(c);
            !node.deleted && sources.text(node.word).as_bytes() == text.as_bytes()
        };
        if self.node(parent).child_count > SCAN_LIMIT {
            let hit = *self.index.get(&(parent.0, hash(text)))?;
            if is_live_match(hit) {
                return Some(hit);
            }
        }
        self.siblings(parent).find(|&c| is_live_match(c))
    }

    /// The child of `parent` with `word`, created if there is none.
    pub(crate) fn child(
        &mut self,
        sources: &SourceMap,
        parent: NodeId,
        word: Loc,
        statement: Loc,
    ) -> NodeId {
        if let Some(found) = self.find(sources, parent, sources.text(word)) {
            return found;
        }
        self.push_child(sources, parent, word, statement)
    }

    /// Adds a child of `parent` with `word`, which it does not have yet.
    #[inline]
    fn push_child(
        &mut self,
        sources: &SourceMap,
        parent: NodeId,
        word: Loc,
        statement: Loc,
    ) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node::new(word, statement, parent));
        let last = self.node(parent).last_child;
        if last == NONE {
            self.node_mut(parent).first_child = id;
        } else {
            self.node_mut(last).next_sibling = id;
        }
        let siblings = self.node_mut(parent);
        siblings.last_child = id;
        siblings.child_count = siblings.child_count.saturating_add(1);
        let count = siblings.child_count;
        if count == SCAN_LIMIT + 1 {
            // Index the siblings that were scanned until now.
            let earlier: Vec<NodeId> = self.siblings(parent).collect();
            for c in earlier {
                let h = hash(sources.text(self.node(c).word));
                self.index_child(parent, h, c);
            }
        } else if count > SCAN_LIMIT {
            self.index_child(parent, hash(sources.text(word)), id);
        }
        id
    }

    /// Makes `child` the indexed node for its word's hash under `parent`, unless a live sibling holds the
    /// place. A deleted node (`replace:`, `delete`) gives its place up, or every later lookup of the word
    /// would fall back to scanning the siblings.
    fn index_child(&mut self, parent: NodeId, hash: u64, child: NodeId) {
        match self.index.entry((parent.0, hash)) {
            Entry::Vacant(slot) => {
                slot.insert(child);
            }
            Entry::Occupied(mut slot) => {
                if self.nodes[slot.get().0 as usize].deleted {
                    slot.insert(child);
                }
            }
        }
    }

    /// Removes every child of `id` (for `replace:` and `delete`).
    pub(crate) fn clear(&mut self, id: NodeId) {
        let children: Vec<NodeId> = self.siblings(id).collect();
        for c in children {
            self.node_mut(c).deleted = true;
        }
        let node = self.node_mut(id);
        node.first_child = NONE;
        node.last_child = NONE;
        node.child_count = 0;
    }

    /// Moves `moved` next to its sibling `anchor`, before or after it (`insert … before|after …`).
    pub(crate) fn move_next_to(&mut self, moved: NodeId, anchor: NodeId, before: bool) {
        let parent = self.node(moved).parent;
        if moved == anchor || self.node(anchor).parent != parent {
            return;
        }
        let mut order: Vec<NodeId> = self.siblings(parent).filter(|&c| c != moved).collect();
        let Some(at) = order.iter().position(|&c| c == anchor) else {
            return;
        };
        order.insert(if before { at } else { at + 1 }, moved);
        for pair in order.windows(2) {
            self.node_mut(pair[0]).next_sibling = pair[1];
        }
        let (first, last) = (order[0], order[order.len() - 1]);
        self.node_mut(last).next_sibling = NONE;
        let node = self.node_mut(parent);
        node.first_child = first;
        node.last_child = last;
    }

    /// Adds `part`, a tree read from text that comes after the text of this one, as if that text had been
    /// read into this tree: its nodes merge with the ones here by word, as [`ConfigTree::child`] merges
    /// them, and come after them in the same order. `anchors` pairs each node of `part` that stands for a
    /// block open where its text starts (its root, and the enclosing blocks it closed) with that block's
    /// node here. `part` must not have deleted or moved anything. Returns the node here of each node of
    /// `part`, by its id.
    pub(crate) fn graft(
        &mut self,
        sources: &SourceMap,
        part: &ConfigTree,
        anchors: &[(NodeId, NodeId)],
    ) -> Vec<NodeId> {
        const UNMAPPED: NodeId = NodeId(u32::MAX);
        let mut map = vec![UNMAPPED; part.nodes.len()];
        for &(there, here) in anchors {
            map[there.0 as usize] = here;
        }
        // Which node of `part` made each node added here; `u32::MAX` once another merged with it. The
        // children of a node added here for one node of `part` are new too and need no search.
        let base = self.nodes.len();
        let mut maker: Vec<u32> = Vec::with_capacity(part.nodes.len());
        const SHARED: u32 = u32::MAX;
        self.nodes.reserve(part.nodes.len());
        for (id, node) in part.nodes.iter().enumerate().skip(1) {
            if map[id] != UNMAPPED {
                continue;
            }
            // A node's parent is made before it, so it is mapped by now.
            let parent = map[node.parent.0 as usize];
            let only_child_of_new =
                (parent.0 as usize) >= base && maker[parent.0 as usize - base] == node.parent.0;
            let here = if only_child_of_new {
                self.push_child(sources, parent, node.word, node.statement())
            } else {
                self.child(sources, parent, node.word, node.statement())
            };
            if here.0 as usize == base + maker.len() {
                maker.push(id as u32);
            } else if here.0 as usize >= base {
                maker[here.0 as usize - base] = SHARED;
            }
            if node.inactive {
                self.node_mut(here).inactive = true;
            }
            map[id] = here;
        }
        let at = |id: NodeId| map[id.0 as usize];
        self.unterminated
            .extend(part.unterminated.iter().map(|&(node, loc)| (at(node), loc)));
        self.annotations
            .extend(part.annotations.iter().map(|a| Annotation {
                node: a.node.map(at),
                ..*a
            }));
        map
    }

    /// A node outside the tree (no parent links to it), standing for a block open where a part of a file
    /// starts; see [`ConfigTree::graft`].
    pub(crate) fn outer_block(&mut self) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes
            .push(Node::new(Loc::default(), Loc::default(), Self::ROOT));
        id
    }

    /// The path of words from the root to `id`, for messages.
    pub fn path(&self, sources: &SourceMap, mut id: NodeId) -> Vec<String> {
        let mut words = Vec::new();
        while id != Self::ROOT {
            let node = self.node(id);
            words.push(sources.text(node.word).to_owned());
            id = node.parent;
        }
        words.reverse();
        words
    }

    /// The span of a node's own word.
    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).word.span
    }
}

fn hash(text: &str) -> u64 {
    let mut h = WordHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// The hash of the tree's index: eight bytes of a word at a time, each mixed in by a folded multiply
/// (the 128-bit product of the state and the bytes, its halves XORed), which carries every bit of the
/// bytes into every bit of the state. The multiply-rotate hash of rustc, used here before, let
/// differences in the high bits of one chunk cancel against the low bits of the next: names numbered
/// as generators number them (`police-icmp-239926` and `police-icmp-239196`) collided by the
/// thousand, and every collision made a lookup scan all of a filter's terms.
#[derive(Default, Clone, Copy)]
pub struct WordHasher {
    hash: u64,
}

/// Odd constants of the folded multiply (those of wyhash).
const MIX: [u64; 2] = [0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db];

impl WordHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word ^ MIX[0]) * u128::from(MIX[1]);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunk of 8")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
        self.add(bytes.len() as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names numbered as generators and people number them hash apart: a collision costs a scan of
    /// every sibling.
    #[test]
    fn numbered_names_do_not_collide() {
        let mut seen = std::collections::HashMap::new();
        for prefix in [
            "police-icmp-",
            "allow-mgmt-",
            "t",
            "term-",
            "10.0.",
            "2001:db8::",
        ] {
            for n in 0..200_000u32 {
                let word = format!("{prefix}{n}");
                if let Some(other) = seen.insert(hash(&word), word.clone()) {
                    panic!("`{word}` and `{other}` have the same hash");
                }
            }
        }
    }
}
