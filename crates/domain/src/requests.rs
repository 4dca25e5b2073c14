//! Requests (诉求): categories, urgency, the life cycle, and the deadline arithmetic on
//! a working-day calendar in the city's time zone (Asia/Shanghai, UTC+8 all year).

use crate::Invalid;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

str_enum!(
    RequestCategory, "category", "category_unknown" {
        Workforce = "workforce",
        Materials = "materials",
        Logistics = "logistics",
        Financing = "financing",
        Policy = "policy",
        EpidemicPrevention = "epidemic_prevention",
        Permits = "permits",
        Other = "other",
    }
);

str_enum!(
    Urgency, "urgency", "urgency_unknown" {
        Urgent = "urgent",
        Normal = "normal",
    }
);

str_enum!(
    /// submitted → accepted → in_progress → answered → confirmed, or reopened (and
    /// then back in progress).
    RequestState, "to", "state_unknown" {
        Submitted = "submitted",
        Accepted = "accepted",
        InProgress = "in_progress",
        Answered = "answered",
        Confirmed = "confirmed",
        Reopened = "reopened",
    }
);

/// Who is moving a request: the handling side or the enterprise that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Handler,
    Enterprise,
}

impl RequestState {
    /// Whether `side` may move a request from `self` to `to`. Every other move is
    /// refused with `transition_not_allowed`.
    pub fn can_move(self, to: RequestState, side: Side) -> bool {
        use RequestState::*;
        match side {
            Side::Handler => matches!(
                (self, to),
                (Submitted, Accepted)
                    | (Accepted, InProgress)
                    | (Accepted, Answered)
                    | (InProgress, Answered)
                    | (Reopened, InProgress)
                    | (Reopened, Answered)
            ),
            Side::Enterprise => matches!((self, to), (Answered, Confirmed) | (Answered, Reopened)),
        }
    }

    pub fn is_open(self) -> bool {
        self != RequestState::Confirmed
    }
}

/// A satisfaction rating, 1 to 5.
pub fn rating(v: i64) -> Result<i64, Invalid> {
    if (1..=5).contains(&v) {
        Ok(v)
    } else {
        Err(Invalid::new("rating", "rating_range"))
    }
}

/// Working days: Monday to Friday, except holidays, plus make-up working days
/// (调休上班) that fall on weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub makeup_days: BTreeSet<NaiveDate>,
}

/// The city's clock offset: Asia/Shanghai has been UTC+8 without daylight saving
/// since 1991.
pub const CITY_OFFSET_HOURS: i64 = 8;

/// Working hours within a working day, for the response window.
pub const WORK_START: (u32, u32) = (9, 0);
pub const WORK_END: (u32, u32) = (18, 0);

pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(CITY_OFFSET_HOURS)
}

pub fn from_local(t: NaiveDateTime) -> DateTime<Utc> {
    (t - Duration::hours(CITY_OFFSET_HOURS)).and_utc()
}

fn at(day: NaiveDate, (h, m): (u32, u32)) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
}

fn end_of(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

impl Calendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_days.contains(&d) {
            return true;
        }
        !self.holidays.contains(&d) && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, mut d: NaiveDate) -> NaiveDate {
        for _ in 0..400 {
            if self.is_working_day(d) {
                return d;
            }
            d += Duration::days(1);
        }
        d
    }

    /// When a request raised at `raised` must be resolved: urgent — 23:59:59 of the
    /// same day in the city; normal — 23:59:59 of the `days`-th working day after the
    /// day it was raised.
    pub fn deadline(&self, raised: DateTime<Utc>, urgency: Urgency, days: u32) -> DateTime<Utc> {
        let day = to_local(raised).date();
        match urgency {
            Urgency::Urgent => from_local(end_of(day)),
            Urgency::Normal => {
                let mut d = day;
                let mut left = days.max(1);
                while left > 0 {
                    d = self.next_working_day(d + Duration::days(1));
                    left -= 1;
                }
                from_local(end_of(d))
            }
        }
    }

    /// When the request must be accepted: `minutes` of working time after it was
    /// raised, counted only within working hours of working days.
    pub fn response_due(&self, raised: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let mut t = to_local(raised);
        let mut left = Duration::minutes(minutes.max(1));
        for _ in 0..400 {
            let day = t.date();
            let (start, end) = (at(day, WORK_START), at(day, WORK_END));
            if !self.is_working_day(day) || t >= end {
                t = at(self.next_working_day(day + Duration::days(1)), WORK_START);
                continue;
            }
            if t < start {
                t = start;
            }
            let room = end - t;
            if left <= room {
                return from_local(t + left);
            }
            left -= room;
            t = end;
        }
        from_local(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> DateTime<Utc> {
        from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_default())
    }

    fn shown(t: DateTime<Utc>) -> String {
        to_local(t).format("%Y-%m-%d %H:%M").to_string()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn urgent_is_due_the_same_day_even_late_at_night() {
        let cal = Calendar::default();
        assert_eq!(
            shown(cal.deadline(local("2020-02-10 23:30"), Urgency::Urgent, 3)),
            "2020-02-10 23:59"
        );
        assert_eq!(
            shown(cal.deadline(local("2020-02-10 00:05"), Urgency::Urgent, 3)),
            "2020-02-10 23:59"
        );
    }

    #[test]
    fn normal_skips_weekends_holidays_and_counts_makeup_days() {
        let mut cal = Calendar::default();
        // Friday 2020-02-14 + 3 working days: Mon 17, Tue 18, Wed 19.
        assert_eq!(
            shown(cal.deadline(local("2020-02-14 10:00"), Urgency::Normal, 3)),
            "2020-02-19 23:59"
        );
        // Qingming 2020: Sat 4 – Mon 6 April off. Fri 3 + 1 working day → Tue 7.
        cal.holidays
            .extend([day("2020-04-04"), day("2020-04-05"), day("2020-04-06")]);
        assert_eq!(
            shown(cal.deadline(local("2020-04-03 16:00"), Urgency::Normal, 1)),
            "2020-04-07 23:59"
        );
        // Labour Day 2020: 1–5 May off, Sunday 26 April a make-up working day.
        cal.holidays
            .extend((1..=5).map(|d| day(&format!("2020-05-0{d}"))));
        cal.makeup_days.insert(day("2020-04-26"));
        assert_eq!(
            shown(cal.deadline(local("2020-04-24 09:00"), Urgency::Normal, 1)),
            "2020-04-26 23:59"
        );
        assert_eq!(
            shown(cal.deadline(local("2020-04-30 09:00"), Urgency::Normal, 1)),
            "2020-05-06 23:59"
        );
    }

    #[test]
    fn the_response_window_counts_working_hours_only() {
        let cal = Calendar::default();
        assert_eq!(
            shown(cal.response_due(local("2020-02-10 10:00"), 60)),
            "2020-02-10 11:00"
        );
        assert_eq!(
            shown(cal.response_due(local("2020-02-10 17:30"), 60)),
            "2020-02-11 09:30"
        );
        assert_eq!(
            shown(cal.response_due(local("2020-02-14 20:00"), 60)),
            "2020-02-17 10:00"
        );
        assert_eq!(
            shown(cal.response_due(local("2020-02-15 07:00"), 60)),
            "2020-02-17 10:00"
        );
    }

    #[test]
    fn only_the_right_side_moves_each_step() {
        use RequestState::*;
        assert!(Submitted.can_move(Accepted, Side::Handler));
        assert!(!Submitted.can_move(Accepted, Side::Enterprise));
        assert!(!Submitted.can_move(Answered, Side::Handler));
        assert!(Answered.can_move(Confirmed, Side::Enterprise));
        assert!(!Answered.can_move(Confirmed, Side::Handler));
        assert!(Answered.can_move(Reopened, Side::Enterprise));
        assert!(Reopened.can_move(InProgress, Side::Handler));
        assert!(!Confirmed.can_move(Reopened, Side::Enterprise));
        assert_eq!(rating(6).unwrap_err().code, "rating_range");
    }
}
