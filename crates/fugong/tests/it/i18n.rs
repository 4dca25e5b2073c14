//! Message catalogues: both parse, have the same keys, and hold every key in use.

use domain::Lang;
use std::collections::BTreeSet;
use std::path::Path;

fn keys(lang: Lang) -> BTreeSet<String> {
    let (_, src) = web::i18n::SOURCES.iter().find(|(l, _)| *l == lang).unwrap();
    let m = web::i18n::parse(lang, src).unwrap();
    m.keys().map(str::to_owned).collect()
}

#[test]
fn catalogues_have_the_same_keys() {
    let zh = keys(Lang::ZhCn);
    let en = keys(Lang::En);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
    assert!(zh.len() > 50);
}

/// Every string literal that follows one of `markers` in the files under `dir`.
fn literals_after(dir: &Path, markers: &[&str], out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            literals_after(&path, markers, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for marker in markers {
            for (i, _) in text.match_indices(marker) {
                // A marker may end inside the literal (`"nav.`): keep that part.
                let head = marker.rsplit('"').next().unwrap_or("");
                let rest = &text[i + marker.len()..];
                if let Some(end) = rest.find('"') {
                    out.insert(format!("{head}{}", &rest[..end]));
                }
            }
        }
    }
}

#[test]
fn every_key_in_use_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut used = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let mut fields = BTreeSet::new();
    for dir in ["crates/web/src", "crates/web/templates"] {
        // Keys named directly in templates and code.
        literals_after(
            &root.join(dir),
            &["msg(\"", "fmt(\"", "\"nav.", "\"errorpage."],
            &mut used,
        );
    }
    for dir in [
        "crates/domain/src",
        "crates/store/src",
        "crates/app/src",
        "crates/web/src",
    ] {
        // Error codes wherever they are raised; each needs `error.<code>`.
        literals_after(
            &root.join(dir),
            &["Refused(\"", "CONFLICT, \"", "code: \""],
            &mut codes,
        );
        collect_invalid_codes(&root.join(dir), &mut codes, &mut fields);
    }
    // Forms name the field a problem is about: each needs `field.<name>`.
    used.extend(fields.into_iter().map(|f| format!("field.{f}")));
    used.extend(codes.into_iter().map(|c| format!("error.{c}")));
    for level in ["province", "city", "county", "town", "village"] {
        used.insert(format!("level.{level}"));
    }
    let zh = keys(Lang::ZhCn);
    let missing: Vec<_> = used.iter().filter(|k| !zh.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "keys used but not in the catalogues: {missing:?}"
    );
}

/// Codes from `Invalid::new("field", "code")`: the second literal.
fn collect_invalid_codes(dir: &Path, out: &mut BTreeSet<String>, fields: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_invalid_codes(&path, out, fields);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("Invalid::new(\"") {
            let rest = &text[i..];
            let parts: Vec<&str> = rest.splitn(5, '"').collect();
            if parts.len() == 5 && parts[2] == ", " {
                fields.insert(parts[1].to_owned());
                out.insert(parts[3].to_owned());
            }
        }
    }
}

#[test]
fn placeholders_are_filled() {
    let t = web::i18n::messages(Lang::En);
    let s = t.fmt(
        "home.city_summary",
        &[("city", &"Zhaoqing"), ("counties", &8), ("regions", &214)],
    );
    assert_eq!(
        s,
        "Zhaoqing: 8 county-level divisions, 214 administrative units in all."
    );
    assert_eq!(t.error("no_such_code"), t.msg("error.internal"));
}
