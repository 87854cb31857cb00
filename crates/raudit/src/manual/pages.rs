//! The text of each tool's man page around its flag table: synopsis,
//! description, exit status and files. Our own words throughout (the
//! reference's man pages are GPL and are not copied).

use raudit_cli::flags::Values;

use super::Page;
use crate::tools;

/// One page per tool of `TOOLS`; a test fails when a tool has none.
pub const PAGES: &[Page] = &[
    Page {
        subcommand: "daemon",
        extra_names: &["rauditd"],
        synopsis: "[-f] [-l] [-n] [-s disable|enable|nochange] [-c DIR] [--load-rules] [--multicast] [--seal KEYFILE [--seal-records N] [--seal-seconds T] [--seal-heartbeat H]] [--index | --no-index] | --state",
        description: &[
            "The audit daemon. It registers with the kernel as the audit daemon, reads the audit \
             events and writes them to the log file that auditd.conf names (RAW or ENRICHED), with \
             its flush, rotation, disk space and error policies, and hands every record to the \
             plugins of plugin_dir. It reads auditd.conf as auditd 3.0.9 does, and takes the same \
             options and exit codes.",
            "Without -f or -n it forks into the background and writes its pid to /var/run/auditd.pid. \
             Under systemd it runs as rauditd.service with -n, and tells systemd it is ready \
             (sd_notify READY=1) once it is registered and its log is open.",
            "Signals: SIGHUP reloads auditd.conf and the plugins, SIGUSR1 rotates the log, SIGUSR2 \
             resumes logging after a suspend, SIGTERM stops the daemon. The kernel keeps its \
             enabled flag after the daemon stops, as with the reference.",
            "--seal KEYFILE (raudit's own) makes each log file tamper-evident: every record goes \
             into a SHA-256 hash chain, and checkpoint records (type 2990, UNKNOWN[2990] to the \
             reference tools) written every N records or T seconds, at rotation and at stop \
             carry the chain under an HMAC-SHA256 with the key. The key file must be owned by \
             root with mode 0600, or the daemon refuses to start. raudit verify checks the logs.",
        ],
        flags: || tools::daemon::FLAGS.to_vec(),
        operands: None,
        exit_status: &[
            ("0", "stopped normally"),
            ("1", "a start-up step failed (netlink, pid file, registration)"),
            ("2", "bad command line"),
            ("4", "not run as root"),
            ("6", "auditd.conf is invalid, or the --seal key is refused"),
        ],
        files: &[
            ("/etc/audit/auditd.conf", "the daemon's configuration (see raudit-auditd.conf(5))"),
            ("/etc/audit/plugins.d", "plugin files (see raudit-plugins.d(5))"),
            ("/var/log/audit/audit.log", "the default log file"),
            ("/var/run/auditd.pid", "the daemon's pid"),
        ],
    },
    Page {
        subcommand: "ctl",
        extra_names: &[],
        synopsis: "[options]",
        description: &[
            "Controls the kernel's audit system: adds, deletes and lists rules, sets the enabled \
             flag, failure mode, backlog limit and rate limit, prints the status, and loads rules \
             files. Rules compile to the same kernel bytes as auditctl 3.0.9 and list back as the \
             same text.",
            "--check FILE lints a rules file without the kernel: syscall rules without an arch, \
             duplicates, rules that an earlier rule always matches first, watches on missing paths, \
             and each rule's cost.",
        ],
        flags: || tools::ctl::FLAGS.to_vec(),
        operands: None,
        exit_status: &[
            ("0", "success"),
            ("1", "a request failed, or --check found problems"),
            ("4", "not run as root"),
            ("255", "bad command line or rule"),
        ],
        files: &[("/etc/audit/audit.rules", "the rules loaded at boot")],
    },
    Page {
        subcommand: "search",
        extra_names: &[],
        synopsis: "[options]",
        description: &[
            "Searches audit logs for events that match every criterion given, and prints them raw, \
             as the reference prints them, interpreted (-i), in the normalised csv or text form, or \
             as JSON (--format json, beyond the reference).",
            "Without -if it reads the log_file of /etc/audit/auditd.conf and its rotations, oldest \
             first, or standard input when that is a pipe.",
        ],
        flags: crate::tools::search::flag_docs,
        operands: None,
        exit_status: &[("0", "events matched"), ("1", "no event matched, or an error")],
        files: &[("/etc/audit/auditd.conf", "where the logs are (log_file, num_logs)")],
    },
    Page {
        subcommand: "report",
        extra_names: &[],
        synopsis: "[options]",
        description: &[
            "Summary reports of audit logs. Without a report option it prints the main summary; \
             with one it prints one line per event, or totals with --summary. --html FILE writes \
             every summary as one self-contained HTML page.",
        ],
        flags: || tools::report::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "a report was printed"), ("1", "no events, or an error")],
        files: &[("/etc/audit/auditd.conf", "where the logs are (log_file, num_logs)")],
    },
    Page {
        subcommand: "trace",
        extra_names: &[],
        synopsis: "[-r] PROGRAM [ARGS...]",
        description: &[
            "Runs PROGRAM with audit rules on its pid, so that the log holds everything it does, \
             then removes the rules. It refuses to run while other rules are loaded. Find the \
             events afterwards with raudit search -p PID.",
        ],
        flags: || tools::trace::FLAGS.to_vec(),
        operands: Some(|| Values::Command),
        exit_status: &[("0", "the program ran"), ("1", "it could not be traced")],
        files: &[],
    },
    Page {
        subcommand: "rules",
        extra_names: &[],
        synopsis: "[--check|--load]",
        description: &[
            "Merges the files of /etc/audit/rules.d into /etc/audit/audit.rules, in the order of \
             their names. --check only says whether they differ; --load also loads the result \
             when the kernel is not locked. RAUDIT_ROOT=DIR works on another root.",
        ],
        flags: || tools::rules::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "success"), ("1", "an error")],
        files: &[
            ("/etc/audit/rules.d", "the rule files to merge"),
            ("/etc/audit/audit.rules", "the merged rules"),
            ("/etc/default/auditd", "USE_AUGENRULES for the daemon's --load-rules"),
        ],
    },
    Page {
        subcommand: "syscall",
        extra_names: &[],
        synopsis: "[ARCH] NAME|NUMBER | [ARCH] --dump | --exact NAME",
        description: &[
            "Maps syscall names to numbers and back for an architecture (the machine's by default): \
             x86_64, i386, aarch64, arm, ppc64, ppc64le, s390x and riscv64.",
        ],
        flags: || tools::syscall::FLAGS.to_vec(),
        operands: Some(|| {
            Values::Words(&[
                "x86_64", "i386", "aarch64", "arm", "ppc64", "ppc64le", "s390x", "riscv64", "b32",
                "b64",
            ])
        }),
        exit_status: &[("0", "found"), ("1", "not found, or an error")],
        files: &[],
    },
    Page {
        subcommand: "remote",
        extra_names: &[],
        synopsis: "[--config FILE] [--no-pipeline] [--stderr] [--tls-ca FILE --tls-cert FILE --tls-key FILE [--tls-server-name NAME]]",
        description: &[
            "The remote logging plugin: the daemon starts it and writes records to its standard \
             input; it sends them to remote_server as audisp-remote.conf says, with its disk queue \
             in forward mode and its failure actions. Against a raudit server it keeps several \
             records in flight.",
        ],
        flags: || tools::remote::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "stopped normally"), ("1", "bad configuration or command line")],
        files: &[
            (
                "/etc/audit/audisp-remote.conf",
                "its configuration (see raudit-audisp-remote.conf(5))",
            ),
            ("/etc/audit/plugins.d/au-remote.conf", "the plugin file that starts it"),
        ],
    },
    Page {
        subcommand: "syslog",
        extra_names: &[],
        synopsis: "[LOG_LEVEL] [LOG_FACILITY] [interpret]",
        description: &[
            "The syslog plugin: hands every record the daemon writes to its standard input to \
             syslog(3), at the level and facility given (LOG_INFO and LOG_USER by default), raw or \
             interpreted. The words may come in any order and any case.",
        ],
        flags: || tools::syslog::FLAGS.to_vec(),
        operands: Some(|| Values::Words(SYSLOG_WORDS)),
        exit_status: &[("0", "stopped by SIGTERM or end of input"), ("1", "an unknown argument")],
        files: &[("/etc/audit/plugins.d/syslog.conf", "the plugin file that starts it")],
    },
    Page {
        subcommand: "last",
        extra_names: &[],
        synopsis: "[--bad] [--proof] [--extract] [--stdin | -f FILE] [--user NAME] [--tty TTY] [--debug]",
        description: &[
            "Rebuilds last(1)'s table of logins, sessions and reboots from the audit log: a row \
             per session from its USER_LOGIN to its USER_END, a row per boot, crashes where a boot \
             follows sessions still open, and the sessions still open at the end of the log. \
             --bad lists failed logins instead.",
            "Without -f or --stdin it reads the log_file of /etc/audit/auditd.conf and its \
             rotations.",
        ],
        flags: || tools::last::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "the table was printed"), ("1", "bad command line or no log")],
        files: &[
            ("/etc/audit/auditd.conf", "where the logs are (log_file)"),
            ("aulast.log", "written in the current directory by --extract"),
        ],
    },
    Page {
        subcommand: "lastlog",
        extra_names: &[],
        synopsis: "[-u NAME] [--stdin]",
        description: &[
            "Prints lastlog(8)'s table from the audit log: each account of the passwd database, in \
             its order, with the time, terminal and host of its latest login found in the log.",
        ],
        flags: || tools::lastlog::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "the table was printed"), ("1", "bad command line or no log")],
        files: &[("/etc/audit/auditd.conf", "where the logs are (log_file)")],
    },
    Page {
        subcommand: "virt",
        extra_names: &[],
        synopsis: "[options]",
        description: &[
            "Lists virtual machine sessions from the audit log: each guest's start and stop from \
             VIRT_CONTROL records, with its resources (VIRT_RESOURCE), its security labels \
             (VIRT_MACHINE_ID), and the AVCs and anomalies tied to it.",
            "Without --file or --stdin it reads the log_file of /etc/audit/auditd.conf and its \
             rotations.",
        ],
        flags: || tools::virt::FLAGS.to_vec(),
        operands: None,
        exit_status: &[("0", "success"), ("1", "bad command line or an unreadable log")],
        files: &[("/etc/audit/auditd.conf", "where the logs are, and end_of_event_timeout")],
    },
    Page {
        subcommand: "doctor",
        extra_names: &[],
        synopsis: "[-c DIR] [--format text|json] [--interval MS]",
        description: &[
            "Checks the health of the audit setup and says how to fix each problem: the kernel's \
             status (enabled, lost and its trend, backlog against backlog_limit, \
             backlog_wait_time, rate_limit), which program owns the audit socket, whether journald \
             also collects audit records, the loaded rules (missing -F arch, duplicates, cost), \
             disk space against space_left and admin_space_left, the log's modes and owner, flush \
             against the event rate, the last event's age and the plugins.",
        ],
        flags: || tools::doctor::FLAGS.to_vec(),
        operands: None,
        exit_status: &[
            ("0", "no check failed (warnings may remain)"),
            ("1", "a check failed"),
            ("2", "bad command line"),
        ],
        files: &[("/etc/audit/auditd.conf", "the settings the checks compare against")],
    },
    Page {
        subcommand: "bpf",
        extra_names: &[],
        synopsis: "tcpconnect|execsnoop|opensnoop [options]",
        description: &[
            "Runs one of the BPF tracers: raudit bpf tcpconnect is the same as tcpconnect, and so \
             on (see raudit-tcpconnect(8), raudit-execsnoop(8) and raudit-opensnoop(8) for each \
             tool's options). The options below are those of all three.",
        ],
        flags: tools::bpf::all_flags,
        operands: Some(|| Values::Words(&["tcpconnect", "execsnoop", "opensnoop"])),
        exit_status: BPF_EXIT,
        files: &[],
    },
    bpf_tracer(
        "tcpconnect",
        &["Traces TCP connects (IPv4 and IPv6, failed ones too) as they happen.", BPF_TRACER_TEXT],
        || tools::bpf::flags(tools::bpf::Tool::TcpConnect),
    ),
    bpf_tracer(
        "execsnoop",
        &["Traces program executions as they happen, with their arguments.", BPF_TRACER_TEXT],
        || tools::bpf::flags(tools::bpf::Tool::ExecSnoop),
    ),
    bpf_tracer(
        "opensnoop",
        &["Traces file opens as they happen, with the descriptor or the error.", BPF_TRACER_TEXT],
        || tools::bpf::flags(tools::bpf::Tool::OpenSnoop),
    ),
    Page {
        subcommand: "ship",
        extra_names: &[],
        synopsis: "--server URL [--host NAME] [--spool DIR] [--creds FILE] [--tls-ca FILE] [--config FILE] [--from-log FILE...]",
        description: &[
            "An audisp plugin that publishes every event it reads on standard input (or from the \
             logs of --from-log) to NATS JetStream, on the subject audit.HOST.TYPE, with a message \
             id that makes a resend a duplicate the server drops. Acknowledgements are awaited in \
             a pipeline; while no server answers, events wait in the spool and go out in order \
             later. When the spool is full the plugin stops reading, so nothing it read is lost. \
             Built with the cargo feature fleet; docs/fleet.md has the design.",
        ],
        flags: || tools::fleet::flags(tools::fleet::SHIP_FLAGS),
        operands: None,
        exit_status: &[
            ("0", "end of input, or stopped"),
            ("1", "bad command line, configuration or server"),
        ],
        files: &[(
            "/etc/audit/plugins.d",
            "a plugin file with path = /usr/sbin/raudit-ship (or a link) and args = --config FILE",
        )],
    },
    Page {
        subcommand: "collect",
        extra_names: &[],
        synopsis: "--server URL --out DIR [--init [--replicas N] [--max-age D]] | --state --out DIR",
        description: &[
            "A durable JetStream consumer that writes each host's events to DIR/HOST/audit.log, \
             rotated as the daemon rotates its log, exactly once across restarts of the collector \
             and of the servers: a batch is written and synced, then its position saved, then \
             acknowledged. ausearch and aureport read the tree unchanged (--node selects a host). \
             Built with the cargo feature fleet.",
        ],
        flags: || tools::fleet::flags(tools::fleet::COLLECT_FLAGS),
        operands: None,
        exit_status: &[("0", "stopped"), ("1", "bad command line, server or stream")],
        files: &[],
    },
    Page {
        subcommand: "verify",
        extra_names: &[],
        synopsis: "--key FILE [--live [--max-age SECONDS]] LOG...",
        description: &[
            "Checks the seal of logs written by rauditd --seal (raudit's own; no reference tool \
             has it). It walks every line of each LOG through the hash chain, checks each \
             checkpoint record's HMAC with the key, and names the first record that was altered, \
             removed, inserted or reordered as FILE:LINE. A file must end with its closing \
             checkpoint (rotation or stop); records after the last checkpoint are reported as \
             unsealed.",
            "Given a rotated set oldest first (audit.log.3 audit.log.2 audit.log.1 audit.log) it \
             also checks that each file follows the one before it: files swapped, missing or \
             out of order are named. With --live the last file may be still open (the daemon \
             is writing it): its unsealed tail is a note, not a failure; --max-age then fails \
             when its last checkpoint is older than that, which a daemon run with \
             --seal-heartbeat never lets happen: a removed tail shows.",
        ],
        flags: || tools::verify::FLAGS.to_vec(),
        operands: Some(|| Values::File),
        exit_status: &[
            ("0", "every chain is whole"),
            ("1", "a seal is broken: the first problem of each file is printed"),
            ("2", "bad command line, unreadable key or log"),
        ],
        files: &[("/var/log/audit/audit.log", "the logs to check")],
    },
    Page {
        subcommand: "index",
        extra_names: &[],
        synopsis: "[--quiet] LOG...",
        description: &[
            "Builds the index of each LOG (raudit's own; no reference tool has it): per block of \
             about 256 KiB, the seconds and serials it spans and a filter of the record types, \
             nodes, pids, uids, executables and keys its records hold. ausearch uses a valid \
             index to read only the blocks that can match; it prints the same with or without. \
             rauditd keeps the index of the log it writes; this indexes existing logs.",
            "The index of a log lives next to it, in .raudit-index/INODE, with the log's owner, \
             group and mode. An index that does not fit its log (another file, shorter, \
             changed, damaged or of another version) is ignored; a log that grew past what its \
             index covers has the rest read in full. Indexes of files no longer in the \
             directory are removed. See docs/index.md.",
        ],
        flags: || tools::index::FLAGS.to_vec(),
        operands: Some(|| Values::File),
        exit_status: &[
            ("0", "every LOG was indexed"),
            ("1", "a LOG could not be read or indexed (the others still are)"),
            ("2", "bad command line"),
        ],
        files: &[("/var/log/audit/.raudit-index/", "the indexes of the logs there")],
    },
];

/// What each BPF tracer's page says after its first sentence.
const BPF_TRACER_TEXT: &str = "It takes bcc's options and prints bcc's columns; beyond bcc, each \
     event carries the task's login uid and audit session (-A shows them; -ua, --auid and \
     --session select by them) and --format json prints one object per event. Built with the \
     cargo feature bpf; it needs BTF and root (or CAP_BPF and CAP_PERFMON).";

/// The exit statuses of `raudit bpf` and its tracers.
const BPF_EXIT: &[(&str, &str)] = &[
    ("0", "stopped by SIGINT or SIGTERM"),
    ("1", "BPF cannot load here"),
    ("2", "bad command line"),
];

/// One BPF tracer's page: tcpconnect, execsnoop and opensnoop differ only in
/// their first sentence and their flags.
const fn bpf_tracer(
    subcommand: &'static str,
    description: &'static [&'static str],
    flags: fn() -> Vec<raudit_cli::flags::Flag>,
) -> Page {
    Page {
        subcommand,
        extra_names: &[],
        synopsis: "[options]",
        description,
        flags,
        operands: None,
        exit_status: BPF_EXIT,
        files: &[],
    }
}

/// audisp-syslog's argument words (a test checks them against the tool's).
pub const SYSLOG_WORDS: &[&str] = &[
    "LOG_DEBUG",
    "LOG_INFO",
    "LOG_NOTICE",
    "LOG_WARNING",
    "LOG_ERR",
    "LOG_CRIT",
    "LOG_ALERT",
    "LOG_EMERG",
    "LOG_LOCAL0",
    "LOG_LOCAL1",
    "LOG_LOCAL2",
    "LOG_LOCAL3",
    "LOG_LOCAL4",
    "LOG_LOCAL5",
    "LOG_LOCAL6",
    "LOG_LOCAL7",
    "LOG_AUTH",
    "LOG_AUTHPRIV",
    "LOG_DAEMON",
    "LOG_SYSLOG",
    "LOG_USER",
    "interpret",
];
