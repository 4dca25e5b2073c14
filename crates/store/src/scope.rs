//! Data scope, applied here under every query of scoped data. A feature's scoped
//! queries are methods of the handle [`Scoped`], which can only be made from a
//! principal (or, named as such, for the system), so no query can be written without
//! the caller's scope. Each kind of record has one function here turning a
//! [`Scope`] into its SQL condition.

use crate::audit::Actor;
use crate::db::Db;
use crate::query::{Param, Sql, prefix_upper};
use domain::{Principal, Scope};

/// Store functions for data that belongs to someone, bound to a caller's scope and
/// identity (for the audit log).
pub struct Scoped<'a> {
    pub(crate) db: &'a Db,
    pub scope: Scope,
    pub actor: Actor,
}

impl<'a> Scoped<'a> {
    pub(crate) fn of(db: &'a Db, p: &Principal) -> Scoped<'a> {
        Scoped {
            db,
            scope: p.scope(),
            actor: Actor::user(p.user_id, &p.username),
        }
    }

    /// The whole city, acting as "system": the CLI, the demo loader, background jobs.
    pub(crate) fn system(db: &'a Db) -> Scoped<'a> {
        Scoped {
            db,
            scope: Scope {
                city: true,
                ..Scope::default()
            },
            actor: Actor::system(),
        }
    }
}

/// The condition under which enterprise `e` (with `e.region_code`, `e.park_id`,
/// `e.industry_code`, `e.id`) is visible: the union of the grants.
pub fn enterprises(scope: &Scope, sql: &mut Sql) {
    if scope.city {
        sql.push("TRUE");
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    for r in &scope.regions {
        let prefix = r.subtree_prefix();
        let lo = sql.arg(Param::Text(prefix.to_owned()));
        let hi = sql.arg(Param::Text(prefix_upper(prefix)));
        parts.push(format!("(e.region_code >= {lo} AND e.region_code < {hi})"));
    }
    for p in &scope.parks {
        let code = sql.arg(Param::Text(p.clone()));
        parts.push(format!(
            "e.park_id IN (SELECT id FROM parks WHERE code = {code})"
        ));
    }
    for i in &scope.industries {
        // A section letter covers its divisions; a division code itself.
        let code = sql.arg(Param::Text(i.clone()));
        parts.push(format!("e.industry_code IN (SELECT code FROM industries WHERE section = {code} OR code = {code})"));
    }
    for id in &scope.enterprises {
        let ph = sql.arg(Param::Int(*id));
        parts.push(format!("e.id = {ph}"));
    }
    for id in &scope.cadres {
        // A liaison cadre sees the enterprises assigned to them now.
        let ph = sql.arg(Param::Int(*id));
        parts.push(format!("e.id IN (SELECT enterprise_id FROM assignments WHERE active = TRUE AND cadre_id = {ph})"));
    }
    // Departments, banks and employees see enterprises only through their own records
    // (requests, financing needs, declarations).
    if parts.is_empty() {
        sql.push("FALSE");
    } else {
        sql.push("(");
        sql.push(&parts.join(" OR "));
        sql.push(")");
    }
}

/// The condition under which cadre `c` is visible: placed in a region of the scope, or
/// the cadre themself.
pub fn cadres(scope: &Scope, sql: &mut Sql) {
    if scope.city {
        sql.push("TRUE");
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    for r in &scope.regions {
        let prefix = r.subtree_prefix();
        let lo = sql.arg(Param::Text(prefix.to_owned()));
        let hi = sql.arg(Param::Text(prefix_upper(prefix)));
        parts.push(format!("(c.region_code >= {lo} AND c.region_code < {hi})"));
    }
    for id in &scope.cadres {
        let ph = sql.arg(Param::Int(*id));
        parts.push(format!("c.id = {ph}"));
    }
    if parts.is_empty() {
        sql.push("FALSE");
    } else {
        sql.push("(");
        sql.push(&parts.join(" OR "));
        sql.push(")");
    }
}

/// The condition under which employee `m` (of enterprise `e`) is visible: the
/// enterprise is in scope, or — for region grants — the employee lives in the region
/// (a community sees its residents wherever they work), or it is the employee.
pub fn employees(scope: &Scope, sql: &mut Sql) {
    sql.push("(");
    enterprises(scope, sql);
    for r in &scope.regions {
        let prefix = r.subtree_prefix();
        let lo = sql.arg(Param::Text(prefix.to_owned()));
        let hi = sql.arg(Param::Text(prefix_upper(prefix)));
        sql.push(&format!(
            " OR (m.residence_region >= {lo} AND m.residence_region < {hi})"
        ));
    }
    for id in &scope.employees {
        let ph = sql.arg(Param::Int(*id));
        sql.push(&format!(" OR m.id = {ph}"));
    }
    sql.push(")");
}

/// The condition under which health alert `a` (of enterprise `e`) is visible: as the
/// employee's file — the enterprise in scope, or the alert's community in a region.
pub fn alerts(scope: &Scope, sql: &mut Sql) {
    sql.push("(");
    enterprises(scope, sql);
    for r in &scope.regions {
        let prefix = r.subtree_prefix();
        let lo = sql.arg(Param::Text(prefix.to_owned()));
        let hi = sql.arg(Param::Text(prefix_upper(prefix)));
        sql.push(&format!(" OR (a.community >= {lo} AND a.community < {hi})"));
    }
    sql.push(")");
}
