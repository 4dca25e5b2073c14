//! Workforce vocabulary: the resident ID number (GB 11643-1999), an employee's return
//! status and residence, and the daily health declaration's temperature and symptoms.

use crate::Invalid;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Weights of the first 17 characters (2^(17-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for `sum mod 11`.
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// Province-level codes of GB/T 2260 (the first two digits).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// A resident identity card number whose check character, province and birth date are
/// plausible. A lowercase `x` is accepted and stored as `X`.
///
/// Deliberately not `Display` or `Serialize`: the full number is shown only through
/// [`ResidentId::masked`] or an explicit [`ResidentId::reveal`], so it cannot slip into
/// a log line or a JSON answer by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

impl ResidentId {
    /// Checks `raw`; `today` bounds the birth date (no one is born tomorrow).
    pub fn parse(raw: &str, today: NaiveDate) -> Result<ResidentId, Invalid> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase();
        if s.is_empty() {
            return Err(Invalid::new("id_number", "required"));
        }
        if s.len() != 18 || !s.is_ascii() {
            return Err(Invalid::new("id_number", "id_number_length"));
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(Invalid::new("id_number", "id_number_chars"));
        }
        if !PROVINCES.contains(&&s[..2]) {
            return Err(Invalid::new("id_number", "id_number_region"));
        }
        let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
            .ok()
            .filter(|d| d.year() >= 1900 && *d <= today);
        if birth.is_none() {
            return Err(Invalid::new("id_number", "id_number_birth"));
        }
        if check_char(&b[..17]) != b[17] {
            return Err(Invalid::new("id_number", "id_number_check"));
        }
        Ok(ResidentId(s))
    }

    /// Completes 17 digits with their check character (demo data, tests).
    pub fn with_check(first17: &str) -> Option<String> {
        let b = first17.as_bytes();
        (b.len() == 17 && b.iter().all(u8::is_ascii_digit))
            .then(|| format!("{first17}{}", check_char(b) as char))
    }

    /// `4412**********123X`: the first four and the last four characters.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// The full number, for encryption, the keyed hash and a permitted, audited view.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }

    /// The 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

/// Masks any stored 18-character number the same way (first four, last four).
pub fn mask(full: &str) -> String {
    if full.len() != 18 || !full.is_ascii() {
        return "******************".to_owned();
    }
    format!("{}**********{}", &full[..4], &full[14..])
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

str_enum!(
    Gender, "gender", "gender_unknown" {
        Male = "male",
        Female = "female",
    }
);

str_enum!(
    /// Where an employee stands on coming back to work.
    ReturnStatus, "return_status", "return_status_unknown" {
        NotReturned = "not_returned",
        Travelling = "travelling",
        Observing = "observing",
        AtWork = "at_work",
        Left = "left",
    }
);

str_enum!(
    /// Where an employee lives in the city: a village or community, or the dormitory.
    ResidenceKind, "residence_kind", "residence_kind_unknown" {
        Community = "community",
        Dormitory = "dormitory",
    }
);

str_enum!(
    /// Where an isolation is served.
    IsolationKind, "isolation_kind", "isolation_kind_unknown" {
        Home = "home",
        Central = "central",
    }
);

str_enum!(
    /// The symptoms a declaration can report (fever is the temperature).
    Symptom, "symptoms", "symptom_unknown" {
        Cough = "cough",
        SoreThroat = "sore_throat",
        Fatigue = "fatigue",
        ShortBreath = "short_breath",
        Diarrhoea = "diarrhoea",
        LossOfSmell = "loss_of_smell",
        Other = "other",
    }
);

/// A set of symptoms, stored as a bit mask (bit i = `Symptom::ALL[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Symptoms(pub i64);

impl Symptoms {
    pub fn parse_all<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Symptoms, Invalid> {
        let mut bits = 0;
        for code in codes.into_iter().map(str::trim).filter(|c| !c.is_empty()) {
            let s = Symptom::parse(code)?;
            bits |= s.bit();
        }
        Ok(Symptoms(bits))
    }

    pub fn from_bits(bits: i64) -> Symptoms {
        Symptoms(bits & ((1 << Symptom::ALL.len()) - 1))
    }

    pub fn list(self) -> Vec<Symptom> {
        Symptom::ALL
            .iter()
            .copied()
            .filter(|s| self.0 & s.bit() != 0)
            .collect()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl Symptom {
    pub fn bit(self) -> i64 {
        let i = Symptom::ALL.iter().position(|s| *s == self).unwrap_or(0);
        1 << i
    }
}

/// A body temperature in tenths of a degree Celsius (exact, no floating point in the
/// database): 34.0–42.5 °C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Temperature(i64);

impl Temperature {
    pub const MIN: i64 = 340;
    pub const MAX: i64 = 425;
    /// 37.3 °C and above is a fever.
    pub const FEVER: i64 = 373;

    pub fn from_celsius(c: f64) -> Result<Temperature, Invalid> {
        if !c.is_finite() {
            return Err(Invalid::new("temperature", "temperature_format"));
        }
        Temperature::from_tenths((c * 10.0).round() as i64)
    }

    pub fn parse(raw: &str) -> Result<Temperature, Invalid> {
        let s = raw
            .trim()
            .trim_end_matches(['℃', 'C', 'c'])
            .trim_end_matches('°');
        if s.trim().is_empty() {
            return Err(Invalid::new("temperature", "required"));
        }
        let c: f64 = s
            .trim()
            .parse()
            .map_err(|_| Invalid::new("temperature", "temperature_format"))?;
        Temperature::from_celsius(c)
    }

    pub fn from_tenths(t: i64) -> Result<Temperature, Invalid> {
        if (Self::MIN..=Self::MAX).contains(&t) {
            Ok(Temperature(t))
        } else {
            Err(Invalid::new("temperature", "temperature_range"))
        }
    }

    pub fn tenths(self) -> i64 {
        self.0
    }

    pub fn is_fever(self) -> bool {
        self.0 >= Self::FEVER
    }
}

/// `36.6` from tenths.
pub fn celsius(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Whether a declaration raises an alert: a fever or any symptom.
pub fn raises_alert(t: Temperature, s: Symptoms) -> bool {
    t.is_fever() || !s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 2, 10).unwrap_or_default()
    }

    /// Numbers built with their check characters (one ends in X).
    fn valid() -> Vec<String> {
        [
            "44120219900307123",
            "11010519491231002",
            "44128419851111001",
            "44120219800101001",
        ]
        .iter()
        .filter_map(|s| ResidentId::with_check(s))
        .collect()
    }

    #[test]
    fn valid_numbers_are_accepted_and_an_x_check_works() {
        let all = valid();
        assert_eq!(all.len(), 4);
        assert!(all.iter().any(|s| s.ends_with('X')), "{all:?}");
        for s in &all {
            let id = ResidentId::parse(s, today()).unwrap();
            assert_eq!(id.reveal(), s);
            assert!(ResidentId::parse(&s.to_lowercase(), today()).is_ok());
        }
        // A number published as a sample in the standard's explanations.
        assert!(ResidentId::parse("11010519491231002X", today()).is_ok());
    }

    #[test]
    fn every_corrupted_character_is_rejected() {
        for s in valid() {
            for i in 0..18 {
                for c in b"0123456789XA".iter().copied() {
                    if s.as_bytes()[i] == c {
                        continue;
                    }
                    let mut bad = s.as_bytes().to_vec();
                    bad[i] = c;
                    let bad = String::from_utf8(bad).unwrap_or_default();
                    assert!(
                        ResidentId::parse(&bad, today()).is_err(),
                        "{bad} (from {s}) accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let code = |s: &str| ResidentId::parse(s, today()).unwrap_err().code;
        assert_eq!(code(""), "required");
        assert_eq!(code("4412021990030712"), "id_number_length");
        assert_eq!(code("44120219900307123Y"), "id_number_chars");
        let future = ResidentId::with_check("44120220300101001").unwrap_or_default();
        assert_eq!(code(&future), "id_number_birth");
        let feb30 = ResidentId::with_check("44120219900230001").unwrap_or_default();
        assert_eq!(code(&feb30), "id_number_birth");
        let province = ResidentId::with_check("99120219900101001").unwrap_or_default();
        assert_eq!(code(&province), "id_number_region");
    }

    #[test]
    fn masking_keeps_four_and_four() {
        let id = ResidentId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(mask("short"), "******************");
    }

    #[test]
    fn temperatures_and_symptoms() {
        assert_eq!(Temperature::parse("36.6").unwrap().tenths(), 366);
        assert_eq!(Temperature::parse("37.3℃").unwrap().tenths(), 373);
        assert!(Temperature::parse("37.3").unwrap().is_fever());
        assert!(!Temperature::parse("37.2").unwrap().is_fever());
        assert_eq!(
            Temperature::parse("33.9").unwrap_err().code,
            "temperature_range"
        );
        assert_eq!(
            Temperature::parse("42.6").unwrap_err().code,
            "temperature_range"
        );
        assert!(Temperature::parse("42.5").is_ok() && Temperature::parse("34.0").is_ok());
        assert_eq!(
            Temperature::parse("abc").unwrap_err().code,
            "temperature_format"
        );
        let s = Symptoms::parse_all(["cough", "fatigue"]).unwrap();
        assert_eq!(s.list(), [Symptom::Cough, Symptom::Fatigue]);
        assert_eq!(
            Symptoms::parse_all(["sneeze"]).unwrap_err().code,
            "symptom_unknown"
        );
        let normal = Temperature::parse("36.5").unwrap();
        assert!(!raises_alert(normal, Symptoms::default()));
        assert!(raises_alert(normal, s));
        assert_eq!(celsius(366), "36.6");
    }
}
