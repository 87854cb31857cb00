use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed pipe ends the tools quietly, as it ends the reference's C
    // tools (`ausearch ... | head`); Rust ignores SIGPIPE by default, which
    // would turn every later print into an error.
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The log tools allocate and free buffers of a few hundred KiB all the
    // time; glibc's sliding mmap threshold would hand each a fresh mapping
    // whose pages the kernel zeroes again, so up to 1 MiB stays in the heap.
    // A fixed threshold also keeps glibc from raising it to the size of the
    // last large buffer freed, after which blocks of megabytes would stay
    // in the heap: a search's memory stays under 64 MiB (issue 14).
    // SAFETY: mallopt only tunes the allocator; called before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
    }
    raudit::dispatch::main()
}
