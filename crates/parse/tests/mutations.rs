//! A seeded mutation loop over real record shapes: truncations, byte flips
//! and insertions of the characters the parser cares about. Nothing may
//! panic, and every event the assembler hands out holds records.

use raudit_parse::fields::Fields;
use raudit_parse::{Assembler, AssemblerConfig, Lines, Record};

const SEEDS: &[&[u8]] = &[
    b"type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd0 items=1 pid=200 auid=1000 comm=\"cat\" key=\"k\"\n",
    b"node=host2 type=USER_CMD msg=audit(1700000002.000:20): pid=1 uid=0 msg='cwd=\"/\" cmd=6C73 res=success'\x1dUID=\"root\"\n",
    b"type=EOE msg=audit(1700000001.100:10): \ntype=PROCTITLE msg=audit(1700000003.000:30): proctitle=636174\n",
    b"type=UNKNOWN[1999] msg=audit(1700000003.500:31): x=1\ntype=AVC msg=audit(1.5:7): avc:  denied  { read } tclass=file\n",
];

const SPECIAL: &[u8] = b" =\"'()\x1d\x00\n:.";

#[test]
fn mutated_logs_never_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut events = 0usize;
    for round in 0..20_000 {
        let mut data = SEEDS[round % SEEDS.len()].to_vec();
        for _ in 0..(rand() % 6) {
            let at = (rand() as usize) % (data.len() + 1);
            match rand() % 4 {
                0 => data.truncate(at),
                1 if at < data.len() => data[at] ^= 1 << (rand() % 8),
                2 => data.insert(at, SPECIAL[(rand() as usize) % SPECIAL.len()]),
                _ => data.insert(at, (rand() % 256) as u8),
            }
        }
        let mut asm = Assembler::new(AssemblerConfig { eoe_timeout: rand() % 4 });
        for line in Lines::new(&data) {
            if let Ok(record) = Record::parse(line, 2) {
                let _ = Fields::new(record.body()).count();
                let _ = record.type_name();
                asm.push(record);
                while let Some(e) = asm.pop_ready() {
                    assert!(!e.records.is_empty());
                    events += 1;
                }
            }
        }
        asm.finish();
        while let Some(e) = asm.pop_ready() {
            assert!(!e.records.is_empty());
            events += 1;
        }
    }
    assert!(events > 10_000, "the mutations destroyed nearly every record ({events} events)");
}
