//! Server-rendered pages, one module per feature, each with its templates under
//! `templates/<feature>/`. Every page embeds a [`Shell`]: language, navigation, user.

mod home;
mod lang;
mod reference;

use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::i18n::{self, Messages};
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use domain::Lang;
use std::convert::Infallible;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(lang::routes())
        .merge(reference::routes())
}

/// One entry of the main navigation: catalogue key and target.
pub struct NavLink {
    pub key: &'static str,
    pub href: &'static str,
    pub active: bool,
}

/// The main navigation, in order. A feature adds its entry here when it has pages.
const NAV: [(&str, &str); 3] = [
    ("nav.home", "/"),
    ("nav.regions", "/regions"),
    ("nav.industries", "/industries"),
];

/// What the layout needs on every page.
pub struct Shell {
    pub t: &'static Messages,
    pub lang: Lang,
    /// The language the switch in the header offers.
    pub other_lang: Lang,
    /// This page's path and query, so the language switch can come back here.
    pub here: String,
    pub nav: Vec<NavLink>,
    pub user: Option<String>,
}

impl Shell {
    pub fn anonymous(lang: Lang, here: &str) -> Shell {
        let path = here.split('?').next().unwrap_or("/");
        let nav = NAV
            .iter()
            .map(|(key, href)| NavLink {
                key,
                href,
                active: if *href == "/" {
                    path == "/"
                } else {
                    path.starts_with(href)
                },
            })
            .collect();
        Shell {
            t: i18n::messages(lang),
            lang,
            other_lang: if lang == Lang::ZhCn {
                Lang::En
            } else {
                Lang::ZhCn
            },
            here: here.to_owned(),
            nav,
            user: None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Shell {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = i18n::resolve(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        Ok(Shell::anonymous(lang, here))
    }
}

/// Renders a page template; a template error is an internal error, logged.
pub fn render(page: &impl Template) -> WebResult<Html<String>> {
    page.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage<'a> {
    pub shell: Shell,
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}
