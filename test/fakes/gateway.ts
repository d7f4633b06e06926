// A loopback portal (Open WebUI) and gateway (LiteLLM proxy) in one server (gateway.md §14): sessions, one live
// key per account that a POST replaces, older keys that answer as expired or unknown, a propagation delay for
// new keys, `/key/info`, and per-route script queues for statuses, HTML, redirects, hangs and resets.
import { randomBytes } from 'node:crypto';
import { FakeServer, json, type RecordedRequest, type Reply } from './http.js';
import { makeJwt } from './chatgpt.js';
import { plantedSecrets } from '../helpers/cli.js';

export const KEY_ROUTE = '/api/v1/auths/api_key';
export const GET_KEY = `GET ${KEY_ROUTE}`;
export const POST_KEY = `POST ${KEY_ROUTE}`;
export const MODELS = 'GET /v1/models';

export const EXPIRED_BODY = {
  error: {
    message: 'Authentication Error - Expired Key. Key Expiry time 2026-11-29 15:10:00 and current time 2026-12-02 10:00:00',
    type: 'expired_key',
    param: 'None',
    code: '400',
  },
};
export const UNKNOWN_BODY = {
  error: { message: 'Authentication Error, Invalid proxy server token passed', type: 'auth_error', param: 'None', code: '401' },
};
export const BUDGET_BODY = {
  error: {
    message: 'Budget has been exceeded! Current cost: 10.2, Max budget: 10.0',
    type: 'budget_exceeded',
    param: null,
    code: '400',
  },
};

export const html = (status: number, body = '<!doctype html><html><body>Sign in</body></html>'): Reply => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
});

const bearer = (req: RecordedRequest): string | undefined => {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return req.headers['x-api-key'];
};

export class FakeGateway extends FakeServer {
  /** Session token -> `exp` (epoch seconds). */
  readonly sessions = new Map<string, number>();
  /** The live key of the account, or undefined (the portal answers 404). */
  currentKey: string | undefined;
  /** Keys replaced by a POST (or planted by a test) and how the gateway treats them. */
  readonly oldKeys = new Map<string, 'expired' | 'unknown'>();
  /** What a POST makes of the key it replaces. */
  replacedKeysBecome: 'expired' | 'unknown' = 'expired';
  /** Status of the gateway's expired-key answer (LiteLLM versions differ). */
  expiredStatus: 400 | 401 = 400;
  apiKeysEnabled = true;
  /** A new key answers as unknown for this long after it was minted. */
  propagationDelayMs = 0;
  /** What `/key/info` says of the current key (ISO), or undefined for 403. */
  keyExpires: string | undefined;
  /** Answers for the next POSTs that mint a key and then fail (500, a hang, a reset): "succeeded but answered 500". */
  readonly afterMint: Reply[] = [];
  /** Every key this fake minted, in order. */
  readonly minted: string[] = [];
  /** Epoch seconds for session expiry checks (a test with a fake clock sets its own). */
  epochS: () => number = () => Math.floor(Date.now() / 1000);
  private readonly mintedAt = new Map<string, number>();

  constructor() {
    super();
    this.route('GET', /^\/api\/v1\/auths\/api_key$/, (req) => this.portal(req, () => this.getKey()));
    this.route('POST', /^\/api\/v1\/auths\/api_key$/, (req) =>
      this.portal(req, () => {
        const answer = this.afterMint.shift();
        return this.mint(answer);
      }),
    );
    this.route('GET', /^\/v1\/models$/, (req) => this.models(req));
    this.route('GET', /^\/key\/info$/, (req) => this.keyInfo(req));
    this.route('POST', /^\/v1\/chat\/completions$/, (req) =>
      this.keyState(bearer(req)) === 'valid'
        ? json(200, {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: '1' } }],
          })
        : json(401, UNKNOWN_BODY),
    );
    this.route('POST', /^\/v1\/messages$/, (req) =>
      this.keyState(bearer(req)) === 'valid'
        ? json(200, { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: '1' }] })
        : json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
    );
  }

  /** Back to an account without keys, every switch at its default; times from `clock` when given. */
  reset(clock?: { now: () => number }): void {
    if (clock) {
      this.now = clock.now;
      this.epochS = () => Math.floor(clock.now() / 1000);
    }
    this.currentKey = undefined;
    this.oldKeys.clear();
    this.replacedKeysBecome = 'expired';
    this.expiredStatus = 400;
    this.apiKeysEnabled = true;
    this.propagationDelayMs = 0;
    this.keyExpires = undefined;
    this.afterMint.length = 0;
  }

  get portalUrl(): string {
    return this.origin;
  }

  get apiBase(): string {
    return `${this.origin}/v1`;
  }

  /** A session token (a test JWT) valid for `lifetimeS` seconds from now (negative: already expired). */
  session(lifetimeS = 3600): string {
    const exp = this.epochS() + lifetimeS;
    const token = makeJwt({ sub: 'user-1', exp, iat: this.epochS() });
    this.sessions.set(token, exp);
    plantedSecrets.add(token);
    return token;
  }

  /** Gives the account a live key without a POST (what the portal held before the test). */
  setKey(key = this.newKey()): string {
    if (this.currentKey !== undefined) this.oldKeys.set(this.currentKey, this.replacedKeysBecome);
    this.currentKey = key;
    return key;
  }

  /** A key the gateway reports as expired (or unknown). */
  staleKey(state: 'expired' | 'unknown' = 'expired'): string {
    const key = this.newKey();
    this.oldKeys.set(key, state);
    return key;
  }

  private newKey(): string {
    const key = `sk-${randomBytes(17).toString('base64url').slice(0, 22)}`;
    plantedSecrets.add(key);
    return key;
  }

  /** POSTs the portal received. */
  get posts(): RecordedRequest[] {
    return this.requestsTo(POST_KEY);
  }

  private portal(req: RecordedRequest, handle: () => Reply): Reply {
    const token = bearer(req);
    if (token === undefined) return json(403, { detail: 'Not authenticated' });
    const exp = this.sessions.get(token);
    if (exp === undefined || exp <= this.epochS()) return json(401, { detail: '401 Unauthorized' });
    return handle();
  }

  private getKey(): Reply {
    return this.currentKey === undefined ? json(404, { detail: 'API key not found' }) : json(200, { api_key: this.currentKey });
  }

  /** Mints a key; `answer` lets a script make a POST that succeeded answer something else. */
  mint(answer?: Reply): Reply {
    if (!this.apiKeysEnabled) return json(403, { detail: 'API key creation is not allowed in the environment.' });
    const key = this.newKey();
    this.setKey(key);
    this.minted.push(key);
    this.mintedAt.set(key, this.now());
    return answer ?? json(200, { api_key: key });
  }

  keyState(key: string | undefined): 'valid' | 'expired' | 'unknown' {
    if (key === undefined) return 'unknown';
    // A key the gateway expired stays expired, even while the portal still holds it.
    const old = this.oldKeys.get(key);
    if (old !== undefined) return old;
    if (key === this.currentKey) {
      const at = this.mintedAt.get(key);
      return at !== undefined && this.now() - at < this.propagationDelayMs ? 'unknown' : 'valid';
    }
    return 'unknown';
  }

  private models(req: RecordedRequest): Reply {
    switch (this.keyState(bearer(req))) {
      case 'valid':
        return json(200, { object: 'list', data: [{ id: 'gpt-4.1-mini', object: 'model' }] });
      case 'expired':
        return json(this.expiredStatus, EXPIRED_BODY);
      case 'unknown':
        return json(401, UNKNOWN_BODY);
    }
  }

  private keyInfo(req: RecordedRequest): Reply {
    const key = bearer(req);
    if (this.keyState(key) !== 'valid' || this.keyExpires === undefined) return json(403, { detail: 'not allowed' });
    return json(200, { key, info: { expires: this.keyExpires, spend: 0 } });
  }
}
