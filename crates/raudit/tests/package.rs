//! The Debian package (scripts/build-deb, cargo-deb). Its maintainer scripts
//! are tested against a scratch root (DPKG_ROOT), its default config files
//! with the real parsers, and the package itself is built, installed with
//! apt/dpkg on this machine, checked and purged: the machine must be left as
//! it was, Debian's auditd intact. That last test changes the machine, so it
//! runs only under CI=true or with RAUDIT_TEST_PACKAGE=1 (as root).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use raudit_testkit::{skip, under_ci, workspace_root};

fn debian_dir() -> PathBuf {
    workspace_root().join("crates/raudit/debian")
}

/// Every default file, relative to /etc/audit.
const DEFAULTS: &[&str] = &[
    "auditd.conf",
    "audit.rules",
    "rules.d/audit.rules",
    "audisp-remote.conf",
    "plugins.d/af_unix.conf",
    "plugins.d/syslog.conf",
    "plugins.d/au-remote.conf",
];

#[test]
fn default_config_files_load_without_messages() {
    let d = debian_dir().join("defaults");
    let loaded = raudit_config::load(
        &d.join("auditd.conf"),
        &raudit_config::LoadOptions { allow_links: false },
    )
    .expect("auditd.conf");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.config.plugin_dir, PathBuf::from("/etc/audit/plugins.d"));
    let remote = raudit_remote::conf::load(&d.join("audisp-remote.conf")).expect("remote");
    assert!(remote.diagnostics.is_empty(), "{:?}", remote.diagnostics);
    for plugin in ["af_unix", "syslog", "au-remote"] {
        let mut diags = Vec::new();
        let file = d.join(format!("plugins.d/{plugin}.conf"));
        assert!(raudit_dispatch::pconfig::load_plugin_file(&file, &mut diags).is_ok(), "{plugin}");
        assert!(diags.is_empty(), "{plugin}: {diags:?}");
    }
    for rules in ["audit.rules", "rules.d/audit.rules"] {
        let text = std::fs::read_to_string(d.join(rules)).expect("rules");
        let findings = raudit_rules::lint::check(&text, &|_| true);
        assert!(findings.iter().all(|f| !f.problem), "{rules}: problems");
    }
}

fn run_script(root: &Path, script: &str, arg: &str) {
    let out = Command::new("sh")
        .arg(debian_dir().join(script))
        .arg(arg)
        .env("DPKG_ROOT", root)
        .output()
        .expect("sh");
    assert!(out.status.success(), "{script} {arg}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every file and directory under `root`, with a hash of each file's contents.
fn tree(root: &Path) -> BTreeMap<PathBuf, Option<u64>> {
    use std::hash::{Hash, Hasher};
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path.clone());
                out.insert(rel, None);
            } else {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut h);
                std::fs::read_link(&path).ok().hash(&mut h);
                out.insert(rel, Some(h.finish()));
            }
        }
    }
    out
}

/// A scratch root with the package's /usr/share/raudit/defaults.
fn scratch_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    // What every Debian system has.
    for dir in ["etc", "var/lib", "var/log"] {
        std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
    }
    for rel in DEFAULTS {
        let dest = root.path().join("usr/share/raudit/defaults").join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(debian_dir().join("defaults").join(rel), dest).expect("copy");
    }
    root
}

#[test]
fn postinst_adds_only_missing_defaults_and_purge_removes_only_those() {
    let root = scratch_root();
    let r = root.path();
    // An admin's auditd.conf and a log already exist.
    std::fs::create_dir_all(r.join("etc/audit")).expect("mkdir");
    std::fs::write(r.join("etc/audit/auditd.conf"), "log_file = /srv/audit.log\n").expect("conf");
    std::fs::create_dir_all(r.join("var/log/audit")).expect("mkdir");
    std::fs::write(r.join("var/log/audit/audit.log"), "x\n").expect("log");
    let before = tree(r);

    run_script(r, "postinst", "configure");
    let installed = tree(r);
    assert_eq!(
        std::fs::read_to_string(r.join("etc/audit/auditd.conf")).expect("read"),
        "log_file = /srv/audit.log\n",
        "postinst overwrote an existing auditd.conf"
    );
    for rel in DEFAULTS.iter().filter(|r| **r != "auditd.conf") {
        let theirs = std::fs::read(debian_dir().join("defaults").join(rel)).expect("default");
        assert_eq!(std::fs::read(r.join("etc/audit").join(rel)).ok(), Some(theirs), "{rel}");
    }
    // An upgrade (configure again) changes nothing.
    run_script(r, "postinst", "configure");
    assert_eq!(tree(r), installed);

    // remove keeps the config; purge takes back exactly what postinst added.
    run_script(r, "postrm", "remove");
    assert_eq!(tree(r), installed);
    run_script(r, "postrm", "purge");
    assert_eq!(tree(r), before, "purge left or removed something");

    // On an empty root, purge leaves only what dpkg itself removes.
    let empty = scratch_root();
    let clean = tree(empty.path());
    run_script(empty.path(), "postinst", "configure");
    assert!(empty.path().join("etc/audit/plugins.d/syslog.conf").is_file());
    assert!(empty.path().join("var/log/audit").is_dir());
    run_script(empty.path(), "postrm", "purge");
    assert_eq!(tree(empty.path()), clean);
}

fn sh(cmd: &str) -> (bool, String) {
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Purges the package when a failed check unwinds, so the machine is left clean.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = sh("apt-get purge -y -qq -o DPkg::Lock::Timeout=300 raudit >/dev/null 2>&1");
    }
}

/// Pids of the processes whose executable is `exe`.
fn running(exe: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|p| p.to_string_lossy().trim_end_matches(" (deleted)") == exe)
        })
        .collect()
}

const APT: &str = "DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=300";

/// The reference's state: its files as dpkg knows them, and /etc/audit.
fn reference_state() -> (String, BTreeMap<PathBuf, Option<u64>>) {
    (
        sh("dpkg -V auditd 2>&1; dpkg -s auditd | grep -E '^(Status|Version)'").1,
        tree(Path::new("/etc/audit")),
    )
}

#[test]
fn package_installs_and_purges_cleanly() {
    if !under_ci() && std::env::var("RAUDIT_TEST_PACKAGE").as_deref() != Ok("1") {
        eprintln!(
            "skipped: installs and purges the raudit package on this machine; runs under CI=true \
             or with RAUDIT_TEST_PACKAGE=1"
        );
        return;
    }
    if !rustix::process::geteuid().is_root() {
        skip::<()>("installing a package needs root");
        return;
    }
    if !sh("command -v cargo-deb && command -v dpkg-deb && command -v apt-get").0 {
        skip::<()>("cargo-deb, dpkg-deb or apt-get is missing (scripts/install-prereqs)");
        return;
    }
    let release = workspace_root().join("target/release/raudit");
    if !sh(&format!("{} --generate 2>&1 | grep -q usage", release.display())).0 {
        skip::<()>("target/release/raudit is missing or old (scripts/test builds it first)");
        return;
    }
    // One package test at a time on this machine (other worktrees run theirs too).
    let lock = std::fs::File::create("/run/lock/raudit-package-test.lock").expect("lock file");
    lock.lock().expect("lock");
    if sh("dpkg -s raudit 2>/dev/null | grep -q '^Status: install ok installed'").0 {
        skip::<()>("the raudit package is installed already; the test would remove it");
        return;
    }
    let reference_before = reference_state();

    let out = tempfile::tempdir().expect("tempdir");
    let (ok, log) = sh(&format!(
        "{}/scripts/build-deb --no-build --fast {}",
        workspace_root().display(),
        out.path().display()
    ));
    assert!(ok, "build-deb: {log}");
    let deb = std::fs::read_dir(out.path())
        .expect("out")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("no .deb built");
    let deb = deb.display().to_string();
    let (_, control) = sh(&format!("dpkg-deb -f {deb}"));
    assert!(control.contains("Package: raudit"), "{control}");
    assert!(!control.contains("Conflicts:") && !control.contains("Replaces:"), "{control}");

    let guard = Installed;
    let (ok, log) = sh(&format!("{APT} install {deb} 2>&1"));
    assert!(ok, "install: {log}");
    // Files, links, man pages, completions, the unit, the defaults.
    for path in [
        "/usr/sbin/raudit",
        "/usr/sbin/rauditd",
        "/usr/share/man/man8/raudit.8.gz",
        "/usr/share/man/man8/raudit-search.8.gz",
        "/usr/share/man/man8/rauditd.8.gz",
        "/usr/share/man/man5/raudit-auditd.conf.5.gz",
        "/usr/share/bash-completion/completions/raudit",
        "/usr/share/bash-completion/completions/ausearch",
        "/usr/share/zsh/vendor-completions/_raudit",
        "/usr/share/fish/vendor_completions.d/ausearch.fish",
        "/lib/systemd/system/rauditd.service",
        "/usr/share/raudit/defaults/auditd.conf",
    ] {
        assert!(Path::new(path).exists(), "{path} missing after install");
    }
    let (_, listed) = sh("/usr/sbin/raudit --list");
    for line in listed.lines() {
        let legacy = line.split_whitespace().nth(1).expect("legacy name");
        let link = format!("/usr/libexec/raudit/{legacy}");
        let target = std::fs::read_link(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(target, Path::new("../../sbin/raudit"), "{link}");
        let (ok, which) = sh(&format!("RAUDIT_PRINT_TOOL=1 {link}"));
        assert!(ok && which.ends_with(&format!(" {legacy}\n")), "{link}: {which}");
    }
    let (ok, version) = sh("PATH=/usr/sbin:/usr/bin:/sbin:/bin raudit --version");
    assert!(ok && version.starts_with("raudit "), "{version}");
    let (ok, verify) =
        sh("systemd-analyze verify --man=no /lib/systemd/system/rauditd.service 2>&1");
    assert!(ok && !verify.contains("rauditd"), "{verify}");
    // Installed, not started: no process runs the package's binary (other rauditd processes,
    // such as other test runs' on this machine, are not the package's).
    assert_eq!(running("/usr/sbin/rauditd"), Vec::<u32>::new(), "the package started rauditd");
    // Beside the reference: its files and /etc/audit are untouched.
    assert_eq!(reference_state(), reference_before, "installing raudit changed auditd's files");

    let (ok, log) = sh(&format!("{APT} purge raudit 2>&1"));
    assert!(ok, "purge: {log}");
    std::mem::forget(guard);
    let (_, contents) = sh(&format!("dpkg-deb -c {deb}"));
    for line in contents.lines() {
        // `... ./usr/sbin/raudit` or `... ./usr/libexec/raudit/auditd -> ../../sbin/raudit`
        let Some(path) = line.split(" ./").nth(1) else { continue };
        let path = format!("/{}", path.split(" -> ").next().unwrap_or(path));
        if !line.starts_with('d') {
            assert!(
                !Path::new(&path).exists() && !Path::new(&path).is_symlink(),
                "{path} left after purge"
            );
        }
    }
    for dir in
        ["/usr/libexec/raudit", "/usr/share/raudit", "/var/lib/raudit", "/usr/share/doc/raudit"]
    {
        assert!(!Path::new(dir).exists(), "{dir} left after purge");
    }
    assert!(!sh("dpkg -s raudit >/dev/null 2>&1").0, "dpkg still knows raudit");
    assert_eq!(reference_state(), reference_before, "purging raudit changed auditd's files");
}
