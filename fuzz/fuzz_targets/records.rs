//! Any bytes through the line splitter, the record parser, the field
//! iterator and the event assembler: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_parse::fields::Fields;
use raudit_parse::{Assembler, AssemblerConfig, Lines, Record};

fuzz_target!(|data: &[u8]| {
    let mut asm = Assembler::new(AssemblerConfig::default());
    for line in Lines::new(data) {
        if let Ok(record) = Record::parse(line, 2) {
            let _ = Fields::new(record.body()).count();
            asm.push(record);
            while asm.pop_ready().is_some() {}
        }
    }
    asm.finish();
    while asm.pop_ready().is_some() {}
});
