//! Requests use cases: raising (by the enterprise, a liaison during a visit, or an
//! officer), routing by category, deadlines from the working-day calendar, the life
//! cycle with who may move each step, re-routing, escalation, the three rates.

use crate::{App, AppError, AppResult};
use domain::{Action, Calendar, Invalid, Principal, RequestCategory, RequestState, Side, Urgency};
use store::StoreError;
use store::requests::{NewRequest, RateRow, RatesBy, RequestRow, Route};

pub const DEFAULT_NORMAL_DAYS: u32 = 3;
pub const DEFAULT_RESPONSE_MINUTES: i64 = 60;
/// Attachments: at most this many bytes each, of these types.
pub const ATTACHMENT_MAX: usize = 10 * 1024 * 1024;
pub const ATTACHMENT_TYPES: [(&str, &str); 6] = [
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("pdf", "application/pdf"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
];

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RequestInput {
    pub enterprise_id: i64,
    pub category: String,
    pub urgency: String,
    pub title: String,
    pub description: String,
    pub visit_id: Option<i64>,
}

impl App {
    /// The working-day calendar and the request settings, as configured.
    pub async fn request_rules(&self) -> AppResult<(Calendar, u32, i64)> {
        let r = self.store.requests();
        let mut cal = Calendar::default();
        for (day, kind) in r.calendar().await? {
            if kind == "holiday" {
                cal.holidays.insert(day);
            } else {
                cal.makeup_days.insert(day);
            }
        }
        let days = r
            .setting("request.normal_days")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_NORMAL_DAYS);
        let minutes = r
            .setting("request.response_minutes")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_RESPONSE_MINUTES);
        Ok((cal, days, minutes))
    }

    /// Raises a request. The enterprise must be in the caller's scope (its own, an
    /// assigned one for a liaison, one in the jurisdiction for an officer).
    pub async fn raise_request(
        &self,
        who: &Principal,
        input: &RequestInput,
    ) -> AppResult<RequestRow> {
        if !who.can(Action::RaiseRequest) {
            return Err(AppError::Forbidden);
        }
        let category = RequestCategory::parse(&input.category)?;
        let urgency = Urgency::parse(&input.urgency)?;
        let title = input.title.trim();
        if title.is_empty() {
            return Err(Invalid::new("title", "required").into());
        }
        if title.chars().count() > 100 {
            return Err(Invalid::new("title", "too_long").into());
        }
        let description = input.description.trim();
        if description.chars().count() > 4000 {
            return Err(Invalid::new("description", "too_long").into());
        }
        let (cal, days, minutes) = self.request_rules().await?;
        let now = self.clock.now();
        let route = self
            .store
            .requests()
            .routing()
            .await?
            .into_iter()
            .find(|(c, _)| c == category.as_str())
            .map(|(_, r)| r);
        let (department, cadre) = match route {
            Some(Route::Department(d)) => (Some(d), None),
            Some(Route::Cadre(c)) => (None, Some(c)),
            None => (None, None),
        };
        let via = if who.scope().enterprises.contains(&input.enterprise_id) {
            "enterprise"
        } else if !who.scope().cadres.is_empty() {
            "visit"
        } else {
            "officer"
        };
        let n = NewRequest {
            enterprise_id: input.enterprise_id,
            category: category.as_str().to_owned(),
            urgency: urgency.as_str().to_owned(),
            title: title.to_owned(),
            description: description.to_owned(),
            department_id: department,
            cadre_id: cadre,
            raised_via: via.to_owned(),
            visit_id: input.visit_id,
            // Acceptance is never due after resolution (an urgent request raised on a
            // Saturday must be accepted that day too).
            response_due: cal
                .response_due(now, minutes)
                .min(cal.deadline(now, urgency, days))
                .timestamp_millis(),
            due_at: cal.deadline(now, urgency, days).timestamp_millis(),
        };
        let scoped = self.store.scoped(who);
        let id = scoped.raise_request(&n, now.timestamp_millis()).await?;
        Ok(scoped.request(id).await?)
    }

    /// Which side of the request `who` is on: the enterprise that raised it, or a
    /// handler (its department's handler, its chief service officer, or an officer
    /// allowed to handle requests).
    pub fn side(who: &Principal, r: &RequestRow) -> Option<Side> {
        let scope = who.scope();
        if scope.enterprises.contains(&r.enterprise_id) {
            return Some(Side::Enterprise);
        }
        let department = r
            .department_id
            .is_some_and(|d| scope.departments.contains(&d));
        let officer = r.cadre_id.is_some_and(|c| scope.cadres.contains(&c));
        if department || officer || who.can(Action::HandleRequests) {
            return Some(Side::Handler);
        }
        None
    }

    /// Moves a request one step. Only the right side may make each move; a rating
    /// (1–5) comes with confirmation and only from the enterprise.
    pub async fn transition(
        &self,
        who: &Principal,
        id: i64,
        to: &str,
        note: &str,
        rating: Option<i64>,
    ) -> AppResult<RequestRow> {
        let scoped = self.store.scoped(who);
        let r = scoped.request(id).await?;
        let to = RequestState::parse(to)?;
        let from = RequestState::parse(&r.state)?;
        let side = Self::side(who, &r).ok_or(AppError::Forbidden)?;
        if !from.can_move(to, side) {
            return Err(Invalid::new("to", "transition_not_allowed").into());
        }
        let rating = match (to, rating) {
            (RequestState::Confirmed, Some(v)) => Some(domain::requests::rating(v)?),
            (RequestState::Confirmed, None) => {
                return Err(Invalid::new("rating", "required").into());
            }
            (_, Some(_)) => return Err(Invalid::new("rating", "rating_only_on_confirm").into()),
            (_, None) => None,
        };
        let note = note.trim();
        if matches!(to, RequestState::Answered | RequestState::Reopened) && note.is_empty() {
            return Err(Invalid::new("note", "required").into());
        }
        if note.chars().count() > 4000 {
            return Err(Invalid::new("note", "too_long").into());
        }
        scoped
            .move_request(
                &r,
                to.as_str(),
                note,
                rating,
                self.clock.now().timestamp_millis(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(code) => AppError::Invalid(Invalid::new("to", code)),
                other => other.into(),
            })?;
        Ok(scoped.request(id).await?)
    }

    /// Sends a request to another department or a chief service officer, with the
    /// reason on the timeline.
    pub async fn reroute(
        &self,
        who: &Principal,
        id: i64,
        to: Route,
        reason: &str,
    ) -> AppResult<()> {
        let scoped = self.store.scoped(who);
        let r = scoped.request(id).await?;
        if Self::side(who, &r) != Some(Side::Handler) {
            return Err(AppError::Forbidden);
        }
        if reason.trim().is_empty() {
            return Err(Invalid::new("reason", "required").into());
        }
        scoped
            .reroute_request(&r, to, reason.trim(), self.clock.now().timestamp_millis())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(code) => {
                    AppError::Invalid(Invalid::new("department_id", code))
                }
                other => other.into(),
            })
    }

    /// The escalation job: safe to run from every instance at once.
    pub async fn escalate_requests(&self) -> AppResult<Vec<i64>> {
        Ok(self
            .store
            .requests()
            .escalate(self.clock.now().timestamp_millis())
            .await?)
    }

    pub async fn request_rates(
        &self,
        who: &Principal,
        from: i64,
        to: i64,
        by: RatesBy,
    ) -> AppResult<Vec<RateRow>> {
        Ok(self.store.scoped(who).request_rates(from, to, by).await?)
    }

    /// Checks and stores an attachment on a request in scope.
    pub async fn attach(
        &self,
        who: &Principal,
        request_id: i64,
        filename: &str,
        data: &[u8],
    ) -> AppResult<i64> {
        let scoped = self.store.scoped(who);
        let r = scoped.request(request_id).await?;
        if data.is_empty() {
            return Err(Invalid::new("file", "required").into());
        }
        if data.len() > ATTACHMENT_MAX {
            return Err(Invalid::new("file", "attachment_too_large").into());
        }
        let ext = filename
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let content_type = ATTACHMENT_TYPES
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|(_, t)| *t)
            .ok_or(Invalid::new("file", "attachment_type"))?;
        // The content must match the name: no HTML or script renamed to .png.
        let looks_right = match ext.as_str() {
            "jpg" | "jpeg" => data.starts_with(&[0xFF, 0xD8, 0xFF]),
            "png" => data.starts_with(b"\x89PNG"),
            "pdf" => data.starts_with(b"%PDF"),
            _ => data.starts_with(b"PK"),
        };
        if !looks_right {
            return Err(Invalid::new("file", "attachment_type").into());
        }
        let name: String = filename
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(100)
            .collect();
        Ok(scoped
            .add_attachment(
                &r,
                &name,
                content_type,
                data,
                self.clock.now().timestamp_millis(),
            )
            .await?)
    }
}

/// Request settings, for the administration page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSettings {
    pub normal_days: u32,
    pub response_minutes: i64,
    /// (day, "holiday" | "workday")
    pub calendar: Vec<(chrono::NaiveDate, String)>,
    pub routing: Vec<(String, Route)>,
}

impl App {
    fn require_admin(who: &Principal) -> AppResult<store::audit::Actor> {
        if !who.can(Action::ManageReference) {
            return Err(AppError::Forbidden);
        }
        Ok(store::audit::Actor::user(who.user_id, &who.username))
    }

    async fn audit_setting(
        &self,
        actor: &store::audit::Actor,
        entity_id: &str,
        after: serde_json::Value,
    ) -> AppResult<()> {
        self.store
            .audit()
            .append(&store::audit::Entry {
                actor,
                at: self.clock.now().timestamp_millis(),
                action: "update",
                entity: "request_settings",
                entity_id: Some(entity_id.to_owned()),
                before: None,
                after: Some(after),
            })
            .await?;
        Ok(())
    }

    pub async fn request_settings(&self) -> AppResult<RequestSettings> {
        let (_, normal_days, response_minutes) = self.request_rules().await?;
        Ok(RequestSettings {
            normal_days,
            response_minutes,
            calendar: self.store.requests().calendar().await?,
            routing: self.store.requests().routing().await?,
        })
    }

    /// Sets the working days for a normal request (1–30) and the response window in
    /// working minutes (15–480).
    pub async fn set_request_deadlines(
        &self,
        who: &Principal,
        days: &str,
        minutes: &str,
    ) -> AppResult<()> {
        let actor = Self::require_admin(who)?;
        let days: u32 = days
            .trim()
            .parse()
            .ok()
            .filter(|d| (1..=30).contains(d))
            .ok_or(Invalid::new("normal_days", "days_range"))?;
        let minutes: i64 = minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| (15..=480).contains(m))
            .ok_or(Invalid::new("response_minutes", "minutes_range"))?;
        let r = self.store.requests();
        r.set_setting("request.normal_days", &days.to_string())
            .await?;
        r.set_setting("request.response_minutes", &minutes.to_string())
            .await?;
        self.audit_setting(
            &actor,
            "deadlines",
            serde_json::json!({"normal_days": days, "response_minutes": minutes}),
        )
        .await
    }

    /// Marks a day a holiday, a make-up working day, or an ordinary day again.
    pub async fn set_calendar_day(&self, who: &Principal, day: &str, kind: &str) -> AppResult<()> {
        let actor = Self::require_admin(who)?;
        let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::new("day", "date_format"))?;
        let kind = match kind {
            "holiday" | "workday" => Some(kind),
            "ordinary" => None,
            _ => return Err(Invalid::new("kind", "calendar_kind").into()),
        };
        self.store.requests().set_calendar_day(d, kind).await?;
        self.audit_setting(
            &actor,
            "calendar",
            serde_json::json!({"day": d, "kind": kind}),
        )
        .await
    }

    /// Routes a category to a department or a chief service officer.
    pub async fn set_route(&self, who: &Principal, category: &str, to: Route) -> AppResult<()> {
        let actor = Self::require_admin(who)?;
        let category = RequestCategory::parse(category)?;
        let known = match to {
            Route::Department(d) => self
                .store
                .organisations()
                .list(Some("department"), 1000, 0)
                .await?
                .0
                .iter()
                .any(|o| o.id == d),
            Route::Cadre(c) => self
                .store
                .system()
                .cadre(c)
                .await
                .is_ok_and(|c| c.kind == "chief_service_officer" && c.active),
        };
        if !known {
            return Err(Invalid::new("department_id", "route_unknown").into());
        }
        self.store
            .requests()
            .set_route(category.as_str(), to)
            .await?;
        let (d, c) = match to {
            Route::Department(d) => (Some(d), None),
            Route::Cadre(c) => (None, Some(c)),
        };
        self.audit_setting(
            &actor,
            "routing",
            serde_json::json!({"category": category.as_str(), "department_id": d, "cadre_id": c}),
        )
        .await
    }

    /// The chief service officers a request can be routed to: (cadre id, label).
    pub async fn chief_service_officers(&self) -> AppResult<Vec<(i64, String)>> {
        let (cadres, _) = self
            .store
            .system()
            .cadres(&store::liaison::CadreFilter {
                limit: 10_000,
                ..Default::default()
            })
            .await?;
        Ok(cadres
            .into_iter()
            .filter(|c| c.kind == "chief_service_officer" && c.active)
            .map(|c| (c.id, format!("{}（{}·{}）", c.name, c.region_name, c.post)))
            .collect())
    }
}

/// A route as chosen in a form: `d:ID` for a department, `c:ID` for a chief service
/// officer.
pub fn parse_route(s: &str) -> Result<Route, Invalid> {
    let bad = || Invalid::new("department_id", "route_unknown");
    let (kind, id) = s.trim().split_once(':').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    match kind {
        "d" => Ok(Route::Department(id)),
        "c" => Ok(Route::Cadre(id)),
        _ => Err(bad()),
    }
}
