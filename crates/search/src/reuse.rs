//! Vectors whose memory serves one event after another.

/// `v` emptied, as a vector of a type of the same layout (in practice the
/// same type with another lifetime): collecting an empty vector's
/// iterator into one of the same layout keeps its memory (std collects in
/// place), so a thread's scratch can outlive the events it borrows from.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!("the vector is empty")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_kept() {
        let text = String::from("borrowed");
        let mut words: Vec<&str> = Vec::with_capacity(100);
        words.push(&text);
        let kept: Vec<&'static str> = recycle(words);
        assert!(kept.is_empty());
        assert!(kept.capacity() >= 100, "capacity {}", kept.capacity());
    }
}
