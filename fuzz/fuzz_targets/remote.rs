//! Any bytes as a peer's byte stream through the remote protocol decoder (cut at an arbitrary
//! point, as reads would), and as audisp-remote.conf text through its reader: nothing may panic,
//! and every frame returned must be whole and within the size limit.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use raudit_remote::wire::{Decoder, MAX_PAYLOAD};

fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let mut d = Decoder::new();
    for part in [&data[..cut], &data[cut..]] {
        d.push(part);
        loop {
            match d.next_frame() {
                Ok(Some(f)) => {
                    assert!(f.payload.len() <= MAX_PAYLOAD);
                    assert_eq!(f.payload.len(), usize::from(f.header.length));
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = d.finish();
    // The conf reader stats exec paths: skip inputs naming dev or proc (see the config target).
    if data.windows(3).any(|w| w == b"dev") || data.windows(4).any(|w| w == b"proc") {
        return;
    }
    if let Err(e) = raudit_remote::conf::load_str(data, Path::new("/etc/audit/audisp-remote.conf")) {
        let _ = e.to_string();
    }
});
