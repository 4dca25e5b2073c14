//! fugong's vocabulary, shared by every layer and depending on none of them.
//!
//! Values that arrive from outside (forms, imports, the API) become domain types only
//! through a checking constructor (`parse`), so code that holds a `RegionCode` knows
//! it is well formed. Failures are [`Invalid`]: a field name and a stable code that the
//! UI and the API translate through the message catalogues (`error.<code>`).

pub mod access;
pub mod clock;
#[macro_use]
pub mod enterprise;
pub mod invalid;
pub mod lang;
pub mod liaison;
pub mod region;
pub mod requests;
pub mod workforce;

pub use access::{Action, Grant, Principal, Role, Scope, Target};
pub use clock::{Clock, FixedClock, SystemClock};
pub use enterprise::{PartyOrg, ResumptionStatus, Uscc};
pub use invalid::Invalid;
pub use lang::Lang;
pub use liaison::{CadreKind, LiaisonLevel};
pub use region::{RegionCode, RegionLevel};
pub use requests::{Calendar, RequestCategory, RequestState, Side, Urgency};
pub use workforce::{ResidentId, ReturnStatus, Symptoms, Temperature};
