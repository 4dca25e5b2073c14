//! Configuration sources and their order; secrets never printed.

use fugong::config::{Config, Flags};
use std::collections::HashMap;
use std::path::PathBuf;

fn env(map: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = map
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn defaults_need_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let flags = Flags {
        config: None,
        ..Default::default()
    };
    // Run from a directory without fugong.toml.
    let c = Config::load(&flags, env(&[])).unwrap();
    assert_eq!(c.listen, "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("fugong-data"));
    assert!(c.database_url.is_none());
    let target = Config {
        data_dir: dir.path().to_owned(),
        ..c
    }
    .db_target()
    .unwrap();
    assert_eq!(
        target,
        store::DbTarget::SqliteFile(dir.path().join("fugong.db"))
    );
}

#[test]
fn file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fugong.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/fugong\"\nsecure_cookies = true\nlog = \"debug\"\n",
    )
    .unwrap();
    let flags = Flags {
        config: Some(file.clone()),
        ..Default::default()
    };
    let c = Config::load(&flags, env(&[])).unwrap();
    assert_eq!(
        (c.listen.as_str(), c.data_dir.to_str().unwrap()),
        ("0.0.0.0:9000", "/srv/fugong")
    );
    assert!(c.secure_cookies);

    let c = Config::load(
        &flags,
        env(&[
            ("FUGONG_LISTEN", "127.0.0.1:9100"),
            ("FUGONG_DATA", "/var/fg"),
        ]),
    )
    .unwrap();
    assert_eq!(
        (c.listen.as_str(), c.data_dir.to_str().unwrap()),
        ("127.0.0.1:9100", "/var/fg")
    );

    let flags = Flags {
        listen: Some("127.0.0.1:9200".into()),
        data_dir: Some("/tmp/x".into()),
        ..flags
    };
    let c = Config::load(&flags, env(&[("FUGONG_LISTEN", "127.0.0.1:9100")])).unwrap();
    assert_eq!(
        (c.listen.as_str(), c.data_dir.to_str().unwrap()),
        ("127.0.0.1:9200", "/tmp/x")
    );

    // FUGONG_CONFIG names the file when no flag does.
    let c = Config::load(
        &Flags::default(),
        env(&[("FUGONG_CONFIG", file.to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(c.listen, "0.0.0.0:9000");
}

#[test]
fn bad_config_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "lisen = \"x\"\n").unwrap();
    let err = Config::load(
        &Flags {
            config: Some(file.clone()),
            ..Default::default()
        },
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("bad.toml") && err.contains("lisen"), "{err}");

    let err = Config::load(
        &Flags::default(),
        env(&[("FUGONG_SECURE_COOKIES", "maybe")]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("FUGONG_SECURE_COOKIES"));

    let missing = Flags {
        config: Some(dir.path().join("none.toml")),
        ..Default::default()
    };
    assert!(
        Config::load(&missing, env(&[]))
            .unwrap_err()
            .to_string()
            .contains("none.toml")
    );
}

#[test]
fn database_urls_are_checked_and_passwords_hidden() {
    let data = PathBuf::from("/d");
    let t = |u: &str| store::DbTarget::from_config(Some(u), &data);
    assert!(matches!(
        t("postgres://u:p@h/db"),
        Ok(store::DbTarget::Postgres(_))
    ));
    assert!(matches!(
        t("postgresql://h/db"),
        Ok(store::DbTarget::Postgres(_))
    ));
    assert_eq!(
        t("sqlite:///var/x.db").unwrap(),
        store::DbTarget::SqliteFile("/var/x.db".into())
    );
    assert_eq!(
        t("sqlite:rel.db").unwrap(),
        store::DbTarget::SqliteFile("rel.db".into())
    );
    let err = t("mysql://root@h/db").unwrap_err().to_string();
    assert!(err.contains("'mysql'"), "{err}");
    assert!(
        t("postgress://h/db")
            .unwrap_err()
            .to_string()
            .contains("'postgress'")
    );
    assert!(t("sqlite::memory:").is_err());

    let shown = format!(
        "{:?}",
        t("postgres://fugong:hunter2@db.example:5432/fugong").unwrap()
    );
    assert_eq!(shown, "postgres://fugong:***@db.example:5432/fugong");
    assert_eq!(
        store::redact_url("postgres://h/db?password=hunter2&x=1"),
        "postgres://h/db?password=***&x=1"
    );
    let config = Config {
        database_url: Some("postgres://a:hunter2@h/db".into()),
        ..Default::default()
    };
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn public_url_is_checked() {
    let flags = Flags::default();
    let c = Config::load(
        &flags,
        env(&[("FUGONG_PUBLIC_URL", "https://fugong.zhaoqing.gov.cn/")]),
    )
    .unwrap();
    assert_eq!(
        c.public_url.as_deref(),
        Some("https://fugong.zhaoqing.gov.cn")
    );
    let err = Config::load(&flags, env(&[("FUGONG_PUBLIC_URL", "fugong.example")]))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("public_url"), "{err}");
}
