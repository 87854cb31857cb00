//! Any bytes as a peer's byte stream through the remote protocol decoder (cut at an arbitrary
//! point, as reads would; the first part pushed, the second read in place through `spare`), each
//! frame through the listener's record-line extraction, and the bytes as audisp-remote.conf text
//! through its reader: nothing may panic, every frame returned must be whole and within the size
//! limit, and the decoder may hold at most one partial frame when it waits for more.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use raudit_remote::wire::{self, Decoder, HEADER_SIZE, MAX_PAYLOAD};

fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let mut d = Decoder::new();
    'stream: for (i, part) in [&data[..cut], &data[cut..]].into_iter().enumerate() {
        if i == 0 {
            d.push(part);
        } else {
            let want = part.len() + 7;
            d.spare(want)[..part.len()].copy_from_slice(part);
            d.filled(want, part.len());
        }
        loop {
            match d.next_frame() {
                Ok(Some(f)) => {
                    assert!(f.payload.len() <= MAX_PAYLOAD);
                    assert_eq!(f.payload.len(), usize::from(f.header.length));
                    let line = wire::record_line(f.payload);
                    assert!(line.len() <= f.payload.len());
                    assert!(!line.contains(&0));
                }
                Ok(None) => break,
                Err(_) => break 'stream,
            }
        }
        assert!(d.pending() < HEADER_SIZE + MAX_PAYLOAD);
    }
    let _ = d.finish();
    // The conf reader stats exec paths: skip inputs naming dev or proc (see the config target).
    if data.windows(3).any(|w| w == b"dev") || data.windows(4).any(|w| w == b"proc") {
        return;
    }
    if let Err(e) = raudit_remote::conf::load_str(data, Path::new("/etc/audit/audisp-remote.conf"))
    {
        let _ = e.to_string();
    }
});
