//! One logical schema: the same tables and columns on SQLite and PostgreSQL.

use crate::harness::{Backend, Options, TestApp};
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn migration_files_match_the_list_in_the_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let expected: BTreeSet<String> = store::migrate::MIGRATIONS
        .iter()
        .map(|m| format!("{:04}_{}.sql", m.version, m.name))
        .collect();
    for engine in ["sqlite", "postgres"] {
        let found: BTreeSet<String> = std::fs::read_dir(root.join(engine))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(found, expected, "migrations/{engine}");
    }
    let versions: Vec<i64> = store::migrate::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert!(
        versions.windows(2).all(|w| w[1] == w[0] + 1) && versions[0] == 1,
        "numbered 1, 2, 3…"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_do_not_drift() {
    let Some(pg) = TestApp::spawn(Backend::Postgres, Options::default()).await else {
        return;
    };
    let lite = TestApp::spawn(Backend::Sqlite, Options::default())
        .await
        .unwrap();
    let a = lite.app.store.schema().await.unwrap();
    let b = pg.app.store.schema().await.unwrap();
    let tables_a: Vec<&String> = a.keys().collect();
    let tables_b: Vec<&String> = b.keys().collect();
    assert_eq!(
        tables_a, tables_b,
        "tables differ between SQLite and PostgreSQL"
    );
    for (table, cols) in &a {
        assert_eq!(
            cols, &b[table],
            "columns of {table} differ (name, type family, NOT NULL)"
        );
    }
}

async fn every_table_is_either_city_data_or_kept(app: TestApp) {
    let schema = app.app.store.schema().await.unwrap();
    let listed: BTreeSet<&str> = store::migrate::DATA_TABLES_CHILDREN_FIRST
        .iter()
        .chain(store::migrate::KEPT_TABLES)
        .copied()
        .collect();
    let actual: BTreeSet<&str> = schema.keys().map(String::as_str).collect();
    assert_eq!(
        actual, listed,
        "a new table must be added to DATA_TABLES_CHILDREN_FIRST or KEPT_TABLES"
    );
}
both!(every_table_is_either_city_data_or_kept);

async fn migrating_twice_is_a_no_op_and_newer_schemas_are_refused(app: TestApp) {
    let store = &app.app.store;
    let latest = store::migrate::latest_version();
    let again = store.migrate().await.unwrap();
    assert_eq!((again.before, again.after), (latest, latest));
    app.app.prepare().await.unwrap();

    // A database written by a newer fugong is not touched by an older one.
    let future =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)";
    match app.config.db_target().unwrap() {
        store::DbTarget::SqliteFile(path) => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
                "sqlite:{}",
                path.display()
            ))
            .await
            .unwrap();
            sqlx::query(future)
                .bind(latest + 1)
                .execute(&mut c)
                .await
                .unwrap();
        }
        store::DbTarget::Postgres(url) => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            sqlx::query(future)
                .bind(latest + 1)
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
    let err = store.migrate().await.unwrap_err().to_string();
    assert!(err.contains("newer than this fugong"), "{err}");
}
both!(migrating_twice_is_a_no_op_and_newer_schemas_are_refused);
