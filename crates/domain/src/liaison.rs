//! Liaison (挂点联系) vocabulary: the four levels and the kinds of cadre.

use crate::{Invalid, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

str_enum!(
    /// The four levels at which every enterprise should have a liaison.
    LiaisonLevel, "level", "level_unknown" {
        City = "city",
        County = "county",
        Town = "town",
        Village = "village",
    }
);

str_enum!(
    /// What kind of cadre links the enterprise.
    CadreKind, "kind", "cadre_kind_unknown" {
        LeadingCadre = "leading_cadre",
        SpecialCommissioner = "special_commissioner",
        BureauChief = "bureau_chief",
        PartyMember = "party_member",
        ChiefServiceOfficer = "chief_service_officer",
    }
);

impl LiaisonLevel {
    pub fn region_level(self) -> RegionLevel {
        match self {
            LiaisonLevel::City => RegionLevel::City,
            LiaisonLevel::County => RegionLevel::County,
            LiaisonLevel::Town => RegionLevel::Town,
            LiaisonLevel::Village => RegionLevel::Village,
        }
    }

    /// The code of the region at this level that contains `enterprise_region`:
    /// what a cadre of this level must cover to serve the enterprise. `None` when the
    /// enterprise is recorded above this level (a town-level address has no village).
    pub fn covering(self, enterprise_region: &RegionCode, city: &RegionCode) -> Option<String> {
        let code = enterprise_region.as_str();
        match self {
            LiaisonLevel::City => Some(city.to_string()),
            LiaisonLevel::County => code.get(..6).map(str::to_owned),
            LiaisonLevel::Town => code.get(..9).map(str::to_owned),
            LiaisonLevel::Village => (code.len() == 12).then(|| code.to_owned()),
        }
    }

    /// A cadre of this level must be placed at a region of the matching level.
    pub fn check_region(self, region: &RegionCode) -> Result<(), Invalid> {
        if region.level() == self.region_level() {
            Ok(())
        } else {
            Err(Invalid::new("region_code", "cadre_region_level"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_region_per_level() {
        let city = RegionCode::parse("441200").unwrap_or_else(|e| panic!("{e}"));
        let village = RegionCode::parse("441202001003").unwrap_or_else(|e| panic!("{e}"));
        let covering: Vec<Option<String>> = LiaisonLevel::ALL
            .iter()
            .map(|l| l.covering(&village, &city))
            .collect();
        assert_eq!(
            covering,
            [
                Some("441200".into()),
                Some("441202".into()),
                Some("441202001".into()),
                Some("441202001003".into())
            ]
        );
        let town = RegionCode::parse("441202001").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(LiaisonLevel::Village.covering(&town, &city), None);
        assert!(LiaisonLevel::Town.check_region(&town).is_ok());
        assert_eq!(
            LiaisonLevel::County.check_region(&town).unwrap_err().code,
            "cadre_region_level"
        );
    }
}
