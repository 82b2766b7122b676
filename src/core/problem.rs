//! What is wrong with a settings or catalogue file, said with its file, line, column and field.
//!
//! serde stops at the first error and forgets where it was once a value is parsed, so files
//! are read in two passes: serde_json checks the syntax, then [`Locations`] walks the same text
//! once to remember where every field starts. Each field is then checked on its own and every
//! problem is reported, not just the first.

use std::collections::HashMap;
use std::fmt;
use thiserror::Error;

/// One thing wrong with a file, precise enough to jump to in an editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Where in the document: `sit_limit`, `exercises[3].hold_seconds`, or empty for the
    /// whole file.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in one file, in the order they appear in it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Collects problems for one file, placing each at the field it names.
pub struct Report<'a> {
    file: &'a str,
    at: Locations,
    found: Vec<Problem>,
}

impl<'a> Report<'a> {
    pub fn new(file: &'a str, text: &str) -> Self {
        Report { file, at: Locations::scan(text), found: Vec::new() }
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let (line, column) = self.at.find(&field);
        self.found.push(Problem { file: self.file.to_string(), line, column, field, message: message.into() });
    }

    /// How many problems so far, to tell whether a part of the file added any.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn finish(mut self) -> Result<(), Problems> {
        if self.found.is_empty() {
            return Ok(());
        }
        self.found.sort_by_key(|p| (p.line, p.column));
        Err(Problems(self.found))
    }
}

/// Reads `text` as JSON, turning a syntax error into a located [`Problems`].
pub fn parse_json(file: &str, text: &str) -> Result<serde_json::Value, Problems> {
    serde_json::from_str(text).map_err(|e| {
        let message = match e.classify() {
            serde_json::error::Category::Eof => "the file ends too early (a missing } or ]?)".to_string(),
            _ => strip_position(&e.to_string()),
        };
        let (line, column) = (e.line().max(1), char_column(text, e.line(), e.column()));
        Problems(vec![Problem { file: file.to_string(), line, column, field: String::new(), message }])
    })
}

/// A byte-order mark some editors put at the start of a file is not JSON; it is dropped,
/// keeping a space so that columns on the first line stay where the user sees them.
pub fn without_bom(text: &str) -> std::borrow::Cow<'_, str> {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => std::borrow::Cow::Owned(format!(" {rest}")),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// serde_json counts columns in bytes; people and editors count characters.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else { return byte_column.max(1) };
    let mut end = byte_column.min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    l[..end].chars().count().max(1)
}

/// serde_json appends " at line L column C" to its messages; we print the place up front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Deserializes one value of a document, reporting a failure at the exact field inside it.
pub fn field<T: serde::de::DeserializeOwned>(report: &mut Report<'_>, path: &str, value: &serde_json::Value) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let inner = e.path().to_string();
            let full = join_path(path, &inner);
            report.add(full, strip_position(&e.into_inner().to_string()));
            None
        }
    }
}

fn join_path(outer: &str, inner: &str) -> String {
    if inner.is_empty() || inner == "." {
        outer.to_string()
    } else if outer.is_empty() {
        inner.to_string()
    } else if inner.starts_with('[') {
        format!("{outer}{inner}")
    } else {
        format!("{outer}.{inner}")
    }
}

/// Removes keys that start with "//" from every object: they are comments, which JSON lacks,
/// and the default settings file uses them to document each key.
pub fn strip_comments(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("//"));
            map.values_mut().for_each(strip_comments);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_comments),
        _ => {}
    }
}

/// The closest known name to a misspelt one, for "did you mean" hints.
pub fn suggest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Where each field of a JSON document starts, by path (`a.b[2].c`): object members at their
/// key, array items at their first character. Lines and columns count from 1, columns in
/// characters.
#[derive(Debug, Default)]
pub struct Locations {
    at: HashMap<String, (usize, usize)>,
}

impl Locations {
    /// Walks `text` once. It expects text serde_json has accepted; on anything else it stops
    /// early and keeps what it found, so a lookup falls back to an enclosing field.
    pub fn scan(text: &str) -> Self {
        let mut s = Scanner { chars: text.chars().peekable(), line: 1, column: 1, out: HashMap::new(), depth: 0 };
        s.value(String::new());
        Locations { at: s.out }
    }

    /// The place of `path`, or of the nearest enclosing field that has one, or the file start.
    pub fn find(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&pos) = self.at.get(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.at.get("").copied().unwrap_or((1, 1)),
            }
        }
    }
}

struct Scanner<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    line: usize,
    column: usize,
    out: HashMap<String, (usize, usize)>,
    depth: usize,
}

impl Scanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_space(&mut self) {
        while matches!(self.chars.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn value(&mut self, path: String) -> Option<()> {
        // serde_json refuses nesting beyond 128; stop well before the stack could matter.
        if self.depth > 256 {
            return None;
        }
        self.skip_space();
        self.out.entry(path.clone()).or_insert((self.line, self.column));
        match *self.chars.peek()? {
            '{' => {
                self.depth += 1;
                self.bump();
                loop {
                    self.skip_space();
                    match *self.chars.peek()? {
                        '}' => {
                            self.bump();
                            break;
                        }
                        ',' => {
                            self.bump();
                        }
                        '"' => {
                            let at = (self.line, self.column);
                            let key = self.string()?;
                            let child = if path.is_empty() { key } else { format!("{path}.{key}") };
                            self.out.insert(child.clone(), at);
                            self.skip_space();
                            if self.bump()? != ':' {
                                return None;
                            }
                            self.value_inner(child)?;
                        }
                        _ => return None,
                    }
                }
                self.depth -= 1;
            }
            '[' => {
                self.depth += 1;
                self.bump();
                let mut index = 0;
                loop {
                    self.skip_space();
                    match *self.chars.peek()? {
                        ']' => {
                            self.bump();
                            break;
                        }
                        ',' => {
                            self.bump();
                        }
                        _ => {
                            self.value(format!("{path}[{index}]"))?;
                            index += 1;
                        }
                    }
                }
                self.depth -= 1;
            }
            '"' => {
                self.string()?;
            }
            _ => {
                while matches!(self.chars.peek(), Some(c) if !matches!(c, ',' | '}' | ']') && !c.is_whitespace()) {
                    self.bump();
                }
            }
        }
        Some(())
    }

    /// A member's value: its place is already recorded at the key, which is what an editor
    /// user wants to land on.
    fn value_inner(&mut self, path: String) -> Option<()> {
        let at = self.out.get(&path).copied();
        self.value(path.clone())?;
        if let Some(at) = at {
            self.out.insert(path, at);
        }
        Some(())
    }

    fn string(&mut self) -> Option<String> {
        self.bump(); // opening quote
        let mut s = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(s),
                '\\' => {
                    let c = self.bump()?;
                    s.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        'u' => {
                            // Keys with \u escapes are rare; keep the escape text as the key so
                            // lookups still work for the common case.
                            s.push_str("\\u");
                            continue;
                        }
                        other => other,
                    });
                }
                c => s.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"a\": 1,\n  \"list\": [\n    {\"id\": \"x\", \"n\": [1, 2]},\n    {\"id\": \"y\"}\n  ]\n}\n";

    #[test]
    fn finds_keys_and_items() {
        let at = Locations::scan(DOC);
        assert_eq!(at.find("a"), (2, 3));
        assert_eq!(at.find("list"), (3, 3));
        assert_eq!(at.find("list[0]"), (4, 5));
        assert_eq!(at.find("list[0].n"), (4, 17));
        assert_eq!(at.find("list[0].n[1]"), (4, 26));
        assert_eq!(at.find("list[1].id"), (5, 6));
    }

    #[test]
    fn unknown_paths_fall_back_to_their_parent() {
        let at = Locations::scan(DOC);
        assert_eq!(at.find("list[1].missing"), (5, 5));
        assert_eq!(at.find("nothing.here"), (1, 1));
    }

    #[test]
    fn scanning_garbage_does_not_panic() {
        for text in ["", "{", "[[[", "{\"a\" 1}", "\"unterminated", "{\"a\":}", "}}}"] {
            let _ = Locations::scan(text).find("a.b[0]");
        }
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = parse_json("f.json", "{\n  \"a\": 1,,\n}").unwrap_err();
        assert_eq!((e.0[0].line, e.0[0].column), (2, 10));
        assert!(e.to_string().starts_with("f.json:2:10: "), "{e}");
        let e = parse_json("f.json", "{\"a\": [1, 2").unwrap_err();
        assert!(e.to_string().contains("ends too early"), "{e}");
    }

    #[test]
    fn columns_count_characters_and_a_bom_is_allowed() {
        let e = parse_json("f.json", "{\"a\": \"ééééé\",,}").unwrap_err();
        assert_eq!(e.0[0].column, 15, "{e}");
        assert!(parse_json("f.json", &without_bom("\u{feff}{\"a\": 1}")).is_ok());
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let known = ["sit_limit", "break_length", "snooze"];
        assert_eq!(suggest("sit_limt", &known), Some("sit_limit"));
        assert_eq!(suggest("snoze", &known), Some("snooze"));
        assert_eq!(suggest("volume", &known), None);
    }
}
