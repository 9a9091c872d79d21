// The editor's languages: InfluxQL and SQL as CodeMirror SQL dialects, Flux as a small stream
// tokenizer (keywords, strings, durations, |>, comments). Also the time-range placeholders each
// language understands, for the hint line and for completion. No schema here: completion of
// measurement/field/tag names lives in the editor (it asks lib/schema).

import { SQLDialect, StandardSQL, sql } from '@codemirror/lang-sql';
import { HighlightStyle, LanguageSupport, StreamLanguage, type StringStream } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import type { QueryLanguage } from '../bindings/QueryLanguage';

const INFLUXQL_KEYWORDS =
  'select from where and or not group by order asc desc limit offset slimit soffset fill into as ' +
  'show databases measurements measurement series tag keys key values field retention policies ' +
  'policy on with create drop delete alter database duration replication shard default users user ' +
  'grant revoke all privileges read write to kill query queries continuous begin end resample every ' +
  'for explain analyze tz time now null none previous linear true false inf in stats diagnostics ' +
  'subscriptions subscription destinations any cardinality exact password set name';

const INFLUXQL_BUILTINS =
  'count distinct integral mean median mode spread stddev sum bottom first last max min percentile ' +
  'sample top abs acos asin atan atan2 ceil cos cumulative_sum derivative difference elapsed exp ' +
  'floor histogram ln log log2 log10 moving_average non_negative_derivative non_negative_difference ' +
  'pow round sin sqrt tan holt_winters holt_winters_with_fit chande_momentum_oscillator ' +
  'exponential_moving_average double_exponential_moving_average kaufmans_efficiency_ratio ' +
  'kaufmans_adaptive_moving_average triple_exponential_moving_average ' +
  'triple_exponential_derivative relative_strength_index';

/** InfluxQL: SQL-shaped; 'strings', "identifiers", $placeholders, -- comments, regexes. */
export const InfluxQL = SQLDialect.define({
  keywords: INFLUXQL_KEYWORDS,
  builtin: INFLUXQL_BUILTINS,
  types: 'float integer string boolean field tag',
  backslashEscapes: true,
  identifierQuotes: '"',
  specialVar: '$:',
  caseInsensitiveIdentifiers: true,
});

/** InfluxDB 3's SQL (DataFusion: Postgres-flavoured), with $timeFilter / $interval. */
export const InfluxSQL = SQLDialect.define({
  ...StandardSQL.spec,
  builtin:
    'date_bin date_bin_gapfill date_trunc now interval locf interpolate selector_first selector_last ' +
    'selector_min selector_max approx_distinct approx_median approx_percentile_cont avg count max min ' +
    'sum stddev var median first_value last_value to_timestamp extract coalesce',
  specialVar: '$',
  caseInsensitiveIdentifiers: true,
});

/** The editor's colors, for all three languages. */
export const highlightStyle = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--syn-keyword)', fontWeight: '600' },
  { tag: [t.string], color: 'var(--syn-string)' },
  { tag: [t.special(t.string)], color: 'var(--syn-string2)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: t.special(t.number), color: 'var(--syn-number)', fontWeight: '600' },
  { tag: [t.lineComment, t.blockComment, t.comment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.standard(t.name)], color: 'var(--syn-function)' },
  { tag: [t.special(t.name), t.special(t.variableName)], color: 'var(--syn-variable)', fontWeight: '600' },
  { tag: t.operator, color: 'var(--syn-operator)' },
  { tag: t.propertyName, color: 'var(--syn-string2)' },
  { tag: t.typeName, color: 'var(--syn-type)' },
  { tag: t.invalid, color: 'var(--danger)' },
]);

// ---- Flux -------------------------------------------------------------------------------

const FLUX_KEYWORDS = new Set([
  'import', 'package', 'option', 'builtin', 'return', 'and', 'or', 'not', 'exists', 'if', 'then',
  'else', 'testcase',
]);
const FLUX_ATOMS = new Set(['true', 'false', 'null']);
const DURATION_UNIT = /^(?:y|mo|w|d|h|m|s|ms|us|µs|ns)/;

interface FluxState {
  inString: boolean;
}

function fluxString(stream: StringStream, state: FluxState): string {
  let escaped = false;
  let ch: string | void;
  while ((ch = stream.next()) != null) {
    if (ch === '"' && !escaped) {
      state.inString = false;
      return 'string';
    }
    escaped = !escaped && ch === '\\';
  }
  state.inString = true; // strings may span lines
  return 'string';
}

export const fluxLanguage = StreamLanguage.define<FluxState>({
  name: 'flux',
  startState: () => ({ inString: false }),
  token(stream, state) {
    if (state.inString) return fluxString(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('|>') || stream.match('=>') || stream.match('<-')) return 'operator';
    const ch = stream.peek() ?? '';
    if (ch === '"') {
      stream.next();
      return fluxString(stream, state);
    }
    // 2024-05-01T00:00:00Z
    if (stream.match(/^\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))?/)) return 'atom';
    if (/\d/.test(ch)) {
      // 1h30m, -5m (the sign is an operator), 10, 1.5
      if (stream.match(/^\d+/)) {
        if (stream.match(DURATION_UNIT, false)) {
          while (stream.match(DURATION_UNIT)) stream.match(/^\d+/);
          return 'number.special';
        }
        stream.match(/^\.\d+/);
        return 'number';
      }
    }
    if (stream.match(/^[A-Za-z_][\w]*/)) {
      const word = stream.current();
      if (FLUX_KEYWORDS.has(word)) return 'keyword';
      if (FLUX_ATOMS.has(word)) return 'atom';
      if (word === 'v' && stream.match(/^\.(timeRangeStart|timeRangeStop|windowPeriod)\b/)) return 'variableName.special';
      if (stream.match(/^\s*\(/, false)) return 'variableName.function';
      if (stream.match(/^\s*:/, false)) return 'propertyName';
      return 'variableName';
    }
    if (/[+\-*/%=<>!^?]/.test(ch)) {
      stream.next();
      stream.eatWhile(/[=~]/);
      return 'operator';
    }
    stream.next();
    return null;
  },
  languageData: {
    commentTokens: { line: '//' },
    closeBrackets: { brackets: ['(', '[', '{', '"'] },
  },
});

/** Flux functions offered by completion (the common ones). */
export const FLUX_FUNCTIONS = [
  'from', 'range', 'filter', 'map', 'group', 'aggregateWindow', 'mean', 'median', 'max', 'min',
  'sum', 'count', 'first', 'last', 'yield', 'keep', 'drop', 'pivot', 'sort', 'limit', 'window',
  'derivative', 'difference', 'fill', 'rename', 'distinct', 'unique', 'top', 'bottom', 'movingAverage',
  'increase', 'histogram', 'quantile', 'stddev', 'spread', 'elapsed', 'timeShift', 'union', 'join',
];

export function languageSupport(lang: QueryLanguage): LanguageSupport {
  switch (lang) {
    case 'flux':
      return new LanguageSupport(fluxLanguage);
    case 'sql':
      return sql({ dialect: InfluxSQL, upperCaseKeywords: true });
    default:
      return sql({ dialect: InfluxQL, upperCaseKeywords: true });
  }
}

/** The placeholders the backend fills from the time picker, per language. */
export function placeholders(lang: QueryLanguage): { name: string; info: string }[] {
  if (lang === 'flux') {
    return [
      { name: 'v.timeRangeStart', info: 'start of the picked time range' },
      { name: 'v.timeRangeStop', info: 'end of the picked time range' },
      { name: 'v.windowPeriod', info: 'a window giving about 300 points over the range' },
    ];
  }
  return [
    { name: '$timeFilter', info: 'time condition for the picked range' },
    { name: '$interval', info: 'a GROUP BY interval giving about 300 points' },
  ];
}

export const LANGUAGE_LABEL: Record<QueryLanguage, string> = {
  influxql: 'InfluxQL',
  flux: 'Flux',
  sql: 'SQL',
};

/** A starting query for an empty tab, for people who have never written one. */
export function example(lang: QueryLanguage, db: string): string {
  switch (lang) {
    case 'flux':
      return `from(bucket: "${db || 'my-bucket'}")\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n  |> filter(fn: (r) => r._measurement == "cpu")\n  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)`;
    case 'sql':
      return `SELECT date_bin(INTERVAL '1 minute', time) AS time, avg(usage_user) AS usage_user\nFROM cpu WHERE $timeFilter\nGROUP BY 1 ORDER BY 1`;
    default:
      return 'SELECT mean("usage_user") FROM "cpu" WHERE $timeFilter GROUP BY time($interval) fill(none)';
  }
}
