// The gateway-key driver (gateway.md): status without network, the five read-only subtests, and renew.
import { cryptoModule } from '../../lib/builtins.js';
import { human, pyTrim } from '../../lib/python.js';
import type { Store, Surface } from '../../store/index.js';
import {
  fail,
  withRequests,
  pass,
  type GatewayStatus,
  type SubtestResult,
  type SurfaceView,
  type TestOptions,
} from '../driver.js';
import { bookkeepingSeconds, readConfig, sessionEnvOf, type GatewayConfig } from './config.js';
import {
  answerJson,
  answerMessage,
  failureReason,
  hostOf,
  portalRequest,
  portalUrl,
  probeKey,
  sessionRejected,
  sessionRejectedText,
  type Exchange,
} from './protocol.js';
import { effectiveKey, exchangeFor, renewGatewayKey } from './renew.js';
import { portalKey } from './schemas.js';
import { obtainSession, runSessionCommandWithin, sessionExpiry, storedSession, type Session } from './session.js';

/** `sha256:` and the first 8 hex digits of the key's SHA-256: tells keys apart without showing one. */
export const keyFingerprint = (key: string): string =>
  `sha256:${cryptoModule().createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

/** Where a variable's non-blank effective value comes from. */
function sourceOf(store: Store, name: string | undefined): 'environment' | 'env-file' | null {
  if (name === undefined || pyTrim(store.value(name) ?? '') === '') return null;
  return store.fromEnvironment(name) ? 'environment' : 'env-file';
}

function status(surface: Surface, store: Store): GatewayStatus {
  const nowS = Math.floor(store.rt.now() / 1000);
  const env = surface.primaryEnv;
  const sessionEnv = sessionEnvOf(surface);
  const key = env === undefined ? '' : pyTrim(store.value(env) ?? '');
  const session = pyTrim(store.value(sessionEnv) ?? '');
  const expiresAt = bookkeepingSeconds(surface.metadata.expires_at);
  const renewedAt = bookkeepingSeconds(surface.metadata.renewed_at);
  const sessionExp = session === '' ? undefined : sessionExpiry(session);
  return {
    api_base: surface.metadata.api_base || null,
    api_key: key !== '',
    auth: surface.auth,
    clients: (surface.metadata.clients ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    env: env ?? null,
    expired: expiresAt === undefined ? null : nowS >= expiresAt,
    expires_at: expiresAt ?? null,
    expires_in: expiresAt === undefined ? null : human(expiresAt - nowS),
    key_fingerprint: key === '' ? null : keyFingerprint(key),
    key_source: sourceOf(store, env),
    portal: surface.metadata.portal || null,
    renewed_at: renewedAt ?? null,
    session: session !== '',
    session_command: Boolean(surface.metadata.session_command),
    session_env: sessionEnv,
    session_expired: sessionExp === undefined ? null : nowS >= sessionExp,
    session_expires_at: sessionExp ?? null,
    session_expires_in: sessionExp === undefined ? null : human(sessionExp - nowS),
    session_source: sourceOf(store, sessionEnv),
  };
}

/** The session subtest and the session the portal subtest uses (the command's output is used, not stored). */
async function sessionSubtest(
  store: Store,
  config: GatewayConfig,
  options: TestOptions,
): Promise<{ result: SubtestResult; session: Session | undefined }> {
  const nowS = Math.floor(store.rt.now() / 1000);
  const outcome = await obtainSession({
    config,
    stored: storedSession(config, store.rt.env, store.fileValue(config.sessionEnv)),
    nowS,
    run: (command) => runSessionCommandWithin(store.rt, command, options.timeoutMs, options.timeoutLabel),
  });
  const name = 'gateway-key.session';
  if (!outcome.ok) {
    const text =
      outcome.reason === 'missing' ? `${config.sessionEnv} is missing; run \`llm-auth login ${config.name}\`` : outcome.text;
    return { result: fail(name, text), session: undefined };
  }
  const exp = sessionExpiry(outcome.session.token);
  return { result: pass(name, exp === undefined ? '' : `expires in ${human(exp - nowS)}`), session: outcome.session };
}

async function portalSubtest(
  store: Store,
  config: GatewayConfig,
  x: Exchange,
  session: Session,
  key: string,
  secrets: Set<string>,
  options: TestOptions,
): Promise<SubtestResult> {
  const name = 'gateway-key.portal';
  let result = await portalRequest(x, config, 'GET', session.token);
  if (result.ok && sessionRejected(result) && session.source !== 'command' && config.sessionCommand !== undefined) {
    const fresh = await runSessionCommandWithin(store.rt, config.sessionCommand, options.timeoutMs, options.timeoutLabel);
    if (!fresh.ok) return fail(name, fresh.text);
    secrets.add(fresh.token);
    result = await portalRequest(x, config, 'GET', fresh.token);
  }
  if (!result.ok) return fail(name, `unreachable: ${hostOf(portalUrl(config))}: ${failureReason(result)}`);
  if (sessionRejected(result)) return fail(name, sessionRejectedText(config.name, result.status));
  const msg = (): string => answerMessage(result, x.secrets());
  if (result.status === 200) {
    const held = portalKey(answerJson(result));
    if (held === undefined) return fail(name, 'unexpected: HTTP 200: the portal response had no api_key');
    secrets.add(held);
    return held === key ? pass(name) : fail(name, `the portal holds a different key; run \`llm-auth login ${config.name}\``);
  }
  if (result.status === 404) return fail(name, `the portal has no key for this account; run \`llm-auth renew ${config.name}\``);
  if (result.status === 403) return fail(name, `forbidden: the portal refused the request (HTTP 403): ${msg()}`);
  if (result.status >= 500 && result.status <= 599) return fail(name, `server-error: HTTP ${result.status}: ${msg()}`);
  return fail(name, `unexpected: HTTP ${result.status}: ${msg()}`);
}

/** §9: five subtests, read-only (no POST, no write). */
async function test(surface: Surface, store: Store, options: TestOptions): Promise<SubtestResult[]> {
  const read = readConfig(surface);
  const names = ['gateway-key.api-key', 'gateway-key.session', 'gateway-key.portal', 'gateway-key.gateway'];
  if (!read.ok) return [fail('gateway-key.config', read.text), ...names.map((n) => fail(n, 'skipped: invalid metadata'))];
  const config = read.config;
  const key = effectiveKey(store, config);
  const secrets = new Set([key, pyTrim(store.value(config.sessionEnv) ?? '')].filter((s) => s !== ''));
  const x = exchangeFor(store, secrets, options.timeoutMs, options.timeoutLabel);
  const missingKey = `${config.env} is missing`;
  const results: SubtestResult[] = [pass('gateway-key.config')];
  results.push(key === '' ? fail('gateway-key.api-key', missingKey) : pass('gateway-key.api-key'));
  const { result: sessionResult, session } = await sessionSubtest(store, config, options);
  if (session) secrets.add(session.token);
  results.push(sessionResult);
  results.push(
    session
      ? await portalSubtest(store, config, x, session, key, secrets, options)
      : fail('gateway-key.portal', sessionResult.detail),
  );
  if (key === '') results.push(fail('gateway-key.gateway', missingKey));
  else {
    const probe = await probeKey(
      x,
      config,
      key,
      bookkeepingSeconds(surface.metadata.expires_at),
      Math.floor(store.rt.now() / 1000),
    );
    results.push(
      probe.outcome === 'valid' ? pass('gateway-key.gateway', probe.detail) : fail('gateway-key.gateway', probe.detail),
    );
  }
  return results;
}

export const gatewayView: SurfaceView<GatewayStatus> = {
  status,
  secrets(surface, store) {
    const names = new Set([...surface.envKeys, sessionEnvOf(surface)]);
    return [...names]
      .flatMap((n) => [store.value(n), store.fileValue(n)])
      .flatMap((v) => (v === undefined || pyTrim(v) === '' ? [] : [v, pyTrim(v)]));
  },
};

export const gatewayDriver = /* @__PURE__ */ withRequests<GatewayStatus>(gatewayView, {
  preflight() {},
  test,
  async renew(surface, store, { force }) {
    const result = await renewGatewayKey(store, surface, { force });
    return { pass: result.pass, detail: result.detail };
  },
});
