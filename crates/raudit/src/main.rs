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
    raudit::dispatch::main()
}
