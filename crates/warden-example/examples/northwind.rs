//! Writes the example estate as a snapshot.
//!
//! `cargo run -p warden-example --example northwind -- [--seed N] [--scale N] [-o FILE]`
//! (`-o` ending in `.zst` compresses; without `-o` the JSON goes to standard output).

use std::path::PathBuf;
use std::process::ExitCode;
use warden_example::{Params, generate};

fn main() -> ExitCode {
    let mut params = Params::default();
    let mut out = PathBuf::from("-");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next();
        let parsed = match (a.as_str(), value) {
            ("--seed", Some(v)) => v.parse().map(|s| params.seed = s).map_err(|e| format!("--seed `{v}`: {e}")),
            ("--scale", Some(v)) => {
                v.parse().map(|s| params.scale = Some(s)).map_err(|e| format!("--scale `{v}`: {e}"))
            }
            ("-o", Some(v)) => {
                out = PathBuf::from(v);
                Ok(())
            }
            _ => Err(format!("unexpected argument `{a}`: use --seed N, --scale N, -o FILE")),
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let snapshot = generate(&params);
    eprintln!("{} accounts, {} resources", snapshot.inventory.accounts.len(), snapshot.inventory.resource_count());
    match snapshot.write(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
