//! Prints the criterion tree and the explained rules of an eligibility text file.
//!
//! `cargo run -p criteria --example explain -- FILE [--json]`
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: explain FILE [--json]");
    let json = args.next().as_deref() == Some("--json");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let parsed = criteria::parse(&text);
    if json {
        println!("{}", serde_json::to_string_pretty(&parsed).unwrap());
        return;
    }
    for c in &parsed.criteria {
        let indent = "  ".repeat(c.depth);
        println!(
            "{indent}[{:?} #{}] {}",
            c.section,
            c.id,
            c.text.replace('\n', " ")
        );
        for r in &c.rules {
            println!("{indent}    -> {}", r.explain());
        }
    }
}
