//! Administrative division codes: GB/T 2260 six-digit codes for province, city and
//! county; the statistical codes below them add three digits for a town or street and
//! three more for a village or community. The codes nest by prefix, which is what lets
//! a data scope "this district and below" become a range on an indexed column.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Town => "town",
            RegionLevel::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "county" => RegionLevel::County,
            "town" => RegionLevel::Town,
            "village" => RegionLevel::Village,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("region_code", "required"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || !matches!(s.len(), 6 | 9 | 12) {
            return Err(Invalid::new("region_code", "region_code_format"));
        }
        if s.starts_with("00") || &s[2..6] == "0000" && s.len() > 6 {
            return Err(Invalid::new("region_code", "region_code_format"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            12 => RegionLevel::Village,
            9 => RegionLevel::Town,
            _ if self.0.ends_with("0000") => RegionLevel::Province,
            _ if self.0.ends_with("00") => RegionLevel::City,
            _ => RegionLevel::County,
        }
    }

    /// The code prefix shared by this region and everything below it:
    /// 441200 → "4412", 441202 → "441202", 441202001 → "441202001".
    pub fn subtree_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
            _ => &self.0,
        }
    }

    /// Whether `other` is this region or lies below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.subtree_prefix())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(code("440000").level(), RegionLevel::Province);
        assert_eq!(code("441200").level(), RegionLevel::City);
        assert_eq!(code("441202").level(), RegionLevel::County);
        assert_eq!(code("441284").level(), RegionLevel::County);
        assert_eq!(code("441202001").level(), RegionLevel::Town);
        assert_eq!(code("441202001001").level(), RegionLevel::Village);
    }

    #[test]
    fn subtree_is_a_prefix() {
        let city = code("441200");
        let duanzhou = code("441202");
        let sihui = code("441284");
        let village = code("441202001001");
        assert!(city.contains(&duanzhou) && city.contains(&sihui) && city.contains(&village));
        assert!(duanzhou.contains(&village));
        assert!(!sihui.contains(&village));
        assert!(!duanzhou.contains(&city));
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "4412",
            "44120",
            "4412000",
            "44120a",
            "000000",
            "440000001",
            "４４１２００",
        ] {
            let err = RegionCode::parse(bad).err();
            assert!(err.is_some(), "{bad:?} accepted");
        }
        assert_eq!(
            RegionCode::parse(" ").err().map(|e| e.code),
            Some("required")
        );
    }
}
