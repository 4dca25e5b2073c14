//! Request pages: the list, raising one (a phone-friendly form), the request with its
//! timeline and the moves the viewer may make, re-routing, attachments, the three
//! rates, and notifications.

use super::enterprises::{UPLOAD_LIMIT, xlsx};
use super::{Flash, Shell, form_problem, format_ms, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::routes::{Access, Data, Routes};
use app::requests::RequestInput;
use askama::Template;
use axum::Form;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Action, Principal, RequestState, Side};
use serde::Deserialize;
use store::requests::{
    AttachmentRow, EventRow, NotificationRow, RateRow, RatesBy, RequestFilter, RequestRow,
};

pub fn routes() -> Routes {
    let raise = Access::Permitted(Action::RaiseRequest);
    Routes::new()
        .add(
            "/requests",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(list),
        )
        .add(
            "/requests/new",
            "GET POST",
            raise,
            Data::Scoped("enterprise"),
            get(new_form).post(create),
        )
        .add(
            "/requests/stats",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(stats),
        )
        .add(
            "/requests/stats/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(stats_export),
        )
        .add(
            "/requests/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(detail),
        )
        .add(
            "/requests/{id}/transition",
            "POST",
            Access::SignedIn,
            Data::Scoped("request"),
            post(transition),
        )
        .add(
            "/requests/{id}/reroute",
            "POST",
            Access::SignedIn,
            Data::Scoped("request"),
            post(reroute),
        )
        .add(
            "/requests/{id}/attachments",
            "POST",
            Access::SignedIn,
            Data::Scoped("request"),
            post(attach).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/attachments/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(download),
        )
        .add(
            "/notifications",
            "GET POST",
            Access::SignedIn,
            Data::Own,
            get(notifications).post(mark_read),
        )
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestQuery {
    pub state: Option<String>,
    pub overdue: Option<String>,
    pub category: Option<String>,
    pub region: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl RequestQuery {
    pub fn filter(&self, per_page: i64) -> RequestFilter {
        let t = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let page = self.page.unwrap_or(1).max(1);
        RequestFilter {
            state: t(&self.state),
            overdue: match self.overdue.as_deref() {
                Some("true" | "1") => Some(true),
                Some("false" | "0") => Some(false),
                _ => None,
            },
            category: t(&self.category),
            region: t(&self.region),
            q: t(&self.q),
            limit: per_page,
            offset: (page - 1) * per_page,
            ..Default::default()
        }
    }
    fn v<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<RequestRow>,
    total: i64,
    q: RequestQuery,
    can_raise: bool,
}

impl ListPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }
    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }
    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }
}

async fn list(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<RequestQuery>,
) -> WebResult<Response> {
    let (rows, total) = state
        .app
        .store
        .scoped(&a.principal)
        .requests(&q.filter(100))
        .await?;
    Ok(render(&ListPage {
        shell,
        rows,
        total,
        q,
        can_raise: a.principal.can(Action::RaiseRequest),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "requests/new.html")]
struct NewPage {
    shell: Shell,
    input: RequestInput,
    /// The enterprise when the caller has exactly one (an enterprise account).
    own: Option<(i64, String)>,
    flash: Option<Flash>,
}

impl NewPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    enterprise: Option<i64>,
    /// Raised from this visit.
    visit: Option<i64>,
}

async fn own_enterprise(state: &AppState, who: &Principal) -> WebResult<Option<(i64, String)>> {
    let scope = who.scope();
    if scope.enterprises.len() == 1 && !scope.city && scope.regions.is_empty() {
        let e = state.app.enterprise(who, scope.enterprises[0]).await?;
        return Ok(Some((e.id, e.name)));
    }
    Ok(None)
}

async fn new_form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<NewQuery>,
) -> WebResult<Response> {
    let own = own_enterprise(&state, &a.principal).await?;
    let input = RequestInput {
        enterprise_id: own.as_ref().map(|o| o.0).or(q.enterprise).unwrap_or(0),
        urgency: "normal".into(),
        category: "workforce".into(),
        visit_id: q.visit,
        ..Default::default()
    };
    Ok(render(&NewPage {
        shell,
        input,
        own,
        flash: None,
    })?
    .into_response())
}

async fn create(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(input): Form<RequestInput>,
) -> WebResult<Response> {
    match state.app.raise_request(&a.principal, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let own = own_enterprise(&state, &a.principal).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&NewPage {
                    shell,
                    input,
                    own,
                    flash,
                })?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "requests/detail.html")]
pub struct DetailPage {
    shell: Shell,
    r: RequestRow,
    events: Vec<EventRow>,
    attachments: Vec<AttachmentRow>,
    /// The moves the viewer may make now.
    moves: Vec<&'static str>,
    can_reroute: bool,
    /// Where it may be re-routed: (`d:ID` | `c:ID`, label).
    routes: Vec<(String, String)>,
    flash: Option<Flash>,
}

impl DetailPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }
    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }
    fn opt(&self, s: &Option<String>) -> String {
        s.as_deref()
            .map(|v| self.label("request_state", v))
            .unwrap_or_default()
    }
}

/// Departments and chief service officers, as route choices for forms.
pub async fn route_choices(state: &AppState) -> WebResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = state
        .app
        .store
        .organisations()
        .list(Some("department"), 1000, 0)
        .await?
        .0
        .into_iter()
        .map(|d| (format!("d:{}", d.id), d.name))
        .collect();
    out.extend(
        state
            .app
            .chief_service_officers()
            .await?
            .into_iter()
            .map(|(id, label)| (format!("c:{id}"), label)),
    );
    Ok(out)
}

pub async fn detail_page(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    id: i64,
    flash: Option<Flash>,
) -> WebResult<DetailPage> {
    let scoped = state.app.store.scoped(who);
    let r = scoped.request(id).await?;
    let events = scoped.request_events(id).await?;
    let attachments = scoped.attachments(id).await?;
    let from = RequestState::parse(&r.state).map_err(WebError::Invalid)?;
    let side = app::App::side(who, &r);
    let moves = RequestState::ALL
        .iter()
        .filter(|to| side.is_some_and(|s| from.can_move(**to, s)))
        .map(|to| to.as_str())
        .collect();
    let can_reroute = side == Some(Side::Handler) && from.is_open();
    let routes = route_choices(state).await?;
    Ok(DetailPage {
        shell,
        r,
        events,
        attachments,
        moves,
        can_reroute,
        routes,
        flash,
    })
}

async fn detail(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    Ok(render(&detail_page(shell, &state, &a.principal, id, None).await?)?.into_response())
}

#[derive(Deserialize)]
struct TransitionForm {
    to: String,
    #[serde(default)]
    note: String,
    rating: Option<String>,
}

async fn transition(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TransitionForm>,
) -> WebResult<Response> {
    let rating = match f.rating.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match r.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                return Err(WebError::Invalid(domain::Invalid::new(
                    "rating",
                    "rating_range",
                )));
            }
        },
    };
    match state
        .app
        .transition(&a.principal, id, &f.to, &f.note, rating)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(app::AppError::Forbidden) => Err(WebError::Refused(StatusCode::FORBIDDEN, "forbidden")),
        Err(app::AppError::NotFound) => Err(WebError::NotFound),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&detail_page(shell, &state, &a.principal, id, flash).await?)?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
struct RerouteForm {
    route: String,
    #[serde(default)]
    reason: String,
}

async fn reroute(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RerouteForm>,
) -> WebResult<Response> {
    let result = match app::requests::parse_route(&f.route) {
        Ok(to) => state.app.reroute(&a.principal, id, to, &f.reason).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(app::AppError::Forbidden) => Err(WebError::Refused(StatusCode::FORBIDDEN, "forbidden")),
        Err(app::AppError::NotFound) => Err(WebError::NotFound),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&detail_page(shell, &state, &a.principal, id, flash).await?)?,
            )
                .into_response())
        }
    }
}

async fn attach(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> WebResult<Response> {
    let mut upload = None;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                WebError::Refused(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            })?;
            upload = Some((name, bytes));
        }
    }
    let result = match upload {
        Some((name, bytes)) => state.app.attach(&a.principal, id, &name, &bytes).await,
        None => Err(domain::Invalid::new("file", "required").into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(app::AppError::NotFound) => Err(WebError::NotFound),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&detail_page(shell, &state, &a.principal, id, flash).await?)?,
            )
                .into_response())
        }
    }
}

async fn download(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (row, data) = state.app.store.scoped(&a.principal).attachment(id).await?;
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&row.content_type).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    // Always a download, never rendered in the page's origin.
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

// --- the three rates ----------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct StatsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<String>,
}

impl StatsQuery {
    /// [from, to) in Unix ms from calendar days in the city; defaults to the last 30 days.
    pub fn period(&self, today: chrono::NaiveDate) -> Result<(i64, i64, String, String), WebError> {
        let parse = |s: &Option<String>, field: &'static str, default: chrono::NaiveDate| match s
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(default),
            Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| WebError::Invalid(domain::Invalid::new(field, "date_format"))),
        };
        let from = parse(&self.from, "from", today - chrono::Duration::days(30))?;
        let to = parse(&self.to, "to", today)?;
        let ms = |d: chrono::NaiveDate| {
            domain::requests::from_local(d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .timestamp_millis()
        };
        Ok((
            ms(from),
            ms(to + chrono::Duration::days(1)),
            from.to_string(),
            to.to_string(),
        ))
    }

    pub fn by(&self) -> RatesBy {
        match self.group_by.as_deref() {
            Some("region") => RatesBy::Region,
            Some("category") => RatesBy::Category,
            _ => RatesBy::Department,
        }
    }
}

pub fn rate(n: i64, d: i64) -> String {
    if d == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

#[derive(Template)]
#[template(path = "requests/stats.html")]
struct StatsPage {
    shell: Shell,
    rows: Vec<(String, RateRow)>,
    from: String,
    to: String,
    group_by: String,
}

impl StatsPage {
    fn pct(&self, n: &i64, d: &i64) -> String {
        rate(*n, *d)
    }
}

async fn stats_rows(
    state: &AppState,
    who: &Principal,
    q: &StatsQuery,
) -> WebResult<(Vec<(String, RateRow)>, String, String)> {
    let (from, to, f, t) = q.period(state.app.today())?;
    let rows = state.app.request_rates(who, from, to, q.by()).await?;
    let mut out = Vec::new();
    for r in rows {
        let label = match q.by() {
            RatesBy::Region => state
                .app
                .store
                .regions()
                .get(&r.key)
                .await
                .map(|x| x.name)
                .unwrap_or_else(|_| r.key.clone()),
            RatesBy::Category => crate::i18n::messages(domain::Lang::ZhCn)
                .msg(&format!("request_category.{}", r.key))
                .to_owned(),
            RatesBy::Department => {
                if r.key.is_empty() {
                    "—".to_owned()
                } else {
                    r.key.clone()
                }
            }
        };
        out.push((label, r));
    }
    Ok((out, f, t))
}

async fn stats(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<StatsQuery>,
) -> WebResult<Response> {
    let (rows, from, to) = stats_rows(&state, &a.principal, &q).await?;
    let group_by = q.group_by.clone().unwrap_or_else(|| "department".into());
    Ok(render(&StatsPage {
        shell,
        rows,
        from,
        to,
        group_by,
    })?
    .into_response())
}

async fn stats_export(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<StatsQuery>,
) -> WebResult<Response> {
    let (rows, _, _) = stats_rows(&state, &a.principal, &q).await?;
    let t = shell.t;
    let headers = [
        "requests.group",
        "requests.total",
        "requests.response_rate",
        "requests.resolution_rate",
        "requests.satisfaction_rate",
    ]
    .map(|k| t.msg(k));
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|(l, r)| {
            vec![
                l.clone(),
                r.total.to_string(),
                rate(r.responded, r.total),
                rate(r.on_time, r.total),
                rate(r.satisfied, r.rated),
            ]
        })
        .collect();
    Ok(xlsx(
        app::excel::workbook("三率", &headers, &data)?,
        "attachment; filename=\"request-rates.xlsx\"",
    ))
}

// --- notifications --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "requests/notifications.html")]
struct NotificationsPage {
    shell: Shell,
    rows: Vec<NotificationRow>,
}

impl NotificationsPage {
    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }
    fn kind(&self, k: &str) -> String {
        self.shell.t.msg(&format!("notification.{k}")).to_owned()
    }
}

async fn notifications(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
) -> WebResult<Response> {
    let rows = state
        .app
        .store
        .requests()
        .notifications(a.principal.user_id, 200)
        .await?;
    Ok(render(&NotificationsPage { shell, rows })?.into_response())
}

async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
) -> WebResult<Response> {
    state
        .app
        .store
        .requests()
        .mark_read(
            a.principal.user_id,
            state.app.clock.now().timestamp_millis(),
        )
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}
