//! The binary from the outside: flags, and one clear line for every kind of bad start.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_fugong");

fn fugong(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("FUGONG_DATA")
        .env_remove("FUGONG_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A failed start: non-zero exit, an `error:` line naming the problem, no panic.
fn assert_clean_failure(o: &Output, expect: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should fail: {err}");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "no panic: {err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "one error line: {err}"
    );
}

#[test]
fn version_and_help() {
    let o = fugong(&["--version"], &[]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).trim(),
        format!("fugong {}", env!("CARGO_PKG_VERSION"))
    );
    let help = stdout(&fugong(&["--help"], &[]));
    for cmd in ["serve", "migrate", "demo", "backup"] {
        assert!(help.contains(cmd), "--help lists {cmd}");
    }
    let serve = stdout(&fugong(&["serve", "--help"], &[]));
    assert!(serve.contains("--listen") && serve.contains("--demo") && serve.contains("--data"));
}

#[test]
fn unknown_flag_is_refused() {
    let o = fugong(&["serve", "--lisen", "x"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--lisen"));
}

#[test]
fn unknown_database_scheme_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = fugong(
        &["migrate", "--data", data],
        &[("DATABASE_URL", "mysql://root@localhost/x")],
    );
    assert_clean_failure(&o, "unsupported database URL scheme 'mysql'");
}

#[test]
fn unwritable_data_directory() {
    // Under a regular file, so it fails even for root.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let data = file.join("data");
    let o = fugong(&["migrate", "--data", data.to_str().unwrap()], &[]);
    assert_clean_failure(&o, "cannot create data directory");
    assert!(stderr(&o).contains(data.to_str().unwrap()));
}

#[test]
fn port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let o = fugong(
        &[
            "serve",
            "--listen",
            &addr,
            "--data",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_clean_failure(&o, &format!("cannot listen on {addr}"));
}

#[test]
fn unreachable_postgres_without_leaking_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let o = fugong(
        &["migrate", "--data", dir.path().to_str().unwrap()],
        &[(
            "DATABASE_URL",
            "postgres://fugong:s3cret-pw@127.0.0.1:1/fugong",
        )],
    );
    assert_clean_failure(&o, "cannot connect to PostgreSQL at 127.0.0.1:1/fugong");
    assert!(!stderr(&o).contains("s3cret-pw"));
}

#[test]
fn corrupt_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fugong.db"), vec![0x5a; 8192]).unwrap();
    let o = fugong(&["migrate", "--data", dir.path().to_str().unwrap()], &[]);
    assert_clean_failure(&o, "cannot open SQLite database");
    assert!(stderr(&o).contains("fugong.db") && stderr(&o).contains("not a database"));
}

#[test]
fn migrate_demo_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    let o = fugong(&["migrate", "--data", data], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("migrated from schema version 0 to"));
    let o = fugong(&["migrate", "--data", data], &[]);
    assert!(stdout(&o).contains("up to date"));

    let o = fugong(&["demo", "--data", data], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("demo data loaded"));
    let o = fugong(&["demo", "--data", data], &[]);
    assert_clean_failure(&o, "already holds data");
    let o = fugong(&["demo", "--force", "--data", data], &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let copy = dir.path().join("copy.db");
    let o = fugong(&["backup", copy.to_str().unwrap(), "--data", data], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The copy is a working database with the same data.
    let copy_dir = dir.path().join("restored");
    std::fs::create_dir_all(&copy_dir).unwrap();
    std::fs::copy(&copy, copy_dir.join("fugong.db")).unwrap();
    // Without its ID-number key file the copy is refused, not silently re-keyed.
    let o = fugong(&["migrate", "--data", copy_dir.to_str().unwrap()], &[]);
    assert_clean_failure(&o, "does not match this database");
    std::fs::copy(
        dir.path().join("data").join("id-key"),
        copy_dir.join("id-key"),
    )
    .unwrap();
    let o = fugong(&["demo", "--data", copy_dir.to_str().unwrap()], &[]);
    assert_clean_failure(&o, "already holds data");
    let o = fugong(&["backup", copy.to_str().unwrap(), "--data", data], &[]);
    assert_clean_failure(&o, "already exists");
}

#[test]
fn serve_demo_then_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--listen",
            &addr,
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    // Generous: CI machines are shared, and the demo loads before the port answers.
    for _ in 0..600 {
        // Up means answering, not just bound: the demo loads between the two.
        use std::io::{Read, Write};
        if let Ok(mut c) = std::net::TcpStream::connect(&addr) {
            let _ = c.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut buf = String::new();
            let _ = c.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200") {
                up = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "server came up on {addr}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit after SIGTERM: {:?} {}",
        out.status,
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("demo data loaded") && text.contains(&format!("serving http://{addr}")));
    assert!(text.contains("fugong stopped"));
}

fn fugong_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn first_admin_token_and_imports_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    // A city loads its own regions; bad rows are named, good ones saved.
    let csv = dir.path().join("regions.csv");
    std::fs::write(
        &csv,
        "code,name,parent_code\n441200,肇庆市,\n441202,端州区,441200\n441202001,城东街道,441202\n441202001001,东风社区,441202001\n441202009,坏街道,441203\nabc,错,\n",
    )
    .unwrap();
    let o = fugong(
        &["import", "regions", csv.to_str().unwrap(), "--data", data],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("4 regions saved, 2 rows rejected"), "{out}");
    assert!(
        out.contains("row 6 parent_code") && out.contains("row 7 code"),
        "{out}"
    );

    let o = fugong_stdin(
        &[
            "user",
            "add",
            "--username",
            "chief",
            "--role",
            "city_admin",
            "--password-stdin",
            "--data",
            data,
        ],
        "long-password-1\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = fugong_stdin(
        &[
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "city_admin",
            "--password-stdin",
            "--data",
            data,
        ],
        "long-password-1\n",
    );
    assert_clean_failure(&o, "username");
    let o = fugong_stdin(
        &[
            "user",
            "add",
            "--username",
            "county",
            "--role",
            "county_officer",
            "--scope",
            "441202001",
            "--password-stdin",
            "--data",
            data,
        ],
        "long-password-1\n",
    );
    assert_clean_failure(&o, "division level does not fit");
    let o = fugong(
        &[
            "token",
            "create",
            "--username",
            "chief",
            "--name",
            "HR",
            "--data",
            data,
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).trim().starts_with("fgt_"));

    // Enterprises from a workbook, with a progress bar and a report of rejected rows.
    let headers: Vec<&str> = app::enterprises::COLUMNS.iter().map(|c| c.1).collect();
    let good = domain::Uscc::with_check("91441202MA4WCL1XY")
        .unwrap()
        .to_string();
    let mut row = vec![String::new(); headers.len()];
    row[0] = good.clone();
    row[1] = "肇庆市命令行导入有限公司".into();
    row[6] = "441202001001".into();
    let mut bad = row.clone();
    bad[0] = "91441202MA4WCL1XY0".into();
    let xlsx = dir.path().join("firms.xlsx");
    std::fs::write(
        &xlsx,
        app::excel::workbook("企业名录", &headers, &[row, bad]).unwrap(),
    )
    .unwrap();
    let o = fugong(
        &[
            "import",
            "enterprises",
            xlsx.to_str().unwrap(),
            "--data",
            data,
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 added, 0 updated, 0 unchanged, 1 rows rejected"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("[##############################] 1/1"),
        "progress bar: {}",
        stderr(&o)
    );
    assert!(dir.path().join("firms.rejected.xlsx").exists());
}
