//! Any bytes as auditd.conf text through the reader, every key's parser and
//! the sanity checks: nothing may panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Some keys open or stat the paths they name (log_file, exec actions);
    // as root, opening a tty or a FIFO could take a terminal or block.
    if data.windows(3).any(|w| w == b"dev") || data.windows(4).any(|w| w == b"proc") {
        return;
    }
    match raudit_config::load_str(data, Path::new("/etc/audit/auditd.conf")) {
        Ok(loaded) => assert!(loaded.file_found),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
