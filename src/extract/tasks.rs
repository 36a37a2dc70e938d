//! Tasks: one per task row of an appendix table, plus tasks written as bullets
//! or lettered items in the body's "nhiệm vụ / giải pháp / tổ chức thực hiện" sections.

use crate::model::{RowKind, Section, Task, TaskSource};
use crate::segment::{group_label, Role, Segmented};
use crate::text::{fold, trim_item};

use super::deadline;
use super::units::split_units;

pub fn from_tables(seg: &Segmented) -> Vec<Task> {
    let plan = deadline::Plan {
        year: seg.reference_year,
        issued: seg.metadata.date.as_deref(),
    };
    let mut tasks = Vec::new();
    for (ti, found) in seg.tables.iter().enumerate() {
        let col = |role| found.column(role);
        let (Some(content_col), number_col) = (col(Role::Content), col(Role::Number).unwrap_or(0))
        else {
            continue;
        };
        let cell = |cells: &[String], role| {
            col(role)
                .map(|c| cells[c].clone())
                .filter(|s| !s.is_empty())
        };
        let mut group = None;
        for (ri, row) in found.table.rows.iter().enumerate() {
            if row.kind == RowKind::Group {
                let (label, title) = group_label(&row.cells, number_col);
                group = Some(format!("{label}. {title}"));
                continue;
            }
            let content = row.cells[content_col].clone();
            if content.is_empty() && cell(&row.cells, Role::Lead).is_none() {
                continue;
            }
            let due = cell(&row.cells, Role::Deadline);
            tasks.push(Task {
                group: group.clone(),
                number: Some(row.cells[number_col].clone())
                    .filter(|n| !n.is_empty() && number_col != content_col),
                content,
                lead: cell(&row.cells, Role::Lead)
                    .map(|c| split_units(&c))
                    .unwrap_or_default(),
                partners: cell(&row.cells, Role::Partners)
                    .map(|c| split_units(&c))
                    .unwrap_or_default(),
                outputs: cell(&row.cells, Role::Outputs),
                deadline: due.as_deref().and_then(|d| deadline::parse_in(d, plan)),
                deliverables: due
                    .as_deref()
                    .map(|d| deadline::parse_each(d, plan))
                    .unwrap_or_default(),
                source: TaskSource::Table,
                table: Some(ti),
                row: Some(ri),
                section: None,
                section_path: Vec::new(),
                span: row.span,
                page: None,
                bounds: None,
            });
        }
    }
    tasks
}

/// Section headings under which bullets and lettered items are tasks.
fn is_task_heading(heading: &str) -> bool {
    let f = fold(heading);
    [
        "nhiem vu",
        "giai phap",
        "trach nhiem",
        "to chuc thuc hien",
        "phan cong",
    ]
    .iter()
    .any(|k| f.contains(k))
}

/// Words a unit name starts with: "Văn phòng Sở", "Thanh tra Sở", "Sở Nội vụ" …
fn looks_like_unit(text: &str, max_words: usize) -> bool {
    let f = fold(text) + " ";
    let heads = [
        "van phong",
        "thanh tra",
        "phong ",
        "so ",
        "ban ",
        "bo phan",
        "trung tam",
        "chi cuc",
        "ubnd",
        "uy ban",
        "cac phong",
        "cac so",
        "cac don vi",
        "cac co quan",
        "thu truong",
        "truong cac",
        "chu tich",
        "giam doc",
        "cac co quan",
    ];
    heads.iter().any(|h| f.starts_with(h)) && text.split_whitespace().count() <= max_words
}

pub fn from_body(seg: &Segmented) -> Vec<Task> {
    let mut tasks = Vec::new();
    for s in &seg.sections {
        walk(s, false, None, &mut Vec::new(), &mut tasks);
    }
    tasks
}

/// `in_task_section`: an ancestor is a task heading; `unit`: the unit an ancestor names;
/// `path`: the ancestors' labels.
fn walk(
    section: &Section,
    in_task_section: bool,
    unit: Option<&str>,
    path: &mut Vec<String>,
    tasks: &mut Vec<Task>,
) {
    path.push(section.label.clone());
    let here_task = in_task_section || is_task_heading(&section.heading);
    let heading_unit = trim_item(&section.heading);
    let unit = if in_task_section && looks_like_unit(heading_unit, 12) {
        Some(heading_unit)
    } else {
        unit
    };
    if here_task && !fold(&section.heading).starts_with("chi tieu") {
        bullet_tasks(section, unit, path, tasks);
    }
    for child in &section.children {
        let leaf = child.children.is_empty() && child.items.is_empty();
        let child_path = || [path.as_slice(), std::slice::from_ref(&child.label)].concat();
        if here_task && leaf && child.label.ends_with(')') && unit.is_some() {
            tasks.push(body_task(&child.heading, unit, child_path(), child.span));
            continue;
        }
        if here_task && leaf {
            // "8. Các Sở: Kế hoạch và Đầu tư, Xây dựng…: Tham mưu UBND tỉnh …"
            if let Some((who, what)) = child
                .heading
                .rsplit_once(": ")
                .filter(|(who, _)| looks_like_unit(who, 40))
            {
                tasks.push(body_task(what, Some(who), child_path(), child.span));
                continue;
            }
            // "2. Văn phòng Sở có trách nhiệm là đầu mối theo dõi, …"
            if let Some(who) = responsible_subject(&child.heading) {
                tasks.push(body_task(
                    &child.heading,
                    Some(who),
                    child_path(),
                    child.span,
                ));
                continue;
            }
        }
        walk(child, here_task, unit, path, tasks);
    }
    path.pop();
}

/// "- Văn phòng Sở:" followed by "+ Tham mưu …" items: each "+" item is a task of that unit.
fn bullet_tasks(
    section: &Section,
    inherited: Option<&str>,
    path: &[String],
    tasks: &mut Vec<Task>,
) {
    let items = &section.items;
    let mut unit: Option<String> = inherited.map(String::from);
    for (i, item) in items.iter().enumerate() {
        let next_is_sub = items
            .get(i + 1)
            .is_some_and(|n| n.marker == "+" && item.marker != "+");
        let header_text = item.text.trim_end_matches(':').trim();
        if (item.text.ends_with(':') || next_is_sub) && looks_like_unit(header_text, 40) {
            unit = Some(header_text.to_string());
            continue;
        }
        if item.text.ends_with(':') && next_is_sub {
            unit = inherited.map(String::from);
            continue;
        }
        tasks.push(body_task(
            &item.text,
            unit.as_deref(),
            path.to_vec(),
            item.span,
        ));
    }
}

/// The unit a sentence makes responsible: "Văn phòng Sở có trách nhiệm …" → "Văn phòng Sở".
fn responsible_subject(sentence: &str) -> Option<&str> {
    const VERBS: &[&str] = &[
        " có trách nhiệm",
        " chịu trách nhiệm",
        " chủ trì",
        " chủ động",
        " tham mưu",
    ];
    let at = VERBS.iter().filter_map(|v| sentence.find(v)).min()?;
    let who = sentence[..at].trim();
    looks_like_unit(who, 15).then_some(who)
}

/// `path`: the section labels from the top down to the task's section.
fn body_task(text: &str, unit: Option<&str>, path: Vec<String>, span: [usize; 2]) -> Task {
    Task {
        group: None,
        number: None,
        content: text.to_string(),
        lead: unit.map(split_units).unwrap_or_default(),
        partners: Vec::new(),
        outputs: None,
        deadline: None,
        deliverables: Vec::new(),
        source: TaskSource::Body,
        table: None,
        row: None,
        section: path.last().cloned(),
        section_path: path,
        span,
        page: None,
        bounds: None,
    }
}
