//! The `env` profile from variables: `INFLUX_*` and the official InfluxDB 3 MCP server's
//! `INFLUX_DB_INSTANCE_URL`, `INFLUX_DB_TOKEN`, `INFLUX_DB_PRODUCT_TYPE` (INFLUX_* wins).

use std::collections::HashMap;

use influxdesk_core::ErrorCode;
use influxdesk_core::api::EnvProfile;
use influxdesk_core::model::ApiKind;

fn from(vars: &[(&str, &str)]) -> influxdesk_core::Result<Option<EnvProfile>> {
    let m: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    EnvProfile::from_vars(|k| m.get(k).cloned())
}

#[test]
fn the_official_influxdb3_mcp_servers_variables_work_and_influx_wins() {
    let e = from(&[
        ("INFLUX_DB_INSTANCE_URL", "http://127.0.0.1:8181"),
        ("INFLUX_DB_TOKEN", "apiv3_tok"),
        ("INFLUX_DB_PRODUCT_TYPE", "core"),
    ])
    .unwrap()
    .expect("an env profile");
    assert_eq!(e.profile.url, "http://127.0.0.1:8181");
    assert_eq!(e.profile.api, ApiKind::V3, "core speaks the v3 API");
    assert_eq!(e.token.as_ref().map(|t| t.expose()), Some("apiv3_tok"));
    assert!(e.profile.secret_stored);

    let e = from(&[
        ("INFLUX_URL", "http://a:8086"),
        ("INFLUX_TOKEN", "influx-tok"),
        ("INFLUX_DB_INSTANCE_URL", "http://b:8181"),
        ("INFLUX_DB_TOKEN", "db-tok"),
        ("INFLUX_DB_PRODUCT_TYPE", "enterprise"),
        ("INFLUX_API", "v2"),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(e.profile.url, "http://a:8086", "INFLUX_URL wins");
    assert_eq!(e.token.as_ref().map(|t| t.expose()), Some("influx-tok"));
    assert_eq!(
        e.profile.api,
        ApiKind::V2,
        "INFLUX_API wins over the product type"
    );

    let e = from(&[
        ("INFLUX_DB_INSTANCE_URL", "http://b:8181"),
        ("INFLUX_DB_PRODUCT_TYPE", "clustered"),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(e.profile.api, ApiKind::Auto);
    let err = from(&[
        ("INFLUX_DB_INSTANCE_URL", "http://b:8181"),
        ("INFLUX_DB_PRODUCT_TYPE", "oss"),
    ])
    .err()
    .expect("an unknown product type is refused");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.message().contains("core, enterprise"),
        "{}",
        err.message()
    );
    assert!(
        from(&[("INFLUX_DB_TOKEN", "t")]).unwrap().is_none(),
        "no URL, no profile"
    );
}
