// The one door to the Rust backend: typed wrappers over Tauri `invoke`, the app's events and
// the UI-preferences store. No other file imports `@tauri-apps/*`. Every failure leaves here
// as an `AppError` (`{code, message}`) so components can branch on `code`.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { load, type Store } from '@tauri-apps/plugin-store';

import type { AddProfileReq } from './bindings/AddProfileReq';
import type { AppError } from './bindings/AppError';
import type { AppInfo } from './bindings/AppInfo';
import type { ConnectionStatus } from './bindings/ConnectionStatus';
import type { DemoStatus } from './bindings/DemoStatus';
import type { DuplicateProfileReq } from './bindings/DuplicateProfileReq';
import type { ErrorCode } from './bindings/ErrorCode';
import type { Event } from './bindings/Event';
import type { ImportReport } from './bindings/ImportReport';
import type { Profile } from './bindings/Profile';
import type { ProfileList } from './bindings/ProfileList';
import type { QueryLanguage } from './bindings/QueryLanguage';
import type { QueryResult } from './bindings/QueryResult';
import type { RunQueryReq } from './bindings/RunQueryReq';
import type { ServerInfo } from './bindings/ServerInfo';
import type { TestProfileReq } from './bindings/TestProfileReq';
import type { UpdateProfileReq } from './bindings/UpdateProfileReq';

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

export const queryRun = (req: RunQueryReq) => call<QueryResult>('query_run', { req });

// ---- events ---------------------------------------------------------------------------------

export const EVENT = 'influxdesk://event';
export const DEMO_EVENT = 'influxdesk://demo';

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
/** The local demo server's state changed. */
export const onDemo = (cb: (st: DemoStatus) => void) => on<DemoStatus>(DEMO_EVENT, cb);

// ---- UI preferences (tauri-plugin-store, ui.json) --------------------------------------------

export type Screen = 'connections' | 'query';

/** Everything the UI remembers between runs. Per-profile maps are keyed by profile id. */
export interface UiPrefs {
  screen: Screen;
  query_text: Record<string, string>;
  query_lang: Record<string, QueryLanguage>;
  query_db: Record<string, string>;
}

let storePromise: Promise<Store | null> | null = null;
const memory = new Map<string, unknown>();

function store(): Promise<Store | null> {
  storePromise ??= load('ui.json', { autoSave: true }).catch((e) => {
    // Preferences are a convenience: without the store we keep them for this session only.
    console.warn('ui.json store unavailable', toAppError(e));
    return null;
  });
  return storePromise;
}

export async function getPref<K extends keyof UiPrefs>(key: K): Promise<UiPrefs[K] | undefined> {
  const s = await store();
  if (!s) return memory.get(key) as UiPrefs[K] | undefined;
  try {
    return await s.get<UiPrefs[K]>(key);
  } catch {
    return memory.get(key) as UiPrefs[K] | undefined;
  }
}

export async function setPref<K extends keyof UiPrefs>(key: K, value: UiPrefs[K]): Promise<void> {
  memory.set(key, value);
  const s = await store();
  if (!s) return;
  try {
    await s.set(key, value);
  } catch (e) {
    console.warn('cannot save preference', key, toAppError(e));
  }
}

/** Read-modify-write one entry of a per-profile map preference. */
export async function setProfilePref<K extends 'query_text' | 'query_lang' | 'query_db'>(
  key: K,
  profile: string,
  value: UiPrefs[K][string],
): Promise<void> {
  const cur = ((await getPref(key)) ?? {}) as UiPrefs[K];
  await setPref(key, { ...cur, [profile]: value });
}
