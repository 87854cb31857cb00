//! The index (raudit_search::index) never changes a search's output: searches with the logs'
//! indexes against the whole read (search_exhaustive), byte for byte, on
//! - generated logs large enough for many blocks (one file, a rotated set of three, a log that
//!   grew past its index, a log out of time order), with random queries built from the logs'
//!   own values (pids, uids, auids, executables and pieces of them, keys, types, nodes, serials,
//!   time windows);
//! - the repo's logs and the shared corpus (required under CI=true), with queries from their
//!   own values;
//! - through the binary: `raudit index`, then ausearch with the index, without it, with a
//!   damaged one, a stale one and after the log grew;
//! - aureport with `-ts`/`-te` windows over the same generated logs (the index spares it the
//!   blocks outside the window).

use std::path::Path;
use std::sync::Arc;

use raudit_report::{Kind, Logs, Options as ReportOptions};
use raudit_search::criteria::{Criteria, IdCriterion, Success};
use raudit_search::index::{self, Index};
use raudit_search::{Format, Settings, search, search_exhaustive};
use raudit_sys::FixedHost;

mod common;
use common::*;

use raudit_testkit::Rng;

const EXES: &[&str] =
    &["/usr/bin/storm", "/usr/bin/passwd", "/usr/sbin/sshd", "/usr/bin/cat", "/bin/rare-one"];
const KEYS: &[&str] = &["\"storm\"", "\"time-change\"", "(null)", "\"identity\"", "\"rare-key\""];

/// About `size` bytes of log with varied values; `disorder` puts some records back in time.
fn log(size: usize, seed: u64, disorder: bool) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(size + 4096);
    let (mut sec, mut milli, mut serial) = (1_700_000_000u64, 0u64, 100u64);
    while out.len() < size {
        milli +=
            if rng.index(40) == 0 { 900 + rng.index(3000) as u64 } else { rng.index(4) as u64 };
        sec += milli / 1000;
        milli %= 1000;
        serial += 1;
        let mut s = sec;
        if disorder && rng.index(4000) == 0 {
            s -= 1 + rng.index(4) as u64;
        }
        let node = if rng.index(30) == 0 { "node=host-b " } else { "" };
        let stamp = format!("audit({s}.{milli:03}:{serial})");
        // Rare values are rare: a few per log.
        let exe = if rng.index(3000) == 0 { EXES[4] } else { EXES[rng.index(4)] };
        let key = match rng.index(5000) {
            0 => "key=726172652D6B6579016F74686572".to_string(),
            1 => format!("key={}", KEYS[4]),
            _ => format!("key={}", KEYS[rng.index(4)]),
        };
        let pid = if rng.index(2000) == 0 { 4_294_968_530u64 } else { rng.index(3000) as u64 };
        let auid = [1000u32, 1001, 0, 4_294_967_295][rng.index(4)];
        let uid = if rng.index(2500) == 0 { 4242 } else { [0, 1000, 33][rng.index(3)] };
        match rng.index(100) {
            0..=3 => {
                let res = if rng.index(3) == 0 { "failed" } else { "success" };
                out.extend_from_slice(format!(
                    "{node}type=USER_AUTH msg={stamp}: pid={pid} uid={uid} auid={auid} ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"{exe}\" hostname=? addr=? terminal=pts/0 res={res}'\n"
                ).as_bytes());
            }
            _ => {
                let ok = if rng.index(5) == 0 { "no" } else { "yes" };
                out.extend_from_slice(format!(
                    "{node}type=SYSCALL msg={stamp}: arch=c000003e syscall=2 success={ok} exit=3 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid={pid} auid={auid} uid={uid} gid=0 euid={uid} suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"{exe}\" {key}\n"
                ).as_bytes());
                out.extend_from_slice(
                    format!("{node}type=PATH msg={stamp}: item=0 name=\"/etc/f{}\" inode=1 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n", rng.index(50)).as_bytes(),
                );
                if rng.index(3) != 0 {
                    out.extend_from_slice(format!("{node}type=EOE msg={stamp}: \n").as_bytes());
                }
            }
        }
        if rng.index(500) == 0 {
            // A late record of the previous event.
            out.extend_from_slice(
                format!("type=CWD msg=audit({s}.{milli:03}:{}): cwd=\"/late\"\n", serial - 1)
                    .as_bytes(),
            );
        }
    }
    out
}

/// Values the log's lines hold: `name=value` words, values unquoted.
fn values(log: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(log);
    let pat = format!("{name}=");
    let mut out: Vec<String> = text
        .split([' ', '\n', '\''])
        .filter_map(|w| w.strip_prefix(&pat))
        .map(|v| v.trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Random criteria (one to three of them, sometimes a time window) from `log`'s own values.
fn random_settings(log: &[u8], rng: &mut Rng) -> Settings {
    let mut c = Criteria::default();
    let pick = |rng: &mut Rng, name: &str| -> Option<String> {
        let v = values(log, name);
        (!v.is_empty()).then(|| rng.pick(&v).clone())
    };
    let number = |s: String| s.parse::<u64>().ok().map(|n| n as u32);
    let (mut start, mut end) = (None, None);
    for _ in 0..1 + rng.index(3) {
        match rng.index(12) {
            0 => c.pid = pick(rng, "pid").and_then(number),
            1 => c.uid = pick(rng, "uid").and_then(number).map(IdCriterion::Number),
            2 => c.loginuid = pick(rng, "auid").and_then(number).map(IdCriterion::Number),
            3 => c.uid_all = pick(rng, "uid").and_then(number).map(IdCriterion::Number),
            4 => c.exe = pick(rng, "exe").map(String::into_bytes),
            5 => {
                // A piece of an executable's name.
                if let Some(exe) = pick(rng, "exe").filter(|e| e.len() > 4) {
                    let from = rng.index(exe.len() - 3);
                    c.exe = Some(
                        exe.as_bytes()[from..from + 3 + rng.index(exe.len() - from - 2)].to_vec(),
                    );
                }
            }
            6 => c.key = pick(rng, "key").map(String::into_bytes),
            7 => {
                let types = values(log, "type");
                c.msg_types =
                    Some(vec![raudit_parse::record::type_number(rng.pick(&types).as_bytes())]);
            }
            8 => c.nodes = pick(rng, "node").map(|n| vec![n.into_bytes()]).unwrap_or_default(),
            9 => c.success = Some(if rng.index(2) == 0 { Success::Yes } else { Success::No }),
            10 => {
                let stamps = values(log, "msg");
                if let Some(sec) = stamps
                    .get(rng.index(stamps.len()))
                    .and_then(|m| m.strip_prefix("audit(")?.split('.').next()?.parse::<i64>().ok())
                {
                    start = Some(sec);
                    end = Some(sec + rng.index(300) as i64);
                }
            }
            _ => c.whole_word = true,
        }
    }
    c.forget_unset_values();
    let format = [Format::Raw, Format::Default, Format::Csv][rng.index(3)];
    Settings {
        criteria: c,
        format,
        eoe_timeout: 1 + rng.index(3) as u64,
        just_one: rng.index(10) == 0,
        start,
        end,
        ..Settings::default()
    }
}

type Output = (Vec<u8>, Vec<u8>, bool);

fn run(inputs: &[&[u8]], settings: &Settings, exhaustive: bool) -> Output {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let host = FixedHost::new();
    let outcome = if exhaustive {
        search_exhaustive(inputs, settings, &mut out, &mut err, &host, &|_, _| {})
    } else {
        search(inputs, settings, &mut out, &mut err, &host, &|_, _| {})
    }
    .unwrap();
    (out, err, outcome.found)
}

/// `inputs` searched with `indexes` and read whole give the same output for `queries` random
/// queries; the number that found something.
fn compare(inputs: &[&[u8]], indexes: &[Option<Index>], queries: usize, seed: u64) -> usize {
    let all: Vec<u8> = inputs.concat();
    let indexes: Vec<Option<Arc<Index>>> =
        indexes.iter().cloned().map(|i| i.map(Arc::new)).collect();
    let mut rng = Rng(seed);
    let mut found = 0;
    for _ in 0..queries {
        let plain = random_settings(&all, &mut rng);
        let indexed = Settings { indexes: indexes.clone(), ..plain.clone() };
        let with = run(inputs, &indexed, false);
        let without = run(inputs, &plain, true);
        assert!(
            with == without,
            "{:?} {:?} -ts {:?} -te {:?}: {} against {} bytes",
            plain.criteria,
            plain.format,
            plain.start,
            plain.end,
            with.0.len(),
            without.0.len()
        );
        found += usize::from(with.2);
    }
    found
}

fn indexed(parts: &[&[u8]]) -> Vec<Option<Index>> {
    parts.iter().enumerate().map(|(i, p)| Some(index::build(1, i as u64, p))).collect()
}

/// `data` cut in `n` parts at newlines.
fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    for i in (1..n).rev() {
        let want = rest.len() / (i + 1);
        let cut =
            rest[want..].iter().position(|&b| b == b'\n').map_or(rest.len(), |p| want + p + 1);
        parts.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    parts.push(rest);
    parts
}

#[test]
fn one_indexed_log_searches_as_the_whole_read() {
    let data = log(3 << 20, 3, false);
    let found = compare(&[&data], &indexed(&[&data]), 30, 17);
    assert!(found > 5, "only {found} queries found something");
}

#[test]
fn a_rotated_set_searches_as_the_whole_read() {
    let data = log(3 << 20, 5, false);
    let parts = split(&data, 3);
    compare(&parts, &indexed(&parts), 20, 19);
    // Only some of the files indexed.
    let mut some = indexed(&parts);
    some[1] = None;
    compare(&parts, &some, 10, 23);
}

#[test]
fn a_log_grown_past_its_index_searches_as_the_whole_read() {
    let data = log(3 << 20, 7, false);
    let head = split(&data, 2)[0];
    compare(&[&data], &[Some(index::build(1, 1, head))], 20, 29);
}

#[test]
fn a_log_out_of_time_order_searches_as_the_whole_read() {
    let data = log(2 << 20, 11, true);
    compare(&[&data], &indexed(&[&data]), 15, 31);
}

#[test]
fn the_index_is_used() {
    // The index of another log, forced on this one: a rare key this log holds is missed. (This
    // shows the search trusts a valid index; `index::load` never hands out one that does not fit.)
    let data = log(2 << 20, 3, false);
    // Shorter than this log (a longer one is refused outright), covering the inserted event.
    let other = log(1 << 20, 99, false);
    let settings = Settings {
        criteria: Criteria { key: Some(b"zzzz-not-there".to_vec()), ..Criteria::default() },
        ..Settings::default()
    };
    let mut lines: Vec<u8> = data.clone();
    let marker = lines.len() / 4;
    let at = marker + lines[marker..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let stamp_line = &data[at..at + data[at..].iter().position(|&b| b == b'\n').unwrap()];
    let sec: String = String::from_utf8_lossy(stamp_line)
        .split("audit(")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let sec = sec.split(':').next().unwrap();
    let extra = format!(
        "type=SYSCALL msg=audit({sec}:1): arch=c000003e syscall=2 success=yes exit=3 a0=0 a1=0 \
         a2=0 a3=0 items=0 ppid=1 pid=1 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 \
         fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"/x\" key=\"zzzz-not-there\"\n"
    );
    lines.splice(at..at, extra.bytes());
    let honest =
        Settings { indexes: vec![Some(Arc::new(index::build(1, 1, &lines)))], ..settings.clone() };
    assert!(run(&[&lines], &honest, false).2);
    assert_eq!(run(&[&lines], &honest, false), run(&[&lines], &settings, true));
    let stale = index::build(1, 1, &other);
    let stale = Settings { indexes: vec![Some(Arc::new(stale))], ..settings };
    assert!(!run(&[&lines], &stale, false).2);
}

#[test]
fn the_repos_logs_and_the_corpus_search_as_the_whole_read() {
    let root = workspace_root();
    let mut logs = logs_under(&root.join("testdata/logs"), true);
    logs.extend(logs_under(&root.join("testdata/rotated"), true));
    if let Some(corpus) = raudit_testkit::shared_corpus("logs") {
        logs.extend(logs_under(&corpus, false));
    }
    let mut seed = 41;
    for (path, label, _) in &logs {
        let data = std::fs::read(path).unwrap();
        seed += 1;
        // Alone, and as the same log twice over (two blocks or more for the larger ones).
        let twice = [data.clone(), data.clone()].concat();
        for input in [&data, &twice] {
            let idx = indexed(&[input]);
            let mut rng = Rng(seed);
            for _ in 0..12 {
                let plain = random_settings(input, &mut rng);
                let with = Settings {
                    indexes: idx.iter().cloned().map(|i| i.map(Arc::new)).collect(),
                    ..plain.clone()
                };
                assert!(
                    run(&[input], &with, false) == run(&[input], &plain, true),
                    "{label}: {:?}",
                    plain.criteria
                );
            }
        }
    }
}

/// ausearch's stdout and exit code.
fn ausearch(tool: &Path, log: &Path, args: &str) -> (Vec<u8>, Option<i32>) {
    let out = std::process::Command::new(tool)
        .arg("-if")
        .arg(log)
        .args(args.split_whitespace())
        .output()
        .unwrap();
    (out.stdout, out.status.code())
}

#[test]
fn the_binary_uses_a_valid_index_and_ignores_others() {
    let dir = tempfile::tempdir().unwrap();
    let search = tool_link(dir.path(), "ausearch");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let path = logs.join("audit.log");
    let data = log(3 << 20, 13, false);
    std::fs::write(&path, &data).unwrap();
    let queries = ["-k rare-key --raw", "-x rare-one", "-p 1234 --raw", "-ui 4242 -i", "-m CWD"];
    let before: Vec<_> = queries.iter().map(|q| ausearch(&search, &path, q)).collect();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_raudit"))
        .args(["index", "--quiet"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let ino = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&path).unwrap().ino()
    };
    let stored = logs.join(".raudit-index").join(ino.to_string());
    assert!(stored.is_file());
    // The reference's `-if DIR` and raudit's read only audit.log*: the index is never a log.
    let as_dir: Vec<_> = queries.iter().map(|q| ausearch(&search, &logs, q)).collect();
    for (q, (b, d)) in queries.iter().zip(before.iter().zip(&as_dir)) {
        assert!(b == d, "-if DIR {q}");
    }
    let check = |what: &str| {
        for (q, b) in queries.iter().zip(&before) {
            assert!(&ausearch(&search, &path, q) == b, "{what}: {q}");
        }
    };
    check("with the index");
    // Damaged: every byte flipped in turn would be slow; a few places.
    let good = std::fs::read(&stored).unwrap();
    for at in [0, 9, 30, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x55;
        std::fs::write(&stored, &bad).unwrap();
        check("a damaged index");
    }
    std::fs::write(&stored, &good[..good.len() / 3]).unwrap();
    check("a cut index");
    std::fs::write(&stored, &good).unwrap();
    // The log grew: the index covers its head.
    let more = log(1 << 20, 77, false);
    let grown = [data.clone(), more].concat();
    let last_sec = 1_800_000_000u64;
    let tail = format!(
        "type=SYSCALL msg=audit({last_sec}.000:9): arch=c000003e syscall=2 success=yes exit=3 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=1234 auid=4242 uid=4242 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"/bin/rare-one\" key=\"rare-key\"\n"
    );
    let grown = [grown, tail.into_bytes()].concat();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&grown[data.len()..]).unwrap();
    }
    let fresh = logs.join("fresh.log");
    std::fs::write(&fresh, &grown).unwrap();
    for q in queries {
        assert!(ausearch(&search, &path, q) == ausearch(&search, &fresh, q), "grown: {q}");
    }
    // Replaced by another file of that name (a new inode): the old index is not its index.
    std::fs::rename(&fresh, &path).unwrap();
    for q in queries {
        let again = ausearch(&search, &path, q);
        std::fs::remove_dir_all(logs.join(".raudit-index")).ok();
        assert!(again == ausearch(&search, &path, q), "replaced: {q}");
    }
}

#[test]
fn index_refuses_bad_input_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::fs::read(env!("CARGO_BIN_EXE_raudit")).unwrap();
    let not_log = dir.path().join("binary");
    std::fs::write(&not_log, &bin[..4096]).unwrap();
    for (args, code, message) in [
        (vec![dir.path().join("missing").display().to_string()], 1, "missing: No such file"),
        (vec![not_log.display().to_string()], 1, "binary: not an audit log"),
        (vec![dir.path().display().to_string()], 1, "not a regular file"),
        (vec![], 2, "usage: raudit index"),
        (vec!["--bogus".to_string()], 2, "usage: raudit index"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_raudit"))
            .arg("index")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Every aureport report (title and body) over `inputs` with `indexes` and without, for
/// random time windows from the logs' own seconds: the same bytes. Returns how many runs
/// gave another report with an index that lies (so the index is what decides what is read).
fn compare_reports(
    inputs: &[&[u8]],
    indexes: &[Option<Index>],
    windows: usize,
    seed: u64,
) -> usize {
    let indexes: Vec<Option<Arc<Index>>> =
        indexes.iter().cloned().map(|i| i.map(Arc::new)).collect();
    let names: Vec<String> = (0..inputs.len()).map(|i| format!("log{i}")).collect();
    let seconds: Vec<i64> = {
        let all = inputs.concat();
        let mut v: Vec<i64> = String::from_utf8_lossy(&all)
            .split("audit(")
            .skip(1)
            .filter_map(|r| r.split('.').next()?.parse().ok())
            .collect();
        v.sort();
        v
    };
    let kinds = [
        (Kind::Summary, true),
        (Kind::Exe, true),
        (Kind::Time, false),
        (Kind::Event, false),
        (Kind::User, true),
        (Kind::Pid, true),
        (Kind::Key, false),
        (Kind::Auth, false),
    ];
    let run = |opts: &ReportOptions, indexes: &[Option<Arc<Index>>]| {
        let logs = Logs { indexes, ..Logs::new(inputs, &names) };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let host = FixedHost::new();
        let ending = raudit_report::run(opts, &logs, &host, &mut out, &mut err, &|_, _| {});
        (out, err, ending.unwrap())
    };
    let mut rng = Rng(seed);
    let mut trimmed = 0;
    for _ in 0..windows {
        let a = *rng.pick(&seconds);
        let b = *rng.pick(&seconds);
        let (lo, hi) = (a.min(b), a.max(b));
        let (start, end) = match rng.index(3) {
            0 => (lo, 0),
            1 => (0, hi),
            _ => (lo, hi),
        };
        let (kind, summary) = *rng.pick(&kinds);
        let opts = ReportOptions { kind, summary, start, end, ..ReportOptions::default() };
        let with = run(&opts, &indexes);
        let without = run(&opts, &[]);
        assert!(
            with == without,
            "{kind:?} summary={summary} -ts {start} -te {end}:\n{}\nagainst\n{}",
            String::from_utf8_lossy(&with.0),
            String::from_utf8_lossy(&without.0)
        );
        // An index that is wrong for the log (every block claims second 1 only): a run that
        // trusts it skips every block, so its counts differ where the window held events.
        let wrong: Vec<Option<Arc<Index>>> = indexes
            .iter()
            .map(|ix| {
                ix.as_ref().map(|ix| {
                    let mut lie = (**ix).clone();
                    for b in &mut lie.blocks {
                        (b.first, b.last, b.ordered, b.bad) = (Some(1), Some(1), true, false);
                    }
                    Arc::new(lie)
                })
            })
            .collect();
        if start > 1 && run(&opts, &wrong) != without {
            trimmed += 1;
        }
    }
    trimmed
}

#[test]
fn aureport_windows_over_indexed_logs_report_as_the_whole_read() {
    let data = log(3 << 20, 43, false);
    let used = compare_reports(&[&data], &indexed(&[&data]), 24, 47);
    assert!(used > 0, "the index was never used");
    let parts = split(&data, 3);
    let mut some = indexed(&parts);
    compare_reports(&parts, &some, 12, 53);
    some[1] = None;
    compare_reports(&parts, &some, 8, 59);
    // A log that grew past its index, and one out of time order.
    let head = split(&data, 2)[0];
    compare_reports(&[&data], &[Some(index::build(1, 1, head))], 10, 61);
    let disordered = log(2 << 20, 67, true);
    compare_reports(&[&disordered], &indexed(&[&disordered]), 10, 71);
}
