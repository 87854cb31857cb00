//! auditd.conf reader: fixtures under testdata/config and inline texts.

use std::path::{Path, PathBuf};

use raudit_config::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/config").join(name)
}

fn parse_file(name: &str) -> Result<Loaded, ConfigError> {
    let p = fixture(name);
    load_str(&std::fs::read(&p).unwrap(), &p)
}

/// Parse `text` prefixed with valid space thresholds (so the sanity check passes).
fn ok(text: &str) -> Loaded {
    let t = format!("space_left = 75\nadmin_space_left = 50\n{text}");
    match load_str(t.as_bytes(), Path::new("/x/auditd.conf")) {
        Ok(l) => l,
        Err(e) => panic!("{text:?}: {e} {:?}", e.diagnostics),
    }
}

fn err(text: &str) -> ConfigError {
    let t = format!("space_left = 75\nadmin_space_left = 50\n{text}");
    match load_str(t.as_bytes(), Path::new("/x/auditd.conf")) {
        Ok(l) => panic!("{text:?} loaded: {:?}", l.config),
        Err(e) => e,
    }
}

#[test]
fn full_fixture_sets_every_key() {
    let l = parse_file("full.conf").unwrap();
    let c = l.config;
    assert!(!c.local_events);
    assert!(c.write_logs);
    assert_eq!(c.log_format, LogFormat::Raw);
    assert_eq!(c.log_group, 4);
    assert_eq!(c.flush, Flush::Data);
    assert_eq!(c.num_logs, 7);
    assert_eq!(c.name_format, NameFormat::User);
    assert_eq!(c.name.as_deref(), Some("node-1"));
    assert_eq!(c.max_log_file, 12);
    assert_eq!(c.max_log_file_action, SizeAction::KeepLogs);
    assert_eq!(c.space_left, SpaceThreshold::Percent(10));
    assert_eq!(c.space_left_action, DiskAction::Email);
    assert!(!c.verify_email);
    assert_eq!(c.action_mail_acct, "bad!name");
    assert_eq!(c.admin_space_left, SpaceThreshold::Percent(5));
    assert_eq!(c.admin_space_left_action, DiskAction::Single);
    assert_eq!(c.disk_full_action, DiskAction::Halt);
    assert_eq!(c.disk_error_action, DiskAction::Ignore);
    assert_eq!(c.priority_boost, 0);
    assert_eq!((c.tcp_listen_port, c.tcp_listen_queue, c.tcp_max_per_addr), (60, 65535, 1024));
    assert!(!c.use_libwrap);
    assert_eq!((c.tcp_client_min_port, c.tcp_client_max_port), (1024, 65535));
    assert_eq!(c.tcp_client_max_idle, 30);
    assert_eq!(c.transport, Transport::Krb5);
    assert_eq!(c.krb5_principal.as_deref(), Some("auditd"));
    assert!(c.distribute_network);
    assert_eq!(c.q_depth, 99999);
    assert_eq!(c.overflow_action, OverflowAction::Halt);
    assert_eq!(c.max_restarts, 0);
    assert_eq!(c.plugin_dir, Path::new("/etc/audit/plugins.d/"));
    assert_eq!(c.end_of_event_timeout, u64::MAX);
    // EMAIL without /usr/lib/sendmail is a non-fatal error.
    if !Path::new(EMAIL_COMMAND).exists() {
        assert!(l.diagnostics.iter().any(|d| d.text.contains("doesn't seem executable")));
    }
}

#[test]
fn installed_debian_file_equals_debian_defaults() {
    let p = Path::new(DEFAULT_CONFIG_FILE);
    if !p.exists() {
        eprintln!("skipped: no {DEFAULT_CONFIG_FILE}");
        return;
    }
    let l = load(p, &LoadOptions::default()).unwrap();
    assert!(l.file_found);
    assert_eq!(l.config, DaemonConfig::debian_defaults());
}

#[test]
fn missing_file_gives_code_defaults_and_a_warning() {
    let l = load(Path::new("/nonexistent/auditd.conf"), &LoadOptions::default()).unwrap();
    assert!(!l.file_found);
    assert_eq!(l.config, DaemonConfig::code_defaults());
    assert_eq!(
        l.diagnostics[0].text,
        "Config file /nonexistent/auditd.conf doesn't exist, skipping"
    );
    assert_eq!(log_file_of(Path::new("/nonexistent/auditd.conf")), None);
}

#[test]
fn empty_file_skips_sanity_check() {
    let l = load_str(b"", Path::new("/x")).unwrap();
    assert_eq!(l.config, DaemonConfig::code_defaults());
    // One line, even a comment, enables the checks: code defaults fail space_left > admin.
    let e = load_str(b"# hi\n", Path::new("/x")).unwrap_err();
    assert_eq!(e.message(), "Error - space_left(0) must be larger than admin_space_left(0)");
    let e = parse_file("space-sanity.conf").unwrap_err();
    assert_eq!(e.line, None);
}

#[test]
fn tokenizer_strictness() {
    let e = parse_file("no-equal.conf").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.diagnostics[0].text.starts_with("Wrong number of arguments for line 3 in "));
    assert!(e.message().starts_with("Not processing any more lines in "));
    let e = err("log_format =raw\n");
    assert!(e.diagnostics[0].text.starts_with("Missing equal sign for line 3"), "{e:?}");
    let e = err("log_format\n");
    assert!(e.diagnostics[0].text.starts_with("Wrong number of arguments for line 3"));
    // Tabs are not separators.
    let e = err("log_format\t=\traw\n");
    assert!(e.diagnostics[0].text.starts_with("Wrong number of arguments"));
    // Runs of spaces are fine, so are keyword/value case and trailing spaces.
    assert_eq!(ok("   LOG_Format    =   Raw   \n").config.log_format, LogFormat::Raw);
    // An option only for the four actions.
    let e = err("log_format = raw extra\n");
    assert_eq!(
        e.message(),
        "Keyword \"log_format\" has invalid option \"extra\" in line 3 of /x/auditd.conf"
    );
    assert_eq!(
        ok("disk_full_action = suspend ignored\n").config.disk_full_action,
        DiskAction::Suspend
    );
    // Too many tokens: reported, but the line is used.
    let l = ok("disk_full_action = suspend a b\n");
    assert_eq!(l.config.disk_full_action, DiskAction::Suspend);
    assert!(l.diagnostics[0].text.starts_with("Wrong number of arguments for line 3"));
    // Unknown keyword is fatal, quoted as written.
    let e = parse_file("unknown-key.conf").unwrap_err();
    assert!(e.message().starts_with("Unknown keyword \"foo\" in line 3 of "), "{}", e.message());
    assert_eq!(
        e.to_string().split(": ").next().unwrap(),
        format!("{}:3", fixture("unknown-key.conf").display())
    );
}

#[test]
fn long_lines_and_missing_final_newline() {
    // 158 bytes + newline fits; 159 bytes do not.
    let fits = format!("name = {}\n", "a".repeat(151));
    assert_eq!(fits.len(), 159);
    assert_eq!(ok(&fits).config.name.unwrap().len(), 151);
    let long = format!("name = {}\nlog_format = raw\n", "a".repeat(152));
    let l = ok(&long);
    assert_eq!(l.config.name, None);
    assert_eq!(l.config.log_format, LogFormat::Raw);
    assert_eq!(l.diagnostics[0].text, "Skipping line 3 in /x/auditd.conf: too long");
    // A very long line gives one message; the line count goes on.
    let l = ok(&format!("name = {}\n# c\n", "b".repeat(1000)));
    assert_eq!(l.diagnostics.len(), 1);
    let e = err(&format!("name = {}\nfoo\n", "b".repeat(1000)).replace("foo", "foo = 1"));
    assert!(e.message().starts_with("Unknown keyword \"foo\" in line 4"));
    // A last line without newline is skipped like a long one.
    let l = ok("log_format = raw");
    assert_eq!(l.config.log_format, LogFormat::Enriched);
    assert_eq!(l.diagnostics[0].text, "Skipping line 3 in /x/auditd.conf: too long");
}

#[test]
fn numbers() {
    let e = err("num_logs = 5x\n");
    assert_eq!(e.message(), "Value 5x should only be numbers - line 3");
    assert_eq!(err("num_logs = -1\n").message(), "Value -1 should only be numbers - line 3");
    assert_eq!(err("num_logs = 1000\n").message(), "num_logs must be 999 or less");
    assert_eq!(ok("num_logs = 999\n").config.num_logs, 999);
    assert_eq!(
        err("max_log_file = 18446744073709551616\n").message(),
        "Error converting string to a number (Numerical result out of range) - line 3"
    );
    assert_eq!(
        err("freq = 2147483648\n").message(),
        "Error - converted number (2147483648) is too large - line 3"
    );
    assert_eq!(ok("freq = 2147483647\n").config.freq, i32::MAX as u32);
    assert_eq!(
        err("tcp_listen_port = 0\n").message(),
        "Error - converted number (0) is too small - line 3"
    );
    assert_eq!(
        err("tcp_listen_port = 65536\n").message(),
        "Error - converted number (65536) is too large - line 3"
    );
    assert_eq!(
        err("tcp_max_per_addr = 1025\n").message(),
        "Error - converted number (1025) is too large - line 3"
    );
    assert_eq!(err("q_depth = 100000\n").message(), "q_depth must be 99999 or less");
    let l = ok("q_depth = 10\n");
    assert_eq!(l.diagnostics[0].text, "q_depth should be larger than 512 for safety margin");
}

#[test]
fn space_thresholds() {
    let e = err("space_left = 5MB\n");
    assert_eq!(e.message(), "Value M 5MB should only be numbers or percent - line 3");
    assert_eq!(
        err("space_left = 100%\n").message(),
        "Percentages should be less than 100 - line 3"
    );
    let l = ok("space_left = 25%\nadmin_space_left = %10\n");
    assert_eq!(l.config.space_left, SpaceThreshold::Percent(25));
    assert_eq!(l.config.admin_space_left, SpaceThreshold::Percent(10));
    let e = err("admin_space_left = 75\n");
    assert_eq!(e.message(), "Error - space_left(75) must be larger than admin_space_left(75)");
    // Percent on one side: no check at load time.
    ok("admin_space_left = 90%\n");
    assert_eq!(SpaceThreshold::Percent(10).megabytes(2_621_440, 4096), 1024);
    assert_eq!(SpaceThreshold::Megabytes(7).megabytes(1, 1), 7);
}

#[test]
fn actions() {
    assert_eq!(
        err("disk_full_action = email\n").message(),
        "Illegal option email for disk_full_action - line 3"
    );
    assert_eq!(
        err("disk_error_action = ROTATE\n").message(),
        "Illegal option ROTATE for disk_error_action - line 3"
    );
    assert_eq!(err("space_left_action = panic\n").message(), "Option panic not found - line 3");
    assert_eq!(err("space_left_action = exec\n").message(), "Executable path needed for line 3");
    assert_eq!(
        err("space_left_action = exec bin/x\n").message(),
        "Absolute path needed for bin/x - line 3"
    );
    assert_eq!(
        err("space_left_action = exec /nonexistent/x\n").message(),
        "Unable to stat /nonexistent/x (No such file or directory) - line 3"
    );
    assert_eq!(
        err("space_left_action = exec /tmp\n").message(),
        "/tmp is not a regular file - line 3"
    );
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("act.sh");
    std::fs::write(&exe, "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for (mode, good) in
        [(0o755, true), (0o750, true), (0o555, true), (0o550, false), (0o700, false)]
    {
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(mode)).unwrap();
        let text = format!("admin_space_left_action = EXEC {}\n", exe.display());
        if good {
            assert_eq!(ok(&text).config.admin_space_left_action, DiskAction::Exec(exe.clone()));
        } else {
            assert!(
                err(&text)
                    .message()
                    .ends_with("permissions should be 0750, 0755, 0555 or 0550 - line 3")
            );
        }
    }
}

#[test]
fn values_and_words() {
    let l = ok("log_format = NOLOG\n");
    assert!(!l.config.write_logs);
    assert_eq!(l.diagnostics.len(), 2);
    assert_eq!(err("flush = fast\n").message(), "Option fast not found - line 3");
    assert_eq!(
        parse_file("freq-zero.conf").unwrap_err().message(),
        "Error - incremental flushing chosen, but 0 selected for freq"
    );
    let l = ok("flush = sync\nfreq = 3\n");
    assert_eq!(
        l.diagnostics[0].text,
        "Warning - freq is non-zero and incremental flushing not selected."
    );
    assert_eq!(ok("log_group = adm\n").config.log_group, 4);
    assert_eq!(ok("log_group = 0\n").config.log_group, 0);
    assert_eq!(ok("log_group = 7x\n").config.log_group, 7);
    assert_eq!(
        err("log_group = nosuchgroup\n").message(),
        "Group ID is non-numeric and unknown (nosuchgroup) - line 3"
    );
    assert!(
        err("log_group = 4\nlog_file = /var/log/x.log\n")
            .message()
            .starts_with("Error - log_file is directly in /var/log")
    );
    assert_eq!(err("log_file = /x.log\n").message(), "The directory name: / is too short - line 3");
    assert_eq!(
        err("log_file = /nonexistent/a.log\n").message(),
        "Could not open dir /nonexistent (No such file or directory)"
    );
    assert_eq!(err("log_file = /tmp/\n").message(), "The directory name: / is too short - line 3");
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("d");
    std::fs::create_dir(&sub).unwrap();
    assert_eq!(
        err(&format!("log_file = {}\n", sub.display())).message(),
        format!("{} is not a regular file", sub.display())
    );
    assert_eq!(
        err("action_mail_acct = a\n").message(),
        "email: a is too short, expecting at least 2 characters"
    );
    assert_eq!(err("action_mail_acct = a+b\n").message(), "email: a+b has illegal character");
    assert_eq!(err("action_mail_acct = a.b@c\n").message(), "email: a.b@c should have . after @");
    assert_eq!(ok("tcp_client_ports = 5\n").config.tcp_client_min_port, 5);
    assert_eq!(
        err("tcp_client_ports = 9-5\n").message(),
        "Error - converted range (9-5) is reversed - line 3"
    );
    assert_eq!(
        err("tcp_client_ports = 5-\n").message(),
        "Value 5- should only be numbers, or two numbers separated by a dash - line 3"
    );
    assert_eq!(
        err("tcp_client_ports = 1-70000\n").message(),
        "Error - converted number (70000) is too large - line 3"
    );
    assert_eq!(ok("plugin_dir = /p/\n").config.plugin_dir, Path::new("/p/"));
    let l = ok("dispatcher = /sbin/audispd\n");
    assert_eq!(l.diagnostics[0].text, "The dispatcher option is deprecated - line 3");
}

#[test]
fn file_checks() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("auditd.conf");
    std::fs::write(&p, "space_left = 75\nadmin_space_left = 50\nlog_format = raw\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o646)).unwrap();
    let e = load(&p, &LoadOptions::default()).unwrap_err();
    assert_eq!(e.message(), format!("Error - {} is world writable", p.display()));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(load(&p, &LoadOptions::default()).unwrap().config.log_format, LogFormat::Raw);
    let link = dir.path().join("link.conf");
    std::os::unix::fs::symlink(&p, &link).unwrap();
    let e = load(&link, &LoadOptions::default()).unwrap_err();
    assert!(e.message().starts_with("Error opening config file ("), "{}", e.message());
    assert!(load(&link, &LoadOptions { allow_links: true }).is_ok());
    let e = load(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(e.message().ends_with("is not a regular file"));
    assert_eq!(log_file_of(&p), Some(PathBuf::from("/var/log/audit/audit.log")));
}
