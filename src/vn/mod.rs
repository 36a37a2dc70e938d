//! Knowledge of Vietnamese administrative documents, shared by every stage: document
//! types and their symbols, dates with their precision, document numbers and symbols,
//! e-signature stamps, persons' surnames, signing positions, and the syllable itself
//! (what Vietnamese spelling allows, where a tone mark sits).
//!
//! Stages ask here; they never keep their own lists.

mod agency;
mod date;
mod doc_type;
mod names;
mod number;
mod place;
mod position;
pub mod stamp;
pub mod syllable;

pub use agency::{agency_after_of, canonical_agency, unit_list, AGENCY_HEADS};
pub use date::{
    day_clue, days_in_month, iso_date, likeliest_issue_day, parse_date, plan_year_offset,
    plausible_day, DayClue, PartialDate, Precision,
};
pub use doc_type::{
    by_folded_name, by_name, by_symbol, leading_type, mentions_numbered, DocType, DOC_TYPES,
};
pub use names::{complete_hidden_surname, is_surname, looks_like_person_name, mend_person_name};
pub use number::{
    code_len, hyphenate_type, normalize_code, normalize_number, number_key, plausible_issue_number,
    read_number_field, type_code,
};
pub use place::{mend_province, PROVINCES};
pub use position::{mend_position, signing_positions};
