//! A connection per thread, closed once its thread has ended: both store crates hold this file
//! (a symbolic link in each `src/`, so that each packages it whole), so that a host whose blocking threads come and go (an async runtime's pool) does not
//! leave a connection open for every thread it ever ran.
//!
//! A thread's end is seen through a marker each thread owns (a thread-local `Arc` with no
//! destructor of note): the connections of threads whose marker is gone are closed the next
//! time any thread opens one, on that live thread, never inside a thread-local destructor
//! (where a database client may no longer reach the runtime or the thread's state it needs).
//! So at most as many connections are open as threads use the store, plus those of threads
//! that ended since the last one was opened.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::ThreadId;

thread_local! {
    /// Alive while its thread is.
    static ALIVE: Arc<()> = Arc::new(());
}

/// A thread's value, and the marker of its thread's life.
type Held<C> = (Weak<()>, Arc<Mutex<C>>);

/// One `C` per thread that asked for one.
pub(crate) struct PerThread<C> {
    values: Mutex<HashMap<ThreadId, Held<C>>>,
}

impl<C> Default for PerThread<C> {
    fn default() -> Self {
        Self { values: Mutex::default() }
    }
}

impl<C> PerThread<C> {
    /// This thread's value, made by `open` the first time; the values of threads that ended
    /// are dropped then.
    pub(crate) fn get_or_open<E>(&self, open: impl FnOnce() -> Result<C, E>) -> Result<Arc<Mutex<C>>, E> {
        let thread = std::thread::current().id();
        if let Some((_, value)) = lock(&self.values).get(&thread) {
            return Ok(Arc::clone(value));
        }
        // Opened unlocked: a connection may take seconds, and other threads use theirs meanwhile.
        let value = Arc::new(Mutex::new(open()?));
        let alive = ALIVE.with(Arc::downgrade);
        let ended: Vec<_> = {
            let mut values = lock(&self.values);
            values.insert(thread, (alive, Arc::clone(&value)));
            let gone: Vec<ThreadId> =
                values.iter().filter(|(_, (alive, _))| alive.strong_count() == 0).map(|(id, _)| *id).collect();
            gone.into_iter().filter_map(|id| values.remove(&id)).collect()
        };
        // Closed outside the lock: closing says goodbye to the server.
        drop(ended);
        Ok(value)
    }

    /// How many values are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.values).len()
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::PerThread;

    #[test]
    fn the_values_of_ended_threads_are_dropped_when_another_is_opened() {
        let per_thread = std::sync::Arc::new(PerThread::<String>::default());
        for n in 0..20 {
            let theirs = std::sync::Arc::clone(&per_thread);
            // Joined, so ended: its thread-locals are gone.
            std::thread::spawn(move || theirs.get_or_open(|| Ok::<_, ()>(format!("thread {n}"))).map(drop))
                .join()
                .unwrap()
                .unwrap();
            assert_eq!(per_thread.len(), 1, "the thread before it was dropped as it opened");
        }
        let here = per_thread.get_or_open(|| Ok::<_, ()>("here".to_owned())).unwrap();
        assert_eq!(per_thread.len(), 1, "only this live thread's");
        let again = per_thread.get_or_open(|| Ok::<_, ()>("another".to_owned())).unwrap();
        assert!(std::sync::Arc::ptr_eq(&here, &again), "the same value for the same thread");
    }
}
