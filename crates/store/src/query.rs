//! SQL built at run time (filters, scope conditions) with numbered parameters, bound
//! the same way on both engines through [`bind_params!`].

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    OptReal(Option<f64>),
    OptDay(Option<NaiveDate>),
    Bytes(Vec<u8>),
}

/// SQL text and its parameters, numbered `$1…` in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Adds a parameter and returns its placeholder.
    pub fn arg(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    /// Appends `text` with each `?` replaced by the next of `params`.
    pub fn push_args(&mut self, text: &str, params: Vec<Param>) -> &mut Sql {
        let mut params = params.into_iter();
        for (i, piece) in text.split('?').enumerate() {
            if i > 0 {
                let p = params.next().unwrap_or(Param::OptText(None));
                let ph = self.arg(p);
                self.text.push_str(&ph);
            }
            self.text.push_str(piece);
        }
        self
    }
}

/// Binds every parameter of a [`Sql`] to a query of either engine.
macro_rules! bind_params {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params.iter() {
            q = match p {
                $crate::query::Param::Text(v) => q.bind(v.clone()),
                $crate::query::Param::OptText(v) => q.bind(v.clone()),
                $crate::query::Param::Int(v) => q.bind(*v),
                $crate::query::Param::OptInt(v) => q.bind(*v),
                $crate::query::Param::Bool(v) => q.bind(*v),
                $crate::query::Param::OptReal(v) => q.bind(*v),
                $crate::query::Param::OptDay(v) => q.bind(*v),
                $crate::query::Param::Bytes(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// The exclusive upper bound of a digit-string prefix range: "441202" → "441203".
/// Region codes are digits, so `code >= p AND code < next(p)` is "starts with p" and
/// uses the index.
pub fn prefix_upper(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < b'9' {
            bytes.push(last + 1);
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    // All nines: nothing sorts above, so a sentinel past every digit.
    ":".to_owned()
}
