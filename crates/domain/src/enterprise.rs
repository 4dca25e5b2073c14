//! Enterprise vocabulary: the unified social credit code (GB 32100-2015), the kinds of
//! party organisation, and the resumption status.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 characters a USCC may use (no I, O, S, V, Z), in check-digit order.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights of the first 17 characters (3^(i) mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose check character is right. Lowercase input is
/// accepted and stored in capitals.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(raw: &str) -> Result<Uscc, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(Invalid::new("uscc", "required"));
        }
        if s.len() != 18 || !s.is_ascii() {
            return Err(Invalid::new("uscc", "uscc_length"));
        }
        let values: Option<Vec<u32>> = s
            .bytes()
            .map(|b| USCC_CHARS.iter().position(|c| *c == b).map(|p| p as u32))
            .collect();
        let Some(values) = values else {
            return Err(Invalid::new("uscc", "uscc_chars"));
        };
        if !s[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("uscc", "uscc_region"));
        }
        if check_value(&values[..17]) != values[17] {
            return Err(Invalid::new("uscc", "uscc_check"));
        }
        Ok(Uscc(s))
    }

    /// Completes 17 characters with their check character (demo data, tests).
    pub fn with_check(first17: &str) -> Option<Uscc> {
        let values: Option<Vec<u32>> = first17
            .bytes()
            .map(|b| USCC_CHARS.iter().position(|c| *c == b).map(|p| p as u32))
            .collect();
        let values = values.filter(|v| v.len() == 17)?;
        let check = USCC_CHARS[check_value(&values) as usize] as char;
        Uscc::parse(&format!("{first17}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration division (characters 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    pub const CHARS: &'static [u8; 31] = USCC_CHARS;
}

fn check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $code:literal { $($variant:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }

            pub fn parse(s: &str) -> Result<$name, Invalid> {
                match s.trim() {
                    $($s => Ok($name::$variant),)*
                    "" => Err(Invalid::new($field, "required")),
                    _ => Err(Invalid::new($field, $code)),
                }
            }
        }
    };
}

str_enum!(
    /// The enterprise's party organisation.
    PartyOrg, "party_org", "party_org_unknown" {
        None = "none",
        Branch = "branch",
        GeneralBranch = "general_branch",
        Committee = "committee",
    }
);

str_enum!(
    /// Where an enterprise stands on returning to work.
    ResumptionStatus, "status", "status_unknown" {
        NotResumed = "not_resumed",
        Applied = "applied",
        Approved = "approved",
        Partial = "partial",
        Full = "full",
        Suspended = "suspended",
    }
);

/// A percentage 0–100 (capacity utilisation, workforce return).
pub fn percent(field: &'static str, v: i64) -> Result<i64, Invalid> {
    if (0..=100).contains(&v) {
        Ok(v)
    } else {
        Err(Invalid::new(field, "percent_range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes of real, publicly registered companies (check characters as issued).
    const KNOWN: [&str; 4] = [
        "91350100M000100Y43",
        "91110000802100433B",
        "914403001922038216",
        "91440300708461136T",
    ];

    #[test]
    fn known_codes_are_accepted() {
        for code in KNOWN {
            assert!(Uscc::parse(code).is_ok(), "{code}");
            assert!(
                Uscc::parse(&code.to_lowercase()).is_ok(),
                "{code} lowercase"
            );
        }
    }

    #[test]
    fn every_single_character_corruption_is_rejected() {
        for code in KNOWN {
            for i in 0..18 {
                for &c in USCC_CHARS.iter().chain(b"IOSVZ-") {
                    if code.as_bytes()[i] == c {
                        continue;
                    }
                    let mut bad = code.as_bytes().to_vec();
                    bad[i] = c;
                    let bad = String::from_utf8(bad).unwrap_or_default();
                    assert!(Uscc::parse(&bad).is_err(), "{bad} (from {code}) accepted");
                }
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(Uscc::parse("").unwrap_err().code, "required");
        assert_eq!(Uscc::parse("9135010").unwrap_err().code, "uscc_length");
        assert_eq!(
            Uscc::parse("91350100M000100YI3").unwrap_err().code,
            "uscc_chars"
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err().code,
            "uscc_check"
        );
        assert_eq!(
            Uscc::with_check("91441202MA4W12345").map(|u| u.division().to_owned()),
            Some("441202".into())
        );
    }

    #[test]
    fn enums_round_trip() {
        for s in ResumptionStatus::ALL {
            assert_eq!(ResumptionStatus::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(PartyOrg::parse("x").unwrap_err().code, "party_org_unknown");
        assert_eq!(
            percent("capacity_pct", 101).unwrap_err().code,
            "percent_range"
        );
    }
}
