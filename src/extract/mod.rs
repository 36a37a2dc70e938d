//! Stage 4: tasks, citations and figures.
//!
//! **Invariant:** extraction never fails; what it cannot read it leaves out.

mod citations;
mod deadline;
mod figures;
mod tasks;
mod units;

pub use deadline::{
    parse as parse_deadline, parse_each as parse_deliverables, parse_in as parse_deadline_in, Plan,
};
pub use units::split_units;

use crate::model::{Citation, Figure, Task};
use crate::segment::Segmented;

#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub tasks: Vec<Task>,
    pub figures: Vec<Figure>,
    pub citations: Vec<Citation>,
    pub warnings: Vec<String>,
}

pub fn extract(text: &str, seg: &Segmented) -> Extracted {
    let mut tasks = tasks::from_tables(seg);
    tasks.extend(tasks::from_body(seg));
    let folded = crate::text::Folded::new(text);
    let citations = citations::extract(&folded, seg);
    let mut skip: Vec<_> = citations
        .iter()
        .flat_map(|c| c.mentions.iter().copied())
        .collect();
    skip.extend(seg.furniture.iter().copied());
    skip.extend(seg.own_references.iter().copied());
    let figures = figures::extract(&folded, &skip);
    let mut warnings = Vec::new();
    for t in tasks
        .iter()
        .filter(|t| t.table.is_some() && t.lead.is_empty())
    {
        warnings.push(format!(
            "task {} has no lead unit",
            t.number.as_deref().unwrap_or("?")
        ));
    }
    Extracted {
        tasks,
        figures,
        citations,
        warnings,
    }
}
