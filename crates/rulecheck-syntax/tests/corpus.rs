//! Real generated configurations parse without syntax errors or unknown statements.
//!
//! The corpus lives outside the repository (`shared/corpus/aerleon` beside the work tree: Junos filters
//! written by the aerleon generator's tests). It is measurement data only; without it the test says so and
//! passes.

use std::path::Path;

use rulecheck_syntax::{Code, source};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/aerleon"
);

#[test]
fn aerleon_corpus_has_no_syntax_errors_or_unknown_statements() {
    let dir = Path::new(CORPUS);
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!(
            "note: {} does not exist; corpus test skipped",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries
        .map(|e| e.expect("directory entry is readable").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut terms = 0;
    for path in &paths {
        let bytes = std::fs::read(path).expect("corpus file is readable");
        let (text, invalid) = source::decode(bytes);
        assert_eq!(invalid, None, "{} is not UTF-8", path.display());
        let name = path.file_name().expect("a file name").to_string_lossy();
        let (sources, parsed) = rulecheck_syntax::parse_str(&name, &text);
        for d in &parsed.diagnostics {
            if matches!(d.code, Code::SyntaxError | Code::UnknownStatement) {
                let (line, column) = sources.get(d.loc.file).line_col(d.loc.span.start);
                failures.push(format!("{name}:{line}:{column}: {} {}", d.code, d.message));
            }
        }
        terms += parsed
            .config
            .filters
            .iter()
            .map(|f| f.terms.len())
            .sum::<usize>();
    }
    println!(
        "read {} corpus files ({terms} filter terms) from {}",
        paths.len(),
        dir.display()
    );
    assert!(!paths.is_empty(), "the corpus directory is empty");
    assert!(terms > 0, "the corpus yielded no filter terms");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
