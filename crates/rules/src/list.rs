//! Kernel rules as `auditctl -l` prints them.

use raudit_interpret::{Context, Escape, Machine};
use raudit_proto::RuleData;
use raudit_sys::SystemHost;
use raudit_tables::{errno, msg_type, syscalls};

use crate::field::{self, Kind};
use crate::names;

/// Prints rules one after the other, as one `auditctl -l` run does.
pub struct Lister {
    /// COMPAT: auditctl-listing.c: the arch used to name syscalls is set by
    /// a rule's arch field and kept for the following rules that have none.
    arch: u32,
    /// `-l -i`: arch names, a0..a3 meanings and `unset` ids.
    interpret: bool,
    host: SystemHost,
}

impl Default for Lister {
    fn default() -> Self {
        Lister { arch: names::host_arch(), interpret: false, host: SystemHost::default() }
    }
}

/// What the a0..a3 interpretation of `-l -i` needs, gathered as the rule is printed.
#[derive(Default)]
struct ArgContext {
    machine: Option<Machine>,
    /// Syscalls listed (`-S all` counts 63, as the reference's loop does) and the last one.
    count: usize,
    syscall: u32,
    a0: u64,
    a1: u64,
}

/// Whether every syscall bit (mask words 0..62) is set.
fn all_syscalls(r: &RuleData) -> bool {
    r.mask[..63].iter().all(|&w| w == u32::MAX)
}

fn perm_text(bits: u32) -> String {
    [(4, 'r'), (2, 'w'), (1, 'x'), (8, 'a')]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|&(_, c)| c)
        .collect()
}

impl Lister {
    pub fn new() -> Lister {
        Lister::default()
    }

    /// `auditctl -l -i`.
    pub fn interpreting() -> Lister {
        Lister { interpret: true, ..Lister::default() }
    }

    /// One rule's line.
    pub fn line(&mut self, r: &RuleData) -> String {
        let list = r.flags & 0x7;
        let exit_type = matches!(list, 2 | 4 | 7);
        let texts = r.field_strings();
        let watch_fields = r
            .fields
            .iter()
            .all(|&f| matches!(f, field::WATCH | field::DIR | field::PERM | field::KEY));
        let has_perm = r.fields.contains(&field::PERM);
        // COMPAT: auditctl-listing.c is_watch: perm and only watch fields (a
        // path is not required), and every syscall unless the list is user,
        // task, exclude or filesystem.
        let any_syscalls_list = !matches!(list, 0 | 1 | 5 | 6);
        if watch_fields && has_perm && (!any_syscalls_list || all_syscalls(r)) {
            return self.watch_line(r, &texts);
        }
        let mut out = format!("-a {},{}", field::action_name(r.action), field::list_name(list));
        let mut args = ArgContext::default();
        for (i, &id) in r.fields.iter().enumerate() {
            if id == field::ARCH {
                self.arch = r.values[i];
                args.machine = Machine::from_elf(r.values[i]);
                // COMPAT: auditctl-listing.c print_arch: -i names the machine.
                let text = match args.machine {
                    Some(m) if self.interpret && names::known_arch(r.values[i]) => {
                        m.name().to_string()
                    }
                    _ => names::arch_text(r.values[i]),
                };
                out.push_str(&format!(" -F arch{}{text}", field::op_text(r.fieldflags[i])));
            }
        }
        if exit_type {
            out.push_str(" -S ");
            if all_syscalls(r) {
                out.push_str("all");
                args.count = 63;
            } else {
                let table = crate::arch::table_of(self.arch);
                let numbers: Vec<u32> = (0..2048u32).filter(|&n| r.has_syscall(n)).collect();
                let names: Vec<String> = numbers
                    .iter()
                    .map(|&n| {
                        table
                            .and_then(|t| syscalls::name(t, n))
                            .map_or_else(|| n.to_string(), str::to_string)
                    })
                    .collect();
                out.push_str(&names.join(","));
                args.count = numbers.len();
                args.syscall = numbers.last().copied().unwrap_or(0);
            }
        }
        for (i, &id) in r.fields.iter().enumerate() {
            if id == field::ARCH {
                continue;
            }
            let value = r.values[i];
            if (200..=203).contains(&id) {
                match id {
                    200 => args.a0 = u64::from(value),
                    201 => args.a1 = u64::from(value),
                    _ => {}
                }
                // COMPAT: auditctl-listing.c: -i interprets a0..a3 only in a
                // rule of one syscall.
                if self.interpret && args.count <= 1 {
                    out.push_str(&self.arg_text(id, r.fieldflags[i], value, &args));
                    continue;
                }
            }
            out.push_str(&self.field_text(id, r.fieldflags[i], value, texts[i]));
        }
        out
    }

    /// `-F aN=meaning`: the value read as a SYSCALL record's aN would be.
    fn arg_text(&self, id: u32, op: u32, value: u32, args: &ArgContext) -> String {
        let name = format!("a{}", id - 200);
        let hex = format!("{value:x}");
        let ctx = Context {
            machine: args.machine,
            syscall: args.syscall as i32,
            syscall_name: None,
            a0: args.a0,
            a1: args.a1,
            cwd: None,
            host: &self.host,
            stored: None,
        };
        let kind = raudit_interpret::kind::of_field(1300, name.as_bytes(), hex.as_bytes());
        let mut meaning = Vec::new();
        raudit_interpret::interpret_into(
            &mut meaning,
            kind,
            name.as_bytes(),
            hex.as_bytes(),
            &ctx,
            Escape::Tty,
        );
        format!(" -F {name}{}{}", field::op_text(op), String::from_utf8_lossy(&meaning))
    }

    /// The watch form prints the fields in their stored order.
    // COMPAT: auditctl-listing.c: a path stored after the perm field comes
    // out as ` -p x-w /path` (the `-w` carries no leading space).
    fn watch_line(&mut self, r: &RuleData, texts: &[Option<&[u8]>]) -> String {
        let mut out = String::new();
        for (i, &id) in r.fields.iter().enumerate() {
            match id {
                field::WATCH | field::DIR => {
                    out.push_str(&format!(
                        "-w {}",
                        String::from_utf8_lossy(texts[i].unwrap_or(&[]))
                    ));
                }
                field::PERM => out.push_str(&format!(" -p {}", perm_text(r.values[i]))),
                field::KEY => {
                    // COMPAT: auditctl-listing.c: strtok, so empty keys
                    // are not listed.
                    for key in texts[i]
                        .unwrap_or(&[])
                        .split(|&b| b == raudit_proto::filter::KEY_SEPARATOR)
                        .filter(|k| !k.is_empty())
                    {
                        out.push_str(&format!(" -k {}", String::from_utf8_lossy(key)));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn field_text(&self, id: u32, op: u32, value: u32, text: Option<&[u8]>) -> String {
        let ops = field::op_text(op);
        let Some((name, kind)) = field::by_id(id) else {
            return format!(" f{id}{ops}{value}");
        };
        let text = || String::from_utf8_lossy(text.unwrap_or(&[])).into_owned();
        let v = match kind {
            Kind::Key => {
                return text()
                    .split('\u{1}')
                    .filter(|k| !k.is_empty())
                    .map(|k| format!(" -F key={k}"))
                    .collect();
            }
            Kind::Compare => {
                let pair = field::COMPARISONS.iter().find(|c| c.2 == value);
                return match pair {
                    Some((a, b, _)) => format!(" -C {a}{ops}{b}"),
                    // COMPAT: auditctl-listing.c print_field_cmp: an unknown
                    // comparison prints nothing.
                    None => String::new(),
                };
            }
            // COMPAT: auditctl-listing.c: path, dir and exe are printed with
            // `=` whatever their operator (fixed upstream in 4.0.2).
            Kind::Str if matches!(id, field::WATCH | field::DIR | field::EXE) => {
                return format!(" -F {name}={}", text());
            }
            Kind::Str => text(),
            // COMPAT: auditctl-listing.c: -i shows an unset login uid or session as `unset`.
            Kind::Uid | Kind::Session
                if self.interpret && value == u32::MAX && matches!(id, 9 | 25) =>
            {
                "unset".into()
            }
            Kind::Uid | Kind::Gid | Kind::Signed | Kind::Session => (value as i32).to_string(),
            Kind::Unsigned | Kind::FileType => value.to_string(),
            Kind::Arch => names::arch_text(value),
            Kind::MsgType => {
                msg_type::name_of(value).map_or_else(|| value.to_string(), str::to_string)
            }
            Kind::Perm => perm_text(value),
            Kind::Exit => {
                let v = value as i32;
                match (v < 0).then(|| errno::name(v.unsigned_abs())).flatten() {
                    Some(e) => format!("-{e}"),
                    None => v.to_string(),
                }
            }
            Kind::FsType => field::FS_TYPES
                .iter()
                .find(|f| f.1 == value)
                .map_or_else(|| value.to_string(), |f| f.0.to_string()),
            Kind::Arg => format!("0x{value:X}"),
        };
        format!(" -F {name}{ops}{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{RuleBuilder, RuleOp};

    fn listed(opts: &[(&str, &str)]) -> String {
        let mut b = RuleBuilder::new();
        for (o, v) in opts {
            match *o {
                "-a" => b.list_action(RuleOp::Add, v).unwrap(),
                "-S" => b.syscall(v).unwrap(),
                "-F" => b.field(v).unwrap(),
                "-C" => b.compare(v).unwrap(),
                "-w" => b.watch(v, false).unwrap(),
                "-p" => b.perm(v).unwrap(),
                "-k" => b.key(v).unwrap(),
                _ => unreachable!(),
            }
        }
        Lister::new().line(&b.finish().unwrap().1)
    }

    #[test]
    fn interpreted_listing() {
        let mut b = RuleBuilder::new();
        b.list_action(RuleOp::Add, "always,exit").unwrap();
        b.field("arch=b64").unwrap();
        b.syscall("socket").unwrap();
        b.field("a0=2").unwrap();
        b.field("auid!=unset").unwrap();
        let rule = b.finish().unwrap().1;
        assert_eq!(
            Lister::interpreting().line(&rule),
            "-a always,exit -F arch=x86_64 -S socket -F a0=inet -F auid!=unset"
        );
        assert_eq!(
            Lister::new().line(&rule),
            "-a always,exit -F arch=b64 -S socket -F a0=0x2 -F auid!=-1"
        );
    }

    #[test]
    fn canonical_text() {
        assert_eq!(
            listed(&[
                ("-a", "exit,always"),
                ("-F", "arch=b64"),
                ("-S", "openat,open"),
                ("-F", "exit=-EACCES"),
                ("-F", "auid!=unset"),
                ("-k", "access")
            ]),
            "-a always,exit -F arch=b64 -S open,openat -F exit=-EACCES -F auid!=-1 -F key=access"
        );
        assert_eq!(
            listed(&[("-w", "/etc/passwd"), ("-p", "wa"), ("-k", "passwd")]),
            "-w /etc/passwd -p wa -k passwd"
        );
        assert_eq!(
            listed(&[
                ("-a", "always,exit"),
                ("-F", "arch=b64"),
                ("-S", "socket"),
                ("-F", "a0=2"),
                ("-C", "euid!=uid")
            ]),
            "-a always,exit -F arch=b64 -S socket -F a0=0x2 -C uid!=euid"
        );
        assert_eq!(
            listed(&[("-a", "always,exclude"), ("-F", "msgtype=CWD")]),
            "-a always,exclude -F msgtype=CWD"
        );
        assert_eq!(listed(&[("-a", "never,task")]), "-a never,task");
    }
}
