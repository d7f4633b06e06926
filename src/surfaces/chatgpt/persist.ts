// Writing the ChatGPT record into the managed block, under the store lock (core.md §6.4).
import { stripBom, writeManagedRecord } from '../../store/document.js';
import type { LockedStore, StoreText } from '../../store/file.js';
import type { LoadedStore } from '../../store/store.js';
import { pyTrim } from '../../lib/text.js';
import { parseAssignments } from '../../store/values.js';
import { parseRecord, serializeRecord, type AuthRecord } from './record.js';

const body = (t: StoreText | undefined): string => stripBom(t?.text ?? '');

/** The record as the file holds it (its first CHATGPT_AUTH_JSON), or undefined when the file has none. */
export function fileRecord(t: StoreText | undefined): AuthRecord | undefined {
  const value = parseAssignments(body(t)).get('CHATGPT_AUTH_JSON');
  if (value === undefined || pyTrim(value) === '') return undefined;
  return parseRecord(value);
}

/** When the block was last written (`LITELLM_CHATGPT_AUTH_SYNCED_AT`), in ms, if known. */
export function syncedAtMs(t: StoreText | undefined): number | undefined {
  const value = parseAssignments(body(t)).get('LITELLM_CHATGPT_AUTH_SYNCED_AT');
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Writes the record into the managed block atomically, and makes this process use it from now on. */
export function writeRecord(locked: LockedStore, store: LoadedStore, record: AuthRecord, nowMs: number): void {
  const json = serializeRecord(record);
  locked.write((current) => writeManagedRecord(current?.text ?? '', json, nowMs));
  store.setValue('CHATGPT_AUTH_JSON', json);
}

/** Makes this process use a record another process wrote (adopting writes nothing). */
export function adoptRecord(store: LoadedStore, record: AuthRecord): void {
  store.setValue('CHATGPT_AUTH_JSON', serializeRecord(record));
}
