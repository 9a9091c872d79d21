// The Query screen's editor state, kept outside the component so that leaving the screen and
// coming back keeps the text, the language and the last result.

import type { AppError } from '../ipc';
import type { QueryLanguage } from '../bindings/QueryLanguage';
import type { QueryResult } from '../bindings/QueryResult';

class QueryState {
  lang = $state<QueryLanguage>('influxql');
  /** The user picked the language (or it was remembered): do not follow the profile's API. */
  langTouched = false;
  db = $state('');
  text = $state('');
  running = $state(false);
  result = $state<QueryResult | null>(null);
  error = $state<AppError | null>(null);
  /** The profile whose remembered editor state is loaded. */
  loadedFor: string | null = null;
}

export const qs = new QueryState();
