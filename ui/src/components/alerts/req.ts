// Request builders for the alert commands: the generated request types list every field, so
// a change names only what it changes and the rest stays null ("as it is").

import type { UpdateAlertReq } from '../../bindings/UpdateAlertReq';

export function updateReq(alert: string, change: Partial<UpdateAlertReq>): UpdateAlertReq {
  return {
    alert,
    query: null,
    language: null,
    database: null,
    threshold: null,
    message: null,
    severity: null,
    channels: null,
    every: null,
    for: null,
    enabled: null,
    ...change,
  };
}
