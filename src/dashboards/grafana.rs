//! `chiso dashboards export --grafana DIR`: the same dashboards as Grafana
//! dashboard JSON for the ClickHouse data source plugin
//! (grafana-clickhouse-datasource), so sites that run Grafana can import them.

use std::path::Path;

use serde_json::{json, Value};

use super::{ChartKind, Dashboard};

/// The data source is chosen at import time (`${DS_CLICKHOUSE}`).
const DATASOURCE: &str = "${DS_CLICKHOUSE}";

/// A placeholder as Grafana writes it: the dashboard's time range, and a
/// `unit` text variable.
fn grafana_sql(query: &str) -> String {
    query
        .trim()
        .replace("{from}", "toString(toDate($__fromTime))")
        .replace("{to}", "toString(toDate($__toTime))")
        .replace("{unit}", "'${unit}'")
}

pub fn to_grafana(d: &Dashboard) -> Value {
    let panels: Vec<Value> = d
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let kind = match p.chart {
                ChartKind::Line => "timeseries",
                ChartKind::Bar => "barchart",
                ChartKind::Table => "table",
            };
            json!({
                "id": i + 1,
                "type": kind,
                "title": p.title,
                "gridPos": { "h": 9, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 9 },
                "datasource": { "type": "grafana-clickhouse-datasource", "uid": DATASOURCE },
                "targets": [{
                    "refId": "A",
                    "datasource": { "type": "grafana-clickhouse-datasource", "uid": DATASOURCE },
                    "editorType": "sql",
                    // 1 = table: x, y and series come back as columns.
                    "format": 1,
                    "rawSql": grafana_sql(&p.query),
                }],
            })
        })
        .collect();
    json!({
        "__inputs": [{
            "name": "DS_CLICKHOUSE",
            "label": "ClickHouse",
            "type": "datasource",
            "pluginId": "grafana-clickhouse-datasource",
        }],
        "uid": format!("chiso-{}", d.slug),
        "title": d.title,
        "description": d.description,
        "tags": ["chiso"],
        "timezone": "Asia/Ho_Chi_Minh",
        "schemaVersion": 39,
        "time": { "from": "now-12M", "to": "now" },
        "templating": { "list": [{
            "name": "unit",
            "label": "Đơn vị",
            "type": "textbox",
            "query": "01",
        }]},
        "panels": panels,
    })
}

/// Writes `{slug}.json` per dashboard into `dir`; returns the files written.
pub fn export(dashboards: &[Dashboard], dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for d in dashboards {
        let path = dir.join(format!("{}.json", d.slug));
        let text = serde_json::to_string_pretty(&to_grafana(d)).map_err(std::io::Error::other)?;
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_is_valid_json_with_one_panel_per_defined_panel() {
        let dashboards =
            super::super::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"))
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = export(&dashboards, dir.path()).unwrap();
        assert_eq!(files.len(), dashboards.len());
        for (d, f) in dashboards.iter().zip(&files) {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let panels = v["panels"].as_array().unwrap();
            assert_eq!(panels.len(), d.panels.len(), "{}", d.slug);
            for (p, defined) in panels.iter().zip(&d.panels) {
                assert_eq!(p["title"], defined.title.as_str());
                let sql = p["targets"][0]["rawSql"].as_str().unwrap();
                assert!(!sql.contains("{from}") && !sql.contains("{to}"), "{sql}");
            }
            assert_eq!(v["title"], d.title.as_str());
        }
    }
}
