//! Message catalogues and the request's language.
//!
//! Every string a person reads comes from `locales/zh-CN.toml` or `locales/en.toml`,
//! compiled into the binary. Keys are dotted (`nav.home`); values may hold `{name}`
//! placeholders filled by [`Messages::fmt`]. A test checks that both catalogues have the
//! same keys and that every key the templates and code use exists.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use domain::Lang;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::LazyLock;

pub const SOURCES: [(Lang, &str); 2] = [
    (Lang::ZhCn, include_str!("../../../locales/zh-CN.toml")),
    (Lang::En, include_str!("../../../locales/en.toml")),
];

/// One language's messages.
#[derive(Debug, Default)]
pub struct Messages {
    pub lang: Lang,
    map: BTreeMap<String, String>,
}

impl Messages {
    /// The message for `key`; the key itself if missing (the catalogue test keeps that
    /// from reaching a user).
    pub fn msg<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The message with `{name}` placeholders replaced.
    pub fn fmt(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut s = self.msg(key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }

    /// The translated message for an error code, falling back to the generic one.
    pub fn error(&self, code: &str) -> &str {
        let key = format!("error.{code}");
        match self.map.get(&key) {
            Some(m) => m,
            None => self.msg("error.internal"),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

/// Parses one catalogue, flattening nested tables into dotted keys.
pub fn parse(lang: Lang, source: &str) -> Result<Messages, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| format!("{}: {e}", lang.tag()))?;
    let mut map = BTreeMap::new();
    flatten("", &table, &mut map).map_err(|k| format!("{}: {k} is not a string", lang.tag()))?;
    Ok(Messages { lang, map })
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => return Err(key),
        }
    }
    Ok(())
}

static CATALOGUES: LazyLock<[Messages; 2]> = LazyLock::new(|| {
    SOURCES.map(|(lang, src)| {
        parse(lang, src).unwrap_or_else(|e| {
            tracing::error!(error = %e, "message catalogue does not parse");
            Messages {
                lang,
                map: BTreeMap::new(),
            }
        })
    })
});

pub fn messages(lang: Lang) -> &'static Messages {
    match lang {
        Lang::ZhCn => &CATALOGUES[0],
        Lang::En => &CATALOGUES[1],
    }
}

pub const LANG_COOKIE: &str = "lang";

/// The language for a request: the `lang` cookie set by the switch, else the browser's
/// `Accept-Language`, else Chinese.
pub fn resolve(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::from_tag(&v)) {
        return lang;
    }
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The value of one cookie from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// Extractor: the request's language.
#[derive(Debug, Clone, Copy)]
pub struct Locale(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Locale(resolve(&parts.headers)))
    }
}
