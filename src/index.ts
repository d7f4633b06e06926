// The library API for apps (commands.md §8): the store with the CLI's safety checks, fresh credentials, and an
// `openai` client that keeps them fresh. The same code as the CLI; it prints nothing and never asks a person.
import type { ClientOptions, OpenAI } from 'openai';
import { credentialsOf, openFront, type AuthMode, type Credentials, type OpenOptions } from './credentials.js';
import { openAIClientOf } from './openai-client.js';
import type { Store as StoreFront, Surface } from './store/index.js';
import { statusDocument, type StatusDocument } from './surfaces/views.js';

export { LlmAuthError } from './lib/errors.js';
export type { ErrorKind } from './lib/errors.js';
export type { Surface } from './store/index.js';
export type { StatusDocument } from './surfaces/views.js';
export type { ApiKeyStatus, ChatgptStatus, GatewayStatus, PresenceStatus, SurfaceStatus } from './surfaces/driver.js';
export type { ApiKeyCredentials, AuthMode, ChatgptCredentials, Credentials, GatewayCredentials } from './credentials.js';

export type OpenStoreOptions = OpenOptions;

export interface SurfaceInfo {
  readonly name: string;
  readonly auth: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly env: readonly string[];
}

export interface Store {
  readonly path: string;
  /** Names, modes, metadata and variable names; never values. */
  surfaces(): SurfaceInfo[];
  /** The same object `llm-auth status [name]` prints. */
  status(name?: string): StatusDocument;
  reload(): Promise<void>;
}

const info = (s: Surface): SurfaceInfo => ({ name: s.name, auth: s.auth, metadata: { ...s.metadata }, env: [...s.envKeys] });

/** The store front behind each Store handed out, as it is after the last reload. */
const fronts = new WeakMap<Store, () => StoreFront>();

/** Opens the store: safety checks (all four, when it exists), then the envelopes. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  let front = await openFront(options);
  const store: Store = {
    path: front.path.display,
    surfaces: () => front.surfaces.map(info),
    status: (name) => statusDocument(front, name),
    async reload() {
      front = await openFront(options);
    },
  };
  fronts.set(store, () => front);
  return store;
}

export interface CredentialsOptions extends OpenStoreOptions {
  /** An open store (else one is opened from `envFile`, `cwd`, `env`). */
  store?: Store;
  /** Which envelope, when the name has several modes. */
  auth?: AuthMode;
  /** Default true; false uses the stored value as is (`--no-renew`). */
  renew?: boolean;
  /** ChatGPT: seconds the access token must have left (default 300). */
  minTtlSeconds?: number;
}

async function frontFor(options: CredentialsOptions): Promise<StoreFront> {
  if (options.store) {
    const front = fronts.get(options.store);
    if (!front) throw new TypeError('options.store must come from openStore()');
    return front();
  }
  return openFront(options);
}

/** Fresh credentials of one surface, by the rules of `llm-auth token` (commands.md §1.6). */
export async function credentialsFor(surface: string, options: CredentialsOptions = {}): Promise<Credentials> {
  return credentialsOf(await frontFor(options), surface, options);
}

/**
 * An `openai` client for the surface (openai 6 must be installed): a plain client for an api-key surface; for
 * gateway and ChatGPT surfaces a key fetched fresh before every request and one renewal (or refresh) and resend
 * when the key is rejected.
 */
export async function createOpenAIClient(
  surface: string,
  options: CredentialsOptions & { clientOptions?: ClientOptions } = {},
): Promise<OpenAI> {
  return openAIClientOf(await frontFor(options), surface, options, options.clientOptions);
}
