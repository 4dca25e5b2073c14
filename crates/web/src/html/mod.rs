//! Server-rendered pages, one module per feature, each with its templates under
//! `templates/<feature>/`. Every page embeds a [`Shell`]: language, navigation, user.

mod accounts;
mod admin;
pub mod enterprises;
mod home;
mod lang;
pub mod liaison;
mod reference;
mod request_settings;
pub mod requests;
mod workforce;

use crate::auth::{Authenticated, PRE_SESSION_COOKIE};
use crate::error::{WebError, WebResult};
use crate::i18n::{self, Messages};
use crate::routes::Routes;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use domain::{Action, Lang, Principal};
use std::convert::Infallible;

pub fn routes() -> Routes {
    Routes::new()
        .merge(home::routes())
        .merge(lang::routes())
        .merge(reference::routes())
        .merge(accounts::routes())
        .merge(admin::routes())
        .merge(enterprises::routes())
        .merge(liaison::routes())
        .merge(requests::routes())
        .merge(request_settings::routes())
        .merge(workforce::routes())
}

/// One entry of the main navigation: catalogue key and target.
pub struct NavLink {
    pub key: &'static str,
    pub href: &'static str,
    pub active: bool,
}

/// The main navigation, in order, with the permission an entry needs. A feature adds
/// its entry here when it has pages.
const NAV: [(&str, &str, Option<Action>); 14] = [
    ("nav.home", "/", None),
    ("nav.enterprises", "/enterprises", None),
    ("nav.requests", "/requests", None),
    ("nav.employees", "/employees", None),
    ("nav.declarations", "/declarations", None),
    // Alerts are acted on by the enterprise and the community (and officers above).
    ("nav.alerts", "/alerts", Some(Action::HandleAlerts)),
    ("nav.liaison", "/liaison", None),
    ("nav.mine", "/liaison/mine", Some(Action::LogVisit)),
    ("nav.regions", "/regions", None),
    ("nav.industries", "/industries", None),
    ("nav.organisations", "/organisations", None),
    ("nav.users", "/admin/users", Some(Action::ManageAccounts)),
    ("nav.audit", "/admin/audit", Some(Action::ViewAudit)),
    (
        "nav.request_settings",
        "/admin/requests",
        Some(Action::ManageReference),
    ),
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
    /// The signed-in account's display name.
    pub user: Option<String>,
    /// The CSRF token every form on the page carries.
    pub csrf: String,
    /// Unread notifications, shown in the header.
    pub unread: i64,
}

impl Shell {
    pub fn anonymous(lang: Lang, here: &str) -> Shell {
        Shell::new(lang, here, None, String::new())
    }

    pub fn new(lang: Lang, here: &str, who: Option<&Principal>, csrf: String) -> Shell {
        let path = here.split('?').next().unwrap_or("/");
        // Signed out, the navigation would only lead to the login page.
        let nav = NAV
            .iter()
            .filter(|_| who.is_some())
            .filter(|(_, _, need)| need.is_none_or(|a| who.is_some_and(|p| p.can(a))))
            .map(|(key, href, _)| NavLink {
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
            user: who.map(|p| p.display_name.clone()),
            csrf,
            unread: 0,
        }
    }
}

impl FromRequestParts<crate::AppState> for Shell {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = i18n::resolve(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let auth = parts.extensions.get::<Authenticated>();
        let csrf = match auth {
            Some(a) => a.csrf.clone().unwrap_or_default(),
            None => i18n::cookie(&parts.headers, PRE_SESSION_COOKIE).unwrap_or_default(),
        };
        let mut shell = Shell::new(lang, here, auth.map(|a| &a.principal), csrf);
        if let Some(a) = auth {
            shell.unread = state
                .app
                .store
                .requests()
                .unread(a.principal.user_id)
                .await
                .unwrap_or(0);
        }
        Ok(shell)
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

/// A message shown at the top of a page after a form was submitted.
pub struct Flash {
    pub ok: bool,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Option<Flash> {
        Some(Flash {
            ok: true,
            text: text.into(),
        })
    }
}

/// Turns a refused form submission into a message naming the field, in the page's
/// language; errors that are not the user's to fix go on as `WebError`s.
pub fn form_problem(t: &Messages, e: app::AppError) -> Result<Option<Flash>, WebError> {
    let text = match e {
        app::AppError::Invalid(i) => {
            format!(
                "{}：{}",
                t.msg(&format!("field.{}", i.field)),
                t.error(i.code)
            )
        }
        app::AppError::Refused(code) => t.error(code).to_owned(),
        app::AppError::Forbidden => t.error("forbidden").to_owned(),
        other => return Err(other.into()),
    };
    Ok(Some(Flash { ok: false, text }))
}

/// Unix milliseconds as local time in the city (China Standard Time, UTC+8, no DST).
pub fn format_ms(ms: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600);
    match (chrono::DateTime::from_timestamp_millis(ms), offset) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        _ => String::new(),
    }
}
