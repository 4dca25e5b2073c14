//! Administration of requests: the deadlines, the working-day calendar, and which
//! department each category goes to.

use super::{Flash, Shell, form_problem, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::routes::{Access, Data, Routes};
use app::requests::RequestSettings;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::Action;
use serde::Deserialize;

pub fn routes() -> Routes {
    let admin = Access::Permitted(Action::ManageReference);
    Routes::new()
        .add("/admin/requests", "GET", admin, Data::Admin, get(page))
        .add(
            "/admin/requests/deadlines",
            "POST",
            admin,
            Data::Admin,
            post(deadlines),
        )
        .add(
            "/admin/requests/calendar",
            "POST",
            admin,
            Data::Admin,
            post(calendar),
        )
        .add(
            "/admin/requests/routing",
            "POST",
            admin,
            Data::Admin,
            post(routing),
        )
}

#[derive(Template)]
#[template(path = "admin/requests.html")]
struct SettingsPage {
    shell: Shell,
    s: RequestSettings,
    routes: Vec<(String, String)>,
    flash: Option<Flash>,
}

impl SettingsPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }
    fn route_of(&self, category: &str) -> String {
        match self
            .s
            .routing
            .iter()
            .find(|(c, _)| c == category)
            .map(|(_, r)| *r)
        {
            Some(store::requests::Route::Department(d)) => format!("d:{d}"),
            Some(store::requests::Route::Cadre(c)) => format!("c:{c}"),
            None => String::new(),
        }
    }
}

async fn render_page(
    shell: Shell,
    state: &AppState,
    result: app::AppResult<()>,
) -> WebResult<Response> {
    let t = shell.t;
    let (status, flash) = match result {
        Ok(()) => (StatusCode::OK, Flash::ok(t.msg("settings.saved"))),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, form_problem(t, e)?),
    };
    let s = state.app.request_settings().await?;
    let routes = super::requests::route_choices(state).await?;
    Ok((
        status,
        render(&SettingsPage {
            shell,
            s,
            routes,
            flash,
        })?,
    )
        .into_response())
}

async fn page(shell: Shell, State(state): State<AppState>) -> WebResult<Response> {
    let s = state.app.request_settings().await?;
    let routes = super::requests::route_choices(&state).await?;
    Ok(render(&SettingsPage {
        shell,
        s,
        routes,
        flash: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct DeadlineForm {
    normal_days: String,
    response_minutes: String,
}

async fn deadlines(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<DeadlineForm>,
) -> WebResult<Response> {
    let r = state
        .app
        .set_request_deadlines(&a.principal, &f.normal_days, &f.response_minutes)
        .await;
    render_page(shell, &state, r).await
}

#[derive(Deserialize)]
struct CalendarForm {
    day: String,
    kind: String,
}

async fn calendar(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<CalendarForm>,
) -> WebResult<Response> {
    let r = state
        .app
        .set_calendar_day(&a.principal, &f.day, &f.kind)
        .await;
    render_page(shell, &state, r).await
}

#[derive(Deserialize)]
struct RoutingForm {
    category: String,
    route: String,
}

async fn routing(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<RoutingForm>,
) -> WebResult<Response> {
    let r = match app::requests::parse_route(&f.route) {
        Ok(to) => state.app.set_route(&a.principal, &f.category, to).await,
        Err(e) => Err(e.into()),
    };
    render_page(shell, &state, r).await
}
