//! `fugong`: serve the platform, migrate, load demo data, back up.

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::SystemClock;
use fugong::config::{Config, Flags};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc instead of glibc malloc: under the declaration load (many small
/// short-lived allocations across threads) glibc's malloc and free took about a
/// sixth of the server's CPU; see BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "fugong",
    version,
    about = "复工 fugong — enterprise back-to-work service platform",
    long_about = "复工 fugong — the city's platform for getting every enterprise back to work \
                  and keeping it producing safely.\n\nWith no configuration it keeps its data \
                  in ./fugong-data (SQLite). Set DATABASE_URL=postgres://… to use PostgreSQL."
)]
struct Cli {
    /// TOML configuration file (default: ./fugong.toml when present, or FUGONG_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory holding the SQLite database and keys [default: ./fugong-data, or FUGONG_DATA].
    #[arg(long = "data", global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and the JSON API).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080, or FUGONG_LISTEN].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Load the demo data set first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo data set (Zhaoqing) into the database.
    Demo {
        /// Replace the city data already in the database.
        #[arg(long)]
        force: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE while it is in use.
    Backup {
        /// Where to write the copy (must not exist yet).
        file: PathBuf,
    },
    /// Import a spreadsheet: enterprises (.xlsx, the template's columns) or regions
    /// (.xlsx or .csv: code, name, parent code).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Fill an empty database with synthetic data for benchmarks: the demo city with
    /// 2,000 (small) or 20,000 (city) enterprises.
    Gen {
        /// small or city.
        #[arg(long, default_value = "small")]
        scale: String,
        /// Replace the city data already in the database.
        #[arg(long)]
        force: bool,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the key that encrypts resident ID numbers.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key version to the key file and re-encrypt every ID number under it.
    /// The old line stays in the file (older backups and sealed import reports need
    /// it); delete it by hand once every instance runs with the new file.
    Rotate,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Enterprises from an .xlsx with the template's columns; new codes are added,
    /// existing ones updated; rejected rows are written to FILE.rejected.xlsx.
    Enterprises { file: PathBuf },
    /// Regions from .xlsx or .csv with columns code, name, parent code.
    Regions { file: PathBuf },
    /// An enterprise's employees from an .xlsx with the template's columns (姓名,
    /// 身份证号, 手机号码…); known ID numbers update their file; rejected rows are
    /// written to FILE.rejected.xlsx.
    Employees {
        file: PathBuf,
        /// The enterprise's id.
        #[arg(long)]
        enterprise: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (the first administrator, typically). The password is asked
    /// for, or read from standard input with --password-stdin.
    Add {
        #[arg(long)]
        username: String,
        /// Role: city_admin, county_officer, town_officer, village_officer, park_officer,
        /// industry_officer, liaison, department_handler, enterprise, bank.
        #[arg(long)]
        role: String,
        /// The role's target: a division code, park code, industry code or id.
        #[arg(long)]
        scope: Option<String>,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for an account and print it (shown only this once).
    Create {
        #[arg(long)]
        username: String,
        /// A label to tell tokens apart.
        #[arg(long)]
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let flags = Flags {
        config: cli.config.clone(),
        listen,
        data_dir: cli.data_dir.clone(),
    };
    let config = match Config::load(&flags, |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    init_tracing(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// One clear line on stderr and a non-zero exit; never a panic backtrace.
fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},sqlx=warn"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let clock = Arc::new(SystemClock);
    match command {
        Command::Serve { demo, .. } => {
            // Take over SIGTERM and Ctrl-C before anything else, so a stop request
            // during start-up (demo loading, migrations) is a clean stop, not a kill.
            let shutdown = shutdown_signal()?;
            // Bind first: a port in use should fail before any database work.
            let listener = fugong::bind(&config.listen).await?;
            let prepared = fugong::prepare(&config, clock, demo).await?;
            if let Some(summary) = &prepared.demo_loaded {
                println!(
                    "demo data loaded: {} regions, {} parks, {} enterprises, {} accounts",
                    summary.regions, summary.parks, summary.enterprises, summary.accounts
                );
            }
            if demo {
                print_demo_accounts();
            }
            let addr = listener.local_addr()?;
            println!(
                "fugong {} serving http://{addr}  (database: {})",
                env!("CARGO_PKG_VERSION"),
                prepared.target
            );
            let settings = fugong::WebSettings {
                demo,
                secure_cookies: config.secure_cookies,
                public_url: config.public_url.clone(),
            };
            let jobs = fugong::spawn_jobs(prepared.app.clone());
            fugong::serve(prepared.app, settings, listener, shutdown).await?;
            jobs.abort();
            println!("fugong stopped");
            Ok(())
        }
        Command::Migrate => {
            let (_, target, applied) = fugong::open(&config, clock).await?;
            if applied.before == applied.after {
                println!(
                    "database {target} is up to date (schema version {})",
                    applied.after
                );
            } else {
                println!(
                    "database {target} migrated from schema version {} to {}",
                    applied.before, applied.after
                );
            }
            Ok(())
        }
        Command::Demo { force } => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            match app::demo::load(&prepared.app, force).await {
                Ok(summary) => {
                    println!(
                        "demo data loaded into {}: {} regions, {} parks, {} enterprises, {} accounts",
                        prepared.target,
                        summary.regions,
                        summary.parks,
                        summary.enterprises,
                        summary.accounts
                    );
                    print_demo_accounts();
                    Ok(())
                }
                Err(app::AppError::Refused("demo_data_exists")) => anyhow::bail!(
                    "database {} already holds data; not loading the demo data set (use --force to replace it)",
                    prepared.target
                ),
                Err(e) => Err(e.into()),
            }
        }
        Command::Import(ImportCommand::Enterprises { file }) => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let started = std::time::Instant::now();
            let report = prepared
                .app
                .import_enterprises(None, &bytes, &progress_bar)
                .await
                .map_err(explain)?;
            eprintln!();
            let unchanged = format!(", {} unchanged", report.unchanged);
            print_import_report(
                &file,
                &report,
                &unchanged,
                started,
                app::enterprises::rejected_workbook,
            )
        }
        Command::Import(ImportCommand::Employees { file, enterprise }) => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let started = std::time::Instant::now();
            let report = prepared
                .app
                .import_employees(None, enterprise, &bytes, &progress_bar)
                .await
                .map_err(explain)?;
            eprintln!();
            // The rejected rows go to the operator's own file beside the input, not
            // sealed: it is theirs, like the input.
            print_import_report(
                &file,
                &report,
                "",
                started,
                app::workforce::rejected_workbook,
            )
        }
        Command::Keys(KeysCommand::Rotate) => {
            let path = config.id_key_path();
            let old = config.id_keys()?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let version = old
                .current_version()
                .checked_add(1)
                .context("255 key versions used; start a new key file")?;
            let line = app::idkeys::new_key_line(version).map_err(anyhow::Error::msg)?;
            let new_text = format!("{}\n{line}", text.trim_end());
            let keys = app::idkeys::IdKeys::parse(&new_text).map_err(anyhow::Error::msg)?;
            // The file first (atomically), then the rows: a crash between leaves rows
            // under the old version, still readable with the new file.
            let tmp = path.with_extension("new");
            app::idkeys::write_private(&tmp, &new_text).map_err(anyhow::Error::msg)?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
            let target = config.db_target()?;
            let store = store::Store::open(&target).await?;
            let app = app::App::new(store, clock, keys);
            app.prepare().await?;
            let n = app
                .rotate_id_numbers(&|done| progress_bar(done, done))
                .await
                .map_err(explain)?;
            eprintln!();
            println!(
                "key version {version} added to {}; {n} ID numbers re-encrypted. Copy the file to every instance; the old line may be deleted afterwards.",
                path.display()
            );
            Ok(())
        }
        Command::Import(ImportCommand::Regions { file }) => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = prepared.app.import_regions(&bytes).await.map_err(explain)?;
            let t = web::i18n::messages(domain::Lang::En);
            println!(
                "{}: {} regions saved, {} rows rejected",
                file.display(),
                report.saved,
                report.rejected.len()
            );
            for p in &report.rejected {
                println!("  row {} {}: {}", p.row, p.column, t.error(p.code));
            }
            Ok(())
        }
        Command::Gen { scale, force } => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let started = std::time::Instant::now();
            match app::demo::generate(&prepared.app, &scale, force).await {
                Ok(s) => {
                    println!(
                        "generated into {}: {} regions, {} parks, {} enterprises, {} employees, {} accounts ({:.1} s)",
                        prepared.target,
                        s.regions,
                        s.parks,
                        s.enterprises,
                        s.employees,
                        s.accounts,
                        started.elapsed().as_secs_f64()
                    );
                    Ok(())
                }
                Err(app::AppError::Refused("demo_data_exists")) => anyhow::bail!(
                    "database {} already holds data (use --force to replace it)",
                    prepared.target
                ),
                Err(app::AppError::Refused("scale_unknown")) => {
                    anyhow::bail!("--scale is small or city, not '{scale}'")
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::User(UserCommand::Add {
            username,
            role,
            scope,
            name,
            password_stdin,
        }) => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let role = domain::Role::parse(&role).map_err(|e| explain(e.into()))?;
            let password = read_password(password_stdin)?;
            let name = name.unwrap_or_else(|| username.clone());
            let id = prepared
                .app
                .create_user(None, &username, &name, &password, &[(role, scope)])
                .await
                .map_err(explain)?;
            println!(
                "account {username} created (id {id}, role {})",
                role.as_str()
            );
            Ok(())
        }
        Command::Token(TokenCommand::Create { username, name }) => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            let user = prepared
                .app
                .store
                .accounts()
                .by_username(&username)
                .await?
                .with_context(|| format!("no account named {username}"))?;
            let (_, token) = prepared
                .app
                .create_token(None, user.id, name.as_deref().unwrap_or("CLI"))
                .await
                .map_err(explain)?;
            println!("{token}");
            eprintln!("token created for {username}; it is shown only this once");
            Ok(())
        }
        Command::Backup { file } => {
            let prepared = fugong::prepare(&config, clock, false).await?;
            prepared
                .app
                .store
                .backup(&file)
                .await
                .with_context(|| format!("backup to {} failed", file.display()))?;
            println!("backup written to {}", file.display());
            println!(
                "the ID-number key file {} is not in the copy: keep a copy of it too (apart from the database), or the numbers in this backup cannot be read",
                config.id_key_path().display()
            );
            Ok(())
        }
    }
}

/// The rejected rows of an import as a workbook, with reasons in the given words.
type RejectedWorkbook =
    fn(&app::enterprises::ImportReport, &dyn Fn(&str) -> String) -> app::AppResult<Vec<u8>>;

/// An import's outcome on the terminal: counts, the first 20 problems in Chinese, and
/// the rejected rows written to `FILE.rejected.xlsx`.
fn print_import_report(
    file: &std::path::Path,
    report: &app::enterprises::ImportReport,
    extra: &str,
    started: std::time::Instant,
    rejected_workbook: RejectedWorkbook,
) -> anyhow::Result<()> {
    let t = web::i18n::messages(domain::Lang::ZhCn);
    println!(
        "{}: {} added, {} updated{extra}, {} rows rejected ({:.1} s)",
        file.display(),
        report.inserted,
        report.updated,
        report.rejected_rows.len(),
        started.elapsed().as_secs_f64()
    );
    for p in report.rejected.iter().take(20) {
        println!(
            "  row {} {}: {} ({})",
            p.row,
            p.column,
            t.error(p.code),
            p.code
        );
    }
    if report.rejected.len() > 20 {
        println!("  … {} more", report.rejected.len() - 20);
    }
    if !report.rejected_rows.is_empty() {
        let out = file.with_extension("rejected.xlsx");
        let xlsx = rejected_workbook(report, &|c| t.error(c).to_owned()).map_err(explain)?;
        std::fs::write(&out, xlsx).with_context(|| format!("cannot write {}", out.display()))?;
        println!("rejected rows with reasons: {}", out.display());
    }
    Ok(())
}

/// A one-line progress bar on stderr: `[#####.....] 12000/20000`.
fn progress_bar(done: usize, total: usize) {
    use std::io::Write;
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    );
    let _ = err.flush();
}

fn print_demo_accounts() {
    println!(
        "demo accounts (password for all: {}):",
        app::demo::DEMO_PASSWORD
    );
    for (username, name, role, scope) in app::demo::ACCOUNTS {
        println!(
            "  {username:<18} {:<18} {:<14} {name}",
            role.as_str(),
            scope.unwrap_or("-")
        );
    }
    let (username, name, role) = app::demo::HR_ACCOUNT;
    println!(
        "  {username:<18} {:<18} {:<14} {name}",
        role.as_str(),
        "市人社局"
    );
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    use std::io::BufRead;
    if !from_stdin {
        eprint!("password for the new account (input is shown; use --password-stdin to pipe it): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// One line for a refused use case, in the words of the English catalogue.
fn explain(e: app::AppError) -> anyhow::Error {
    let t = web::i18n::messages(domain::Lang::En);
    match e {
        app::AppError::Invalid(i) => anyhow::anyhow!("{}: {}", i.field, t.error(i.code)),
        app::AppError::Refused(code) => anyhow::anyhow!("{}", t.error(code)),
        other => other.into(),
    }
}

/// Installs the handlers now and returns a future that resolves on Ctrl-C or SIGTERM;
/// the server then finishes in-flight requests.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot install the SIGTERM handler")?;
    Ok(async move {
        #[cfg(unix)]
        let term = async move {
            term.recv().await;
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = term => {},
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    })
}
