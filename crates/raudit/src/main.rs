use std::process::ExitCode;

fn main() -> ExitCode {
    raudit::dispatch::main()
}
