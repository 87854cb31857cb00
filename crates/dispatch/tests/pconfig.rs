//! plugins.d files: which names are read, the file checks, the keys and the program checks, with
//! the reference's messages.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use raudit_dispatch::{Format, PluginType, load_plugin_dir};

fn msgs(dir: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let d = load_plugin_dir(dir);
    let mut names: Vec<String> = d.active.iter().map(|c| c.name.clone()).collect();
    names.sort();
    (names, d.diagnostics.iter().map(|d| d.text.clone()).collect())
}

#[test]
fn shipped_files_and_backups() {
    let t = tempfile::tempdir().unwrap();
    let prog = script(t.path(), "prog", "exec cat >/dev/null");
    let pd = t.path().join("plugins.d");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "good.conf", &plugin_text(&prog, "a b", "binary"));
    plugin_file(&pd, "noext", &plugin_text(&prog, "", "string"));
    plugin_file(&pd, "good.conf.save", &plugin_text(&prog, "", "string"));
    plugin_file(&pd, ".hidden", &plugin_text(&prog, "", "string"));
    plugin_file(&pd, "off.conf", "active = no\npath = /sbin/audisp-remote\n");
    // The Debian af_unix file, activated.
    plugin_file(
        &pd,
        "af_unix.conf",
        "# comment\nactive = yes\ndirection = out\npath = builtin_af_unix\ntype = builtin\nargs = 0640 /var/run/audispd_events\nformat = string\n",
    );
    let d = load_plugin_dir(&pd);
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    let mut names: Vec<&str> = d.active.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["af_unix.conf", "good.conf", "noext"]);
    let good = d.active.iter().find(|c| c.name == "good.conf").unwrap();
    assert_eq!(good.format, Format::Binary);
    assert_eq!(good.args, ["a", "b"]);
    assert_eq!(good.kind, PluginType::Always);
    assert!(good.inode != 0);
    let af = d.active.iter().find(|c| c.name == "af_unix.conf").unwrap();
    assert!(af.is_af_unix());
    assert_eq!(af.kind, PluginType::Builtin);
}

#[test]
fn bad_files_are_skipped_with_the_reference_messages() {
    let t = tempfile::tempdir().unwrap();
    let prog = script(t.path(), "prog", "exec cat >/dev/null");
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    let f = |name: &str, text: &str| plugin_file(&pd, name, text);
    f("ok", &plugin_text(&prog, "", "string"));
    f("badkey", "active = yes\ncolour = red\n");
    f("noeq", "active yes\n");
    f("short", "active =\n");
    f("badval", "active = maybe\n");
    f("dirin", "direction = in\n");
    f("badfmt", "format = json\n");
    f("opt", "format = string extra\n");
    f("nopath", "active = yes\n");
    f("shortdir", "path = /x/prog\n");
    f("missing", "active = yes\npath = /nonexistent/prog\n");
    f("toomany", &format!("active = yes\npath = {}\nargs = a b c d\n", prog.display()));
    f("owner", &plugin_text(&prog, "", "string"));
    std::os::unix::fs::chown(pd.join("owner"), Some(1), None).unwrap();
    f("ww", &plugin_text(&prog, "", "string"));
    std::fs::set_permissions(pd.join("ww"), std::fs::Permissions::from_mode(0o646)).unwrap();
    std::fs::create_dir(pd.join("adir")).unwrap();
    let weak = script(t.path(), "weak", "exit 0");
    std::fs::set_permissions(&weak, std::fs::Permissions::from_mode(0o700)).unwrap();
    f("weakmode", &plugin_text(&weak, "", "string"));
    let other = script(t.path(), "other", "exit 0");
    std::os::unix::fs::chown(&other, Some(1), None).unwrap();
    f("otherowner", &plugin_text(&other, "", "string"));
    f("long", &format!("# {}\n{}", "x".repeat(200), plugin_text(&prog, "", "string")));

    let (names, m) = msgs(&pd);
    assert_eq!(names, ["long", "ok", "toomany"]);
    let p = |n: &str| pd.join(n).display().to_string();
    let expect = [
        format!("Unknown keyword \"colour\" in line 2 of {}", p("badkey")),
        "Skipping badkey plugin due to errors".to_string(),
        format!("Missing equal sign for line 1 in {}", p("noeq")),
        format!("Wrong number of arguments for line 1 in {}", p("short")),
        "Option maybe not found - line 1".to_string(),
        "Option in not found - line 1".to_string(),
        "Option json not found - line 1".to_string(),
        format!("Keyword \"format\" has invalid option \"extra\" in line 1 of {}", p("opt")),
        format!("Error - plugin ({}) is active but no path given", p("nopath")),
        "The directory name: /x is too short - line 1".to_string(),
        "Unable to stat /nonexistent/prog (No such file or directory)".to_string(),
        format!("Wrong number of arguments for line 3 in {}", p("toomany")),
        format!("Error - {} isn't owned by root", p("owner")),
        format!("Error - {} is world writable", p("ww")),
        format!("Error - {} is not a regular file", p("adir")),
        format!("{} permissions should be 0750", weak.display()),
        format!("{} is not owned by root", other.display()),
        format!("Skipping line 1 in {}: too long", p("long")),
        "Skipping otherowner plugin due to errors".to_string(),
    ];
    for e in &expect {
        assert!(m.contains(e), "missing {e:?} in {m:#?}");
    }
    // Every rejected file is named once.
    for n in [
        "badkey",
        "noeq",
        "short",
        "badval",
        "dirin",
        "badfmt",
        "opt",
        "nopath",
        "shortdir",
        "missing",
        "owner",
        "ww",
        "adir",
        "weakmode",
        "otherowner",
    ] {
        let s = format!("Skipping {n} plugin due to errors");
        assert_eq!(m.iter().filter(|x| **x == s).count(), 1, "{s}");
    }
    let toomany = load_plugin_dir(&pd).active.into_iter().find(|c| c.name == "toomany").unwrap();
    assert_eq!(toomany.args, ["a", "b"]);
}

#[test]
fn af_unix_format_token_is_kept_quietly() {
    let t = tempfile::tempdir().unwrap();
    plugin_file(
        t.path(),
        "af",
        "active = yes\npath = builtin_af_unix\ntype = builtin\nargs = 0600 /tmp/x binary\n",
    );
    let d = load_plugin_dir(t.path());
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    assert_eq!(d.active[0].args, ["0600", "/tmp/x", "binary"]);
}

/// Beyond the reference: a plugin program anyone may rewrite, or one named by a relative path
/// (found wherever the daemon's working directory is), is not started.
#[test]
fn world_writable_and_relative_plugin_programs_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    let ww = script(t.path(), "ww", "exec cat >/dev/null");
    std::fs::set_permissions(&ww, std::fs::Permissions::from_mode(0o757)).unwrap();
    plugin_file(&pd, "wwprog", &plugin_text(&ww, "", "string"));
    let ok = script(t.path(), "ok", "exec cat >/dev/null");
    plugin_file(&pd, "ok", &plugin_text(&ok, "", "string"));
    let relative = format!("../{}/ok", t.path().file_name().unwrap().to_string_lossy());
    plugin_file(&pd, "relative", &plugin_text(std::path::Path::new(&relative), "", "string"));

    let (names, m) = msgs(&pd);
    assert_eq!(names, ["ok"]);
    let expect = [
        format!("{} is world writable", ww.display()),
        format!(
            "Error - plugin ({}) path {relative} is not absolute",
            pd.join("relative").display()
        ),
        "Skipping wwprog plugin due to errors".to_string(),
        "Skipping relative plugin due to errors".to_string(),
    ];
    for e in &expect {
        assert!(m.contains(e), "missing {e:?} in {m:#?}");
    }
}
