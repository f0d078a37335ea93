//! Document numbers: a leaf module every stage may import.

use serde::Serialize;

/// A dense document number: the index of the document in the run's sorted
/// list of readable documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DocId(pub u32);

impl DocId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
