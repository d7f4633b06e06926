// The ChatGPT record in the store file, under the store lock (core.md §6.4).
import { pyTrim } from '../../lib/python.js';
import { parseIsoSeconds } from '../../lib/time.js';
import type { LockedStore, Snapshot, Store } from '../../store/index.js';
import { parseRecord, serializeRecord, type AuthRecord } from './record.js';

/** The record as the file holds it (its first CHATGPT_AUTH_JSON), or undefined when the file has none. */
export function fileRecord(snapshot: Snapshot): AuthRecord | undefined {
  const value = snapshot.value('CHATGPT_AUTH_JSON');
  if (value === undefined || pyTrim(value) === '') return undefined;
  return parseRecord(value);
}

/** When the block was last written (`LITELLM_CHATGPT_AUTH_SYNCED_AT`), in ms, if known. */
export function syncedAtMs(snapshot: Snapshot): number | undefined {
  return parseIsoSeconds(snapshot.value('LITELLM_CHATGPT_AUTH_SYNCED_AT'));
}

/** Writes the record into the managed block atomically; this process uses it from now on. */
export function writeRecord(locked: LockedStore, record: AuthRecord): void {
  locked.writeChatgptRecord(serializeRecord(record));
}

/** Makes this process use a record another process wrote (adopting writes nothing). */
export function adoptRecord(store: Store, record: AuthRecord): void {
  store.setValue('CHATGPT_AUTH_JSON', serializeRecord(record));
}
