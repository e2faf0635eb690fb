//! The area tree from the official statistical division codes (统计用区划代码), as a
//! county gets them: CSV with the header `code,name,parent_code` (other columns ignored,
//! UTF-8 with or without BOM). Each row becomes an area entry; the row numbers travel with
//! them so a missing parent, a duplicate or a cycle is refused by its row.

use super::catalog::Catalog;
use super::catalog_file::{AreaEntry, CatalogFile, FileError, ParsedFile, is_code};

/// Reads the rows; English names are kept from the catalogue for areas it has (the file
/// has none), and the Chinese name stands in for new ones.
pub fn parse(text: &str, current: &Catalog) -> Result<ParsedFile, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::new(Some(1), e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            FileError::new(
                Some(1),
                format!("the header has no column {name} (it needs code,name,parent_code)"),
            )
        })
    };
    let (code_at, name_at, parent_at) = (column("code")?, column("name")?, column("parent_code")?);
    let mut file = CatalogFile::default();
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| FileError::new(Some(row), e.to_string()))?;
        let cell = |at: usize| record.get(at).unwrap_or("").trim().to_string();
        let (code, name, parent) = (cell(code_at), cell(name_at), cell(parent_at));
        if code.is_empty() && name.is_empty() {
            continue;
        }
        if !is_code(&code) {
            return Err(FileError::new(Some(row), format!("{code:?} is not an area code")));
        }
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FileError::new(
                Some(row),
                format!("area {code}: the name must be 1 to 100 characters"),
            ));
        }
        if lines.iter().any(|(c, _): &(String, usize)| *c == code) {
            return Err(FileError::new(Some(row), format!("area {code} appears twice")));
        }
        let en = current
            .area(&code)
            .map(|a| a.names.en.clone())
            .unwrap_or_else(|| name.clone());
        lines.push((code.clone(), row));
        file.area.push(AreaEntry {
            code,
            parent: Some(parent).filter(|p| !p.is_empty()),
            zh: name,
            en,
            active: true,
        });
    }
    Ok(ParsedFile::with_lines(
        file,
        lines.into_iter().map(|(code, row)| (("area", code), row)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::fixture;
    use crate::domain::catalog_file::merge;

    const COUNTY: &str = "\u{feff}code,name,parent_code,level\n330122000000,桐溪县,,1\n330122001000,城关镇,330122000000,2\n330122001001,东门社区,330122001000,3\n";

    #[test]
    fn rows_become_a_tree_with_levels() {
        let empty = fixture::catalog(vec![]);
        let parsed = parse(COUNTY, &empty).unwrap();
        let merged = merge(&empty, &parsed, false).unwrap();
        assert_eq!(merged.catalog.area("330122001001").map(|a| a.level), Some(3));
        assert_eq!(
            merged.catalog.area("330122001001").map(|a| a.names.zh.as_str()),
            Some("东门社区")
        );
    }

    #[test]
    fn a_missing_parent_a_duplicate_or_a_cycle_is_refused_by_its_row() {
        let empty = fixture::catalog(vec![]);
        let orphan = COUNTY.replace(
            "330122001001,东门社区,330122001000",
            "330122001001,东门社区,330122009000",
        );
        let err = merge(&empty, &parse(&orphan, &empty).unwrap(), false).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        let twice = format!("{COUNTY}330122001000,城关镇,330122000000,2\n");
        assert_eq!(parse(&twice, &empty).unwrap_err().line, Some(5));
        let cycle = "code,name,parent_code\na1,甲,b1\nb1,乙,a1\n";
        let err = merge(&empty, &parse(cycle, &empty).unwrap(), false).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        let header = parse("id,title\n1,x\n", &empty).unwrap_err();
        assert!(header.message.contains("code,name,parent_code"), "{header}");
    }
}
