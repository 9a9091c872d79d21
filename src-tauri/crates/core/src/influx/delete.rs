//! Deleting points where the server has an endpoint for it: InfluxDB 2.x `POST /api/v2/delete`
//! (org and bucket by name, a time range and a delete predicate). 1.x deletes are InfluxQL
//! statements (`DELETE`, `DROP SERIES`, `DROP MEASUREMENT`) and 3.x deletes whole tables
//! (`catalog`); both go through their existing paths.

use reqwest::Method;
use serde_json::json;

use super::Client;
use crate::error::{Error, Result};
use crate::model::ApiKind;

impl Client {
    /// Delete the points of `bucket` between `start` and `stop` (RFC 3339) matching
    /// `predicate` (2.x delete predicate syntax; all points in the range when None).
    pub async fn v2_delete(
        &self,
        bucket: &str,
        start: &str,
        stop: &str,
        predicate: Option<&str>,
    ) -> Result<()> {
        if self.api != ApiKind::V2 {
            return Err(Error::Internal(
                "the /api/v2/delete endpoint is InfluxDB 2.x's".into(),
            ));
        }
        let org = self.org.clone().ok_or_else(|| {
            Error::invalid("this InfluxDB 2.x profile has no organization: set it in the profile")
        })?;
        let mut body = json!({"start": start, "stop": stop});
        if let Some(p) = predicate {
            body["predicate"] = json!(p);
        }
        let rb = self
            .request(Method::POST, "/api/v2/delete")
            .query(&[("org", org.as_str()), ("bucket", bucket)])
            .json(&body);
        self.check(self.send(rb, "deleting data").await?, "deleting data")
            .await?;
        Ok(())
    }
}
