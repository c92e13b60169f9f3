//! The yardstick for `GET /signin`: the same bytes served as a static file
//! through actix-files, with as many workers as the app. Started by
//! `scripts/bench.sh`:
//!
//! ```text
//! cargo run --release --features bench --bin bench-static-page -- <directory> <host:port>
//! ```

use std::process::ExitCode;

use actix_files::Files;
use actix_web::rt::net::TcpStream;
use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, addr] = args.as_slice() else {
        eprintln!("usage: static-page <directory> <host:port>");
        return ExitCode::FAILURE;
    };
    let dir = dir.clone();
    // actix-files writes the head and the body separately; without
    // TCP_NODELAY the body waits for the client's delayed ACK (40 ms), which
    // would make this yardstick absurdly easy to beat.
    let server = HttpServer::new(move || App::new().service(Files::new("/", &dir))).on_connect(
        |connection, _| {
            if let Some(tcp) = connection.downcast_ref::<TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        },
    );
    match server.bind(addr.as_str()) {
        Ok(server) => match server.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("static-page stopped: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("static-page cannot listen on {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}
