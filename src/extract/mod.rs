//! Stage 4: tasks, citations and figures.

use crate::model::{Citation, Figure, Task};
use crate::segment::Segmented;

#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub tasks: Vec<Task>,
    pub figures: Vec<Figure>,
    pub citations: Vec<Citation>,
    pub warnings: Vec<String>,
}

pub fn extract(_text: &str, _seg: &Segmented) -> Extracted {
    Extracted::default()
}
