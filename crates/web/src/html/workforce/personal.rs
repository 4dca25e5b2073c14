//! The employee's own declaration page, reached by the personal link or its QR code:
//! no account, no session — the signed link is the credential. Built for a phone on a
//! slow network: one small page, no images, no script, the shared stylesheet (cached).

use super::form_pairs;
use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::i18n::{self, Messages};
use app::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Lang;
use domain::workforce::{Symptom, Symptoms, celsius};
use store::workforce::LinkHolder;

#[derive(Template)]
#[template(path = "workforce/declare.html")]
struct DeclarePage {
    t: &'static Messages,
    lang: Lang,
    other_lang: Lang,
    token: String,
    holder: LinkHolder,
    today: String,
    /// Today's declaration so far: temperature text, symptom codes, and whether it
    /// raised an alert.
    current: Option<(String, Vec<&'static str>, bool)>,
    /// The form's values (kept after a refused submission).
    temperature: String,
    symptoms: Vec<String>,
    location: String,
    /// Just declared.
    done: bool,
    error: Option<String>,
}

impl DeclarePage {
    fn symptom_codes(&self) -> Vec<&'static str> {
        Symptom::ALL.iter().map(|s| s.as_str()).collect()
    }

    fn checked(&self, code: &str) -> bool {
        self.symptoms.iter().any(|s| s == code)
    }

    fn label(&self, prefix: &str, v: &str) -> String {
        self.t.msg(&format!("{prefix}.{v}")).to_owned()
    }

    fn greeting(&self) -> String {
        self.t
            .fmt("declare.greeting", &[("name", &self.holder.name)])
    }

    fn declared_text(&self, temperature: &str) -> String {
        self.t
            .fmt("declare.already", &[("temperature", &temperature)])
    }

    fn here(&self) -> String {
        format!("/d/{}", self.token)
    }
}

/// A bad, forged or revoked link: a 404 that says what to do, nothing more.
fn link_invalid(e: AppError) -> WebError {
    match e {
        AppError::NotFound => WebError::Refused(StatusCode::NOT_FOUND, "link_invalid"),
        other => other.into(),
    }
}

/// Today's declaration of the employee, as shown: temperature and symptom codes.
async fn current(
    state: &AppState,
    employee_id: i64,
) -> WebResult<Option<(String, Vec<&'static str>, bool)>> {
    let d = state
        .app
        .store
        .declarations()
        .of(employee_id, state.app.today())
        .await?;
    Ok(d.map(|d| {
        let s = Symptoms::from_bits(d.symptoms)
            .list()
            .into_iter()
            .map(|s| s.as_str())
            .collect();
        (celsius(d.temperature), s, d.alert)
    }))
}

async fn page_for(state: &AppState, headers: &HeaderMap, token: &str) -> WebResult<DeclarePage> {
    let holder = state.app.link_holder(token).await.map_err(link_invalid)?;
    let today = state.app.today();
    let current = current(state, holder.id).await?;
    let lang = i18n::resolve(headers);
    Ok(DeclarePage {
        t: i18n::messages(lang),
        lang,
        other_lang: if lang == Lang::ZhCn {
            Lang::En
        } else {
            Lang::ZhCn
        },
        token: token.to_owned(),
        holder,
        today: today.to_string(),
        current,
        temperature: String::new(),
        symptoms: Vec::new(),
        location: String::new(),
        done: false,
        error: None,
    })
}

/// The page as sent: never cached (it names a person), never indexed.
fn respond(status: StatusCode, page: &DeclarePage) -> WebResult<Response> {
    let html = page
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))?;
    let mut res = (status, axum::response::Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(res)
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let page = page_for(&state, &headers, &token).await?;
    respond(StatusCode::OK, &page)
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let mut page = page_for(&state, &headers, &token).await?;
    for (k, v) in form_pairs(&body) {
        match k.as_str() {
            "temperature" => page.temperature = v,
            "symptoms" => page.symptoms.push(v),
            "location" => page.location = v,
            _ => {}
        }
    }
    match state
        .app
        .declare_by_link(&token, &page.temperature, &page.symptoms, &page.location)
        .await
    {
        Ok(()) => {
            page.current = current(&state, page.holder.id).await?;
            page.done = true;
            respond(StatusCode::OK, &page)
        }
        Err(AppError::Invalid(i)) => {
            page.error = Some(format!(
                "{}：{}",
                page.t.msg(&format!("field.{}", i.field)),
                page.t.error(i.code)
            ));
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(link_invalid(e)),
    }
}
