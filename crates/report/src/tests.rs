//! The engine on a small fixture log, against output recorded from the
//! reference (`aureport -if testdata/small.log ...`, 3.0.9) in UTC: the
//! reports run on a fixed host in UTC, so the dates compare as recorded.

use raudit_sys::FixedHost;

use crate::{Ending, Kind, Logs, Options, Outcome, Title, run, title};

const SMALL: &[u8] = include_bytes!("../testdata/small.log");
/// The fixture's first second.
const FIRST: i64 = 1_700_000_100;

/// Title and report of `opts` over the given logs on `host`: (stdout,
/// ending).
fn report_on(opts: &Options, logs: &Logs<'_>, host: &FixedHost) -> (String, Ending) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    match title(opts) {
        Title::Report(text) => out.extend_from_slice(text.as_bytes()),
        Title::Unimplemented(_) => panic!("unimplemented report"),
    }
    let ending = run(opts, logs, host, &mut out, &mut err, &|_, _| {}).unwrap();
    assert_eq!(String::from_utf8_lossy(&err), "");
    (String::from_utf8(out).unwrap(), ending)
}

/// [`report_on`] a host in UTC that knows no names.
fn report_over(opts: &Options, logs: &Logs<'_>) -> (String, Ending) {
    report_on(opts, logs, &FixedHost::new())
}

fn report(opts: &Options) -> (String, Ending) {
    let names = ["small.log".to_string()];
    report_over(opts, &Logs::new(&[SMALL], &names))
}

fn summary(kind: Kind) -> Options {
    Options { kind, summary: true, ..Options::default() }
}

fn detailed(kind: Kind) -> Options {
    Options { kind, summary: false, ..Options::default() }
}

#[test]
fn main_summary() {
    let expected = "
Summary Report
======================
Range of time in logs: 11/14/23 22:15:00.100 - 11/14/23 22:15:06.900
Selected time for report: 11/14/23 22:15:00 - 11/14/23 22:15:06.900
Number of changes in configuration: 1
Number of changes to accounts, groups, or roles: 0
Number of logins: 1
Number of failed logins: 1
Number of authentications: 1
Number of failed authentications: 1
Number of users: 2
Number of terminals: 3
Number of host names: 2
Number of executables: 4
Number of commands: 3
Number of files: 2
Number of AVC's: 0
Number of MAC events: 0
Number of failed syscalls: 1
Number of anomaly events: 1
Number of responses to anomaly events: 0
Number of crypto events: 0
Number of integrity events: 0
Number of virt events: 0
Number of keys: 1
Number of process IDs: 6
Number of events: 9

";
    assert_eq!(report(&Options::default()), (expected.to_string(), Ending::Done));
}

#[test]
fn summary_tables() {
    let cases: &[(Kind, &str)] = &[
        (
            Kind::Exe,
            "
Executable Summary Report
=================================
total  file
=================================
4  /usr/sbin/sshd
2  /usr/bin/cat
1  /usr/bin/rm
1  /usr/bin/crashy
",
        ),
        (
            Kind::File,
            "
File Summary Report
===========================
total  file
===========================
2  /etc/passwd
1  /tmp/gone
",
        ),
        (
            Kind::Event,
            "
Event Summary Report
======================
total  type
======================
3  1300
2  1100
2  1112
1  1305
1  1701
",
        ),
        (
            Kind::Login,
            "
Login Summary Report
============================
total  auid
============================
1  bob
1  1000
",
        ),
        (
            Kind::Pid,
            "
Pid Summary Report
==========================
total  pid
==========================
2  200
2  201
1  100
1  101
1  102
1  300
",
        ),
        (
            Kind::Mac,
            "
MAC Summary Report
==================
total  type
==================
<no events of interest were found>

",
        ),
    ];
    for &(kind, expected) in cases {
        assert_eq!(report(&summary(kind)), (expected.to_string(), Ending::Done), "{kind:?}");
    }
}

#[test]
fn failed_only() {
    let opts = Options { outcome: Outcome::Failed, ..summary(Kind::Exe) };
    let expected = "
Failed Executable Summary Report
=================================
total  file
=================================
2  /usr/sbin/sshd
1  /usr/bin/rm
";
    assert_eq!(report(&opts), (expected.to_string(), Ending::Done));
}

#[test]
fn detailed_rows() {
    let cases: &[(Kind, &str)] = &[
        (
            Kind::File,
            "
File Report
===============================================
# date time file syscall success exe auid event
===============================================
1. 11/14/23 22:15:00 /etc/passwd 257 yes /usr/bin/cat 1000 2001
2. 11/14/23 22:15:01 /tmp/gone 87 no /usr/bin/rm 1000 2002
3. 11/14/23 22:15:02 /etc/passwd 257 yes /usr/bin/cat 1000 2003
",
        ),
        (
            Kind::Login,
            "
Login Report
============================================
# date time auid host term exe success event
============================================
1. 11/14/23 22:15:03 bob 192.0.2.7 ssh /usr/sbin/sshd no 2005
2. 11/14/23 22:15:04 1000 192.0.2.8 /dev/pts/1 /usr/sbin/sshd yes 2007
",
        ),
        (
            Kind::Key,
            "
Key Report
===============================================
# date time key success exe auid event
===============================================
1. 11/14/23 22:15:00 passwd-read yes /usr/bin/cat 1000 2001
2. 11/14/23 22:15:02 passwd-read yes /usr/bin/cat 1000 2003
3. 11/14/23 22:15:05 passwd-read yes ? 1000 2008
",
        ),
        (
            Kind::Anomaly,
            "
Anomaly Report
=========================================
# date time type exe term host auid event
=========================================
1. 11/14/23 22:15:06 ANOM_ABEND /usr/bin/crashy ? ? 1000 2009
",
        ),
        (
            Kind::Time,
            "
Log Time Range Report
=====================
small.log: 11/14/23 22:15:00.100 - 11/14/23 22:15:06.900
",
        ),
    ];
    for &(kind, expected) in cases {
        assert_eq!(report(&detailed(kind)), (expected.to_string(), Ending::Done), "{kind:?}");
    }
}

#[test]
fn a_detailed_report_without_events_says_so() {
    let expected = "
AVC Report
===============================================================
# date time comm subj syscall class permission obj result event
===============================================================
<no events of interest were found>

";
    assert_eq!(report(&detailed(Kind::Avc)), (expected.to_string(), Ending::NoEvents));
}

#[test]
fn start_time_drops_earlier_records() {
    let opts = Options { start: FIRST + 5, ..detailed(Kind::Event) };
    let expected = "
Event Report
===================================
# date time event type auid success
===================================
1. 11/14/23 22:15:05 2008 CONFIG_CHANGE 1000 yes
2. 11/14/23 22:15:06 2009 ANOM_ABEND 1000 yes
";
    assert_eq!(report(&opts), (expected.to_string(), Ending::Done));
}

#[test]
fn time_and_tty_have_no_summary() {
    assert_eq!(title(&summary(Kind::Time)), Title::Unimplemented("\n".into()));
    let failed_tty = Options { outcome: Outcome::Failed, ..summary(Kind::Tty) };
    assert_eq!(title(&failed_tty), Title::Unimplemented("\nFailed ".into()));
}

#[test]
fn incomplete_logs_stop_without_an_ending() {
    let names = ["small.log".to_string()];
    let logs = Logs { complete: false, ..Logs::new(&[SMALL], &names) };
    let (out, ending) = report_over(&summary(Kind::Exe), &logs);
    assert_eq!(ending, Ending::Stopped);
    assert!(out.ends_with("=================================\n"), "no table: {out}");
}

#[test]
fn the_hosts_zone_and_names_reach_the_rows() {
    // Two hours west of UTC, where uid 1000 is "carol".
    let host = FixedHost::new().with_user(1000, "carol").with_utc_offset(-7200);
    let names = ["small.log".to_string()];
    let logs = Logs::new(&[SMALL], &names);
    let opts = Options { interpret: true, ..detailed(Kind::Anomaly) };
    let (out, _) = report_on(&opts, &logs, &host);
    assert!(
        out.ends_with("1. 11/14/23 20:15:06 ANOM_ABEND /usr/bin/crashy ? ? carol 2009\n"),
        "{out}"
    );
}

#[test]
fn main_summary_counts_distinct_values_made_on_many_threads() {
    // Enough events for many batches on every thread; each value comes
    // back many times, in an order that differs between the lists, so the
    // values a thread hands over once must still all be counted.
    let mut log = String::new();
    let events = 40_000;
    for n in 0..events {
        let (sec, serial) = (1_700_000_000 + n / 1000, n + 1);
        log.push_str(&format!(
            "type=SYSCALL msg=audit({sec}.000:{serial}): arch=c000003e syscall=2 success=yes \
             exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid={} auid={} uid=0 gid=0 euid=0 \
             suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts{} ses=1 comm=\"c{}\" exe=\"/bin/e{}\" \
             key=\"k{}\"\ntype=PATH msg=audit({sec}.000:{serial}): item=0 name=\"/f{}\" \
             inode=1 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n",
            n % 997,
            1000 + n % 13,
            n % 7,
            n % 101,
            (n * 7) % 211,
            n % 17,
            (n * 3) % 499,
        ));
    }
    let names = ["many.log".to_string()];
    let data = [log.as_bytes()];
    let (out, _) = report_over(&summary(Kind::Summary), &Logs::new(&data, &names));
    for line in [
        "Number of users: 13\n",
        "Number of terminals: 7\n",
        "Number of executables: 211\n",
        "Number of commands: 101\n",
        "Number of files: 499\n",
        "Number of keys: 17\n",
        "Number of process IDs: 997\n",
        "Number of events: 40000\n",
    ] {
        assert!(out.contains(line), "{line:?} not in\n{out}");
    }
}

/// One record of every kind the type reports take; `{s}` is its stamp.
const TYPED_KINDS: [&str; 13] = [
    "AVC msg=audit({s}): avc:  denied  { read } for  pid=7 comm=\"cat\" name=\"x\" dev=\"sda1\" ino=5 scontext=u:r:a:s0 tcontext=u:o:b:s0 tclass=file permissive=0",
    "USER_LOGIN msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h addr=10.0.0.1 terminal=ssh res=failed'",
    "USER_AUTH msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"/bin/su\" hostname=? addr=? terminal=pts/0 res=success'",
    "USER_MGMT msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=add-user id=1001 exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=pts/0 res=failed'",
    "ADD_USER msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=adding user id=1001 exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=pts/0 res=success'",
    "CONFIG_CHANGE msg=audit({s}): auid=1000 ses=1 op=add_rule key=\"k\" list=4 res=1",
    "ANOM_ABEND msg=audit({s}): auid=1000 uid=0 gid=0 ses=1 pid=7 comm=\"crash\" exe=\"/usr/bin/crash\" sig=11 res=1",
    "CRYPTO_KEY_USER msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=destroy kind=server fp=? direction=? spid=1 suid=0 exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=? res=success'",
    "USER_TTY msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 data=6C73",
    "MAC_STATUS msg=audit({s}): enforcing=1 old_enforcing=0 auid=1000 ses=1 res=1",
    "VIRT_CONTROL msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='virt=kvm op=start reason=booted vm=\"v\" uuid=1 vm-pid=2 exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=success'",
    "INTEGRITY_RULE msg=audit({s}): file=\"/x\" hash=\"sha256:00\" ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"/x\" res=1",
    "RESP_ANOMALY msg=audit({s}): pid=1 uid=0 auid=1000 ses=1 msg='op=resp res=success'",
];

/// A log in key order holding every kind of event the type reports take,
/// among syscall events (some with a garbage line among their records).
fn typed_log() -> Vec<u8> {
    let mut out = String::new();
    let kinds = TYPED_KINDS;
    let (mut sec, mut serial) = (1_700_000_000u64, 1u64);
    for n in 0..6000u64 {
        if n % 7 == 0 {
            sec += 1;
        }
        serial += 1;
        let s = format!("{sec}.{:03}:{serial}", n % 1000);
        if n % 11 == 0 {
            let kind = kinds[(n / 11) as usize % kinds.len()];
            out.push_str(&format!("type={}\n", kind.replace("{s}", &s)));
            continue;
        }
        out.push_str(&format!(
            "type=SYSCALL msg=audit({s}): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 \
             a3=4 items=1 ppid=1 pid={n} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 \
             fsgid=0 tty=pts0 ses=1 comm=\"c\" exe=\"/bin/c\" key=(null)\n"
        ));
        if n % 5 == 0 {
            out.push_str("not a record\n");
        }
        out.push_str(&format!("type=PROCTITLE msg=audit({s}): proctitle=63\n"));
        out.push_str(&format!("type=EOE msg=audit({s}): \n"));
    }
    out.into_bytes()
}

#[test]
fn type_reports_read_only_their_events_and_print_what_the_whole_read_prints() {
    let log = typed_log();
    let names = ["typed.log".to_string()];
    let data = [&log[..]];
    let logs = Logs::new(&data, &names);
    let kinds = [
        Kind::Avc,
        Kind::Login,
        Kind::Auth,
        Kind::AcctMod,
        Kind::Config,
        Kind::Anomaly,
        Kind::Crypto,
        Kind::Tty,
        Kind::Mac,
        Kind::Virt,
        Kind::Integrity,
        Kind::Response,
    ];
    for kind in kinds {
        for summary in [false, true] {
            let opts = Options { kind, summary, ..Options::default() };
            if matches!(title(&opts), Title::Unimplemented(_)) {
                continue;
            }
            // The typed read applies to this log...
            let types = crate::run::record_types(&opts).unwrap();
            let feed = raudit_search::engine::Feed {
                eoe_timeout: 2,
                start: None,
                end: None,
                flush_at_end: true,
            };
            struct Count(usize);
            impl<'a> raudit_search::engine::Consumer<'a, ()> for Count {
                fn consume(
                    &mut self,
                    _: &raudit_parse::Event<'a>,
                    _: (),
                    _: usize,
                ) -> std::io::Result<bool> {
                    self.0 += 1;
                    Ok(true)
                }
                fn bad_timestamp(&mut self, _: &[u8]) -> std::io::Result<()> {
                    Ok(())
                }
            }
            let mut count = Count(0);
            let typed = raudit_search::skim::drive_typed(
                &data,
                &types,
                feed,
                &|_: &raudit_parse::Event<'_>| (),
                &mut count,
                &|_, _| {},
            );
            assert!(typed.unwrap() && count.0 > 0, "{kind:?}");
            // ... and prints what reading every event (as --debug does) prints.
            let every = Options { debug: true, ..opts.clone() };
            let (out, _) = report_over(&opts, &logs);
            assert_eq!(out, report_over(&every, &logs).0, "{kind:?} summary {summary}");
            assert!(!out.contains("no events of interest"), "{kind:?} summary {summary}:\n{out}");
        }
    }
}

/// Uid columns and row numbers are written by hand; they read as `%d` and
/// `%llu` would print them.
#[test]
fn hand_written_numbers_read_as_printf_prints_them() {
    use crate::lookup::Lookup;
    let host = FixedHost::new();
    let lookup = Lookup::new(false, &host);
    let enriched = crate::lookup::Enriched::default();
    for uid in [0, 1, 9, 10, 999, 1000, 65535, 2_147_483_647, 2_147_483_648, 4_294_967_295] {
        let text = lookup.uid(uid, enriched);
        assert_eq!(&*text, (uid as i32).to_string().as_bytes());
        assert_eq!(text.into_vec(), (uid as i32).to_string().into_bytes());
    }
    for n in [0u64, 8, 9, 99, 100, 12_345, u64::MAX - 1] {
        let mut out = Vec::new();
        let mut line = n;
        crate::tally::write_row(&mut out, b"row\n", &mut line).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{}. row\n", n + 1));
    }
}

#[test]
fn rows_prepared_by_the_chunk_are_the_rows_prepared_one_by_one() {
    use crate::scanner::{Chunked, Prepared, Scanner};
    use raudit_parse::{Assembler, AssemblerConfig, Event, Record};
    use raudit_search::engine::{Chunks, Placed, Text, run_in_chunks};

    // The small log's events, then the typed log's (AVCs: several rows).
    let typed = typed_log();
    let mut events: Vec<Event<'_>> = Vec::new();
    for log in [SMALL, &typed[..]] {
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(r) = Record::parse(line, 2) {
                asm.push(r);
            }
        }
        asm.finish();
        events.extend(std::iter::from_fn(|| asm.pop_ready()));
    }
    /// The rows in `prepared`, read as the reporter reads them.
    fn rows(prepared: Vec<Prepared>) -> Vec<Vec<u8>> {
        let (mut chunks, mut out) = (Chunks::default(), Vec::new());
        for p in prepared {
            match p {
                Prepared::Row(text) => out.push(match chunks.place(text) {
                    Placed::Own(row) => row,
                    Placed::InChunk(range) => chunks.chunk()[range].to_vec(),
                }),
                Prepared::Rows(r) => out.extend(r),
                _ => {}
            }
        }
        out
    }
    let host = FixedHost::new();
    let kinds = [Kind::Pid, Kind::File, Kind::Exe, Kind::Avc, Kind::Login, Kind::Tty, Kind::Key];
    for kind in kinds {
        let scanner = Scanner::new(detailed(kind), &host);
        let one_by_one = rows(events.iter().map(|e| scanner.prepare(e)).collect());
        let chunked = Chunked(&scanner);
        let made = run_in_chunks(&chunked, &events, (1..).map(|n| n * 5 % 23 + 1));
        // (An AVC event's rows are its own.)
        let shared = made.iter().any(|p| matches!(p, Prepared::Row(Text::Chunk(..))));
        assert!(shared || kind == Kind::Avc, "{kind:?}");
        assert!(!one_by_one.is_empty(), "{kind:?}");
        assert_eq!(rows(made), one_by_one, "{kind:?}");
    }
}

/// Every kind of event the reports take, each repeated with other stamps,
/// among syscall events with keys and files.
fn repeated_log() -> String {
    let mut out = String::new();
    let syscalls = [
        "SYSCALL msg=audit({s}): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=5 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"c\" exe=\"/bin/c\" key=\"cwd\"\ntype=CWD msg=audit({s}): cwd=\"/home\"\ntype=PATH msg=audit({s}): item=0 name=\"./f\" inode=1 nametype=NORMAL",
        "SYSCALL msg=audit({s}): arch=c000003e syscall=257 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=9 auid=1001 uid=1001 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=2 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"secrets\"\ntype=PATH msg=audit({s}): item=0 name=\"/etc/shadow\" inode=2 nametype=NORMAL",
        "SYSCALL msg=audit({s}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=10 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"id\" exe=\"/usr/bin/id\" key=(null)\ntype=EXECVE msg=audit({s}): argc=1 a0=\"id\"\ntype=PATH msg=audit({s}): item=0 name=\"/usr/bin/id\" inode=3 nametype=NORMAL\ntype=PATH msg=audit({s}): item=1 name=\"/lib64/ld.so\" inode=4 nametype=NORMAL",
    ];
    let (mut sec, mut serial) = (1_700_000_000u64, 10u64);
    for _ in 0..3 {
        for event in TYPED_KINDS.iter().chain(&syscalls) {
            (sec, serial) = (sec + 1, serial + 7);
            let s = format!("{sec}.{:03}:{serial}", serial % 1000);
            out.push_str(&format!(
                "type={}\ntype=EOE msg=audit({s}): \n",
                event.replace("{s}", &s)
            ));
        }
    }
    out
}

#[test]
fn events_found_whole_again_contribute_what_a_fresh_read_makes() {
    let log = repeated_log();
    let names = ["repeated.log".to_string()];
    let data = [log.as_bytes()];
    let logs = Logs::new(&data, &names);
    let fresh = FixedHost::new().with_user(1000, "alice");
    let kept = fresh.clone().keeping_names();
    let kinds = [
        Kind::Summary,
        Kind::Avc,
        Kind::Mac,
        Kind::Config,
        Kind::Event,
        Kind::File,
        Kind::Host,
        Kind::Login,
        Kind::AcctMod,
        Kind::Pid,
        Kind::Syscall,
        Kind::Term,
        Kind::User,
        Kind::Exe,
        Kind::Anomaly,
        Kind::Response,
        Kind::Crypto,
        Kind::Auth,
        Kind::Key,
        Kind::Tty,
        Kind::Comm,
        Kind::Virt,
        Kind::Integrity,
    ];
    for kind in kinds {
        for (summary, interpret, outcome) in [
            (false, false, Outcome::Both),
            (true, false, Outcome::Both),
            (false, true, Outcome::Failed),
            (true, true, Outcome::Success),
        ] {
            let opts = Options { kind, summary, interpret, outcome, ..Options::default() };
            if matches!(title(&opts), Title::Unimplemented(_)) {
                continue;
            }
            let (expected, _) = report_on(&opts, &logs, &fresh);
            assert_eq!(report_on(&opts, &logs, &kept).0, expected, "{opts:?}");
        }
    }
    // The rows found again carry their own dates and serials.
    let (rows, _) = report_on(&detailed(Kind::Key), &logs, &kept);
    for serial in [115, 115 + 7 * 16, 115 + 14 * 16] {
        let row = format!("secrets no /usr/bin/cat 1001 {serial}\n");
        assert!(rows.contains(&row), "{row:?} not in\n{rows}");
    }
    let (files, _) = report_on(&detailed(Kind::File), &logs, &kept);
    assert_eq!(files.matches(" /home/./f 2 yes /bin/c 1000 ").count(), 3, "{files}");
}

#[test]
fn events_found_whole_again_on_many_threads_report_as_fresh_ones() {
    // Every value recurs with the same others every 3 * 5 * 7 events,
    // so most events are found whole again, on every thread.
    let mut log = String::new();
    for n in 0..40_000u64 {
        let (sec, serial) = (1_700_000_000 + n / 1000, n + 1);
        let success = if n % 3 == 0 { "no" } else { "yes" };
        log.push_str(&format!(
            "type=SYSCALL msg=audit({sec}.000:{serial}): arch=c000003e syscall=2 success={success} \
             exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid={} auid={} uid=0 gid=0 euid=0 \
             suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts{} ses=1 comm=\"c{}\" exe=\"/bin/e{}\" \
             key=\"k{}\"\ntype=PATH msg=audit({sec}.000:{serial}): item=0 name=\"/f{}\" \
             inode=1 nametype=NORMAL\n",
            n % 3,
            1000 + n % 5,
            n % 7,
            n % 3,
            n % 5,
            n % 7,
            n % 5,
        ));
    }
    let names = ["repeating.log".to_string()];
    let data = [log.as_bytes()];
    let logs = Logs::new(&data, &names);
    let fresh = FixedHost::new().with_user(1000, "alice");
    let kept = fresh.clone().keeping_names();
    let failed_files =
        Options { kind: Kind::File, outcome: Outcome::Failed, ..detailed(Kind::File) };
    for opts in [
        summary(Kind::Summary),
        summary(Kind::Exe),
        summary(Kind::Pid),
        detailed(Kind::Key),
        failed_files,
    ] {
        assert_eq!(report_on(&opts, &logs, &kept), report_on(&opts, &logs, &fresh), "{opts:?}");
    }
}
