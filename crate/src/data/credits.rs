//! Who took each photo: the snacks photos come from Google Open Images, each under CC BY 2.0,
//! and the dataset's `credits.csv` names the author, title and page of every one. A notebook
//! that shows photos says so ([`ATTRIBUTION`]) and can name each photo's author ([`photo_credit`]).

use crate::{Error, Result};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The line every notebook that shows the snacks photos prints under them.
pub const ATTRIBUTION: &str = "Photos: the snacks dataset (Machine Learning by Tutorials), from Google Open \
     Images, each under CC BY 2.0; every photo's author and source are listed in the dataset's credits.csv.";

/// [`ATTRIBUTION`] for photos read from `split` (`dataset/<split>`) when the dataset lists its
/// photos' credits (`dataset/credits.csv`, the snacks photos); `None` for a dataset without one
/// (the synthetic stand-in draws its own pictures).
pub fn attribution_for(split: impl AsRef<Path>) -> Option<&'static str> {
    let dataset = split.as_ref().parent()?;
    dataset.join("credits.csv").is_file().then_some(ATTRIBUTION)
}

/// One photo's entry in `credits.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Credit {
    /// The Open Images id, the photo's file name without `.jpg`.
    #[serde(rename = "ImageID")]
    pub image_id: String,
    /// The photo's title on its source page.
    #[serde(rename = "Title")]
    pub title: String,
    /// The photographer.
    #[serde(rename = "Author")]
    pub author: String,
    /// The licence's URL (CC BY 2.0).
    #[serde(rename = "License")]
    pub license: String,
    /// The photo's page.
    #[serde(rename = "OriginalLandingURL")]
    pub landing_url: String,
}

impl fmt::Display for Credit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let licence = if self.license.contains("/by/2.0") { "CC BY 2.0".to_string() } else { self.license.clone() };
        write!(f, "\"{}\" by {}, {licence} ({})", self.title, self.author, self.landing_url)
    }
}

/// The dataset folder a photo `dataset/<split>/<class>/<file>` belongs to.
fn dataset_of(photo: &Path) -> Option<PathBuf> {
    photo.parent()?.parent()?.parent().map(Path::to_path_buf)
}

/// The credit of the photo at `path` (`dataset/<split>/<class>/<id>.jpg`), read from
/// `dataset/credits.csv`; `Ok(None)` when the dataset has no credits file (the synthetic
/// stand-in) or does not list the photo.
pub fn photo_credit(path: impl AsRef<Path>) -> Result<Option<Credit>> {
    let path = path.as_ref();
    let Some(csv_path) = dataset_of(path).map(|d| d.join("credits.csv")).filter(|p| p.is_file()) else {
        return Ok(None);
    };
    let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let mut reader = csv::Reader::from_path(&csv_path).map_err(|e| Error::path(&csv_path, e.to_string()))?;
    for row in reader.deserialize::<Credit>() {
        let credit = row.map_err(|e| Error::path(&csv_path, format!("not the dataset's credits.csv: {e}")))?;
        if credit.image_id == id {
            return Ok(Some(credit));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_credited_from_the_datasets_csv() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("train/cake/0b1f.jpg");
        std::fs::create_dir_all(photo.parent().unwrap()).unwrap();
        assert_eq!(photo_credit(&photo).unwrap(), None, "no credits.csv: no credit");
        std::fs::write(
            dir.path().join("credits.csv"),
            ",class_name,ImageID,type,Subset,OriginalURL,OriginalLandingURL,License,AuthorProfileURL,Author,Title\n\
             0,Cake,0b1f,train,train,https://x/o.jpg,https://flickr/p/1,https://creativecommons.org/licenses/by/2.0/,\
             https://flickr/u,Jo Doe,\"Cake, with cream\"\n",
        )
        .unwrap();
        let credit = photo_credit(&photo).unwrap().unwrap();
        assert_eq!(credit.to_string(), "\"Cake, with cream\" by Jo Doe, CC BY 2.0 (https://flickr/p/1)");
        assert_eq!(photo_credit(dir.path().join("train/cake/other.jpg")).unwrap(), None);
        std::fs::write(dir.path().join("credits.csv"), "a,b\n1,2\n").unwrap();
        assert!(photo_credit(&photo).unwrap_err().to_string().contains("credits.csv"));
    }
}
