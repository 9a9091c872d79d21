// The one door to the Rust backend: typed wrappers over Tauri `invoke`, the app's events and
// the UI preferences. No other file imports `@tauri-apps/*`. Every failure leaves here
// as an `AppError` (`{code, message}`) so components can branch on `code`.

import { Channel, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { open as openDialog } from '@tauri-apps/plugin-dialog';

import type { ActivityEntry } from './bindings/ActivityEntry';
import type { AddAnnotationReq } from './bindings/AddAnnotationReq';
import type { AddCellReq } from './bindings/AddCellReq';
import type { RemoveAnnotationReq } from './bindings/RemoveAnnotationReq';
import type { CellReq } from './bindings/CellReq';
import type { CreateDashboardReq } from './bindings/CreateDashboardReq';
import type { Dashboard } from './bindings/Dashboard';
import type { DashboardCell } from './bindings/DashboardCell';
import type { DashboardImportReport } from './bindings/DashboardImportReport';
import type { DashboardInfo } from './bindings/DashboardInfo';
import type { DashboardReq } from './bindings/DashboardReq';
import type { DashboardRun } from './bindings/DashboardRun';
import type { DuplicateDashboardReq } from './bindings/DuplicateDashboardReq';
import type { ImportDashboardReq } from './bindings/ImportDashboardReq';
import type { RenameDashboardReq } from './bindings/RenameDashboardReq';
import type { ResolvedVariable } from './bindings/ResolvedVariable';
import type { RunDashboardReq } from './bindings/RunDashboardReq';
import type { UpdateCellReq } from './bindings/UpdateCellReq';
import type { UpdateDashboardReq } from './bindings/UpdateDashboardReq';
import type { VariableValuesReq } from './bindings/VariableValuesReq';
import type { AlertChange } from './bindings/AlertChange';
import type { AlertHistoryReq } from './bindings/AlertHistoryReq';
import type { AlertRow } from './bindings/AlertRow';
import type { AlertRowsReq } from './bindings/AlertRowsReq';
import type { AlertRule } from './bindings/AlertRule';
import type { BacktestChartReq } from './bindings/BacktestChartReq';
import type { BacktestView } from './bindings/BacktestView';
import type { ChannelTest } from './bindings/ChannelTest';
import type { CreateAlertReq } from './bindings/CreateAlertReq';
import type { ServerAlerting } from './bindings/ServerAlerting';
import type { ServerAlertingReq } from './bindings/ServerAlertingReq';
import type { Silence } from './bindings/Silence';
import type { SilenceReq } from './bindings/SilenceReq';
import type { TestAlertReq } from './bindings/TestAlertReq';
import type { SmtpView } from './bindings/SmtpView';
import type { SetSmtpReq } from './bindings/SetSmtpReq';
import type { UpdateAlertReq } from './bindings/UpdateAlertReq';
import type { AlterRpReq } from './bindings/AlterRpReq';
import type { Bucket } from './bindings/Bucket';
import type { BucketChange } from './bindings/BucketChange';
import type { ContinuousQuery } from './bindings/ContinuousQuery';
import type { CreateBucketReq } from './bindings/CreateBucketReq';
import type { CreateCqReq } from './bindings/CreateCqReq';
import type { CreateRpReq } from './bindings/CreateRpReq';
import type { DeleteBucketReq } from './bindings/DeleteBucketReq';
import type { DownsamplePlan } from './bindings/DownsamplePlan';
import type { DownsampleReq } from './bindings/DownsampleReq';
import type { DropCqReq } from './bindings/DropCqReq';
import type { DropRpReq } from './bindings/DropRpReq';
import type { ListCqReq } from './bindings/ListCqReq';
import type { ListRpReq } from './bindings/ListRpReq';
import type { ListTasksReq } from './bindings/ListTasksReq';
import type { ListTriggersReq } from './bindings/ListTriggersReq';
import type { RetentionPolicy } from './bindings/RetentionPolicy';
import type { SetTaskReq } from './bindings/SetTaskReq';
import type { Task } from './bindings/Task';
import type { TaskLog } from './bindings/TaskLog';
import type { TaskReq } from './bindings/TaskReq';
import type { TaskRun } from './bindings/TaskRun';
import type { Trigger } from './bindings/Trigger';
import type { UpdateBucketReq } from './bindings/UpdateBucketReq';
import type { AddProfileReq } from './bindings/AddProfileReq';
import type { AppError } from './bindings/AppError';
import type { AppInfo } from './bindings/AppInfo';
import type { ApprovalRequest } from './bindings/ApprovalRequest';
import type { BuildQueryReq } from './bindings/BuildQueryReq';
import type { CheckLinesReq } from './bindings/CheckLinesReq';
import type { CsvPreview } from './bindings/CsvPreview';
import type { LinesCheck } from './bindings/LinesCheck';
import type { LoadJob } from './bindings/LoadJob';
import type { PreviewCsvReq } from './bindings/PreviewCsvReq';
import type { Setup } from './bindings/Setup';
import type { SetupReq } from './bindings/SetupReq';
import type { WriteProgress } from './bindings/WriteProgress';
import type { WriteResult } from './bindings/WriteResult';
import type { ConnectionStatus } from './bindings/ConnectionStatus';
import type { DeleteDataReq } from './bindings/DeleteDataReq';
import type { DeletePlan } from './bindings/DeletePlan';
import type { DemoStatus } from './bindings/DemoStatus';
import type { DuplicateProfileReq } from './bindings/DuplicateProfileReq';
import type { ErrorCode } from './bindings/ErrorCode';
import type { Event } from './bindings/Event';
import type { ExportChartReq } from './bindings/ExportChartReq';
import type { ExportReq } from './bindings/ExportReq';
import type { ExportResult } from './bindings/ExportResult';
import type { FieldKey } from './bindings/FieldKey';
import type { HistoryEntry } from './bindings/HistoryEntry';
import type { ImportReport } from './bindings/ImportReport';
import type { Overview } from './bindings/Overview';
import type { OverviewChartReq } from './bindings/OverviewChartReq';
import type { OverviewReq } from './bindings/OverviewReq';
import type { KillQueryReq } from './bindings/KillQueryReq';
import type { ListQueriesReq } from './bindings/ListQueriesReq';
import type { ListHistoryReq } from './bindings/ListHistoryReq';
import type { McpStatus } from './bindings/McpStatus';
import type { Profile } from './bindings/Profile';
import type { ProfileList } from './bindings/ProfileList';
import type { QueryLanguage } from './bindings/QueryLanguage';
import type { ResultHead } from './bindings/ResultHead';
import type { RowPage } from './bindings/RowPage';
import type { QueryTiming } from './bindings/QueryTiming';
import type { RenderChartReq } from './bindings/RenderChartReq';
import type { Rendered } from './bindings/Rendered';
import type { RunningQuery } from './bindings/RunningQuery';
import type { RunQueryReq } from './bindings/RunQueryReq';
import type { SavedQuery } from './bindings/SavedQuery';
import type { SaveQueryReq } from './bindings/SaveQueryReq';
import type { SchemaReq } from './bindings/SchemaReq';
import type { ServerInfo } from './bindings/ServerInfo';
import type { TestProfileReq } from './bindings/TestProfileReq';
import type { UpdateProfileReq } from './bindings/UpdateProfileReq';
import type { UserSettings } from './bindings/UserSettings';
import type { CreateTokenReq } from './bindings/CreateTokenReq';
import type { CreatedToken } from './bindings/CreatedToken';
import type { CreateUserReq } from './bindings/CreateUserReq';
import type { DeleteTokenReq } from './bindings/DeleteTokenReq';
import type { DropUserReq } from './bindings/DropUserReq';
import type { GrantReq } from './bindings/GrantReq';
import type { SetAdminReq } from './bindings/SetAdminReq';
import type { SetPasswordReq } from './bindings/SetPasswordReq';
import type { SetTokenStatusReq } from './bindings/SetTokenStatusReq';
import type { TokenInfo } from './bindings/TokenInfo';
import type { TokenList } from './bindings/TokenList';
import type { UserInfo } from './bindings/UserInfo';
import type { SavedTabs } from './lib/tabs';
import type { TimeZoneMode } from './lib/time';

export type { AppError, ErrorCode };

const ERROR_CODES: readonly ErrorCode[] = [
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'Conflict',
  'InvalidInput',
  'QuerySyntax',
  'Unreachable',
  'Timeout',
  'KeychainUnavailable',
  'Storage',
  'Internal',
  'Cancelled',
];

/** Whatever was thrown (an AppError from Rust, a string from Tauri itself, an Error), as an AppError. */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const { code, message } = e as { code: unknown; message: unknown };
    const known = ERROR_CODES.find((c) => c === code);
    return { code: known ?? 'Internal', message: String(message) };
  }
  if (e instanceof Error) return { code: 'Internal', message: e.message };
  if (typeof e === 'string') return { code: 'Internal', message: e };
  return { code: 'Internal', message: JSON.stringify(e) ?? 'unknown error' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

// ---- commands (one per backend command) -------------------------------------------------

export const appInfo = () => call<AppInfo>('app_info');
export const demoStatus = () => call<DemoStatus>('demo_status');
/** The window painted something useful for the first time (logged for the app bench). */
export const startupMark = (mark: 'connections' | 'chart', readyMs: number) =>
  call<null>('startup_mark', {
    mark,
    page: { origin_ms: performance.timeOrigin, ready_ms: readyMs, now_ms: performance.now() },
  });

export const profileList = () => call<ProfileList>('profile_list');
export const profileAdd = (req: AddProfileReq) => call<Profile>('profile_add', { req });
export const profileUpdate = (req: UpdateProfileReq) => call<Profile>('profile_update', { req });
export const profileDuplicate = (req: DuplicateProfileReq) =>
  call<Profile>('profile_duplicate', { req });
export const profileDelete = (profile: string) => call<null>('profile_delete', { profile });
export const profileUse = (profile: string) => call<Profile>('profile_use', { profile });
export const profileTest = (req: TestProfileReq) => call<ServerInfo>('profile_test', { req });
/** Never throws for server problems: those are in `.error`. */
export const profileStatus = (profile: string | null) =>
  call<ConnectionStatus>('profile_status', { profile });
export const profileImportCli = (path: string | null) =>
  call<ImportReport>('profile_import_cli', { path });
export const profileImportEnv = (name: string | null) =>
  call<ImportReport>('profile_import_env', { name });

/** Run a query: its head (each frame's first page); the rest stays kept under its query id. */
export const queryRun = (req: RunQueryReq) => call<ResultHead>('query_run', { req });
/** Rows `offset..offset + limit` of frame `frame` of the result kept under query id `id`. */
export const queryRows = (id: string, frame: number, offset: number, limit: number) =>
  call<RowPage>('query_rows', { id, frame, offset, limit });
/** How a kept run went: the server's first byte, the response read and parsed (by query id). */
export const queryTiming = (id: string) => call<QueryTiming>('query_timing', { id });
/** True when a query with that id was running (it then fails with code `Cancelled`). */
export const queryCancel = (id: string) => call<boolean>('query_cancel', { id });
export const queryBuild = (req: BuildQueryReq) => call<string>('query_build', { req });

/** Check line protocol as typed: bad lines by number, type conflicts, the first points. */
export const loadCheck = (req: CheckLinesReq) => call<LinesCheck>('load_check', { req });
/** Run a load under `id` (text, a file by path, or a CSV import); progress after each batch. */
export function loadRun(
  id: string,
  job: LoadJob,
  onProgress: (p: WriteProgress) => void,
): Promise<WriteResult> {
  const progress = new Channel<WriteProgress>();
  progress.onmessage = onProgress;
  return call<WriteResult>('load_run', { id, job, progress });
}
/** What `loadRun` takes (the generated `LoadJob`). */
export type LoadJobArg = LoadJob;
/** Stop the load `id`: no further batch is sent, the ones on their way land (a file keeps its
 * checkpoint). */
export const loadCancel = (id: string) => call<boolean>('load_cancel', { id });
export const csvPreview = (req: PreviewCsvReq) => call<CsvPreview>('csv_preview', { req });
/** Telegraf and client snippets for a bucket (the token comes from an environment variable). */
export const loadSetup = (req: SetupReq) => call<Setup>('load_setup', { req });
/** A file chosen in the system's open dialog, by path (streamed from disk by the import,
 * never read here); null when the dialog was closed. */
export async function pickFile(title: string, extensions: string[]): Promise<string | null> {
  try {
    const picked = await openDialog({
      title,
      multiple: false,
      directory: false,
      filters: [
        { name: extensions.join(', '), extensions },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toAppError(e);
  }
}

/** Files dropped on the window, by path (they are streamed from disk, never read here). */
export async function onFileDrop(cb: (paths: string[]) => void): Promise<UnlistenFn> {
  try {
    return await getCurrentWebview().onDragDropEvent((e) => {
      if (e.payload.type === 'drop') cb(e.payload.paths);
    });
  } catch (e) {
    console.warn('no file drop', toAppError(e));
    return () => {};
  }
}

export const schemaDatabases = (req: SchemaReq) => call<string[]>('schema_databases', { req });
export const schemaMeasurements = (req: SchemaReq) => call<string[]>('schema_measurements', { req });
export const schemaTagKeys = (req: SchemaReq) => call<string[]>('schema_tag_keys', { req });
export const schemaTagValues = (req: SchemaReq) => call<string[]>('schema_tag_values', { req });
export const schemaFieldKeys = (req: SchemaReq) => call<FieldKey[]>('schema_field_keys', { req });

export const historyList = (req: ListHistoryReq) => call<HistoryEntry[]>('history_list', { req });
export const historyClear = () => call<null>('history_clear', {});
export const savedList = () => call<SavedQuery[]>('saved_list', {});
export const savedSave = (req: SaveQueryReq) => call<SavedQuery>('saved_save', { req });
export const savedDelete = (id: string) => call<null>('saved_delete', { id });

export const exportResult = (req: ExportReq) => call<ExportResult>('export_result', { req });

/** Chart the result kept under `query_id` (the id given to `query_run`) as SVG. */
export const chartRender = (req: RenderChartReq) => call<Rendered>('chart_render', { req });
/** Write the chart of a kept result as PNG or SVG (`path` null: the Downloads folder). */
export const chartExport = (req: ExportChartReq) => call<ExportResult>('chart_export', { req });

/** Whether the app hosts the MCP socket, and where. */
export const mcpStatus = () => call<McpStatus>('mcp_status');
/** Serve MCP on the Unix socket, or stop (the socket file goes away). */
export const mcpSocketSet = (on: boolean) => call<McpStatus>('mcp_socket_set', { on });
/** Serve MCP over HTTP on 127.0.0.1:port, or stop it (errors: port in use, no keychain...). */
export const mcpHttpSet = (on: boolean, port: number) => call<McpStatus>('mcp_http_set', { on, port });
/** A new HTTP bearer token (never returned: `influxdesk serve --print-token` shows it). */
export const mcpHttpRotate = () => call<null>('mcp_http_rotate');
/** The assistant's tool calls of this run, oldest first (new ones come as `mcp.call` events). */
export const activityList = () => call<ActivityEntry[]>('activity_list');
/** Answer an approval request; NotFound when it already timed out. */
export const approvalAnswer = (id: string, approve: boolean) =>
  call<null>('approval_answer', { id, approve });
/** The app binary's path (what MCP client configs run). */
export const appExe = () => call<string>('app_exe');

// Users (1.x) and API tokens (2.x/3.x). `tokenCreate`'s answer carries the new token's value:
// the window shows it once and keeps it only if the user makes a profile with it.
export const userList = (profile: string | null) => call<UserInfo[]>('user_list', { profile });
export const userCreate = (req: CreateUserReq) => call<UserInfo>('user_create', { req });
export const userSetPassword = (req: SetPasswordReq) => call<null>('user_set_password', { req });
export const userSetAdmin = (req: SetAdminReq) => call<UserInfo>('user_set_admin', { req });
export const userGrant = (req: GrantReq) => call<UserInfo>('user_grant', { req });
export const userRevoke = (req: GrantReq) => call<UserInfo>('user_revoke', { req });
export const userDrop = (req: DropUserReq) => call<null>('user_drop', { req });
export const tokenList = (profile: string | null) => call<TokenList>('token_list', { profile });
export const tokenCreate = (req: CreateTokenReq) => call<CreatedToken>('token_create', { req });
export const tokenSetStatus = (req: SetTokenStatusReq) =>
  call<TokenInfo>('token_set_status', { req });
export const tokenDelete = (req: DeleteTokenReq) => call<null>('token_delete', { req });
/** The server's running queries (Admin > Queries). */
export const queriesList = (req: ListQueriesReq) => call<RunningQuery[]>('queries_list', { req });
/** Stop a running query (1.x KILL QUERY); returns it as it was listed. */
export const queriesKill = (req: KillQueryReq) => call<RunningQuery>('queries_kill', { req });
/** Delete data (Admin > Delete data); with `dry_run` only the statements and counts. */
export const dataDelete = (req: DeleteDataReq) => call<DeletePlan>('data_delete', { req });
/** One sample of the server overview; pass the last one's counters for rates. */
export const overviewGet = (req: OverviewReq) => call<Overview>('overview_get', { req });
/** The rates chart (SVG) of the collected samples. */
export const overviewChart = (req: OverviewChartReq) => call<Rendered>('overview_chart', { req });

// Dashboards: kept by core per profile; `profile: null` is the active one.
export const dashboardList = (profile: string | null) =>
  call<DashboardInfo[]>('dashboard_list', { req: { profile } });
export const dashboardGet = (req: DashboardReq) => call<Dashboard>('dashboard_get', { req });
export const dashboardCreate = (req: CreateDashboardReq) =>
  call<Dashboard>('dashboard_create', { req });
export const dashboardRename = (req: RenameDashboardReq) =>
  call<Dashboard>('dashboard_rename', { req });
export const dashboardDuplicate = (req: DuplicateDashboardReq) =>
  call<Dashboard>('dashboard_duplicate', { req });
export const dashboardUpdate = (req: UpdateDashboardReq) =>
  call<Dashboard>('dashboard_update', { req });
export const dashboardDelete = (req: DashboardReq) => call<null>('dashboard_delete', { req });
export const dashboardAddCell = (req: AddCellReq) => call<DashboardCell>('dashboard_add_cell', { req });
export const dashboardUpdateCell = (req: UpdateCellReq) =>
  call<DashboardCell>('dashboard_update_cell', { req });
export const dashboardRemoveCell = (req: CellReq) => call<null>('dashboard_remove_cell', { req });
/** Annotate a dashboard at a time (drawn on every time chart cell). */
export const dashboardAddAnnotation = (req: AddAnnotationReq) =>
  call<Dashboard>('dashboard_add_annotation', { req });
export const dashboardRemoveAnnotation = (req: RemoveAnnotationReq) =>
  call<Dashboard>('dashboard_remove_annotation', { req });
/** Run the cells (all, or `cells`) and draw each as SVG at its size on the grid. */
export const dashboardRun = (req: RunDashboardReq) => call<DashboardRun>('dashboard_run', { req });
export const dashboardVariableValues = (req: VariableValuesReq) =>
  call<ResolvedVariable[]>('dashboard_variable_values', { req });
/** The dashboard as influxdesk JSON. */
export const dashboardExport = (req: DashboardReq) => call<string>('dashboard_export', { req });
export const dashboardImport = (req: ImportDashboardReq) =>
  call<DashboardImportReport>('dashboard_import', { req });

export const settingsGet = () => call<UserSettings>('settings_get', {});
export const settingsUpdate = (req: UserSettings) => call<UserSettings>('settings_update', { req });

// Admin: databases/buckets, 1.x retention policies, downsampling (1.x CQs, 2.x tasks, 3.x triggers).
export const dbList = (profile: string | null) => call<Bucket[]>('db_list', { profile });
export const dbCreate = (req: CreateBucketReq) => call<BucketChange>('db_create', { req });
export const dbUpdate = (req: UpdateBucketReq) => call<BucketChange>('db_update', { req });
export const dbDelete = (req: DeleteBucketReq) => call<null>('db_delete', { req });
export const rpList = (req: ListRpReq) => call<RetentionPolicy[]>('rp_list', { req });
export const rpCreate = (req: CreateRpReq) => call<RetentionPolicy>('rp_create', { req });
export const rpAlter = (req: AlterRpReq) => call<RetentionPolicy>('rp_alter', { req });
export const rpDrop = (req: DropRpReq) => call<null>('rp_drop', { req });
export const cqList = (req: ListCqReq) => call<ContinuousQuery[]>('cq_list', { req });
export const cqCreate = (req: CreateCqReq) => call<ContinuousQuery>('cq_create', { req });
export const cqDrop = (req: DropCqReq) => call<null>('cq_drop', { req });
export const cqDownsample = (req: DownsampleReq) => call<DownsamplePlan>('cq_downsample', { req });
export const taskList = (req: ListTasksReq) => call<Task[]>('task_list', { req });
export const taskSetEnabled = (req: SetTaskReq) => call<Task>('task_set_enabled', { req });
export const taskRun = (req: TaskReq) => call<TaskRun>('task_run', { req });
export const taskRuns = (req: TaskReq) => call<TaskRun[]>('task_runs', { req });
export const taskLogs = (req: TaskReq) => call<TaskLog[]>('task_logs', { req });
export const triggerList = (req: ListTriggersReq) => call<Trigger[]>('trigger_list', { req });

// ---- alerts ---------------------------------------------------------------------------------
export const alertRows = (req: AlertRowsReq) => call<AlertRow[]>('alert_rows', { req });
export const alertCreate = (req: CreateAlertReq) => call<AlertRule>('alert_create', { req });
export const alertUpdate = (req: UpdateAlertReq) => call<AlertRule>('alert_update', { req });
export const alertDelete = (alert: string) => call<null>('alert_delete', { alert });
/** Replay a rule (saved or being written) over past data, with the chart of what it checked. */
export const alertBacktestChart = (req: BacktestChartReq) =>
  call<BacktestView>('alert_backtest_chart', { req });
export const alertHistory = (req: AlertHistoryReq) => call<AlertChange[]>('alert_history', { req });
export const alertSilence = (req: SilenceReq) => call<Silence[]>('alert_silence', { req });
export const alertUnsilence = (alert: string, series: string | null) =>
  call<Silence[]>('alert_unsilence', { alert, series });
export const alertTest = (req: TestAlertReq) => call<ChannelTest[]>('alert_test', { req });
/** The SMTP account email channels send through (never its password). */
export const alertSmtp = () => call<SmtpView>('alert_smtp');
export const alertSmtpSet = (req: SetSmtpReq) => call<SmtpView>('alert_smtp_set', { req });
/** A 2.x server's own checks and notification rules. */
export const alertServer = (req: ServerAlertingReq) => call<ServerAlerting>('alert_server', { req });

// ---- events ---------------------------------------------------------------------------------

export const EVENT = 'influxdesk://event';
export const DEMO_EVENT = 'influxdesk://demo';
export const APPROVAL_EVENT = 'influxdesk://approval';

async function on<T>(name: string, cb: (payload: T) => void): Promise<UnlistenFn> {
  try {
    return await listen<T>(name, (e) => cb(e.payload));
  } catch (e) {
    console.warn(`cannot listen to ${name}`, toAppError(e));
    return () => {};
  }
}

/** Something changed in core (a profile was added, a query ran...). */
export const onEvent = (cb: (ev: Event) => void) => on<Event>(EVENT, cb);
/** An assistant asks to write or change something (profile policy "ask"). */
export const onApproval = (cb: (req: ApprovalRequest) => void) =>
  on<ApprovalRequest>(APPROVAL_EVENT, cb);
/** The local demo server's state changed. */
export const onDemo = (cb: (st: DemoStatus) => void) => on<DemoStatus>(DEMO_EVENT, cb);

// ---- UI preferences (tauri-plugin-store, ui.json) --------------------------------------------

/** The colour theme the user chose: System follows `prefers-color-scheme`. */
export type ThemeMode = 'system' | 'light' | 'dark';

export type Screen = 'connections' | 'explore' | 'dashboards' | 'load' | 'admin' | 'alerts' | 'assistant';

/** Everything the UI remembers between runs. Per-profile maps are keyed by profile id. */
export interface UiPrefs {
  screen: Screen;
  /** The Explore screen's tabs (text, language, database, time range...), per profile. */
  explore_tabs: Record<string, SavedTabs>;
  /** How the result table shows times. */
  time_zone: TimeZoneMode;
  /** Before the Explore screen: the Query screen's text/language/database, per profile. */
  query_text: Record<string, string>;
  query_lang: Record<string, QueryLanguage>;
  query_db: Record<string, string>;
  /** The colour theme (System, Light or Dark). */
  theme: ThemeMode;
}

// Kept by the backend in ui.json (tauri-plugin-store): the webview names keys, never a file.
const memory = new Map<string, unknown>();
let storeBroken = false;

export async function getPref<K extends keyof UiPrefs>(key: K): Promise<UiPrefs[K] | undefined> {
  if (storeBroken) return memory.get(key) as UiPrefs[K] | undefined;
  try {
    const v = await call<UiPrefs[K] | null>('pref_get', { key });
    return v ?? (memory.get(key) as UiPrefs[K] | undefined);
  } catch (e) {
    // Preferences are a convenience: without the store we keep them for this session only.
    console.warn('ui.json store unavailable', e);
    storeBroken = true;
    return memory.get(key) as UiPrefs[K] | undefined;
  }
}

export async function setPref<K extends keyof UiPrefs>(key: K, value: UiPrefs[K]): Promise<void> {
  memory.set(key, value);
  if (storeBroken) return;
  try {
    await call<null>('pref_set', { key, value });
  } catch (e) {
    console.warn('cannot save preference', key, e);
  }
}

/** Read-modify-write one entry of a per-profile map preference. */
export async function setProfilePref<K extends 'explore_tabs' | 'query_text' | 'query_lang' | 'query_db'>(
  key: K,
  profile: string,
  value: UiPrefs[K][string],
): Promise<void> {
  const cur = ((await getPref(key)) ?? {}) as UiPrefs[K];
  await setPref(key, { ...cur, [profile]: value });
}
