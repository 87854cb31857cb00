//! Test certificates: a CA, a server and clients, made with the `openssl`
//! program (TLS tests of the remote listener and the fleet).

use std::path::Path;
use std::process::{Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl").args(args).current_dir(dir).stderr(Stdio::null()).status();
    assert!(st.unwrap().success(), "openssl {args:?}");
}

/// A CA (`ca.pem`, `ca.key`), a server certificate for 127.0.0.1 (`server.pem`, `server.key`)
/// and client certificates `NAME.pem` for `names`, in `dir` (needs the `openssl` program).
pub fn make_certs(dir: &Path, names: &[&str]) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut a = vec!["req", "-x509"];
    a.extend(ec);
    a.extend(["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=test-ca", "-days", "2"]);
    a.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
    a.extend(["-addext", "keyUsage=critical,keyCertSign"]);
    openssl(dir, &a);
    let leaf = |stem: &str, san: &str, usage: &str| {
        let mut r = vec!["req"];
        r.extend(ec);
        let (key, csr, pem, ext) = (
            format!("{stem}.key"),
            format!("{stem}.csr"),
            format!("{stem}.pem"),
            format!("{stem}.ext"),
        );
        r.extend(["-keyout", &key, "-out", &csr, "-subj"]);
        let subj = format!("/CN={stem}");
        r.push(&subj);
        openssl(dir, &r);
        std::fs::write(
            dir.join(&ext),
            format!("subjectAltName={san}\nextendedKeyUsage={usage}\nbasicConstraints=CA:FALSE\n"),
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    };
    leaf("server", "IP:127.0.0.1", "serverAuth");
    for n in names {
        leaf(n, &format!("DNS:{n}"), "clientAuth");
    }
}
