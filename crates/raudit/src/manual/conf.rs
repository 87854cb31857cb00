//! The section 5 pages: each config file's keys, described here and checked
//! against the parsers' keyword tables (config, remote, dispatch), so a key
//! added to a parser without its description fails the tests.

/// One config file's page.
pub struct ConfPage {
    /// File name of the page, without the section: `raudit-auditd.conf`.
    pub name: &'static str,
    /// The file it documents.
    pub file: &'static str,
    /// One line for NAME.
    pub summary: &'static str,
    /// DESCRIPTION paragraphs.
    pub description: &'static [&'static str],
    /// Key, value syntax, meaning.
    pub keys: &'static [(&'static str, &'static str, &'static str)],
    /// The parser's keyword list.
    pub parser_keys: fn() -> Vec<&'static str>,
}

const SYNTAX: &str = "One key = value a line; the key and the value are separated by \
spaces around the equal sign, # starts a comment line, keys and word values are not \
case-sensitive. An unknown key is an error.";

pub const CONF_PAGES: &[ConfPage] = &[
    ConfPage {
        name: "raudit-auditd.conf",
        file: "/etc/audit/auditd.conf",
        summary: "the audit daemon's configuration",
        description: &[
            "The configuration of raudit's audit daemon (raudit daemon, rauditd), read as auditd \
             3.0.9 reads it: the same keys, values, checks and messages. When the file does not \
             exist the daemon uses the values of Debian's shipped file.",
            SYNTAX,
        ],
        keys: &[
            (
                "local_events",
                "yes|no",
                "read the kernel's events; no makes a pure network collector",
            ),
            ("write_logs", "yes|no", "write the log file"),
            ("log_file", "PATH", "the log file"),
            (
                "log_format",
                "RAW|ENRICHED",
                "records as the kernel sent them, or with names appended",
            ),
            ("log_group", "GROUP", "the group that owns the log files"),
            (
                "flush",
                "none|incremental|incremental_async|data|sync",
                "when written records reach the disk",
            ),
            ("freq", "N", "records between flushes for the incremental modes"),
            ("num_logs", "N", "log files kept by rotation"),
            ("dispatcher", "PATH", "deprecated; ignored with a warning"),
            ("name_format", "none|hostname|fqd|numeric|user", "the node= name put in each record"),
            ("name", "NAME", "the node name when name_format is user"),
            ("disp_qos", "lossy|lossless", "deprecated; ignored with a warning"),
            ("max_log_file", "MEGABYTES", "size at which max_log_file_action applies"),
            (
                "max_log_file_action",
                "ignore|syslog|suspend|rotate|keep_logs",
                "what a full log file causes",
            ),
            ("space_left", "MEGABYTES|PERCENT%", "free space at which space_left_action applies"),
            (
                "space_left_action",
                "ignore|syslog|rotate|email|exec PATH|suspend|single|halt",
                "what low disk space causes",
            ),
            ("action_mail_acct", "ADDRESS", "where the email action writes"),
            ("verify_email", "yes|no", "check that the mail address resolves"),
            (
                "admin_space_left",
                "MEGABYTES|PERCENT%",
                "free space at which admin_space_left_action applies",
            ),
            (
                "admin_space_left_action",
                "ignore|syslog|rotate|email|exec PATH|suspend|single|halt",
                "what very low disk space causes",
            ),
            (
                "disk_full_action",
                "ignore|syslog|rotate|exec PATH|suspend|single|halt",
                "what a full disk causes",
            ),
            (
                "disk_error_action",
                "ignore|syslog|exec PATH|suspend|single|halt",
                "what a write error causes",
            ),
            ("priority_boost", "N", "how much to raise the daemon's priority"),
            ("tcp_listen_port", "PORT", "listen for remote clients on this TCP port"),
            ("tcp_listen_queue", "N", "pending connections the listener accepts"),
            ("tcp_max_per_addr", "N", "connections allowed from one address"),
            ("use_libwrap", "yes|no", "check clients with TCP wrappers"),
            ("tcp_client_ports", "PORT[-PORT]", "source ports clients must connect from"),
            ("tcp_client_max_idle", "SECONDS", "close a client idle this long (0: never)"),
            ("transport", "TCP|KRB5", "the listener's transport"),
            ("enable_krb5", "yes|no", "use Kerberos 5 on the listener"),
            ("krb5_principal", "NAME", "the listener's Kerberos principal"),
            ("krb5_key_file", "PATH", "the listener's Kerberos key file"),
            ("distribute_network", "yes|no", "hand records from the network to the plugins too"),
            ("tcp_tls_cert", "PATH", "TLS listener certificate (raudit, feature tls)"),
            ("tcp_tls_key", "PATH", "TLS listener key (raudit, feature tls)"),
            ("tcp_tls_client_ca", "PATH", "CA that client certificates must chain to (raudit)"),
            ("tcp_tls_allow", "NAME[,NAME...]", "client certificate names allowed (raudit)"),
            ("q_depth", "N", "records each plugin's queue holds"),
            (
                "overflow_action",
                "ignore|syslog|suspend|single|halt",
                "what a full plugin queue causes",
            ),
            ("max_restarts", "N", "times a crashed plugin is restarted"),
            ("plugin_dir", "DIR", "where the plugin files are"),
            (
                "end_of_event_timeout",
                "SECONDS",
                "after this an event without its end record is complete",
            ),
        ],
        parser_keys: || raudit_config::keyword_names().collect(),
    },
    ConfPage {
        name: "raudit-audisp-remote.conf",
        file: "/etc/audit/audisp-remote.conf",
        summary: "the remote logging plugin's configuration",
        description: &[
            "The configuration of raudit's remote logging plugin (raudit remote, audisp-remote), \
             read as audisp-remote 3.0.9 reads it. An ACTION is one of ignore, syslog, exec PATH, \
             reconnect, suspend, single, halt or stop, where the key allows it.",
            SYNTAX,
        ],
        keys: &[
            ("remote_server", "HOST", "the server to send records to"),
            ("port", "PORT", "the server's port"),
            ("local_port", "PORT|any", "the source port to connect from"),
            ("transport", "tcp|krb5", "the transport"),
            ("mode", "immediate|forward", "send at once, or queue on disk first"),
            ("queue_file", "PATH", "forward mode's disk queue"),
            ("queue_depth", "N", "records the queue holds"),
            ("format", "managed|ascii", "the framed protocol, or plain lines"),
            ("network_retry_time", "SECONDS", "wait between reconnection attempts"),
            ("max_tries_per_record", "N", "attempts to send one record"),
            ("max_time_per_record", "SECONDS", "time allowed to send one record"),
            ("heartbeat_timeout", "SECONDS", "send a heartbeat after this much silence"),
            ("enable_krb5", "yes|no", "use Kerberos 5"),
            ("krb5_principal", "NAME", "the server's principal"),
            ("krb5_client_name", "NAME", "this client's principal"),
            ("krb5_key_file", "PATH", "this client's key file"),
            ("network_failure_action", "ACTION", "what a lost connection causes"),
            ("disk_low_action", "ACTION", "what the server's low disk report causes"),
            ("disk_full_action", "ACTION", "what the server's full disk report causes"),
            ("disk_error_action", "ACTION", "what the server's disk error report causes"),
            ("remote_ending_action", "ACTION", "what the server's shutdown causes"),
            ("generic_error_action", "ACTION", "what any other server error causes"),
            ("generic_warning_action", "ACTION", "what any other server warning causes"),
            ("queue_error_action", "ACTION", "what a queue error causes"),
            ("overflow_action", "ACTION", "what a full queue causes"),
            ("startup_failure_action", "ACTION", "what a failed start causes"),
            ("tls_ca", "PATH", "TLS: the server's CA (raudit, feature tls)"),
            ("tls_cert", "PATH", "TLS: this client's certificate (raudit)"),
            ("tls_key", "PATH", "TLS: this client's key (raudit)"),
            (
                "tls_server_name",
                "NAME",
                "TLS: the name checked in the server's certificate (raudit)",
            ),
        ],
        parser_keys: || raudit_remote::conf::keyword_names().collect(),
    },
    ConfPage {
        name: "raudit-plugins.d",
        file: "/etc/audit/plugins.d/*.conf",
        summary: "the audit daemon's plugin files",
        description: &[
            "Each file of plugin_dir whose name ends in .conf describes one plugin that the daemon \
             starts and feeds with records, as auditd 3.0.9 reads them.",
            SYNTAX,
        ],
        keys: &[
            ("active", "yes|no", "whether the daemon runs the plugin"),
            ("direction", "out", "records go from the daemon to the plugin"),
            ("path", "PATH|builtin_af_unix", "the program to run, or the builtin socket"),
            ("type", "always|builtin", "a program run always, or a builtin"),
            ("args", "ARG...", "arguments for the program"),
            ("format", "string|binary", "records as text lines, or as binary messages"),
        ],
        parser_keys: || raudit_dispatch::pconfig::KEYWORDS.to_vec(),
    },
];
