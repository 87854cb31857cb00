//! `aureport` / `raudit report`: the command line, the log input and the
//! exit code around the report engine (raudit-report).

mod args;

pub use args::FLAGS;

use std::io::{self, Write};
use std::process::ExitCode;

use raudit_cli::args::ArgCursor;
use raudit_report::{Ending, Error, Logs, Title};
use raudit_search::input::{Located, stdin_is_pipe};

use self::args::{Options, Stop};
use raudit_tables::errno::io_text;

use super::logs::{LogData, load, read_conf};
use crate::Invocation;

pub fn main(inv: Invocation) -> ExitCode {
    raudit_sys::clock::set_locale_from_env();
    let opts = match args::parse(ArgCursor::new(&inv.args), stdin_is_pipe) {
        Ok(o) => o,
        Err(Stop::Exit(code)) => return ExitCode::from(code),
        Err(Stop::Error { message, newline, usage }) => {
            if newline {
                eprintln!("{message}");
            } else {
                eprint!("{message}");
            }
            if usage {
                print!("{}", args::usage());
            }
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = match run(opts, &mut out) {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("{}: {e}", inv.display_name);
            return ExitCode::from(1);
        }
    };
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("{}: {e}", inv.display_name);
            ExitCode::from(1)
        }
        _ => code,
    }
}

/// Prints `message` on stderr after what is already on stdout; exit 1.
fn fail(out: &mut impl Write, message: &str) -> io::Result<ExitCode> {
    out.flush()?;
    eprintln!("{message}");
    Ok(ExitCode::from(1))
}

fn run(opts: Options, out: &mut impl Write) -> io::Result<ExitCode> {
    let conf = read_conf();
    let eoe_timeout = opts.eoe_timeout.unwrap_or(conf.eoe_timeout);
    match raudit_report::title(&opts.report) {
        Title::Report(text) => out.write_all(text.as_bytes())?,
        Title::Unimplemented(text) => {
            out.write_all(text.as_bytes())?;
            return fail(out, args::UNIMPLEMENTED);
        }
    }
    let located = match opts.input.locate(&conf.log_file) {
        Ok(located) => located,
        // Beyond the reference: the file's name, which its `stat: ERROR` leaves out.
        Err(e) => {
            let name = crate::tools::logs::input_name(&opts.input);
            return fail(out, &format!("stat: {name}{}", io_text(&e)));
        }
    };
    if let Located::Set { base, in_dir: true } = &located {
        eprintln!("NOTE - using logs in {}", base.display());
    }
    let files = located.files(None).unwrap_or_default();
    let names: Vec<String> = match located {
        Located::Stdin => vec!["stdin".to_string()],
        _ => files.iter().map(|f| f.display().to_string()).collect(),
    };
    // COMPAT: aureport.c process_logs: a file that cannot be opened stops
    // the run there, after the files before it were reported.
    let loaded = load(&located, &files)?;
    let data: Vec<&[u8]> = loaded.buffers.iter().map(LogData::bytes).collect();
    let logs =
        Logs { data: &data, names: &names, eoe_timeout, complete: loaded.open_error.is_none() };
    let release = |index: usize, upto: usize| loaded.buffers[index].release(upto);
    let mut err = io::stderr().lock();
    let host = raudit_sys::SystemHost::new();
    let ending = raudit_report::run(&opts.report, &logs, &host, out, &mut err, &release);
    drop(err);
    match ending {
        Ok(Ending::Done) => Ok(ExitCode::SUCCESS),
        Ok(Ending::NoEvents) => Ok(ExitCode::from(1)),
        Ok(Ending::Stopped) => fail(out, loaded.open_error.as_deref().unwrap_or_default()),
        Err(Error::Io(e)) => Err(e),
        Err(Error::Page { path, source }) => {
            fail(out, &format!("Error writing {} ({})", path.display(), io_text(&source)))
        }
    }
}
