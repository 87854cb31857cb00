//! Any text as an ausearch `--checkpoint` file: parsing, the resume decision
//! and, for a file that parses, render then parse again must give it back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_search::checkpoint::{CheckpointFile, Resume};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(cp) = CheckpointFile::parse(&text, "fuzz") else { return };
    let mut resume = Resume::new(Some(cp.last.clone()), false);
    let _ = resume.decide(&cp.last);
    let again = CheckpointFile::parse(&cp.render(), "fuzz");
    // COMPAT: the file holds dev and inode as 32-bit numbers.
    if cp.dev == u64::from(cp.dev as u32) && cp.inode == u64::from(cp.inode as u32) {
        assert_eq!(again, Ok(cp));
    }
});
