//! Work shared out among threads, with results in a fixed order: what rulecheck reports never depends
//! on the number of threads.

/// Most threads [`threads`] gives.
pub const MAX_THREADS: usize = 8;

/// The threads to use: as many as the machine has cores, at most [`MAX_THREADS`].
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS)
}

/// Bytes of text from which a pass over all of it (reading a file, indexing its lines) is done in two
/// halves at once.
pub const HALVES_BYTES: usize = 8 << 20;

/// `(beside(), here())`, `beside` on a thread of its own while `here` runs on this one. A panic in
/// either goes on in the caller.
pub fn join<A: Send, B>(beside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let beside = scope.spawn(beside);
        let here = here();
        let beside = beside
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (beside, here)
    })
}

/// `items.iter().map(f)` on up to `threads` threads: each takes the next item not yet taken, and the
/// results come back in the order of `items`.
pub fn parallel_map<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    *results[i]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .expect("every item is taken by a thread")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both results come back, each from its own side; a panic on the other thread reaches the caller.
    #[test]
    fn join_returns_both_and_passes_a_panic_on() {
        let here = std::thread::current().id();
        let (a, b) = join(
            || std::thread::current().id(),
            || std::thread::current().id(),
        );
        assert!(a != here && b == here);
        let caught = std::panic::catch_unwind(|| join(|| panic!("beside"), || 1));
        assert!(caught.is_err());
    }
}
