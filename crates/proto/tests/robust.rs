//! Decoders never panic: random bytes, every truncation of valid
//! encodings, and random `nlmsg_len` values all give a value or an error.

use raudit_proto::nl::{self, ErrorMsg, Header, LengthMode};
use raudit_proto::status::{make_equiv_payload, parse_make_equiv};
use raudit_proto::{Features, RuleData, SigInfo, Status, TtyStatus};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn decode_everything(bytes: &[u8]) {
    let _ = RuleData::decode(bytes);
    let _ = Status::decode(bytes);
    let _ = Features::decode(bytes);
    let _ = SigInfo::decode(bytes);
    let _ = TtyStatus::decode(bytes);
    let _ = Header::decode(bytes);
    let _ = ErrorMsg::decode(bytes);
    let _ = nl::error_code(bytes);
    let _ = parse_make_equiv(bytes);
    for mode in [LengthMode::Standard, LengthMode::UnicastRecords] {
        if let Ok(msgs) = nl::split_datagram(bytes, mode) {
            for m in msgs {
                assert!(m.payload.len() <= bytes.len());
                let _ = RuleData::decode(m.payload);
                let _ = Status::decode(m.payload);
            }
        }
    }
}

fn valid_samples() -> Vec<Vec<u8>> {
    let mut rule = RuleData { flags: 4, action: 2, ..RuleData::default() };
    rule.set_syscall(59);
    rule.push_field(105, 0x4000_0000, 11);
    rule.buf.extend_from_slice(b"/etc/shadow");
    rule.push_field(210, 0x4000_0000, 3);
    rule.buf.extend_from_slice(b"key");
    let status = Status { enabled: 1, backlog_wait_time: Some(1), ..Status::default() };
    let mut dgram = nl::request(1013, nl::NLM_F_MULTI, 1, &rule.encode());
    dgram.extend(nl::request(nl::NLMSG_DONE, nl::NLM_F_MULTI, 1, &[0; 4]));
    vec![
        rule.encode(),
        status.encode(),
        Features { vers: 1, mask: 1, features: 1, lock: 0 }.encode(),
        TtyStatus { enabled: 1, log_passwd: 0 }.encode(),
        make_equiv_payload(b"/mnt", b"/srv/x"),
        dgram,
        nl::request(1000, 0, 9, &status.encode()),
    ]
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = match rng.below(4) {
            0 => rng.below(20),
            1 => rng.below(64),
            2 => rng.below(1100),
            _ => 1040 + rng.below(300),
        };
        decode_everything(&rng.bytes(len));
    }
}

#[test]
fn every_truncation_of_valid_input_is_handled() {
    for sample in valid_samples() {
        for cut in 0..=sample.len() {
            decode_everything(&sample[..cut]);
        }
    }
    // Short inputs are errors, not zero-filled values.
    let full = valid_samples();
    assert!(RuleData::decode(&full[0][..1039]).is_err());
    assert!(Status::decode(&full[1][..31]).is_err());
    assert!(Features::decode(&full[2][..15]).is_err());
    assert!(TtyStatus::decode(&full[3][..3]).is_err());
    assert!(SigInfo::decode(&[0; 7]).is_err());
}

#[test]
fn corrupted_lengths_and_counts_never_panic() {
    let mut rng = Rng(42);
    for sample in valid_samples() {
        for _ in 0..2_000 {
            let mut bytes = sample.clone();
            // Overwrite one aligned word (lengths, counts, buflen) with noise
            // biased towards edge values.
            let at = rng.below(bytes.len() / 4) * 4;
            let word = match rng.below(4) {
                0 => 0,
                1 => u32::MAX,
                2 => rng.below(2048) as u32,
                _ => rng.next() as u32,
            };
            bytes[at..at + 4].copy_from_slice(&word.to_ne_bytes());
            decode_everything(&bytes);
        }
    }
}
