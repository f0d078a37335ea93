//! `extractors NAME PAGES_DIR OUT_DIR`: extracts every `<id>.html.gz` page
//! of PAGES_DIR with the extractor NAME into `OUT_DIR/<id>.txt`, and prints
//! the time the extraction took on one thread (reading and writing
//! excluded).

use std::io::Read;
use std::time::Instant;

const NAMES: [&str; 3] = ["dom_smoothie", "dom_smoothie_formatted", "rs-trafilatura"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 || !NAMES.contains(&args[1].as_str()) {
        eprintln!("usage: extractors {{{}}} PAGES_DIR OUT_DIR", NAMES.join("|"));
        std::process::exit(2);
    }
    let (name, pages_dir, out) = (&args[1], &args[2], &args[3]);
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    let pages = read_pages(pages_dir);
    let bytes: usize = pages.iter().map(|p| p.1.len()).sum();
    let start = Instant::now();
    let texts: Vec<String> = pages.iter().map(|(_, html)| extract(name, html)).collect();
    let seconds = start.elapsed().as_secs_f64();
    for ((id, _), text) in pages.iter().zip(&texts) {
        std::fs::write(format!("{out}/{id}.txt"), text).expect("write");
    }
    println!(
        "{name}\t{}\t{:.1}\t{seconds:.2}\t{:.1}",
        pages.len(),
        bytes as f64 / 1e6,
        pages.len() as f64 / seconds
    );
}

fn read_pages(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read PAGES_DIR")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let mut raw = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(p).expect("open"))
                .read_to_end(&mut raw)
                .expect("gunzip");
            let name = p.file_name().unwrap().to_string_lossy();
            let id = name.trim_end_matches(".html.gz").to_string();
            (id, String::from_utf8_lossy(&raw).into_owned())
        })
        .collect()
}

fn extract(name: &str, html: &str) -> String {
    match name {
        "rs-trafilatura" => rs_trafilatura::extract(html)
            .map(|r| r.content_text)
            .unwrap_or_default(),
        _ => {
            let mut config = dom_smoothie::Config::default();
            if name == "dom_smoothie_formatted" {
                config.text_mode = dom_smoothie::TextMode::Formatted;
            }
            dom_smoothie::Readability::new(html, None, Some(config))
                .and_then(|mut r| r.parse())
                .map(|a| a.text_content.to_string())
                .unwrap_or_default()
        }
    }
}
