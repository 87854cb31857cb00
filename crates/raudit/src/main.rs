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
    // The log tools allocate and free batch buffers of a few hundred KiB
    // all the time; with glibc's defaults each one is a fresh mmap whose
    // pages the kernel zeroes again. Keeping them in the heap saves that.
    // SAFETY: mallopt only tunes the allocator; called before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
    }
    raudit::dispatch::main()
}
