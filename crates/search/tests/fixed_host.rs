//! The host's names and zone reach every output that shows them: a fake
//! host injected into the whole search engine, no NSS or TZ involved.

use raudit_search::{Format, Settings, search};
use raudit_sys::FixedHost;

const LOG: &str = "type=SYSCALL msg=audit(1700000000.253:7): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=1000 gid=50 euid=1000 suid=1000 fsuid=1000 egid=50 sgid=50 fsgid=50 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)\n";

fn run(format: Format, host: &FixedHost) -> String {
    let settings = Settings { format, ..Settings::default() };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    search(&[LOG.as_bytes()], &settings, &mut out, &mut err, host, &|_, _| {}).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn fake_names_and_zone_in_the_output() {
    // 2023-11-14 22:13:20 UTC is already the 15th nine hours east.
    let host =
        FixedHost::new().with_user(1000, "zoe").with_group(50, "crew").with_utc_offset(9 * 3600);
    assert!(run(Format::Default, &host).starts_with("----\ntime->Wed Nov 15 07:13:20 2023\n"));
    let interpreted = run(Format::Interpret, &host);
    assert!(interpreted.starts_with("----\ntype=SYSCALL msg=audit(11/15/23 07:13:20.253:7) : "));
    assert!(interpreted.contains(" auid=zoe uid=zoe gid=crew "), "{interpreted}");
    let text = run(Format::Text, &host);
    assert!(text.starts_with("At 07:13:20 11/15/23 zoe successfully opened-file"), "{text}");
    // JSON times are UTC whatever the zone; its names are the host's.
    let json = run(Format::Json, &host);
    assert!(json.contains("\"time\":\"2023-11-14T22:13:20.253Z\""), "{json}");
    assert!(json.contains("zoe"), "{json}");
}
