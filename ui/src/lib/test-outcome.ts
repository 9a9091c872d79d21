// The result of a connection test as the UI keeps it: what the server said, or why it failed.

import type { AppError } from '../ipc';
import type { ServerInfo } from '../bindings/ServerInfo';

export type TestOutcome =
  | { kind: 'running' }
  | { kind: 'ok'; info: ServerInfo }
  | { kind: 'error'; error: AppError };
