// Renewing a gateway key (gateway.md §10). The portal keeps one live key per account and a POST kills the old
// one at once, so the POST is sent holding the store lock after a re-read (one POST across all processes),
// never twice for one renewal, and its result is written before it is verified.
import { pyTrim } from '../../lib/python.js';
import { singleFlight } from '../../lib/single-flight.js';
import type { LockedStore, Snapshot, Store, Surface } from '../../store/index.js';
import { isoSeconds } from '../../lib/time.js';
import { bookkeepingSeconds, readConfig, type GatewayConfig } from './config.js';
import {
  answerJson,
  answerMessage,
  failureReason,
  gatewayRequest,
  portalRequest,
  portalUrl,
  probeKey,
  renewalHelps,
  sessionRejected,
  sessionRejectedText,
  type Exchange,
  type Probe,
} from './protocol.js';
import { keyInfoExpiry, portalKey } from './schemas.js';
import { obtainSession, runSessionCommand, SESSION_COMMAND_LIMIT_MS, storedSession, type Session } from './session.js';

export const REQUEST_TIMEOUT_MS = 30_000;
/** A renewal this recent is a peer's whose key may still be propagating (§10 step 3). */
const RECENT_SECONDS = 60;
/** Waits between the probes that verify a new key (§10 step 7): five probes, 7.5 s of waiting. */
const VERIFY_WAITS_MS = [500, 1000, 2000, 4000];

export interface GatewayRenewOptions {
  /** `--force`: no probe first, and a `renewed_at` under 60 s does not count as a peer's renewal. */
  readonly force: boolean;
  /** Skip the probe of step 2 (the freshness path of §11 decided already). */
  readonly skipProbe?: boolean;
  /** Aborts the requests (a command's deadline). */
  readonly signal?: AbortSignal | undefined;
}

export type GatewayRenewResult =
  | { pass: true; detail: string; key: string; /** epoch seconds, when known */ expiresAt?: number | undefined }
  | { pass: false; detail: string };

const failed = (detail: string): GatewayRenewResult => ({ pass: false, detail });

/** The key a surface hands out: the effective value of `{env}`, trimmed ('' when blank). */
export const effectiveKey = (store: Store, config: GatewayConfig): string => pyTrim(store.value(config.env) ?? '');

/** The envelope as the file holds it now (a peer may have changed its metadata). */
const currentSurface = (snapshot: Snapshot, surface: Surface): Surface | undefined =>
  snapshot.surfaces.find((s) => s.name === surface.name && s.auth === surface.auth);

/** How a command talks to the portal and gateway: its fetch, per-request limit, secrets to redact, deadline. */
export function exchangeFor(
  store: Store,
  secrets: Set<string>,
  timeoutMs = REQUEST_TIMEOUT_MS,
  label = '30',
  signal?: AbortSignal,
): Exchange {
  return { fetch: store.rt.fetch, timeoutMs, timeoutLabel: label, secrets: () => [...secrets], ...(signal && { signal }) };
}

const renewals = singleFlight<GatewayRenewResult>();

/**
 * One renewal of one surface; never throws for what the portal or gateway answer. Concurrent calls in this
 * process for the same surface share one renewal; other processes wait for the store lock.
 */
export function renewGatewayKey(store: Store, surface: Surface, options: GatewayRenewOptions): Promise<GatewayRenewResult> {
  const key = `${store.path.absolute}\0${surface.name}\0${options.force ? 'force' : ''}`;
  return renewals.run(key, () => renewOnce(store, surface, options));
}

async function renewOnce(store: Store, surface: Surface, options: GatewayRenewOptions): Promise<GatewayRenewResult> {
  const read = readConfig(surface);
  if (!read.ok) return failed(`invalid metadata: ${read.text}`);
  const config = read.config;
  const { rt } = store;
  const secrets = new Set<string>();
  const remember = (value: string | undefined): void => {
    if (value) secrets.add(value);
  };
  const x = exchangeFor(store, secrets, REQUEST_TIMEOUT_MS, '30', options.signal);
  const fileKeyBefore = store.fileValue(config.env);
  const key = effectiveKey(store, config);
  [key, fileKeyBefore, store.value(config.sessionEnv)].forEach(remember);

  // Step 2: a valid key costs one GET and nothing else.
  if (!options.force && !options.skipProbe && key !== '') {
    const nowS = Math.floor(rt.now() / 1000);
    const expiresAt = bookkeepingSeconds(surface.metadata.expires_at);
    const probe = await probeKey(x, config, key, expiresAt, nowS);
    const inWindow = expiresAt !== undefined && nowS >= expiresAt - config.renewBeforeSeconds;
    if (probe.outcome === 'valid' && !inWindow) return { pass: true, detail: 'key still valid', key };
    if (probe.outcome !== 'valid' && !renewalHelps(probe)) return failed(probe.detail);
  }

  const renewal: Renewal = { store, surface, config, x, remember, fileKeyBefore, key, options };
  const minted = await store.withLock((locked) => renewLocked(renewal, locked));
  if (!minted.pass || minted.detail !== 'renewed') return minted;
  return verify(store, surface, config, x, minted.key, minted.expiresAt);
}

/** One renewal's settings and what it knew before it took the lock. */
interface Renewal {
  readonly store: Store;
  readonly surface: Surface;
  readonly config: GatewayConfig;
  readonly x: Exchange;
  /** Adds a secret the answers may echo. */
  readonly remember: (value: string | undefined) => void;
  /** The file's value of `{env}` when the command started. */
  readonly fileKeyBefore: string | undefined;
  /** The effective key that was probed ('' when blank). */
  readonly key: string;
  readonly options: GatewayRenewOptions;
}

/** Steps 3-6, holding the lock. */
async function renewLocked(renewal: Renewal, locked: LockedStore): Promise<GatewayRenewResult> {
  const { store, surface, config, x, remember, fileKeyBefore, key, options } = renewal;
  const { rt } = store;
  const snapshot = locked.read();
  const now = currentSurface(snapshot, surface);
  if (!now) return failed(`surface '${surface.name}' is no longer in ${store.path.display}`);
  const fileKey = snapshot.value(config.env);
  remember(fileKey);
  // Step 3: a peer renewed while we probed or waited for the lock.
  const nowS = Math.floor(rt.now() / 1000);
  const renewedAt = bookkeepingSeconds(now.metadata.renewed_at);
  const recent = !options.force && renewedAt !== undefined && nowS - renewedAt < RECENT_SECONDS && nowS >= renewedAt;
  if (fileKey !== fileKeyBefore || recent) {
    const adopted = pyTrim(fileKey ?? '');
    if (adopted !== '') {
      store.setValue(config.env, adopted);
      shadowWarning(store, config);
      return {
        pass: true,
        detail: 'renewed by another process',
        key: adopted,
        expiresAt: bookkeepingSeconds(now.metadata.expires_at),
      };
    }
  }

  // Step 4: the session.
  const runCommand = (command: string) => runSessionCommand(rt, command, SESSION_COMMAND_LIMIT_MS, '30');
  const keep = (session: Session): void => {
    remember(session.token);
    // A token the command printed is kept for next time (§3).
    if (session.source === 'command') locked.setVariable(surface, config.sessionEnv, session.token);
  };
  const obtained = await obtainSession({
    config,
    stored: storedSession(config, rt.env, snapshot.value(config.sessionEnv)),
    nowS,
    run: runCommand,
  });
  if (!obtained.ok) return failed(obtained.text);
  let session = obtained.session;
  keep(session);

  // Step 5: the POST. A 401 (or a redirect to sign-in) means it was not processed: one retry with a new session.
  let result = await portalRequest(x, config, 'POST', session.token);
  if (result.ok && sessionRejected(result) && session.source !== 'command' && config.sessionCommand !== undefined) {
    const fresh = await runCommand(config.sessionCommand);
    if (!fresh.ok) return failed(fresh.text);
    session = { token: fresh.token, source: 'command' };
    keep(session);
    result = await portalRequest(x, config, 'POST', session.token);
  }
  const oldKeys = new Set([pyTrim(fileKey ?? ''), key]);
  let newKey: string | undefined;
  if (!result.ok) {
    // Never established: the portal cannot have seen it. Otherwise the outcome is unknown: ask, never re-POST.
    if (!result.sent) return failed(`the portal did not answer (${failureReason(result)}); key unchanged, retry later`);
    newKey = await keyAfterUnknownOutcome(x, config, session, oldKeys, remember);
    if (newKey === undefined) return failed(`the portal did not answer (${failureReason(result)}); key unchanged, retry later`);
  } else if (sessionRejected(result)) {
    return failed(sessionRejectedText(config.name, result.status));
  } else if (result.status === 200) {
    newKey = portalKey(answerJson(result));
    if (newKey === undefined) return failed('the portal response had no api_key');
  } else if (result.status === 403) {
    return failed(`the portal refused to create a key (HTTP 403): ${answerMessage(result, x.secrets())}`);
  } else if (result.status === 404) {
    return failed(`the portal has no key route at ${portalUrl(config)}`);
  } else if (result.status >= 500 && result.status <= 599) {
    newKey = await keyAfterUnknownOutcome(x, config, session, oldKeys, remember);
    if (newKey === undefined) {
      return failed(
        `the portal returned HTTP ${result.status}: ${answerMessage(result, x.secrets())}; key unchanged, retry later`,
      );
    }
  } else {
    // Another 4xx: the portal processed the request and refused it.
    return failed(`the portal returned HTTP ${result.status}: ${answerMessage(result, x.secrets())}; key unchanged, retry later`);
  }
  remember(newKey);

  // Step 6: the old key is dead already, so the new one is written before it is verified.
  const writtenMs = rt.now();
  locked.updateEnvelope(surface, {
    variables: [[config.env, newKey]],
    metadata: [
      ['renewed_at', isoSeconds(writtenMs)],
      ['expires_at', config.lifetimeSeconds === undefined ? undefined : isoSeconds(writtenMs + config.lifetimeSeconds * 1000)],
    ],
  });
  shadowWarning(store, config);
  const expiresAt = config.lifetimeSeconds === undefined ? undefined : Math.floor(writtenMs / 1000) + config.lifetimeSeconds;
  return { pass: true, detail: 'renewed', key: newKey, expiresAt };
}

/** After a POST whose outcome is unknown: one GET; a key other than the old ones means the POST took effect. */
async function keyAfterUnknownOutcome(
  x: Exchange,
  config: GatewayConfig,
  session: Session,
  oldKeys: ReadonlySet<string>,
  remember: (value: string | undefined) => void,
): Promise<string | undefined> {
  const check = await portalRequest(x, config, 'GET', session.token);
  if (!check.ok || check.status !== 200) return undefined;
  const current = portalKey(answerJson(check));
  remember(current);
  return current !== undefined && !oldKeys.has(current) ? current : undefined;
}

function shadowWarning(store: Store, config: GatewayConfig): void {
  if (store.fromEnvironment(config.env)) {
    store.warn(`${config.env} is set in the environment and shadows ${store.path.display}; unset it to use the renewed key`);
  }
}

/** Step 7: probe the new key until the gateway accepts it, then read its expiry when the gateway can tell. */
async function verify(
  store: Store,
  surface: Surface,
  config: GatewayConfig,
  x: Exchange,
  key: string,
  expiresAt: number | undefined,
): Promise<GatewayRenewResult> {
  const { rt } = store;
  let probe: Probe = await probeKey(x, config, key, undefined, Math.floor(rt.now() / 1000));
  for (const waitMs of VERIFY_WAITS_MS) {
    if (probe.outcome === 'valid') break;
    await rt.sleep(waitMs);
    probe = await probeKey(x, config, key, undefined, Math.floor(rt.now() / 1000));
  }
  if (probe.outcome !== 'valid') return failed(`new key stored but the gateway did not accept it within 10s: ${probe.detail}`);
  if (config.keyInfoPath !== undefined) {
    const info = await gatewayRequest(x, `${config.root}${config.keyInfoPath}`, key);
    const expires = info.ok && info.status === 200 ? keyInfoExpiry(answerJson(info)) : undefined;
    if (expires !== undefined) {
      await store.withLock((locked) => {
        // Only for the key we stored: a peer may have renewed again meanwhile.
        if (pyTrim(locked.read().value(config.env) ?? '') === key) {
          locked.setMetadata(surface, 'expires_at', isoSeconds(expires * 1000));
        }
      });
      return { pass: true, detail: 'renewed', key, expiresAt: expires };
    }
  }
  return { pass: true, detail: 'renewed', key, expiresAt };
}
