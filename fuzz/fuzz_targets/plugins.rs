//! Any bytes as a plugins.d file through the dispatcher's reader: the tokenizer, the six keys'
//! parsers and the checks on an active plugin (which only stat its program). Nothing may panic,
//! and what is accepted must be usable: an active plugin has a path, an external one an absolute
//! path, and args keep at most three tokens.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use raudit_dispatch::pconfig::{PluginType, is_plugin_file_name, parse_plugin_text};

fuzz_target!(|data: &[u8]| {
    let _ = is_plugin_file_name(data);
    let mut diags = Vec::new();
    match parse_plugin_text(Path::new("/etc/audit/plugins.d/fuzz.conf"), data, &mut diags) {
        Ok(conf) => {
            assert!(conf.args.len() <= 3);
            if conf.active {
                let path = conf.path.as_ref().expect("an active plugin has a path");
                let builtin = path.as_os_str().len() >= 8
                    && path.as_os_str().as_encoded_bytes()[..8].eq_ignore_ascii_case(b"builtin_");
                if !builtin {
                    assert!(path.is_absolute());
                    assert_ne!(conf.inode, 0);
                }
                let _ = conf.kind == PluginType::Builtin;
            }
        }
        Err(skipped) => {
            assert!(!diags.is_empty());
            let _ = skipped.to_string();
        }
    }
    for d in &diags {
        let _ = d.text.len();
    }
});
