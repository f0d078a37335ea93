//! Hard cases real corpora carry, built by hand: a stub that quotes an
//! unrelated article, notices on one template, a dump whose articles share
//! a background paragraph, a banner above every headline, a long site
//! footer, a story syndicated past the posting cap, re-headlined versions,
//! and languages written without spaces.

use crate::real_shapes::{Article, Rng, article};
use crate::util::{read_jsonl, run};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn write(root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, text).unwrap();
}

fn text(headline: &str, paragraphs: &[String]) -> String {
    let mut parts = vec![headline.to_string()];
    parts.extend(paragraphs.iter().cloned());
    parts.join("\n\n") + "\n"
}

/// Runs `run` over `input` and returns the clusters' member lists, sorted.
fn groups(input: &Path, extra: &[&str]) -> (Vec<Vec<String>>, Vec<Value>) {
    let out = input.parent().unwrap().join("out");
    run(input, &out, extra);
    let clusters = read_jsonl(&out.join("clusters.jsonl"));
    let mut members: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| {
            let mut m = crate::util::strings(&c["members"]);
            m.sort();
            m
        })
        .collect();
    members.sort();
    (members, clusters)
}

fn canonical(cluster: &Value) -> String {
    cluster["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    (dir, input)
}

#[test]
fn a_stub_quoting_an_unrelated_article_stays_with_its_own() {
    let (_dir, input) = fixture();
    let mut rng = Rng(21);
    let (a, b, q) = (article(&mut rng), article(&mut rng), article(&mut rng));
    let quote = format!(
        "In a statement, officials said: {} {}",
        q.paragraphs[0], q.paragraphs[1]
    );
    let lede = b.paragraphs[0].split(". ").next().unwrap().to_string() + ".";
    let mut a_body = a.paragraphs.clone();
    a_body.insert(2, quote.clone());
    let mut b_body = vec![lede.clone(), quote.clone()];
    b_body.extend(b.paragraphs[1..].iter().cloned());
    write(&input, "wire/a.txt", &text(&a.headline, &a_body));
    write(&input, "wire/b.txt", &text(&b.headline, &b_body));
    let stub = [lede, quote, "This article is for subscribers only.".into()];
    write(&input, "paywall/b.txt", &text(&b.headline, &stub));
    let (members, _) = groups(&input, &[]);
    assert_eq!(
        members,
        [vec!["paywall/b.txt", "wire/b.txt"], vec!["wire/a.txt"]]
    );
}

#[test]
fn notices_on_one_template_are_different_articles_but_a_corrected_resend_is_not() {
    let (_dir, input) = fixture();
    let body = [
        "Qtly div four cts vs four cts prior".to_string(),
        "Pay April 15".into(),
        "Record March 31".into(),
    ];
    for (i, name) in ["Acme Holdings", "Bolt Industries", "Cedar Bancorp"]
        .iter()
        .enumerate()
    {
        write(
            &input,
            &format!("wire/{i}.txt"),
            &text(&format!("{name} sets quarterly dividend"), &body),
        );
    }
    write(
        &input,
        "wire/3.txt",
        &text("CORRECTED-Acme Holdings sets quarterly dividend", &body),
    );
    let (members, _) = groups(&input, &[]);
    assert_eq!(
        members,
        [
            vec!["wire/0.txt", "wire/3.txt"],
            vec!["wire/1.txt"],
            vec!["wire/2.txt"]
        ]
    );
}

#[test]
fn a_background_paragraph_shared_by_a_dumps_articles_stays_in_each() {
    let (_dir, input) = fixture();
    let mut rng = Rng(5);
    let background = "The river authority was set up in 1962 after the great flood destroyed three \
        bridges. It has since built eleven dams and a network of canals that supply water to farms \
        across the plain.";
    let mut lines = Vec::new();
    for _ in 0..5 {
        let Article {
            headline,
            mut paragraphs,
        } = article(&mut rng);
        paragraphs.insert(2, background.to_string());
        lines.push(serde_json::json!({ "text": text(&headline, &paragraphs) }).to_string());
    }
    write(&input, "dump.jsonl", &(lines.join("\n") + "\n"));
    let (members, clusters) = groups(&input, &[]);
    assert_eq!(members.len(), 5);
    for c in &clusters {
        assert!(canonical(c).contains(background), "{}", canonical(c));
    }
}

#[test]
fn a_banner_above_every_headline_and_advert_lines_are_learned_unless_told_not_to() {
    let (_dir, input) = fixture();
    let mut rng = Rng(8);
    let banner = "We use cookies to give you the best experience on our website.";
    for i in 0..6 {
        let a = article(&mut rng);
        let mut paras = vec![a.headline.clone()];
        paras.extend(a.paragraphs[..3].iter().cloned());
        paras.push("Advertisement".into());
        paras.extend(a.paragraphs[3..].iter().cloned());
        write(&input, &format!("cookies/{i}.txt"), &text(banner, &paras));
    }
    let (members, clusters) = groups(&input, &[]);
    assert_eq!(members.len(), 6);
    for c in &clusters {
        let canon = canonical(c);
        assert!(canon.starts_with("Headline: "), "{canon}");
        assert!(!canon.contains(banner) && !canon.contains("Advertisement"));
    }
    let (_, clusters) = groups(&input, &["--force", "--no-learned-furniture"]);
    assert!(clusters.iter().all(|c| canonical(c).starts_with(banner)));
}

#[test]
fn a_long_site_footer_does_not_join_its_articles_and_is_dropped() {
    let (_dir, input) = fixture();
    let mut rng = Rng(13);
    let footer: String = (0..6)
        .map(|_| article(&mut rng).paragraphs.join(" "))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .take(300)
        .collect::<Vec<_>>()
        .join(" ");
    for i in 0..6 {
        let a = article(&mut rng);
        let short: Vec<String> = a.paragraphs[..2]
            .iter()
            .cloned()
            .chain([footer.clone()])
            .collect();
        write(&input, &format!("site/{i}.txt"), &text(&a.headline, &short));
    }
    let (members, clusters) = groups(&input, &[]);
    assert_eq!(members.len(), 6, "{members:?}");
    assert!(
        clusters
            .iter()
            .all(|c| !canonical(c).contains(&footer[..200]))
    );
}

#[test]
fn a_story_syndicated_past_the_posting_cap_is_one_cluster() {
    let (_dir, input) = fixture();
    let mut rng = Rng(3);
    let a = article(&mut rng);
    for i in 0..1100 {
        let mut paras = a.paragraphs.clone();
        let p = i % paras.len();
        let mut words: Vec<String> = paras[p].split(' ').map(String::from).collect();
        let w = (i / paras.len()) % words.len();
        words[w] = format!("edit{i}");
        paras[p] = words.join(" ");
        write(
            &input,
            &format!("s{:02}/{i:04}.txt", i % 40),
            &text(&a.headline, &paras),
        );
    }
    let (members, clusters) = groups(&input, &[]);
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].len(), 1100);
    assert_eq!(
        canonical(&clusters[0]),
        text(&a.headline, &a.paragraphs).trim_end()
    );
}

#[test]
fn re_headlined_versions_are_one_article_with_its_text_intact() {
    let (_dir, input) = fixture();
    let mut rng = Rng(17);
    let a = article(&mut rng);
    for v in 0..6 {
        write(
            &input,
            &format!("live/{v}.txt"),
            &text(&format!("{} (update {v})", a.headline), &a.paragraphs),
        );
    }
    let (members, clusters) = groups(&input, &[]);
    assert_eq!(members.len(), 1);
    let canon = canonical(&clusters[0]);
    assert!(a.paragraphs.iter().all(|p| canon.contains(p.as_str())));
}

const CHINESE: [&str; 6] = [
    "市政府周一宣布，将在明年春天开始修建一座横跨大河的新桥。工程预计耗资十二亿元，建成后可缩短两岸居民的通勤时间。",
    "部分居民担心施工期间的噪音和交通拥堵问题。市政府表示将在夜间减少施工，并增加公交班次。",
    "北方地区昨夜迎来今冬最强降雪，多条高速公路临时封闭。气象部门提醒市民减少外出，注意防寒保暖。",
    "铁路部门表示，部分列车将延误两到三个小时。旅客可以通过官方网站查询最新的列车信息。",
    "本市中心图书馆新开设了儿童阅览室，藏有十一种语言的图画书。馆方表示，阅览室的经费来自当地家庭的捐款。",
    "家长可以在工作日上午预约免费的亲子阅读活动。图书馆计划在暑假期间延长开放时间。",
];

#[test]
fn chinese_copies_group_and_a_cut_one_is_flagged() {
    let (_dir, input) = fixture();
    let headline = "新桥明年春天开工";
    let paras: Vec<String> = CHINESE.iter().map(|s| s.to_string()).collect();
    write(&input, "wire/zh.txt", &text(headline, &paras));
    // One character changed in every paragraph.
    let edited: Vec<String> = paras.iter().map(|p| p.replacen('的', "了", 1)).collect();
    write(&input, "edit/zh.txt", &text(headline, &edited));
    let mut cut: Vec<String> = paras[..2].to_vec();
    cut.push(paras[2].chars().take(12).collect());
    write(&input, "feed/zh.txt", &text(headline, &cut));
    for (name, body) in [
        (
            "ko",
            "서울시는 내년 봄에 한강을 가로지르는 새 다리를 짓기 시작한다고 월요일 발표했다. 공사비는 약 천이백억 원으로 예상된다.",
        ),
        (
            "ar",
            "أعلنت البلدية يوم الاثنين أنها ستبدأ بناء جسر جديد فوق النهر في الربيع المقبل بتكلفة تقدر بمليار دولار.",
        ),
        (
            "ru",
            "Городские власти в понедельник объявили, что весной начнут строить новый мост через реку, который сократит дорогу на работу.",
        ),
        (
            "hi",
            "नगर निगम ने सोमवार को घोषणा की कि अगले वसंत में नदी पर एक नया पुल बनाया जाएगा जिससे लोगों का समय बचेगा।",
        ),
    ] {
        let long = format!("{body} {body}");
        write(
            &input,
            &format!("wire/{name}.txt"),
            &text(name, std::slice::from_ref(&long)),
        );
        write(&input, &format!("edit/{name}.txt"), &text(name, &[long]));
    }
    let (members, _) = groups(&input, &[]);
    assert!(
        members.contains(&vec![
            "edit/zh.txt".into(),
            "feed/zh.txt".into(),
            "wire/zh.txt".into()
        ]),
        "{members:?}"
    );
    for name in ["ko", "ar", "ru", "hi"] {
        assert!(
            members.contains(&vec![
                format!("edit/{name}.txt"),
                format!("wire/{name}.txt")
            ]),
            "{name}: {members:?}"
        );
    }
    let out = input.parent().unwrap().join("out");
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let flagged: Vec<&str> = docs
        .iter()
        .filter(|d| d["truncated"] == true)
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["feed/zh.txt"]);
    let zh = docs.iter().find(|d| d["id"] == "wire/zh.txt").unwrap();
    let chars: usize = CHINESE
        .iter()
        .map(|p| {
            p.chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .count()
        })
        .sum();
    let headline_chars = headline.chars().count();
    assert_eq!(zh["words"], chars + headline_chars, "a word per character");
}
