//! `chiso dashboards export --grafana DIR`: the same dashboards as Grafana
//! dashboard JSON for the ClickHouse data source plugin
//! (grafana-clickhouse-datasource), so sites that run Grafana can import them.

use std::path::Path;

use serde_json::{json, Value};

use super::{ChartKind, Dashboard};

/// The data source is chosen at import time (`${DS_CLICKHOUSE}`).
const DATASOURCE: &str = "${DS_CLICKHOUSE}";
const PLUGIN: &str = "grafana-clickhouse-datasource";

/// The plugin's query types and the data-frame formats its backend takes
/// (grafana-clickhouse-datasource: `queryType`, and sqlds' `format`, where
/// 0 is a time series and 1 a table).
const TIME_SERIES: (&str, u8) = ("timeseries", 0);
const TABLE: (&str, u8) = ("table", 1);

/// A placeholder as Grafana writes it: the dashboard's time range, and a
/// `unit` text variable.
fn grafana_sql(query: &str) -> String {
    query
        .trim()
        .replace("{from}", "toString(toDate($__fromTime))")
        .replace("{to}", "toString(toDate($__toTime))")
        .replace("{unit}", "'${unit}'")
}

/// A line panel's rows as a time series: chiso's pages read the month as a
/// text label `x`, Grafana plots only a real time column. `time` (DateTime),
/// `value` and, when the panel has one, the `series` label (the plugin turns
/// the long frame into one line per series).
fn time_series_sql(query: &str) -> String {
    let series = if query.to_lowercase().contains(" as series") {
        ", series"
    } else {
        ""
    };
    format!(
        "SELECT toDateTime(toDate(x)) AS time, y AS value{series}\nFROM (\n{}\n)\nORDER BY time",
        grafana_sql(query)
    )
}

pub fn to_grafana(d: &Dashboard) -> Value {
    let datasource = json!({ "type": PLUGIN, "uid": DATASOURCE });
    let panels: Vec<Value> = d
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (kind, (query_type, format), sql) = match p.chart {
                ChartKind::Line => ("timeseries", TIME_SERIES, time_series_sql(&p.query)),
                ChartKind::Bar => ("barchart", TABLE, grafana_sql(&p.query)),
                ChartKind::Table => ("table", TABLE, grafana_sql(&p.query)),
            };
            json!({
                "id": i + 1,
                "type": kind,
                "title": p.title,
                "gridPos": { "h": 9, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 9 },
                "datasource": datasource,
                "targets": [{
                    "refId": "A",
                    "datasource": datasource,
                    "editorType": "sql",
                    "queryType": query_type,
                    "format": format,
                    "rawSql": sql,
                }],
            })
        })
        .collect();
    json!({
        "__inputs": [{
            "name": "DS_CLICKHOUSE",
            "label": "ClickHouse",
            "type": "datasource",
            "pluginId": PLUGIN,
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

    /// What grafana-clickhouse-datasource reads: a line panel is a
    /// `timeseries` panel whose query is of type timeseries (format 0); bars
    /// and tables are table queries (format 1); every data source is the
    /// `${DS_CLICKHOUSE}` input the file declares, so Grafana asks at import.
    #[test]
    fn panels_follow_the_plugins_conventions() {
        let dashboards =
            super::super::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"))
                .unwrap();
        let mut line_panels = 0;
        for d in &dashboards {
            let v = to_grafana(d);
            assert_eq!(v["__inputs"][0]["name"], "DS_CLICKHOUSE");
            assert_eq!(v["__inputs"][0]["pluginId"], PLUGIN);
            for (p, defined) in v["panels"].as_array().unwrap().iter().zip(&d.panels) {
                let target = &p["targets"][0];
                for ds in [&p["datasource"], &target["datasource"]] {
                    assert_eq!(ds["type"], PLUGIN);
                    assert_eq!(ds["uid"], "${DS_CLICKHOUSE}");
                }
                assert_eq!(target["editorType"], "sql");
                let expected = match defined.chart {
                    ChartKind::Line => ("timeseries", "timeseries", 0),
                    ChartKind::Bar => ("barchart", "table", 1),
                    ChartKind::Table => ("table", "table", 1),
                };
                let got = (
                    p["type"].as_str().unwrap(),
                    target["queryType"].as_str().unwrap(),
                    target["format"].as_u64().unwrap(),
                );
                assert_eq!(got, expected, "{}: {}", d.slug, defined.title);
                if defined.chart == ChartKind::Line {
                    line_panels += 1;
                    let sql = target["rawSql"].as_str().unwrap();
                    assert!(
                        sql.starts_with("SELECT toDateTime(toDate(x)) AS time"),
                        "{sql}"
                    );
                }
            }
        }
        assert!(line_panels > 0, "the shipped dashboards have line panels");
    }
}
