//! Workforce pages (一员一档 and 健康申报): employee files with masked numbers and an
//! audited full view, create and edit, Excel import in the background with progress,
//! template and export, personal declaration links with QR codes (one per file and a
//! printable sheet), the employee's own phone page, the day's declarations, bulk
//! entry by the enterprise, and fever alerts.

mod alerts;
mod declarations;
mod employee_file;
mod employee_form;
mod employees;
mod import;
mod links;
mod personal;
mod sheet;

use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::UPLOAD_LIMIT;
use crate::routes::{Access, Data, Routes};
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use domain::{Action, Principal};
use store::enterprises::EnterpriseFilter;

pub fn routes() -> Routes {
    let edit = Access::Permitted(Action::EditEmployees);
    Routes::new()
        .add(
            "/employees",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(employees::list),
        )
        .add(
            "/employees/new",
            "GET POST",
            edit,
            Data::Scoped("employee"),
            get(employee_form::new_form).post(employee_form::create),
        )
        .add(
            "/employees/template",
            "GET",
            Access::SignedIn,
            Data::None,
            get(employees::template),
        )
        .add(
            "/employees/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(employees::export),
        )
        .add(
            "/employees/links",
            "GET",
            edit,
            Data::Scoped("employee"),
            get(links::links),
        )
        .add(
            "/employees/import",
            "GET POST",
            edit,
            Data::Own,
            get(import::form)
                .post(import::start)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/employees/imports/jobs/{id}",
            "GET",
            Access::SignedIn,
            Data::Own,
            get(import::job),
        )
        .add(
            "/employees/imports/{id}/rejected",
            "GET",
            Access::SignedIn,
            Data::Own,
            get(import::rejected),
        )
        .add(
            "/employees/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(employee_file::detail),
        )
        .add(
            "/employees/{id}/edit",
            "GET POST",
            edit,
            Data::Scoped("employee"),
            get(employee_form::edit_form).post(employee_form::update),
        )
        .add(
            "/employees/{id}/reveal",
            "POST",
            Access::Permitted(Action::ViewIdNumber),
            Data::Scoped("employee"),
            post(employee_file::reveal),
        )
        .add(
            "/employees/{id}/link/revoke",
            "POST",
            edit,
            Data::Scoped("employee"),
            post(employee_file::revoke_link),
        )
        .add(
            // The employee's own page: the signed link is the credential (no account,
            // no session, no CSRF token — see `auth::verify_csrf`).
            "/d/{token}",
            "GET POST",
            Access::Public,
            Data::Link,
            get(personal::page).post(personal::submit),
        )
        .add(
            "/declarations",
            "GET",
            Access::SignedIn,
            Data::Scoped("declaration"),
            get(declarations::overview),
        )
        .add(
            "/declarations/entry",
            "GET POST",
            edit,
            Data::Scoped("employee"),
            get(declarations::entry).post(declarations::submit_entry),
        )
        .add(
            "/declarations/sheet",
            "GET",
            edit,
            Data::Scoped("employee"),
            get(sheet::download),
        )
        .add(
            "/declarations/import",
            "POST",
            edit,
            Data::Scoped("employee"),
            post(sheet::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/alerts",
            "GET",
            Access::SignedIn,
            Data::Scoped("alert"),
            get(alerts::list),
        )
        .add(
            "/alerts/{id}/handle",
            "POST",
            Access::Permitted(Action::HandleAlerts),
            Data::Scoped("alert"),
            post(alerts::handle),
        )
}

/// A trimmed, non-empty value.
fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Percent-encodes a query-string value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `a=1&b=x` from the non-empty pairs.
fn query_of(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", enc(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// The pairs of an `application/x-www-form-urlencoded` body, in order, repeated
/// names kept (symptom check boxes, one input per roster row).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 3;
                        }
                        None => {
                            out.push(b'%');
                            i += 1;
                        }
                    }
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// How the pages choose an enterprise: an enterprise account has its own, fixed; an
/// officer picks from the enterprises in scope — a select while they are few, else a
/// box taking the enterprise's name (or number), resolved here: one match is chosen,
/// several are offered as a select.
pub struct EnterprisePick {
    pub own: Option<(i64, String)>,
    pub choices: Vec<(i64, String)>,
    /// Too many to list: a text box for the name.
    pub many: bool,
    /// The enterprise the page is about, if one is chosen.
    pub chosen: Option<i64>,
    /// What the text box shows: the chosen enterprise's name, or what was typed.
    pub typed: String,
    /// A name was typed that matches several enterprises, or none.
    pub ambiguous: bool,
}

/// Above this many enterprises in scope the picker asks for a name.
const PICK_LIMIT: i64 = 500;

async fn enterprise_pick(
    state: &AppState,
    who: &Principal,
    asked: Option<&str>,
) -> WebResult<EnterprisePick> {
    let asked = asked.map(str::trim).filter(|s| !s.is_empty());
    let list = |q: Option<String>, limit: i64| EnterpriseFilter {
        q,
        limit,
        ..Default::default()
    };
    let (rows, total) = state.app.enterprises(who, &list(None, PICK_LIMIT)).await?;
    let scope = who.scope();
    let single = !scope.city
        && scope.regions.is_empty()
        && scope.parks.is_empty()
        && scope.industries.is_empty()
        && scope.cadres.is_empty()
        && scope.enterprises.len() == 1;
    if single && let Some(e) = rows.first() {
        return Ok(EnterprisePick {
            own: Some((e.id, e.name.clone())),
            choices: Vec::new(),
            many: false,
            chosen: Some(e.id),
            typed: e.name.clone(),
            ambiguous: false,
        });
    }
    let mut pick = EnterprisePick {
        own: None,
        many: total > PICK_LIMIT,
        choices: rows.into_iter().map(|e| (e.id, e.name)).collect(),
        chosen: None,
        typed: asked.unwrap_or_default().to_owned(),
        ambiguous: false,
    };
    let Some(asked) = asked else {
        return Ok(pick);
    };
    if let Ok(id) = asked.parse::<i64>() {
        pick.chosen = Some(id);
        if pick.many
            && let Ok(e) = state.app.enterprise(who, id).await
        {
            pick.typed = e.name;
        }
        return Ok(pick);
    }
    // A name: the enterprises in scope whose name holds it (or whose code it is).
    let (found, n) = state
        .app
        .enterprises(who, &list(Some(asked.to_owned()), 50))
        .await?;
    let exact = found.iter().find(|e| e.name == asked);
    match (exact, n) {
        (Some(e), _) => {
            pick.chosen = Some(e.id);
            pick.typed = e.name.clone();
        }
        (None, 1) => {
            pick.chosen = found.first().map(|e| e.id);
            pick.typed = found.first().map(|e| e.name.clone()).unwrap_or_default();
        }
        _ => {
            pick.ambiguous = true;
            if n > 1 {
                pick.many = false;
                pick.choices = found.into_iter().map(|e| (e.id, e.name)).collect();
            }
        }
    }
    Ok(pick)
}

impl EnterprisePick {
    /// Whether `id` is the chosen enterprise (selects).
    pub fn is(&self, id: &i64) -> bool {
        self.chosen == Some(*id)
    }

    /// The enterprise of a file being edited: not to be chosen again.
    fn fixed(id: i64) -> EnterprisePick {
        EnterprisePick {
            own: None,
            choices: Vec::new(),
            many: false,
            chosen: Some(id),
            typed: String::new(),
            ambiguous: false,
        }
    }
}

/// An enterprise id typed or chosen in a form.
fn enterprise_id(s: Option<&str>) -> Option<i64> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

/// The enterprise, if the caller keeps its files (write scope); else `NotFound`.
async fn writable(state: &AppState, who: &Principal, enterprise_id: i64) -> WebResult<()> {
    state
        .app
        .store
        .scoped(who)
        .writable_enterprise(enterprise_id)
        .await
        .map_err(WebError::from)
}

/// Every region, depth first, indented by level: (code, label) for selects.
async fn region_choices(state: &AppState) -> WebResult<Vec<(String, String)>> {
    let regions = state.app.store.regions();
    let mut out = Vec::new();
    let mut stack: Vec<(store::regions::RegionRow, usize)> = regions
        .children(None)
        .await?
        .into_iter()
        .rev()
        .map(|r| (r, 0))
        .collect();
    while let Some((row, depth)) = stack.pop() {
        out.push((
            row.code.clone(),
            format!("{}{}", "\u{3000}".repeat(depth), row.name),
        ));
        if row.children > 0 {
            for c in regions.children(Some(&row.code)).await?.into_iter().rev() {
                stack.push((c, depth + 1));
            }
        }
    }
    Ok(out)
}

/// `https://host` of this request, for links printed or sent to phones.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// A QR code as an inline SVG (no style attributes: the CSP allows none). Dark
/// modules are drawn as one path of horizontal runs, a few kB per code, so a sheet
/// of 48 stays light; the size comes from the `qr` class.
fn qr_svg(url: &str, label: &str) -> WebResult<String> {
    let code =
        qrcode::QrCode::new(url.as_bytes()).map_err(|e| WebError::Internal(format!("qr: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + quiet,
                    y + quiet,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    let label: String = label
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '&' | '"'))
        .collect();
    Ok(format!(
        r##"<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="{label}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

/// Today's temperature of a row as shown: `36.6 ℃`, marked when it raises an alert.
pub struct Reading {
    pub text: String,
    pub alert: bool,
    pub symptoms: Vec<&'static str>,
}

fn reading(temperature: Option<i64>, symptoms: Option<i64>) -> Option<Reading> {
    let t = temperature?;
    let s = domain::Symptoms::from_bits(symptoms.unwrap_or(0));
    Some(Reading {
        text: format!("{} ℃", domain::workforce::celsius(t)),
        alert: t >= domain::Temperature::FEVER || !s.is_empty(),
        symptoms: s.list().into_iter().map(|s| s.as_str()).collect(),
    })
}

/// A date from a query (`YYYY-MM-DD`), today when empty, never after today.
fn day_of(s: &Option<String>, today: chrono::NaiveDate) -> WebResult<chrono::NaiveDate> {
    match text(s) {
        None => Ok(today),
        Some(d) => match chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(d) if d > today => Err(WebError::Invalid(domain::Invalid::new(
                "date",
                "date_in_future",
            ))),
            Ok(d) => Ok(d),
            Err(_) => Err(WebError::Invalid(domain::Invalid::new(
                "date",
                "date_format",
            ))),
        },
    }
}

fn pages(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}
