// The metadata of a gateway-key envelope (gateway.md §2): defaults, and the validation of §2.3 that every
// command runs before any request. Pure.
import { containsLineSeparator, repr } from '../../lib/python.js';
import type { Surface } from '../../store/index.js';
import { reservedVariable } from '../../store/reserved.js';
import { parseIsoSeconds } from '../../lib/time.js';
import { httpUrl, stripSlash } from '../../lib/url.js';

export const CLIENTS = ['claude', 'codex', 'gemini', 'opencode', 'openai'] as const;
export type Client = (typeof CLIENTS)[number];

export const DEFAULT_KEY_PATH = '/api/v1/auths/api_key';
export const DEFAULT_CLIENTS = 'claude,codex,gemini,opencode';
const DEFAULT_PROBE_PATH = '/models';
const DEFAULT_RENEW_BEFORE = '15m';
const DEFAULT_OPENCODE_ENV = 'LLM_GATEWAY_API_KEY';

export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DURATION = /^([0-9]+)(s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A gateway surface's settings, every default applied. */
export interface GatewayConfig {
  readonly name: string;
  readonly portal: string;
  readonly keyPath: string;
  readonly apiBase: string;
  /** `api_base` without a trailing `/`, then without a trailing `/v1`. */
  readonly root: string;
  readonly env: string;
  readonly sessionEnv: string;
  readonly sessionCommand: string | undefined;
  readonly clients: readonly Client[];
  readonly probePath: string;
  readonly keyInfoPath: string | undefined;
  readonly lifetimeSeconds: number | undefined;
  readonly renewBeforeSeconds: number;
  readonly anthropicBase: string;
  readonly geminiBase: string;
  readonly opencodeEnv: string;
}

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; text: string };

/** `corp-gw.eu` -> `CORP_GW_EU` (the `<S>` of gateway.md §2.2). */
export function surfaceToken(name: string): string {
  return name
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

export const defaultKeyEnv = (name: string): string => `LLM_AUTH_${surfaceToken(name)}_GATEWAY_KEY`;
export const defaultSessionEnv = (name: string): string => `LLM_AUTH_${surfaceToken(name)}_PORTAL_SESSION`;

/** The variable holding a surface's portal session: metadata `session_env`, else the default name. */
export const sessionEnvOf = (surface: Surface): string => surface.metadata.session_env || defaultSessionEnv(surface.name);

/** `https://llm.example.com/v1/` -> `https://llm.example.com`. */
export function gatewayRoot(apiBase: string): string {
  const base = stripSlash(apiBase);
  return base.endsWith('/v1') ? base.slice(0, -3) : base;
}

/** Seconds of a duration (`30m`, `12h`, `7d`), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** §2.3 rule 1: an absolute https URL, or http for a loopback host; undefined when it is one. */
export function urlProblem(label: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return `metadata is missing ${label}=<URL>`;
  const wrong = `${label} must be an https URL (http is allowed only for localhost)`;
  if (containsLineSeparator(value)) return wrong;
  const url = httpUrl(value);
  if (!url || (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))) return wrong;
  // A user name or password in the URL would be printed wherever the URL is (status, errors).
  return url.username !== '' || url.password !== '' ? `${label} must not contain a user name or password` : undefined;
}

// Names LLM clients read from the environment (and from `.env` files they load themselves): a gateway key
// stored under one of them would reach a client it was not meant for (gateway.md §2.3 rule 3).
const CLIENT_NAMES = new Set(['CHATGPT_AUTH_JSON', 'DEBUG', 'LLM_GATEWAY_API_KEY', 'LLM_GATEWAY_BASE_URL']);
const CLIENT_PREFIXES = [
  'ANTHROPIC_',
  'CLAUDE_',
  'OPENAI_',
  'CODEX_',
  'GEMINI_',
  'GOOGLE_',
  'OPENCODE_',
  'LITELLM_',
  'AZURE_OPENAI_',
  'OPENROUTER_',
  'AIDER_',
];

/** Why a gateway surface may not keep its key or session in this variable, or undefined. */
export function reservedGatewayName(name: string, opencodeEnv: string): string | undefined {
  if (CLIENT_NAMES.has(name) || name === opencodeEnv || CLIENT_PREFIXES.some((p) => name.startsWith(p))) {
    return `env var name ${repr(name)} is reserved for LLM clients; choose another name`;
  }
  const reason = reservedVariable(name);
  return reason === undefined ? undefined : `env var name ${repr(name)} is reserved: ${reason}`;
}

/** `clients` entries, trimmed, empty ones dropped; an unknown one is an error. */
export function parseClients(list: string): { ok: true; clients: Client[] } | { ok: false; text: string } {
  const clients: Client[] = [];
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (!(CLIENTS as readonly string[]).includes(entry)) {
      return { ok: false, text: `unknown client ${repr(entry)}; expected ${CLIENTS.join(', ')}` };
    }
    if (!clients.includes(entry as Client)) clients.push(entry as Client);
  }
  return { ok: true, clients };
}

const pathProblem = (label: string, value: string): string | undefined =>
  value.startsWith('/') && !containsLineSeparator(value) && !/\s/.test(value) ? undefined : `${label} must start with /`;

/** The settings of a gateway-key envelope (§2.2), or the first §2.3 failure text. */
export function readConfig(surface: Surface): ConfigResult {
  const m = surface.metadata;
  const failed = (text: string): ConfigResult => ({ ok: false, text });
  const portalProblem = urlProblem('portal', m.portal);
  if (portalProblem) return failed(portalProblem);
  const apiBaseProblem = urlProblem('api_base', m.api_base);
  if (apiBaseProblem) return failed(apiBaseProblem);

  const env = surface.primaryEnv;
  if (env === undefined || env === '') return failed('metadata is missing env=<ENV_VAR>');
  const sessionEnv = sessionEnvOf(surface);
  const opencodeEnv = m.opencode_env || DEFAULT_OPENCODE_ENV;
  for (const name of [env, sessionEnv, opencodeEnv]) {
    if (!ENV_NAME.test(name)) return failed('env var name must be uppercase and contain only letters, digits, and underscore');
  }
  if (env === sessionEnv) return failed('session_env must differ from env');
  if (opencodeEnv === env || opencodeEnv === sessionEnv) return failed('opencode_env must differ from env and session_env');
  for (const name of [env, sessionEnv]) {
    const reserved = reservedGatewayName(name, opencodeEnv);
    if (reserved) return failed(reserved);
  }

  const clients = parseClients(m.clients ?? '');
  if (!clients.ok) return failed(clients.text);

  const renewBefore = parseDuration(m.renew_before || DEFAULT_RENEW_BEFORE);
  if (renewBefore === undefined) return failed(`invalid duration ${repr(m.renew_before)} for renew_before`);
  let lifetime: number | undefined;
  if (m.lifetime !== undefined && m.lifetime !== '') {
    lifetime = parseDuration(m.lifetime);
    if (lifetime === undefined) return failed(`invalid duration ${repr(m.lifetime)} for lifetime`);
  }

  const keyPath = m.key_path || DEFAULT_KEY_PATH;
  const probePath = m.probe_path || DEFAULT_PROBE_PATH;
  const keyInfoPath = m.key_info_path || undefined;
  for (const [label, value] of [
    ['key_path', keyPath],
    ['probe_path', probePath],
    ['key_info_path', keyInfoPath],
  ] as const) {
    const problem = value === undefined ? undefined : pathProblem(label, value);
    if (problem) return failed(problem);
  }
  const apiBase = stripSlash(m.api_base!);
  const root = gatewayRoot(apiBase);
  for (const [label, value] of [
    ['anthropic_base', m.anthropic_base],
    ['gemini_base', m.gemini_base],
  ] as const) {
    if (value) {
      const problem = urlProblem(label, value);
      if (problem) return failed(problem);
    }
  }
  return {
    ok: true,
    config: {
      name: surface.name,
      portal: stripSlash(m.portal!),
      keyPath,
      apiBase,
      root,
      env,
      sessionEnv,
      sessionCommand: m.session_command || undefined,
      clients: clients.clients,
      probePath,
      keyInfoPath,
      lifetimeSeconds: lifetime,
      renewBeforeSeconds: renewBefore,
      anthropicBase: m.anthropic_base ? stripSlash(m.anthropic_base) : root,
      geminiBase: m.gemini_base ? stripSlash(m.gemini_base) : root,
      opencodeEnv,
    },
  };
}

/** Epoch seconds of a bookkeeping line (`renewed_at`, `expires_at`), or undefined when absent or malformed. */
export function bookkeepingSeconds(value: string | undefined): number | undefined {
  const ms = parseIsoSeconds(value);
  return ms === undefined ? undefined : ms / 1000;
}
