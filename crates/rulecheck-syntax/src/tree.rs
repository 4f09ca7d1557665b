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
#[derive(Clone, Debug)]
pub struct Node {
    /// The word itself (for a quoted string, the text between the quotes).
    pub word: Loc,
    /// The whole statement the word came from, for underlining.
    pub statement: Loc,
    /// The parent; the root is its own parent.
    pub parent: NodeId,
    /// Children in the order they first appeared.
    pub children: Vec<NodeId>,
    /// Marked `inactive:` or deactivated: not part of the deployed configuration.
    pub inactive: bool,
    /// Removed by `delete` (kept in the arena so ids stay stable).
    pub deleted: bool,
}

/// The merged configuration of one unit (one file, or several files merged).
#[derive(Clone, Debug)]
pub struct ConfigTree {
    nodes: Vec<Node>,
    /// Finds a child by its word when a node has many children: (parent, hash of word) → first child with
    /// that hash. Collisions fall back to a scan.
    index: HashMap<(u32, u64), NodeId, BuildHasherDefault<FxHasher>>,
    /// Statements that ended at a line break before `}` instead of at `;`: the first node of each and the
    /// place where `;` is missing. The model builder decides how to report them.
    pub unterminated: Vec<(NodeId, Loc)>,
}

/// Children are scanned linearly up to this many; beyond, the index is used.
const SCAN_LIMIT: usize = 12;

impl Default for ConfigTree {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigTree {
    /// A tree holding only the root.
    pub fn new() -> Self {
        Self {
            nodes: vec![Node {
                word: Loc::default(),
                statement: Loc::default(),
                parent: NodeId(0),
                children: Vec::new(),
                inactive: false,
                deleted: false,
            }],
            index: HashMap::default(),
            unterminated: Vec::new(),
        }
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

    /// The live (not deleted) children of a node.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.node(id)
            .children
            .iter()
            .copied()
            .filter(|&c| !self.node(c).deleted)
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
        let children = &self.node(parent).children;
        if children.len() <= SCAN_LIMIT {
            return children
                .iter()
                .copied()
                .find(|&c| sources.text(self.node(c).word) == text && !self.node(c).deleted);
        }
        let hit = *self.index.get(&(parent.0, hash(text)))?;
        if sources.text(self.node(hit).word) == text && !self.node(hit).deleted {
            return Some(hit);
        }
        children
            .iter()
            .copied()
            .find(|&c| sources.text(self.node(c).word) == text && !self.node(c).deleted)
    }

    /// The child of `parent` with `word`, created if there is none.
    pub(crate) fn child(
        &mut self,
        sources: &SourceMap,
        parent: NodeId,
        word: Loc,
        statement: Loc,
    ) -> NodeId {
        let text = sources.text(word);
        if let Some(found) = self.find(sources, parent, text) {
            return found;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            word,
            statement,
            parent,
            children: Vec::new(),
            inactive: false,
            deleted: false,
        });
        let siblings = &mut self.nodes[parent.0 as usize].children;
        siblings.push(id);
        let count = siblings.len();
        if count > SCAN_LIMIT {
            if count == SCAN_LIMIT + 1 {
                // Index the siblings that were scanned until now.
                let earlier: Vec<NodeId> = self.nodes[parent.0 as usize].children.clone();
                for c in earlier {
                    let h = hash(sources.text(self.node(c).word));
                    self.index_child(parent, h, c);
                }
            } else {
                self.index_child(parent, hash(text), id);
            }
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
        let children = std::mem::take(&mut self.node_mut(id).children);
        for c in children {
            self.node_mut(c).deleted = true;
        }
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
    let mut h = FxHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// The multiply-rotate hash used by rustc: fast on the short keys of configuration words.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
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
