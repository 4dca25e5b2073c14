//! Who may do what, decided in one place.
//!
//! An account holds one or more [`Grant`]s; a grant is a [`Role`] with the target its
//! scope is about (a region, a park, an enterprise…). What an account may *see* is the
//! union of its grants' scopes ([`Scope`], applied by the store under every query);
//! what it may *do* is [`Role::can`] over its roles.

use crate::{Invalid, RegionCode, RegionLevel};
use serde::Serialize;

/// The roles of SPEC §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// City command / 两新党工委: the whole city, and account administration.
    CityAdmin,
    /// County or district officer: a county-level region and below.
    CountyOfficer,
    /// Town or street officer: a town and below.
    TownOfficer,
    /// Village or community officer: one village or community.
    VillageOfficer,
    /// Park party organisation or park office: the enterprises of a park.
    ParkOfficer,
    /// Industry party committee or authority: enterprises of an industry, city-wide.
    IndustryOfficer,
    /// Liaison cadre, special commissioner, chief service officer: assigned enterprises.
    Liaison,
    /// Department handler: requests routed to the department.
    DepartmentHandler,
    /// Enterprise account (HR, party branch): its own enterprise.
    Enterprise,
    /// Bank account: financing needs referred to the bank.
    Bank,
    /// Employee: their own declarations.
    Employee,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::CityAdmin,
        Role::CountyOfficer,
        Role::TownOfficer,
        Role::VillageOfficer,
        Role::ParkOfficer,
        Role::IndustryOfficer,
        Role::Liaison,
        Role::DepartmentHandler,
        Role::Enterprise,
        Role::Bank,
        Role::Employee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::CountyOfficer => "county_officer",
            Role::TownOfficer => "town_officer",
            Role::VillageOfficer => "village_officer",
            Role::ParkOfficer => "park_officer",
            Role::IndustryOfficer => "industry_officer",
            Role::Liaison => "liaison",
            Role::DepartmentHandler => "department_handler",
            Role::Enterprise => "enterprise",
            Role::Bank => "bank",
            Role::Employee => "employee",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(Invalid::new("role", "role_unknown"))
    }

    /// What the grant's target must be for this role.
    pub fn target_kind(self) -> TargetKind {
        match self {
            Role::CityAdmin => TargetKind::None,
            Role::CountyOfficer => TargetKind::Region(RegionLevel::County),
            Role::TownOfficer => TargetKind::Region(RegionLevel::Town),
            Role::VillageOfficer => TargetKind::Region(RegionLevel::Village),
            Role::ParkOfficer => TargetKind::Park,
            Role::IndustryOfficer => TargetKind::Industry,
            Role::Liaison => TargetKind::Id("cadre"),
            Role::DepartmentHandler => TargetKind::Id("department"),
            Role::Enterprise => TargetKind::Id("enterprise"),
            Role::Bank => TargetKind::Id("bank"),
            Role::Employee => TargetKind::Id("employee"),
        }
    }

    /// The permission table. Every check of "may this role do X" comes here.
    pub fn can(self, action: Action) -> bool {
        use Action::*;
        match action {
            ManageAccounts | ViewAudit | ManageReference => self == Role::CityAdmin,
            EditEnterprises => matches!(
                self,
                Role::CityAdmin | Role::CountyOfficer | Role::TownOfficer | Role::ParkOfficer
            ),
            ManageLiaison => matches!(
                self,
                Role::CityAdmin | Role::CountyOfficer | Role::TownOfficer
            ),
            RaiseRequest => matches!(
                self,
                Role::Enterprise
                    | Role::Liaison
                    | Role::CityAdmin
                    | Role::CountyOfficer
                    | Role::TownOfficer
                    | Role::VillageOfficer
                    | Role::ParkOfficer
            ),
            HandleRequests => matches!(
                self,
                Role::CityAdmin | Role::CountyOfficer | Role::TownOfficer
            ),
            // A visit is logged by the cadre who made it, through their own account.
            LogVisit => self == Role::Liaison,
            ReportResumption => matches!(
                self,
                Role::CityAdmin
                    | Role::CountyOfficer
                    | Role::TownOfficer
                    | Role::ParkOfficer
                    | Role::Enterprise
            ),
            UseApiTokens => self != Role::Employee,
            // Files are kept by the enterprise, and by officers who register for it.
            EditEmployees => matches!(
                self,
                Role::Enterprise
                    | Role::CityAdmin
                    | Role::CountyOfficer
                    | Role::TownOfficer
                    | Role::ParkOfficer
            ),
            // The full number: the enterprise that collected it and the command above.
            ViewIdNumber => matches!(
                self,
                Role::Enterprise | Role::CityAdmin | Role::CountyOfficer
            ),
            // An alert goes to the enterprise and to the employee's community.
            HandleAlerts => matches!(
                self,
                Role::Enterprise
                    | Role::VillageOfficer
                    | Role::TownOfficer
                    | Role::CountyOfficer
                    | Role::CityAdmin
            ),
        }
    }
}

/// Things an account may be allowed to do (beyond seeing data in its scope). Feature
/// modules add their actions here and their rows to [`Role::can`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, disable and reset accounts; grant roles.
    ManageAccounts,
    /// Read and export the audit log.
    ViewAudit,
    /// Import regions and edit parks and other city structure.
    ManageReference,
    /// Create personal API tokens.
    UseApiTokens,
    /// Create, edit and import enterprises (within the scope).
    EditEnterprises,
    /// Report an enterprise's resumption status and daily figures.
    ReportResumption,
    /// Manage cadres, campaigns and assignments; accept suggested assignments.
    ManageLiaison,
    /// Log a visit (走访) to an enterprise.
    LogVisit,
    /// Raise a request for an enterprise in scope.
    RaiseRequest,
    /// Handle requests of enterprises in scope on the departments' behalf
    /// (department handlers handle their department's by their grant).
    HandleRequests,
    /// Create, edit and import employee files; enter declarations in bulk.
    EditEmployees,
    /// See an employee's full resident ID number (each view audited).
    ViewIdNumber,
    /// Mark a fever alert handled.
    HandleAlerts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    None,
    Region(RegionLevel),
    Park,
    Industry,
    /// The id of a row of another module (cadre, department, enterprise, bank, employee).
    Id(&'static str),
}

/// What a grant is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Target {
    City,
    Region(RegionCode),
    Park(String),
    Industry(String),
    Cadre(i64),
    Department(i64),
    Enterprise(i64),
    Bank(i64),
    Employee(i64),
}

impl Target {
    /// The value as stored (`NULL` for the whole city).
    pub fn value(&self) -> Option<String> {
        match self {
            Target::City => None,
            Target::Region(c) => Some(c.to_string()),
            Target::Park(c) | Target::Industry(c) => Some(c.clone()),
            Target::Cadre(i)
            | Target::Department(i)
            | Target::Enterprise(i)
            | Target::Bank(i)
            | Target::Employee(i) => Some(i.to_string()),
        }
    }
}

/// A role with its target: "county officer of 441202".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    pub role: Role,
    pub target: Target,
}

impl Grant {
    /// Checks that the target fits the role: a county officer needs a county code, an
    /// enterprise account an enterprise id, a city admin nothing.
    pub fn parse(role: Role, value: Option<&str>) -> Result<Grant, Invalid> {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        let target = match (role.target_kind(), value) {
            (TargetKind::None, None) => Target::City,
            (TargetKind::None, Some(_)) => return Err(Invalid::new("scope", "scope_not_allowed")),
            (_, None) => return Err(Invalid::new("scope", "scope_required")),
            (TargetKind::Region(level), Some(v)) => {
                let code = RegionCode::parse(v)
                    .map_err(|_| Invalid::new("scope", "region_code_format"))?;
                if code.level() != level {
                    return Err(Invalid::new("scope", "scope_level_mismatch"));
                }
                Target::Region(code)
            }
            (TargetKind::Park, Some(v)) => Target::Park(v.to_owned()),
            (TargetKind::Industry, Some(v)) => Target::Industry(v.to_owned()),
            (TargetKind::Id(kind), Some(v)) => {
                let id: i64 = v
                    .parse()
                    .map_err(|_| Invalid::new("scope", "scope_id_format"))?;
                if id <= 0 {
                    return Err(Invalid::new("scope", "scope_id_format"));
                }
                match kind {
                    "cadre" => Target::Cadre(id),
                    "department" => Target::Department(id),
                    "enterprise" => Target::Enterprise(id),
                    "bank" => Target::Bank(id),
                    _ => Target::Employee(id),
                }
            }
        };
        Ok(Grant { role, target })
    }
}

/// The union of what an account's grants let it see. The store turns this into a
/// condition under every query of scoped data; an empty scope sees nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub city: bool,
    pub regions: Vec<RegionCode>,
    pub parks: Vec<String>,
    pub industries: Vec<String>,
    pub cadres: Vec<i64>,
    pub departments: Vec<i64>,
    pub enterprises: Vec<i64>,
    pub banks: Vec<i64>,
    pub employees: Vec<i64>,
}

impl Scope {
    pub fn of(grants: &[Grant]) -> Scope {
        let mut s = Scope::default();
        for g in grants {
            match &g.target {
                Target::City => s.city = true,
                Target::Region(c) => s.regions.push(c.clone()),
                Target::Park(p) => s.parks.push(p.clone()),
                Target::Industry(i) => s.industries.push(i.clone()),
                Target::Cadre(i) => s.cadres.push(*i),
                Target::Department(i) => s.departments.push(*i),
                Target::Enterprise(i) => s.enterprises.push(*i),
                Target::Bank(i) => s.banks.push(*i),
                Target::Employee(i) => s.employees.push(*i),
            }
        }
        s
    }

    /// Whether an enterprise with these attributes lies in this scope — the same rule
    /// as the store's SQL condition, for checking a record before it is written.
    pub fn covers_enterprise(
        &self,
        region: &RegionCode,
        park: Option<&str>,
        industry: Option<(&str, &str)>,
        id: Option<i64>,
    ) -> bool {
        self.covers_region(region)
            || park.is_some_and(|p| self.parks.iter().any(|x| x == p))
            || industry.is_some_and(|(division, section)| {
                self.industries
                    .iter()
                    .any(|i| i == division || i == section)
            })
            || id.is_some_and(|id| self.enterprises.contains(&id))
    }

    /// Whether the scope is only enterprises by id (an enterprise account): then an
    /// enterprise's id alone decides whether it is in scope.
    pub fn only_enterprises(&self) -> bool {
        !self.city
            && self.regions.is_empty()
            && self.parks.is_empty()
            && self.industries.is_empty()
            && self.cadres.is_empty()
    }

    /// Whether enterprise `id` is in scope by the city or an enterprise grant (the
    /// test for scopes that [`Scope::only_enterprises`] or `city` describe).
    pub fn covers_enterprise_id(&self, id: i64) -> bool {
        self.city || self.enterprises.contains(&id)
    }

    /// Whether a cadre placed at `region` (or with this id) lies in this scope — the
    /// rule of the store's cadre condition.
    pub fn covers_cadre(&self, region: &RegionCode, id: Option<i64>) -> bool {
        self.covers_region(region) || id.is_some_and(|id| self.cadres.contains(&id))
    }

    /// Whether a region-placed record (an enterprise's village, say) is visible through
    /// the city or a region grant.
    pub fn covers_region(&self, code: &RegionCode) -> bool {
        self.city || self.regions.iter().any(|r| r.contains(code))
    }
}

/// The signed-in account, as every layer below the web sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
}

impl Principal {
    pub fn can(&self, action: Action) -> bool {
        self.grants.iter().any(|g| g.role.can(action))
    }

    pub fn scope(&self) -> Scope {
        Scope::of(&self.grants)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_check_their_target() {
        assert!(Grant::parse(Role::CityAdmin, None).is_ok());
        assert_eq!(
            Grant::parse(Role::CityAdmin, Some("441202"))
                .unwrap_err()
                .code,
            "scope_not_allowed"
        );
        assert!(Grant::parse(Role::CountyOfficer, Some("441202")).is_ok());
        assert_eq!(
            Grant::parse(Role::CountyOfficer, Some("441202001"))
                .unwrap_err()
                .code,
            "scope_level_mismatch"
        );
        assert_eq!(
            Grant::parse(Role::TownOfficer, None).unwrap_err().code,
            "scope_required"
        );
        assert_eq!(
            Grant::parse(Role::Enterprise, Some("abc"))
                .unwrap_err()
                .code,
            "scope_id_format"
        );
        assert_eq!(
            Grant::parse(Role::Bank, Some("3")).unwrap().target,
            Target::Bank(3)
        );
    }

    #[test]
    fn scope_is_the_union_of_grants() {
        let grants = [
            Grant::parse(Role::CountyOfficer, Some("441202")).unwrap(),
            Grant::parse(Role::ParkOfficer, Some("ZQHT")).unwrap(),
        ];
        let s = Scope::of(&grants);
        assert!(!s.city);
        let village = RegionCode::parse("441202001001").unwrap();
        let elsewhere = RegionCode::parse("441284001001").unwrap();
        assert!(s.covers_region(&village) && !s.covers_region(&elsewhere));
        assert_eq!(s.parks, ["ZQHT"]);
    }

    #[test]
    fn only_city_admins_manage_accounts() {
        for role in Role::ALL {
            assert_eq!(
                role.can(Action::ManageAccounts),
                role == Role::CityAdmin,
                "{role:?}"
            );
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
    }
}
