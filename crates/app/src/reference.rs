//! Reference data shipped with the binary: GB/T 4754-2017 sections and divisions, from
//! `data/industries-gbt4754-2017.csv` (compiled in; nothing is downloaded).

use crate::AppResult;
use store::Store;
use store::industries::IndustryRow;

const INDUSTRIES_CSV: &str = include_str!("../../../data/industries-gbt4754-2017.csv");

/// English names of the twenty sections; divisions are shown by their official Chinese
/// names in both languages.
const SECTIONS_EN: [(&str, &str); 20] = [
    ("A", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "Mining"),
    ("C", "Manufacturing"),
    (
        "D",
        "Electricity, heat, gas and water production and supply",
    ),
    ("E", "Construction"),
    ("F", "Wholesale and retail trade"),
    ("G", "Transport, storage and postal services"),
    ("H", "Accommodation and catering"),
    ("I", "Information transmission, software and IT services"),
    ("J", "Finance"),
    ("K", "Real estate"),
    ("L", "Leasing and business services"),
    ("M", "Scientific research and technical services"),
    (
        "N",
        "Water conservancy, environment and public facilities management",
    ),
    ("O", "Resident services, repairs and other services"),
    ("P", "Education"),
    ("Q", "Health and social work"),
    ("R", "Culture, sports and entertainment"),
    (
        "S",
        "Public administration, social security and social organisations",
    ),
    ("T", "International organisations"),
];

/// Parses the shipped CSV: `section,section_name,division,division_name`, one division
/// a row, sections repeated. Returns sections and divisions in file order.
pub fn industries() -> Vec<IndustryRow> {
    let mut out: Vec<IndustryRow> = Vec::new();
    for line in INDUSTRIES_CSV.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [section, section_name, division, division_name] = cols[..] else {
            continue;
        };
        if !out.iter().any(|r| r.kind == "section" && r.code == section) {
            let name_en = SECTIONS_EN
                .iter()
                .find(|(c, _)| *c == section)
                .map(|(_, n)| (*n).to_owned());
            out.push(IndustryRow {
                code: section.to_owned(),
                kind: "section".to_owned(),
                section: section.to_owned(),
                name: section_name.to_owned(),
                name_en,
            });
        }
        out.push(IndustryRow {
            code: division.to_owned(),
            kind: "division".to_owned(),
            section: section.to_owned(),
            name: division_name.to_owned(),
            name_en: None,
        });
    }
    out
}

pub async fn load_industries(store: &Store) -> AppResult<bool> {
    Ok(store.industries().ensure_loaded(&industries()).await?)
}
