//! The daily health declaration (健康申报): checking items, the group-commit writer
//! that absorbs the morning peak, the personal link's page, fever alerts.
//!
//! Group commit: every request's checked items go on one queue with a reply channel.
//! A writer task takes whatever is queued the moment it is free (no fixed window: a
//! window caps throughput at connections ÷ window), writes it all in one transaction
//! (`store::declarations::Declarations::write`), and only then answers each request.
//! So an answer means "on disk", and a thousand concurrent requests cost a handful of
//! commits, not a thousand. SQLite has one writer (it allows one at a time anyway);
//! PostgreSQL four, so one batch commits while the next is being gathered. If a whole
//! group fails, each request's items are retried on their own, so one bad request
//! cannot fail its neighbours.

use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use domain::workforce::raises_alert;
use domain::{Action, Invalid, Principal, Symptoms, Temperature};
use std::collections::HashSet;
use std::sync::Arc;
use store::declarations::NewDeclaration;
use store::{Backend, Store};
use tokio::sync::{Mutex, mpsc, oneshot};

/// At most this many items in one request.
pub const MAX_ITEMS: usize = 1000;
/// At most this many items in one transaction.
const MAX_GROUP: usize = 8000;
/// History kept: declarations older than this many days are refused.
pub const KEPT_DAYS: i64 = 90;

/// One item as it arrives (API JSON, a form, a spreadsheet row).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeclarationItem {
    pub employee_id: i64,
    /// YYYY-MM-DD; today when empty.
    pub date: String,
    pub temperature: Option<f64>,
    pub symptoms: Vec<String>,
    pub location: String,
}

/// A refused item: its index in the request, the field and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub index: usize,
    pub field: &'static str,
    pub code: &'static str,
}

struct Job {
    items: Vec<NewDeclaration>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The queue in front of the writer tasks.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer tasks on the current runtime.
    pub fn start(store: Store) -> Writer {
        let (queue, rx) = mpsc::channel::<Job>(100_000);
        let rx = Arc::new(Mutex::new(rx));
        let writers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 4,
        };
        for _ in 0..writers {
            tokio::spawn(write_loop(store.clone(), rx.clone()));
        }
        Writer { queue }
    }

    /// Queues `items` and waits until they are committed.
    pub async fn write(&self, items: Vec<NewDeclaration>) -> AppResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job { items, done })
            .await
            .map_err(|_| AppError::Refused("writer_stopped"))?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "declarations not written");
                Err(AppError::Refused("declarations_not_written"))
            }
            Err(_) => Err(AppError::Refused("writer_stopped")),
        }
    }
}

async fn write_loop(store: Store, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let mut jobs: Vec<Job> = Vec::new();
        {
            // Hold the queue only while gathering: another writer gathers the next
            // group while this one commits.
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut n = first.items.len();
            jobs.push(first);
            while n < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => {
                        n += job.items.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
        }
        let all: Vec<NewDeclaration> = jobs.iter().flat_map(|j| j.items.iter().cloned()).collect();
        let started = std::time::Instant::now();
        let written = store.declarations().write(&all).await;
        tracing::debug!(
            requests = jobs.len(),
            items = all.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "declarations group committed"
        );
        match written {
            Ok(()) => {
                for j in jobs {
                    let _ = j.done.send(Ok(()));
                }
            }
            Err(e) if jobs.len() == 1 => {
                let _ = jobs.remove(0).done.send(Err(e.to_string()));
            }
            Err(_) => {
                for j in jobs {
                    let r = store.declarations().write(&j.items).await;
                    let _ = j.done.send(r.map_err(|e| e.to_string()));
                }
            }
        }
    }
}

/// Checks an item's values (not the employee): date within the kept history and not
/// in the future, temperature in range, known symptoms.
pub fn check_item(
    item: &DeclarationItem,
    today: NaiveDate,
) -> Result<(NaiveDate, Temperature, Symptoms), Invalid> {
    let day = if item.date.trim().is_empty() {
        today
    } else {
        NaiveDate::parse_from_str(item.date.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::new("date", "date_format"))?
    };
    if day > today {
        return Err(Invalid::new("date", "date_in_future"));
    }
    if (today - day).num_days() >= KEPT_DAYS {
        return Err(Invalid::new("date", "date_too_old"));
    }
    let t = match item.temperature {
        Some(c) => Temperature::from_celsius(c)?,
        None => return Err(Invalid::new("temperature", "required")),
    };
    let s = Symptoms::parse_all(item.symptoms.iter().map(String::as_str))?;
    if item.location.chars().count() > 100 {
        return Err(Invalid::new("location", "too_long"));
    }
    Ok((day, t, s))
}

impl App {
    fn writer(&self) -> &Writer {
        self.writer
            .get_or_init(|| Writer::start(self.store.clone()))
    }

    /// Declarations by an enterprise (its HR system, bulk entry, an import) or an
    /// officer keeping files: every item checked, the employees looked up in the
    /// caller's write scope in one query, good items written together and answered
    /// once durable. Returns the number accepted and the refused items.
    pub async fn declare(
        &self,
        who: Option<&Principal>,
        items: &[DeclarationItem],
        source: &'static str,
    ) -> AppResult<(usize, Vec<ItemError>)> {
        if let Some(p) = who
            && !p.can(Action::EditEmployees)
        {
            return Err(AppError::Forbidden);
        }
        if items.len() > MAX_ITEMS {
            return Err(Invalid::new("items", "too_many_items").into());
        }
        let today = self.today();
        let now = self.clock.now().timestamp_millis();
        let mut errors = Vec::new();
        let mut checked = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match check_item(item, today) {
                Ok(v) => checked.push((index, item, v)),
                Err(e) => errors.push(ItemError {
                    index,
                    field: e.field,
                    code: e.code,
                }),
            }
        }
        let ids: Vec<i64> = checked
            .iter()
            .map(|(_, i, _)| i.employee_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let enterprises = self.declarable(who, &ids).await?;
        let mut rows = Vec::with_capacity(checked.len());
        for (index, item, (day, t, s)) in checked {
            let Some(enterprise_id) = enterprises.get(&item.employee_id) else {
                errors.push(ItemError {
                    index,
                    field: "employee_id",
                    code: "employee_unknown",
                });
                continue;
            };
            rows.push(NewDeclaration {
                day,
                employee_id: item.employee_id,
                enterprise_id: *enterprise_id,
                temperature: t.tenths(),
                symptoms: s.0,
                location: item.location.trim().to_owned(),
                alert: raises_alert(t, s),
                source,
                declared_at: now,
            });
        }
        errors.sort_by_key(|e| e.index);
        let accepted = rows.len();
        self.writer().write(rows).await?;
        Ok((accepted, errors))
    }

    /// `employee → enterprise` for the ids the caller may declare for. Accounts whose
    /// write scope is the whole city or a list of enterprises (HR systems, the
    /// command) are answered from the employee → enterprise cache and
    /// [`domain::Scope::covers_enterprise_id`]; any other scope (regions, parks,
    /// industries, whose enterprises can move) asks the store with its condition.
    async fn declarable(
        &self,
        who: Option<&Principal>,
        ids: &[i64],
    ) -> AppResult<std::collections::HashMap<i64, i64>> {
        let scope = who.map(Principal::scope);
        let by_id = scope
            .as_ref()
            .is_none_or(|s| s.city || s.only_enterprises());
        if !by_id {
            let scoped = match who {
                Some(p) => self.store.scoped(p),
                None => self.store.system(),
            };
            return Ok(scoped.declarable(ids).await?);
        }
        let (mut known, missing) = self.caches.employee_enterprises(ids);
        if !missing.is_empty() {
            let found = self.store.system().declarable(&missing).await?;
            self.caches.remember_employees(&found);
            known.extend(found);
        }
        known.retain(|_, e| scope.as_ref().is_none_or(|s| s.covers_enterprise_id(*e)));
        Ok(known)
    }

    /// The employee's own declaration through their personal link (today only).
    pub async fn declare_by_link(
        &self,
        token: &str,
        temperature: &str,
        symptoms: &[String],
        location: &str,
    ) -> AppResult<()> {
        let holder = self.link_holder(token).await?;
        let t = Temperature::parse(temperature)?;
        let s = Symptoms::parse_all(symptoms.iter().map(String::as_str))?;
        if location.chars().count() > 100 {
            return Err(Invalid::new("location", "too_long").into());
        }
        let row = NewDeclaration {
            day: self.today(),
            employee_id: holder.id,
            enterprise_id: holder.enterprise_id,
            temperature: t.tenths(),
            symptoms: s.0,
            location: location.trim().to_owned(),
            alert: raises_alert(t, s),
            source: "self",
            declared_at: self.clock.now().timestamp_millis(),
        };
        self.writer().write(vec![row]).await
    }

    /// Marks an alert handled (enterprise, community or officer in scope).
    pub async fn handle_alert(&self, who: &Principal, id: i64, handling: &str) -> AppResult<()> {
        if !who.can(Action::HandleAlerts) {
            return Err(AppError::Forbidden);
        }
        let handling = handling.trim();
        if handling.is_empty() {
            return Err(Invalid::new("handling", "required").into());
        }
        if handling.chars().count() > 500 {
            return Err(Invalid::new("handling", "too_long").into());
        }
        Ok(self
            .store
            .scoped(who)
            .handle_alert(id, handling, self.clock.now().timestamp_millis())
            .await?)
    }
}

/// The columns of the declaration sheet (download, fill in, upload).
pub const SHEET_COLUMNS: [&str; 7] = [
    "员工编号",
    "姓名",
    "部门",
    "日期",
    "体温",
    "症状",
    "当前所在地",
];

/// Chinese symptom names accepted in a sheet (and written in the template row).
pub const SYMPTOM_ZH: [(domain::workforce::Symptom, &str); 7] = {
    use domain::workforce::Symptom::*;
    [
        (Cough, "咳嗽"),
        (SoreThroat, "咽痛"),
        (Fatigue, "乏力"),
        (ShortBreath, "呼吸困难"),
        (Diarrhoea, "腹泻"),
        (LossOfSmell, "嗅觉或味觉减退"),
        (Other, "其他不适"),
    ]
};

/// A sheet's item with its spreadsheet row.
type RowItem = (usize, DeclarationItem);

/// What an uploaded sheet of declarations did.
#[derive(Debug, Clone, Default)]
pub struct SheetReport {
    pub accepted: usize,
    /// Rows left empty (no temperature): not declared, not an error.
    pub skipped: usize,
    pub rejected: Vec<crate::enterprises::RowProblem>,
}

impl App {
    /// The enterprise's roster as a sheet to fill in for `day`: one row per employee
    /// (those not yet declared that day first), temperatures empty.
    pub async fn declaration_sheet(
        &self,
        who: &Principal,
        enterprise_id: i64,
        day: NaiveDate,
    ) -> AppResult<Vec<u8>> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        scoped.writable_enterprise(enterprise_id).await?;
        let (mut rows, _) = scoped
            .employees(&store::workforce::EmployeeFilter {
                enterprise_id: Some(enterprise_id),
                day: Some(day),
                limit: 200_000,
                ..Default::default()
            })
            .await?;
        rows.retain(|r| r.return_status != "left");
        rows.sort_by_key(|r| {
            (
                r.temperature.is_some(),
                r.department.clone(),
                r.name.clone(),
            )
        });
        let data: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.name.clone(),
                    r.department.clone(),
                    day.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            })
            .collect();
        crate::excel::workbook("健康申报", &SHEET_COLUMNS, &data)
    }

    /// Declarations from a filled-in sheet: rows without a temperature are skipped,
    /// every bad row is reported with its row, column and reason, good rows are kept
    /// (written like any other declarations, a thousand at a time).
    pub async fn import_declarations(
        &self,
        who: &Principal,
        enterprise_id: i64,
        bytes: &[u8],
    ) -> AppResult<SheetReport> {
        use crate::enterprises::RowProblem;
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        self.store
            .scoped(who)
            .writable_enterprise(enterprise_id)
            .await?;
        let (headers, rows) = crate::enterprises::read_sheet(bytes)?;
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().trim_end_matches('*').trim() == name)
        };
        let (Some(id_col), Some(t_col)) = (col("员工编号"), col("体温")) else {
            return Err(Invalid::new("file", "missing_column").into());
        };
        let (day_col, s_col, l_col) = (col("日期"), col("症状"), col("当前所在地"));
        let mut report = SheetReport::default();
        let mut items: Vec<(usize, DeclarationItem)> = Vec::new();
        let cell = |cells: &[String], i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        for (row, cells) in &rows {
            let temperature = cell(cells, Some(t_col));
            if temperature.is_empty() {
                report.skipped += 1;
                continue;
            }
            let problem = |field: &'static str, column: &str, code: &'static str| RowProblem {
                row: *row,
                column: column.to_owned(),
                field,
                code,
            };
            let Ok(employee_id) = cell(cells, Some(id_col)).parse::<i64>() else {
                report
                    .rejected
                    .push(problem("employee_id", "员工编号", "employee_unknown"));
                continue;
            };
            let t = match domain::Temperature::parse(&temperature) {
                Ok(t) => t,
                Err(e) => {
                    report.rejected.push(problem("temperature", "体温", e.code));
                    continue;
                }
            };
            let mut symptoms = Vec::new();
            let mut bad_symptom = false;
            for s in cell(cells, s_col)
                .split([',', '，', '、', ';', '；', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "无")
            {
                match SYMPTOM_ZH.iter().find(|(_, z)| *z == s) {
                    Some((code, _)) => symptoms.push(code.as_str().to_owned()),
                    None if domain::workforce::Symptom::parse(s).is_ok() => {
                        symptoms.push(s.to_owned())
                    }
                    None => bad_symptom = true,
                }
            }
            if bad_symptom {
                report
                    .rejected
                    .push(problem("symptoms", "症状", "symptom_unknown"));
                continue;
            }
            let date = match crate::workforce::parse_day("date", &cell(cells, day_col)) {
                Ok(d) => d.map(|d| d.to_string()).unwrap_or_default(),
                Err(e) => {
                    report.rejected.push(problem("date", "日期", e.code));
                    continue;
                }
            };
            items.push((
                *row,
                DeclarationItem {
                    employee_id,
                    date,
                    temperature: Some(t.tenths() as f64 / 10.0),
                    symptoms,
                    location: cell(cells, l_col),
                },
            ));
        }
        for chunk in items.chunks(MAX_ITEMS) {
            // Only this enterprise's employees: an id from another sheet is refused.
            let ids: Vec<i64> = chunk.iter().map(|(_, i)| i.employee_id).collect();
            let owners = self.declarable(Some(who), &ids).await?;
            let (ours, foreign): (Vec<RowItem>, Vec<RowItem>) = chunk
                .iter()
                .cloned()
                .partition(|(_, i)| owners.get(&i.employee_id) == Some(&enterprise_id));
            for (row, _) in foreign {
                report.rejected.push(RowProblem {
                    row,
                    column: "员工编号".to_owned(),
                    field: "employee_id",
                    code: "employee_unknown",
                });
            }
            let batch: Vec<DeclarationItem> = ours.iter().map(|(_, i)| i.clone()).collect();
            let (accepted, errors) = self.declare(Some(who), &batch, "import").await?;
            report.accepted += accepted;
            for e in errors {
                report.rejected.push(RowProblem {
                    row: ours[e.index].0,
                    column: match e.field {
                        "date" => "日期",
                        "temperature" => "体温",
                        "symptoms" => "症状",
                        "location" => "当前所在地",
                        _ => "员工编号",
                    }
                    .to_owned(),
                    field: e.field,
                    code: e.code,
                });
            }
        }
        report.rejected.sort_by_key(|p| p.row);
        Ok(report)
    }
}
