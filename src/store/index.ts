// The store front: the only door commands, drivers and the library use. Open the store (safety checks, then
// the envelopes), select surfaces by name, hold the lock, and make the domain edits. Nobody outside
// src/store parses `.env` text.
import { existsSync } from 'node:fs';
import { storeError, usageError } from '../lib/errors.js';
import { repr } from '../lib/python.js';
import type { Runtime } from '../lib/runtime.js';
import { checkStoreSafety, type SafetyOptions } from '../safety/validate.js';
import {
  appendBlock,
  appendMovingLine,
  assignmentsOutsideEnvelopes,
  removeManagedBlock,
  setEnvelopeMetadata,
  setEnvelopeVariable,
  writeManagedRecord,
  type EnvelopeId,
} from './document.js';
import { distinctNames, type Surface } from './envelope.js';
import { readStoreText, sweepLeftovers, withStoreLock, type StoreText } from './file.js';
import { clearStaleLock } from './lock.js';
import { sidecarOf } from './sidecar.js';
import { resolveStorePath, type StorePath } from './path.js';
import { quoteValue } from './values.js';
import { viewOf, type StoreView } from './view.js';

export type { Surface } from './envelope.js';
export { DEFAULT_CHATGPT_SURFACE, distinctNames, isChatgptSurface, metadataFlag } from './envelope.js';
export type { StorePath } from './path.js';

/** Which safety checks run before the store is read (core.md §1.5). */
export type CheckPolicy = 'always' | 'if-exists' | 'none';

export interface OpenOptions {
  /** `--env-file`; undefined means `<cwd>/.env`. */
  readonly envFile: string | undefined;
  readonly checks: CheckPolicy;
  /** Where `warning: ...` lines go (waiting for the lock, a missing VCS binary, a failed chmod). */
  readonly warn: (message: string) => void;
}

/** A new envelope (core.md §9.3): `# key=value` metadata lines, then assignments (undefined: `KEY=`). */
export interface NewEnvelope {
  readonly name: string;
  readonly auth: string;
  readonly metadata: ReadonlyArray<readonly [string, string]>;
  readonly assignments: ReadonlyArray<readonly [string, string | undefined]>;
  /**
   * The first variable already assigned outside every envelope: `adopt` moves that line into the new envelope
   * (when the envelope gives the variable no value), `refuse` fails. Undefined: not looked at.
   */
  readonly existing?: 'adopt' | 'refuse';
}

/** The store file as it is now, re-read under the lock; never the process environment. */
export interface Snapshot {
  readonly surfaces: readonly Surface[];
  /** The first assignment of the key in the file. */
  value(key: string): string | undefined;
}

/** What a holder of the store lock may do. Each edit re-reads the file and replaces it atomically. */
export interface LockedStore {
  read(): Snapshot;
  /**
   * Appends an envelope, refusing a same-named surface of the mode or a variable some surface uses. Returns
   * whether an existing assignment was adopted into it.
   */
  appendEnvelope(envelope: NewEnvelope): boolean;
  /** Writes CHATGPT_AUTH_JSON into the managed block (core.md §6.4); this process uses it from now on. */
  writeChatgptRecord(recordJson: string): void;
  /** Sets a variable inside an envelope; this process uses the new value from now on. */
  setVariable(surface: EnvelopeId, key: string, value: string): void;
  /** Sets or (undefined) removes a `# key=value` line inside an envelope. */
  setMetadata(surface: EnvelopeId, key: string, value: string | undefined): void;
  /** Several variables and metadata lines of one envelope in one atomic write; this process uses the values. */
  updateEnvelope(surface: EnvelopeId, change: EnvelopeChange): void;
  /** Removes the managed ChatGPT block; false when the file has none. */
  removeChatgptBlock(): boolean;
}

export interface EnvelopeChange {
  readonly variables?: ReadonlyArray<readonly [string, string]>;
  /** undefined removes the line. */
  readonly metadata?: ReadonlyArray<readonly [string, string | undefined]>;
}

/** The file's own view: no environment shadows its values. */
const snapshotOf = (p: StorePath, t: StoreText | undefined): Snapshot => viewOf(p, t?.text, {});

export function unknownSurface(name: string, surfaces: readonly Surface[]): Error {
  const names = distinctNames(surfaces);
  return usageError(`unknown auth surface ${repr(name)}; available: ${names.length > 0 ? names.join(', ') : 'none'}`);
}

export function envelopeLines(e: NewEnvelope): string[] {
  return [
    `# BEGIN LLM AUTH SURFACE ${e.name} ${e.auth}`,
    ...e.metadata.map(([k, v]) => `# ${k}=${v}`),
    ...e.assignments.map(([k, v]) => (v === undefined ? `${k}=` : `${k}=${quoteValue(v)}`)),
    `# END LLM AUTH SURFACE ${e.name} ${e.auth}`,
  ];
}

export class Store implements StoreView {
  private constructor(
    readonly rt: Runtime,
    readonly path: StorePath,
    readonly warn: (message: string) => void,
    private readonly view: StoreView,
  ) {}

  /** Resolves the path, runs the safety checks the policy asks for, then reads and parses the store. */
  static async open(rt: Runtime, options: OpenOptions): Promise<Store> {
    const p = resolveStorePath(options.envFile, rt.cwd, rt.home);
    // What killed writers left behind goes first, whatever this command does next (core.md §8.10).
    sweepLeftovers(sidecarOf(p), rt, { locked: false });
    await clearStaleLock(p, rt);
    if (options.checks === 'always' || (options.checks === 'if-exists' && existsSync(p.absolute))) {
      await checkStoreSafety(p, rt, { warn: options.warn });
    }
    // A missing store reads as an empty one.
    return new Store(rt, p, options.warn, viewOf(p, readStoreText(p)?.text, rt.env));
  }

  get surfaces(): readonly Surface[] {
    return this.view.surfaces;
  }

  value(key: string): string | undefined {
    return this.view.value(key);
  }

  fileValue(key: string): string | undefined {
    return this.view.fileValue(key);
  }

  fromEnvironment(key: string): boolean {
    return this.view.fromEnvironment(key);
  }

  setValue(key: string, value: string): void {
    this.view.setValue(key, value);
  }

  lineOf(key: string): number | undefined {
    return this.view.lineOf(key);
  }

  /** Where a variable's effective value comes from, for messages: `at {path}:{line}` or `in the environment`. */
  whereIs(key: string): string {
    if (this.fromEnvironment(key)) return `in the environment (${key})`;
    const line = this.lineOf(key);
    return line === undefined ? `in ${this.path.display}` : `at ${this.path.display}:${line}`;
  }

  /** The safety checks of core.md §8, with the options `add-api-key` needs. */
  checkSafety(options: Omit<SafetyOptions, 'warn'> = {}): Promise<void> {
    return checkStoreSafety(this.path, this.rt, { ...options, warn: this.warn });
  }

  /**
   * The surfaces called `name` (every surface when undefined). None: `implicit(name)` may supply a built-in
   * surface (the default ChatGPT surface), else `error: unknown auth surface ...` (exit 2).
   */
  select(name: string | undefined, implicit?: (name: string) => Surface | undefined): Surface[] {
    if (name === undefined) return [...this.surfaces];
    const named = this.surfaces.filter((s) => s.name === name);
    if (named.length > 0) return named;
    const builtIn = implicit?.(name);
    if (builtIn) return [builtIn];
    throw unknownSurface(name, this.surfaces);
  }

  /** Runs `fn` holding the store lock (core.md §7); the lock is released however `fn` ends. */
  withLock<T>(fn: (locked: LockedStore) => Promise<T> | T): Promise<T> {
    const p = this.path;
    return withStoreLock(
      p,
      this.rt,
      (file) =>
        fn({
          read: () => snapshotOf(p, file.read()),
          appendEnvelope: (envelope) => {
            let adopted = false;
            file.write((current) => {
              // Decided on the text re-read inside the lock; only an append needs it parsed.
              for (const existing of snapshotOf(p, current).surfaces) {
                if (existing.name === envelope.name && existing.auth === envelope.auth) {
                  throw storeError(`${envelope.auth} surface ${repr(envelope.name)} already exists`);
                }
                const taken = envelope.assignments.find(([k]) => existing.envKeys.includes(k));
                if (taken) throw storeError(`env var ${repr(taken[0])} already belongs to a surface`);
              }
              const text = current?.text ?? '';
              const [key, value] = envelope.assignments[0] ?? [];
              const outside = envelope.existing && key !== undefined ? assignmentsOutsideEnvelopes(text, key) : [];
              if (outside.length === 0) return appendBlock(text, envelopeLines(envelope));
              const where = outside.map((i) => `${p.display}:${i + 1}`).join(', ');
              if (envelope.existing === 'refuse' || value !== undefined) {
                throw storeError(
                  `${key} is already assigned outside any envelope (${where}); remove that line, or add the surface without --key to adopt its value`,
                );
              }
              if (outside.length > 1) {
                throw storeError(
                  `${key} is assigned ${outside.length} times outside any envelope (${where}); keep one and try again`,
                );
              }
              adopted = true;
              return appendMovingLine(text, envelopeLines(envelope), 1 + envelope.metadata.length, outside[0]!);
            });
            return adopted;
          },
          writeChatgptRecord: (recordJson) => {
            file.write((current) => writeManagedRecord(current?.text ?? '', recordJson, this.rt.now()));
            this.setValue('CHATGPT_AUTH_JSON', recordJson);
          },
          setVariable: (surface, key, value) => {
            file.write((current) => setEnvelopeVariable(current?.text ?? '', surface, key, value));
            this.setValue(key, value);
          },
          setMetadata: (surface, key, value) =>
            file.write((current) => setEnvelopeMetadata(current?.text ?? '', surface, key, value)),
          updateEnvelope: (surface, change) => {
            file.write((current) => {
              let text = current?.text ?? '';
              for (const [key, value] of change.variables ?? []) text = setEnvelopeVariable(text, surface, key, value);
              for (const [key, value] of change.metadata ?? []) text = setEnvelopeMetadata(text, surface, key, value);
              return text;
            });
            for (const [key, value] of change.variables ?? []) this.setValue(key, value);
          },
          removeChatgptBlock: () => {
            let removed = false;
            file.write((current) => {
              const text = removeManagedBlock(current?.text ?? '');
              removed = text !== undefined;
              return text;
            });
            if (removed) this.setValue('CHATGPT_AUTH_JSON', '');
            return removed;
          },
        }),
      { warn: this.warn },
    );
  }

  /** Appends under the lock; true when an existing assignment was adopted into the envelope. */
  appendEnvelope(envelope: NewEnvelope): Promise<boolean> {
    return this.withLock((locked) => locked.appendEnvelope(envelope));
  }
}
