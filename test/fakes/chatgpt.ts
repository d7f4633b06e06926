// A loopback ChatGPT issuer and backend (chatgpt-oauth.md §12): device codes, the token endpoint with
// single-use rotating refresh tokens, and the streamed Responses backend. Driven in-process by the tests.
import { randomBytes } from 'node:crypto';
import { FakeServer, json, type RecordedRequest, type Reply } from './http.js';
import { plantedSecrets } from '../helpers/cli.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function makeJwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(16).toString('base64url')}`;
}

export const ACCOUNT_ID = 'acc-1234';

export interface TokenFamily {
  access: string;
  refresh: string;
  id: string;
  exp: number;
}

export const REUSED_BODY = {
  error: {
    message: 'Your refresh token has already been used to generate a new access token. Please try signing in again.',
    type: 'invalid_request_error',
    param: null,
    code: 'refresh_token_reused',
  },
};

/** SSE events as the backend writes them (each `event:` + `data:` block ends with a blank line). */
export function sse(events: Array<Record<string, unknown>>, eol = '\n'): string {
  return events.map((e) => `event: ${String(e.type)}${eol}data: ${JSON.stringify(e)}${eol}${eol}`).join('');
}

export const HAPPY_EVENTS = (text = '1'): Array<Record<string, unknown>> => [
  { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } },
  { type: 'response.output_text.delta', delta: text },
  { type: 'response.output_text.done', text },
  { type: 'response.output_item.done', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] } },
  { type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [] } },
];

export class FakeChatGPT extends FakeServer {
  /** Every refresh, access and id token ever issued, and the ones that are currently valid. */
  readonly issued: string[] = [];

  /** Remembers a secret this fake handed out: no CLI output in the test may contain it (see runCli). */
  private plant(...secrets: string[]): void {
    for (const s of secrets) {
      this.issued.push(s);
      plantedSecrets.add(s);
    }
  }
  readonly usedRefreshTokens = new Set<string>();
  readonly validRefreshTokens = new Set<string>();
  readonly validAccessTokens = new Set<string>();
  readonly deviceCodes = new Map<string, { userCode: string; approved: boolean }>();
  readonly authCodes = new Map<string, { verifier: string; used: boolean }>();
  /** Seconds the issued access tokens live. */
  accessLifetime = 3600;
  /** `iat` of issued access tokens relative to now: over 60 s in the past lets consecutive renews refresh. */
  iatOffset = -120;
  /** Include the account claim in issued tokens. */
  withAccountClaim = true;
  /** A reused refresh token revokes the whole family. */
  familyRevocation = false;
  /** Delays every refresh answer (to make concurrent renews pile up on the lock). */
  refreshDelayMs = 0;
  private counter = 0;

  get issuer(): string {
    return this.origin;
  }

  get backend(): string {
    return `${this.origin}/backend-api/codex`;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { LLM_AUTH_CHATGPT_ISSUER: this.issuer, CHATGPT_API_BASE: this.backend, LLM_AUTH_MIN_POLL_INTERVAL: '0.05', ...extra };
  }

  /** Issues a new valid family (access, refresh, id tokens). */
  issue(options: { exp?: number; iat?: number; withExp?: boolean } = {}): TokenFamily {
    const now = Math.floor(Date.now() / 1000);
    const n = ++this.counter;
    const exp = options.exp ?? now + this.accessLifetime;
    const auth = this.withAccountClaim
      ? { 'https://api.openai.com/auth': { chatgpt_account_id: ACCOUNT_ID, chatgpt_plan_type: 'plus' } }
      : {};
    const access = makeJwt({
      ...(options.withExp === false ? {} : { exp }),
      iat: options.iat ?? now + this.iatOffset,
      n,
      ...auth,
    });
    const id = makeJwt({ exp, ...auth, 'https://api.openai.com/profile': { email: 'user@example.com' }, n });
    const refresh = `rt_${n}_${randomBytes(12).toString('hex')}`;
    this.validAccessTokens.add(access);
    this.validRefreshTokens.add(refresh);
    this.plant(access, refresh, id);
    return { access, refresh, id, exp };
  }

  /** The test approves a pending device code (the user typed it in). */
  approve(deviceAuthId = 'dev-1'): void {
    const code = this.deviceCodes.get(deviceAuthId);
    if (code) code.approved = true;
  }

  constructor() {
    super();
    this.route('POST', /^\/api\/accounts\/deviceauth\/usercode$/, (req) => {
      const body = req.body as { client_id?: string };
      if (body?.client_id !== 'app_EMoamEEZ73f0CkXaXp7hrann') return json(400, { error: 'bad client_id' });
      this.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: this.deviceCodes.get('dev-1')?.approved ?? false });
      return json(200, { device_auth_id: 'dev-1', user_code: 'ABCD-EFGH', interval: '0' });
    });
    this.route('POST', /^\/api\/accounts\/deviceauth\/token$/, (req) => {
      const body = req.body as { device_auth_id?: string; user_code?: string };
      const code = this.deviceCodes.get(body?.device_auth_id ?? '');
      if (!code || code.userCode !== body.user_code) return json(400, { error: 'unknown device code' });
      if (!code.approved) return json(403, { error: 'authorization_pending' });
      const verifier = `verifier-${randomBytes(8).toString('hex')}`;
      const authCode = `authcode-${randomBytes(8).toString('hex')}`;
      this.authCodes.set(authCode, { verifier, used: false });
      this.plant(authCode, verifier);
      return json(200, { authorization_code: authCode, code_challenge: 'challenge', code_verifier: verifier });
    });
    this.route('POST', /^\/oauth\/token$/, async (req) => {
      const isRefresh = (req.body as { grant_type?: string } | undefined)?.grant_type === 'refresh_token';
      if (isRefresh && this.refreshDelayMs > 0) await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      return this.token(req);
    });
    this.route('GET', /^\/codex\/device$/, () => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Enter code</body></html>',
    }));
    this.route('POST', /^\/backend-api\/codex\/responses$/, (req) => this.responses(req));
  }

  private token(req: RecordedRequest): Reply {
    const type = req.headers['content-type'] ?? '';
    const body = req.body as Record<string, string>;
    if (type.includes('application/x-www-form-urlencoded')) {
      if (body.grant_type !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' });
      const code = this.authCodes.get(body.code ?? '');
      if (
        !code ||
        code.used ||
        code.verifier !== body.code_verifier ||
        body.redirect_uri !== `${this.issuer}/deviceauth/callback` ||
        body.client_id !== 'app_EMoamEEZ73f0CkXaXp7hrann'
      ) {
        return json(400, { error: 'invalid_grant' });
      }
      code.used = true;
      return this.tokenAnswer();
    }
    if (
      body?.grant_type !== 'refresh_token' ||
      body.client_id !== 'app_EMoamEEZ73f0CkXaXp7hrann' ||
      body.scope !== 'openid profile email'
    ) {
      return json(400, { error: 'invalid_request' });
    }
    const rt = body.refresh_token ?? '';
    if (this.usedRefreshTokens.has(rt)) {
      if (this.familyRevocation) {
        this.validAccessTokens.clear();
        this.validRefreshTokens.clear();
      }
      return json(401, REUSED_BODY);
    }
    if (!this.validRefreshTokens.has(rt)) {
      return json(401, {
        error: { message: 'Invalid refresh token', type: 'invalid_request_error', code: 'refresh_token_invalidated' },
      });
    }
    this.validRefreshTokens.delete(rt);
    this.usedRefreshTokens.add(rt);
    return this.tokenAnswer();
  }

  /** A 200 of the token endpoint with a new family (exchange and refresh answer alike). */
  private tokenAnswer(): Reply {
    const f = this.issue();
    return json(200, {
      id_token: f.id,
      access_token: f.access,
      refresh_token: f.refresh,
      expires_in: 3600,
      token_type: 'Bearer',
    });
  }

  private responses(req: RecordedRequest): Reply {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.validAccessTokens.has(bearer)) return json(401, { detail: 'Unauthorized' });
    const body = req.body as Record<string, unknown>;
    const problems: string[] = [];
    if (this.withAccountClaim && req.headers['chatgpt-account-id'] !== ACCOUNT_ID) problems.push('account id');
    if (!this.withAccountClaim && req.headers['chatgpt-account-id'] !== undefined) problems.push('unexpected account id');
    if (req.headers.originator !== 'codex_cli_rs') problems.push('originator');
    if (req.headers.accept !== 'text/event-stream') problems.push('accept');
    if (body?.stream !== true || body.store !== false) problems.push('stream/store');
    if (typeof body?.instructions !== 'string' || body.instructions === '')
      return json(400, { detail: 'Instructions are required' });
    for (const k of ['max_tokens', 'max_output_tokens', 'max_completion_tokens', 'metadata'])
      if (k in (body ?? {})) problems.push(k);
    if (problems.length > 0) return json(400, { detail: `bad request: ${problems.join(', ')}` });
    return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: sse(HAPPY_EVENTS()) };
  }
}
