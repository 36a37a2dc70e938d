//! What a batch reads: paths walked, a manifest, include/exclude globs, one shard.
//!
//! Every input gets a *name*: its path relative to the directory it was found in
//! (a named file: its file name; a manifest line: the path as written, without `..`).
//! The name is the document's identity in the batch: its output is `<name>.json`, its
//! status-log key and its shard come from it. Two inputs with one name are refused.

use std::collections::{HashMap, HashSet, VecDeque};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use sha2::{Digest, Sha256};

/// Where a document's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

/// One document to convert.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: Source,
    /// Relative path with `/` separators: the document's identity in the batch.
    pub name: String,
}

impl Input {
    /// The path as the user gave it (`-` for stdin): what output and messages show.
    pub fn shown(&self) -> String {
        match &self.source {
            Source::Stdin => "-".to_string(),
            Source::File(p) => p.to_string_lossy().into_owned(),
        }
    }
}

/// Why a file met in a directory walk was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not a document extension.
    Extension,
    /// A hidden file or folder (name starting with `.`).
    Hidden,
    /// Not matched by `--include`, or matched by `--exclude`.
    Glob,
    /// The output folder, inside an input folder.
    Output,
    /// Belongs to another shard.
    Shard,
    /// A link to a folder already walked (a loop, or a second way to it).
    SeenFolder,
    /// A hard or symbolic link to a file already taken in the walk.
    SeenFile,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Extension => "not a document extension",
            Skip::Hidden => "hidden",
            Skip::Glob => "include/exclude globs",
            Skip::Output => "output folder",
            Skip::Shard => "other shard",
            Skip::SeenFolder => "link to a folder already walked",
            Skip::SeenFile => "link to a file already taken",
        }
    }
}

/// One shard of `count`: the documents whose name hashes to `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with `I < N`.
    pub fn parse(s: &str) -> Result<Shard, InputError> {
        let bad = || InputError::Usage(format!("--shard {s}: expected I/N with 0 <= I < N"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        Shard::new(
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        )
    }

    pub fn new(index: u64, count: u64) -> Result<Shard, InputError> {
        if index < count {
            Ok(Shard { index, count })
        } else {
            Err(InputError::Usage(format!(
                "shard {index}/{count}: the index must be below the count"
            )))
        }
    }

    /// Stable across runs, machines and list orders: a hash of the name alone.
    pub fn holds(self, name: &str) -> bool {
        let digest = Sha256::digest(name.as_bytes());
        let h = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        h % self.count == self.index
    }

    /// A tag for files this shard owns in a shared output folder (`3-of-8`).
    pub fn tag(self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

/// A batch's selection: globs on names, the shard, the folder to leave out.
#[derive(Debug, Default)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    pub shard: Option<Shard>,
    /// Never walked into (the output folder, canonical).
    pub skip_dir: Option<PathBuf>,
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, InputError> {
        Ok(Filter {
            include: glob_set(include)?,
            exclude: glob_set(exclude)?,
            ..Filter::default()
        })
    }

    fn globs_take(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(name))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(name))
    }
}

fn glob_set(patterns: &[String]) -> Result<Option<GlobSet>, InputError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(Glob::new(p).map_err(|e| InputError::Usage(format!("glob {p}: {e}")))?);
    }
    set.build()
        .map(Some)
        .map_err(|e| InputError::Usage(format!("globs: {e}")))
}

/// Why a batch cannot start.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

/// The inputs of a batch, in order, plus what the walk left out.
#[derive(Debug, Default)]
pub struct Inputs {
    pub inputs: Vec<Input>,
    /// Files not taken, with why (a shard's left-out documents included).
    pub skipped: Vec<(PathBuf, Skip)>,
    /// Folders that could not be listed, with the OS error.
    pub unreadable: Vec<(Input, std::io::Error)>,
    /// Folders walked, by (device, inode): none is walked twice.
    walked: HashSet<(u64, u64)>,
    /// Files met in walks, by (device, inode): a file with two links is read once.
    files: HashSet<(u64, u64)>,
}

/// Collects the inputs named on the command line (`-` is stdin) and in a manifest.
pub fn collect(
    paths: &[PathBuf],
    manifest: Option<&Path>,
    filter: &Filter,
) -> Result<Inputs, InputError> {
    let mut out = Inputs::default();
    let files_root = common_parent(paths);
    for path in paths {
        if path.as_os_str() == "-" {
            out.take(
                Input {
                    source: Source::Stdin,
                    name: "stdin".into(),
                },
                filter,
                path,
            );
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| InputError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            out.walk(path, "", filter);
        } else {
            let name = std::path::absolute(path)
                .ok()
                .and_then(|p| Some(clean_name(p.strip_prefix(files_root.as_ref()?).ok()?)))
                .unwrap_or_else(|| {
                    path.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into())
                });
            out.take(
                Input {
                    source: Source::File(path.clone()),
                    name,
                },
                filter,
                path,
            );
        }
    }
    if let Some(manifest) = manifest {
        for path in read_manifest(manifest)? {
            let name = clean_name(&path);
            if path.is_dir() {
                out.walk(&path, &name, filter);
            } else {
                out.take(
                    Input {
                        source: Source::File(path.clone()),
                        name,
                    },
                    filter,
                    &path,
                );
            }
        }
    }
    check_unique(&out.inputs)?;
    Ok(out)
}

impl Inputs {
    /// Takes one input unless the globs or the shard leave it out.
    fn take(&mut self, input: Input, filter: &Filter, path: &Path) {
        if !filter.globs_take(&input.name) {
            self.skipped.push((path.to_path_buf(), Skip::Glob));
        } else if filter.shard.is_some_and(|s| !s.holds(&input.name)) {
            self.skipped.push((path.to_path_buf(), Skip::Shard));
        } else {
            self.inputs.push(input);
        }
    }

    /// Walks `dir` recursively in sorted path order; names are `base/` + the relative path.
    /// Links to folders are followed last, so that a folder reached both ways is named by
    /// its real path, and only into folders not walked yet (a loop ends there).
    fn walk(&mut self, dir: &Path, base: &str, filter: &Filter) {
        let mut stack = vec![(dir.to_path_buf(), base.to_string())];
        let mut links = VecDeque::new();
        while let Some((path, name)) = stack.pop().or_else(|| links.pop_front()) {
            let meta = std::fs::metadata(&path).ok();
            let Some(meta) = meta.as_ref().filter(|m| m.is_dir()) else {
                // The first link in path order names the file; the others are skipped.
                if meta.is_some_and(|m| !self.files.insert((m.dev(), m.ino()))) {
                    self.skipped.push((path, Skip::SeenFile));
                    continue;
                }
                self.take(
                    Input {
                        source: Source::File(path.clone()),
                        name,
                    },
                    filter,
                    &path,
                );
                continue;
            };
            if !self.walked.insert((meta.dev(), meta.ino())) {
                self.skipped.push((path, Skip::SeenFolder));
                continue;
            }
            let listed = std::fs::read_dir(&path).and_then(|entries| {
                entries
                    .map(|e| e.map(|e| e.path()))
                    .collect::<std::io::Result<Vec<_>>>()
            });
            let mut children = match listed {
                Ok(c) => c,
                Err(e) => {
                    let input = Input {
                        source: Source::File(path),
                        name,
                    };
                    self.unreadable.push((input, e));
                    continue;
                }
            };
            children.sort();
            let mut linked = Vec::new();
            for child in children.into_iter().rev() {
                let file_name = child
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into());
                let is_dir = child.is_dir();
                let skip = if file_name.starts_with('.') {
                    Some(Skip::Hidden)
                } else if is_dir {
                    let out = filter.skip_dir.as_ref();
                    out.filter(|&out| child.canonicalize().is_ok_and(|c| &c == out))
                        .map(|_| Skip::Output)
                } else {
                    (!crate::ingest::is_supported(&child)).then_some(Skip::Extension)
                };
                let child_name = if name.is_empty() {
                    file_name
                } else {
                    format!("{name}/{file_name}")
                };
                match skip {
                    Some(why) => self.skipped.push((child, why)),
                    None if is_dir && child.is_symlink() => linked.push((child, child_name)),
                    None => stack.push((child, child_name)),
                }
            }
            links.extend(linked.into_iter().rev());
        }
    }
}

/// A manifest: one path a line, or JSON lines with a `"path"` field. Blank lines and
/// lines starting with `#` are ignored; relative paths are taken from the current folder.
fn read_manifest(manifest: &Path) -> Result<Vec<PathBuf>, InputError> {
    let io = |source| InputError::Io {
        path: manifest.display().to_string(),
        source,
    };
    let text = if manifest.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(io)?
    } else {
        std::fs::read_to_string(manifest).map_err(io)?
    };
    let mut paths = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.trim_start().starts_with('{') {
            let bad = || {
                InputError::Usage(format!(
                    "{}:{}: expected a JSON object with a \"path\" string",
                    manifest.display(),
                    no + 1
                ))
            };
            let value: serde_json::Value = serde_json::from_str(line).map_err(|_| bad())?;
            paths.push(PathBuf::from(value["path"].as_str().ok_or_else(bad)?));
        } else {
            paths.push(PathBuf::from(line));
        }
    }
    Ok(paths)
}

/// The deepest folder holding every file named on the command line (folders and `-`
/// aside), so that files named one by one keep their relative paths: `a/x.txt` and
/// `b/x.txt` are named so, not both `x.txt`.
fn common_parent(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut common: Option<PathBuf> = None;
    for path in paths.iter().filter(|p| p.as_os_str() != "-" && !p.is_dir()) {
        let parent = std::path::absolute(path).ok()?.parent()?.to_path_buf();
        common = Some(match common {
            None => parent,
            Some(c) => c
                .components()
                .zip(parent.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common
}

/// `path` as a name: normal components only, joined by `/` (`/a/./b/../c` → `a/b/c`).
fn clean_name(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Refuses a batch where two inputs would write one output.
fn check_unique(inputs: &[Input]) -> Result<(), InputError> {
    let mut seen: HashMap<&str, &Input> = HashMap::with_capacity(inputs.len());
    for input in inputs {
        if input.name.is_empty() {
            return Err(InputError::Usage(format!(
                "{}: no file name",
                input.shown()
            )));
        }
        if let Some(first) = seen.insert(&input.name, input) {
            return Err(InputError::Usage(format!(
                "{} and {} would both be written as {}.json: give their folder instead, or a manifest",
                first.shown(),
                input.shown(),
                input.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_folders_and_extensions() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "a.pdf",
            "a.PDF",
            "x/bao-cao.txt",
            "y/bao-cao.txt",
            "y/.hidden.txt",
            "y/z.exe",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let got = collect(&[dir.path().to_path_buf()], None, &Filter::default()).unwrap();
        let names: Vec<&str> = got.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.PDF", "a.pdf", "x/bao-cao.txt", "y/bao-cao.txt"]);
        let mut skips: Vec<Skip> = got.skipped.iter().map(|s| s.1).collect();
        skips.sort_by_key(|s| s.as_str());
        assert_eq!(skips, [Skip::Hidden, Skip::Extension]);
    }

    #[test]
    fn a_file_with_several_links_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("x")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "x").unwrap();
        std::fs::hard_link(dir.path().join("b.txt"), dir.path().join("a.txt")).unwrap();
        std::fs::hard_link(dir.path().join("b.txt"), dir.path().join("x/c.txt")).unwrap();
        std::os::unix::fs::symlink("../b.txt", dir.path().join("x/d.txt")).unwrap();
        std::fs::write(dir.path().join("x/e.txt"), "x").unwrap();
        let got = collect(&[dir.path().to_path_buf()], None, &Filter::default()).unwrap();
        let names: Vec<&str> = got.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "x/e.txt"]);
        let skipped: Vec<(&Path, Skip)> = got
            .skipped
            .iter()
            .map(|(p, s)| (p.strip_prefix(dir.path()).unwrap(), *s))
            .collect();
        assert_eq!(
            skipped,
            [
                (Path::new("b.txt"), Skip::SeenFile),
                (Path::new("x/c.txt"), Skip::SeenFile),
                (Path::new("x/d.txt"), Skip::SeenFile)
            ]
        );
    }

    #[test]
    fn files_named_one_by_one_keep_their_folders() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x/r.txt"), dir.path().join("y/r.txt"));
        for p in [&a, &b] {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let got = collect(&[a, b.clone()], None, &Filter::default()).unwrap();
        let names: Vec<&str> = got.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["x/r.txt", "y/r.txt"]);
        // A folder walked and a file named alone can still meet: refused.
        let err = collect(&[dir.path().join("x"), b], None, &Filter::default()).unwrap_err();
        assert!(matches!(err, InputError::Usage(_)), "{err}");
    }

    #[test]
    fn manifest_names_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.jsonl");
        std::fs::write(
            &manifest,
            "# list\n{\"path\": \"/srv/a/../b.pdf\"}\n\nc/d.txt\n",
        )
        .unwrap();
        let filter = Filter::new(&[], &["*.pdf".into()]).unwrap();
        let got = collect(&[], Some(&manifest), &filter).unwrap();
        let names: Vec<&str> = got.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["c/d.txt"]);
        assert_eq!(
            got.skipped,
            [(PathBuf::from("/srv/a/../b.pdf"), Skip::Glob)]
        );
        assert_eq!(clean_name(Path::new("/srv/a/../b.pdf")), "srv/a/b.pdf");
    }

    #[test]
    fn shards_split_by_name() {
        let names: Vec<String> = (0..1000).map(|i| format!("f/{i}.txt")).collect();
        let shards: Vec<Shard> = (0..4).map(|i| Shard::new(i, 4).unwrap()).collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.holds(name)).count(), 1);
        }
        let first = names.iter().filter(|n| shards[0].holds(n)).count();
        assert!((200..300).contains(&first), "{first}");
        assert_eq!(Shard::parse("3/8").unwrap(), Shard { index: 3, count: 8 });
        assert!(Shard::parse("8/8").is_err() && Shard::parse("x").is_err());
    }
}
