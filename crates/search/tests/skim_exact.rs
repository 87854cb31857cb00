//! The selective path (crate::skim, which reads only the regions around
//! the criteria's literals) against the whole-log path, on generated logs
//! large enough to have many regions: the output must be the same bytes.
//! The whole-log path extracts every event (no literal passes any over).

use raudit_search::{Criteria, Format, IdCriterion, Settings, Success, search, search_exhaustive};
use raudit_sys::FixedHost;

use raudit_testkit::Rng;

/// Pid 77777 as the log may write it: plainly, with a leading zero or sign, or past 32 bits.
const RARE_PID_SPELLINGS: [&str; 5] = ["77777", "077777", "+77777", "4295045073", "-4294889519"];

/// About `size` bytes of log: storms of syscall events with and without
/// EOE, rare keys (quoted, hex, several keys in one), rare executables,
/// user events (single-record types), late records of an event, and
/// events with the same timestamp. `disorder` puts some records a few
/// seconds back in time.
fn log(size: usize, seed: u64, disorder: bool) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(size + 4096);
    let (mut sec, mut milli, mut serial) = (1_700_000_000u64, 0u64, 100u64);
    while out.len() < size {
        // Bursty: some stretches advance time slowly (a storm), others fast.
        milli += if rng.below(50) == 0 { 900 + rng.below(3000) } else { rng.below(4) };
        sec += milli / 1000;
        milli %= 1000;
        serial += 1;
        let mut at = (sec, milli, serial);
        if disorder && rng.below(5000) == 0 {
            at.0 -= 1 + rng.below(4);
        }
        let stamp = format!("audit({}.{:03}:{})", at.0, at.1, at.2);
        let key = match rng.below(12000) {
            0 => "key=\"rare-key\"".to_string(),
            1 => "key=726172652D6B6579016F74686572".to_string(),
            2..=9 => "key=(null)".to_string(),
            _ => "key=\"storm\"".to_string(),
        };
        let exe = if rng.below(12000) == 0 { "/usr/bin/passwd" } else { "/usr/bin/storm" };
        match rng.below(100) {
            0..=1 => {
                let line = format!(
                    "type=USER_AUTH msg={stamp}: pid={} uid=0 auid=1000 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"{exe}\" hostname=? addr=? terminal=pts/0 res=success'\n",
                    rng.below(90000)
                );
                out.extend_from_slice(line.as_bytes());
                // Now and then a second user record with the same stamp.
                if rng.below(10) == 0 {
                    out.extend_from_slice(line.replace("USER_AUTH", "USER_ACCT").as_bytes());
                }
            }
            _ => {
                // A rare pid and login uid, in every spelling `(unsigned)strtoul` reads as them.
                let pid = match rng.below(3000) {
                    0 => RARE_PID_SPELLINGS[rng.below(RARE_PID_SPELLINGS.len() as u64) as usize]
                        .to_string(),
                    _ => rng.below(90000).to_string(),
                };
                let auid = match rng.below(3000) {
                    0 => "4321",
                    1 => "004321",
                    _ => "1000",
                };
                out.extend_from_slice(format!(
                    "type=SYSCALL msg={stamp}: arch=c000003e syscall=110 success=yes exit=1 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid={pid} auid={auid} uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"storm\" exe=\"{exe}\" {key}\n"
                ).as_bytes());
                out.extend_from_slice(
                    format!("type=PROCTITLE msg={stamp}: proctitle=73746F726D\n").as_bytes(),
                );
                if rng.below(3) != 0 {
                    out.extend_from_slice(format!("type=EOE msg={stamp}: \n").as_bytes());
                }
            }
        }
        // Rare: two logins with one stamp (same timestamp, single-record
        // events), a kernel anomaly of its own.
        if rng.below(15000) == 0 {
            let line = format!(
                "type=USER_LOGIN msg={stamp}: pid=1 uid=0 auid=1000 ses=1 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'\n"
            );
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(line.as_bytes());
        }
        if rng.below(15000) == 0 {
            serial += 1;
            out.extend_from_slice(format!("type=ANOM_ABEND msg=audit({}.{:03}:{serial}): auid=1000 uid=0 gid=0 ses=1 pid=7 comm=\"crash\" exe=\"/usr/bin/crash\" sig=11 res=1\n", at.0, at.1).as_bytes());
        }
        // A late record of an earlier event, now and then.
        if rng.below(700) == 0 {
            out.extend_from_slice(
                format!("type=CWD msg={stamp}: cwd=\"/late\"\n")
                    .replace(&format!(":{}", at.2), &format!(":{}", at.2 - 1))
                    .as_bytes(),
            );
        }
    }
    out
}

fn run(input: &[u8], settings: &Settings, exhaustive: bool) -> (Vec<u8>, Vec<u8>, bool) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let host = FixedHost::new();
    let outcome = if exhaustive {
        search_exhaustive(&[input], settings, &mut out, &mut err, &host, &|_, _| {})
    } else {
        search(&[input], settings, &mut out, &mut err, &host, &|_, _| {})
    }
    .unwrap();
    (out, err, outcome.found)
}

fn criteria() -> Vec<Criteria> {
    let key = |k: &str, whole: bool| Criteria {
        key: Some(k.as_bytes().to_vec()),
        whole_word: whole,
        ..Criteria::default()
    };
    vec![
        key("rare-key", false),
        key("rare-key", true),
        key("other", false),
        key("nosuchkey", false),
        key("storm", false),
        Criteria { exe: Some(b"/usr/bin/passwd".to_vec()), ..Criteria::default() },
        Criteria {
            exe: Some(b"passwd".to_vec()),
            key: Some(b"rare".to_vec()),
            ..Criteria::default()
        },
        // USER_ACCT (1101) always shares its stamp with a USER_AUTH; CWD
        // (1307) records come late.
        Criteria { msg_types: Some(vec![1101]), ..Criteria::default() },
        Criteria { msg_types: Some(vec![1307, 1100]), ..Criteria::default() },
        Criteria { msg_types: Some(vec![1112]), ..Criteria::default() },
        Criteria { msg_types: Some(vec![1701]), ..Criteria::default() },
        Criteria { pid: Some(77777), ..Criteria::default() },
        Criteria { uid_all: Some(IdCriterion::Number(4321)), ..Criteria::default() },
        Criteria { loginuid: Some(IdCriterion::Number(4321)), ..Criteria::default() },
        Criteria { success: Some(Success::No), ..Criteria::default() },
    ]
}

fn compare(input: &[u8]) {
    for c in criteria() {
        for (format, timeout, just_one) in [(Format::Default, 2, false), (Format::Csv, 1, true)] {
            let settings = Settings {
                criteria: c.clone(),
                format,
                eoe_timeout: timeout,
                just_one,
                ..Settings::default()
            };
            let fast = run(input, &settings, false);
            let slow = run(input, &settings, true);
            assert!(
                fast == slow,
                "{c:?} {format:?} timeout {timeout}: {} against {} bytes",
                fast.0.len(),
                slow.0.len()
            );
        }
    }
}

#[test]
fn an_ordered_log_gives_the_same_output() {
    let input = log(5 << 20, 7, false);
    compare(&input);
    // The rare key is there: the comparison is not between two empty outputs.
    let settings = Settings { criteria: criteria()[0].clone(), ..Settings::default() };
    assert!(run(&input, &settings, false).2);
    // The rare pid is found in more than one spelling.
    let rare_pid = criteria().into_iter().find(|c| c.pid.is_some()).unwrap();
    let found = run(&input, &Settings { criteria: rare_pid, ..Settings::default() }, false).0;
    let found = String::from_utf8(found).unwrap();
    let spelt = RARE_PID_SPELLINGS.iter().filter(|p| found.contains(&format!(" pid={p} "))).count();
    assert!(spelt >= 2, "{spelt} spellings found:\n{found}");
}

#[test]
fn a_log_out_of_time_order_gives_the_same_output() {
    compare(&log(3 << 20, 11, true));
}

#[test]
fn a_time_window_gives_the_same_output() {
    let input = log(3 << 20, 13, false);
    for c in criteria() {
        let settings = Settings {
            criteria: c,
            start: Some(1_700_000_300),
            end: Some(1_700_002_000),
            ..Settings::default()
        };
        assert_eq!(run(&input, &settings, false), run(&input, &settings, true));
    }
}
