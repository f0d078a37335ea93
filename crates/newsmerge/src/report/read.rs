//! Reading a cluster back from an output folder.

use super::ClusterRecord;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Finds a cluster in `out/clusters.jsonl` by its id, or by the id of one
/// of its member documents.
pub fn find_cluster(out: &Path, wanted: &str) -> Result<ClusterRecord> {
    let path = out.join("clusters.jsonl");
    let unreadable = |reason: String| Error::OutputUnreadable {
        path: path.clone(),
        reason,
    };
    let file = File::open(&path).map_err(|e| unreadable(e.to_string()))?;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| unreadable(e.to_string()))?;
        let record: ClusterRecord =
            serde_json::from_str(&line).map_err(|e| unreadable(format!("line {}: {e}", n + 1)))?;
        if record.id == wanted || record.members.iter().any(|m| m == wanted) {
            return Ok(record);
        }
    }
    Err(Error::NotFound {
        what: format!("cluster or document {wanted:?} in {}", path.display()),
    })
}
