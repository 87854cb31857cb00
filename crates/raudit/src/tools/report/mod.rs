//! `aureport` / `raudit report`: the command line, the log input and the
//! exit code around the report engine (raudit-report).

mod args;
mod follow;

pub use args::FLAGS;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use raudit_cli::args::ArgCursor;
use raudit_report::{Ending, Error, Logs, Title};
use raudit_search::input::{Located, stdin_is_pipe};

use self::args::{Options, Stop};
use raudit_tables::errno::io_text;

use super::logs::{LogData, input_starts, load, read_conf, valid_indexes};
use super::progress::{self, Progress};
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
    if opts.follow {
        return match follow::follow(opts) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{}: {e}", inv.display_name);
                ExitCode::from(1)
            }
        };
    }
    let progress = Progress::start(progress::wanted(false));
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = io::BufWriter::with_capacity(1 << 16, progress.guard(stdout.lock(), tty));
    // `--html FILE`: the page is the output; stdout stays empty and stderr
    // says where it went (docs/compat.md).
    let html = opts.report.html.clone();
    let result = match &html {
        Some(_) => run(opts, &mut io::sink(), &progress),
        None => run(opts, &mut out, &progress),
    };
    drop(progress);
    if let (Ok(code), Some(path)) = (&result, &html)
        && *code == ExitCode::SUCCESS
    {
        eprintln!("{}: wrote {}", inv.display_name, path.display());
    }
    let code = match result {
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

fn run(opts: Options, out: &mut impl Write, progress: &Progress) -> io::Result<ExitCode> {
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
    // With a time window, the valid indexes spare reading what lies outside it.
    let windowed = opts.report.start != 0 || opts.report.end != 0;
    let indexes = if windowed { valid_indexes(&located, &files, &data) } else { Vec::new() };
    let logs = Logs {
        data: &data,
        names: &names,
        eoe_timeout,
        complete: loaded.open_error.is_none(),
        indexes: &indexes,
    };
    let starts = input_starts(&data);
    progress.total(starts.last().copied().unwrap_or(0));
    let release = |index: usize, upto: usize| {
        loaded.buffers[index].release(upto);
        progress.reached(starts[index] + upto as u64);
    };
    let mut err = progress.guard(io::stderr().lock(), true);
    let host = raudit_sys::SystemHost::new();
    let ending = raudit_report::run(&opts.report, &logs, &host, out, &mut err, &release);
    drop(err);
    progress.finish();
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
