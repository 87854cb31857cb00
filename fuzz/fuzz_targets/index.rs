//! Any bytes as a log's index (`.raudit-index/INODE`): the reader must refuse or accept them
//! without panicking; an accepted index encodes back to the same bytes, and a search handed it
//! (even over a log it does not fit: the caller's check is skipped here) must not panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use raudit_search::criteria::Criteria;
use raudit_search::index::{self, Index};
use raudit_search::{Settings, search};

/// A log of several blocks, and its own index's bytes (the first input seeds).
fn log() -> &'static Vec<u8> {
    static LOG: OnceLock<Vec<u8>> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut out = Vec::new();
        for i in 0..4000u64 {
            let key = if i % 777 == 0 { "rare-key" } else { "storm" };
            out.extend_from_slice(
                format!(
                    "type=SYSCALL msg=audit({}.{:03}:{i}): arch=c000003e syscall=2 success=yes \
                     exit=3 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid={} auid=1000 uid=0 gid=0 \
                     euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" \
                     exe=\"/usr/bin/x\" key=\"{key}\"\ntype=EOE msg=audit({}.{:03}:{i}): \n",
                    1_700_000_000 + i / 20,
                    i % 1000,
                    i % 300,
                    1_700_000_000 + i / 20,
                    i % 1000
                )
                .as_bytes(),
            );
        }
        out
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(ix) = Index::decode(data) else { return };
    assert_eq!(ix.encode(), data);
    let _ = (ix.time_range(), ix.serial_range());
    let input = log();
    let _ = ix.fits(0, 0, input);
    let ix = Arc::new(ix);
    for c in [
        Criteria { key: Some(b"rare-key".to_vec()), ..Criteria::default() },
        Criteria { pid: Some(7), ..Criteria::default() },
        Criteria { msg_types: Some(vec![1300]), ..Criteria::default() },
    ] {
        let q = index::Query::of(&c, Some(1_700_000_010), None).unwrap();
        let _ = q.hits(&ix.blocks);
        let settings = Settings { criteria: c, indexes: vec![Some(ix.clone())], ..Settings::default() };
        let host = raudit_sys::FixedHost::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = search(&[input], &settings, &mut out, &mut err, &host, &|_, _| {});
    }
});
