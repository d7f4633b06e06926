// The status bundle reads surfaces through views (src/surfaces/views.ts), every other command through drivers
// (src/surfaces/index.ts): both must route a surface to the same auth mode, and a driver must answer `status`
// and `secrets` with its view's own functions, or `status` would differ between the two bundles.
import { describe, expect, it } from 'vitest';
import { parseEnvelopes } from '../../src/store/envelope.js';
import { driverFor } from '../../src/surfaces/index.js';
import { modeOf, viewFor } from '../../src/surfaces/views.js';

const envelope = (name: string, auth: string, body: string[]) =>
  [`# BEGIN LLM AUTH SURFACE ${name} ${auth}`, ...body, `# END LLM AUTH SURFACE ${name} ${auth}`].join('\n');

const surfaces = parseEnvelopes(
  [
    envelope('research', 'api-key', ['# provider=openai', 'OPENAI_RESEARCH_KEY=sk-x']),
    envelope('chatgpt', 'subscription-oauth', ['CHATGPT_AUTH_JSON=']),
    envelope('corp', 'gateway-key', ['LLM_AUTH_CORP_GATEWAY_KEY=', 'LLM_AUTH_CORP_PORTAL_SESSION=']),
    envelope('other', 'subscription-oauth', ['OTHER_JSON=']),
    envelope('odd', 'carrier-pigeon', ['ODD=1']),
  ].join('\n'),
  '.env',
);

describe('views and drivers', () => {
  it('each auth mode has a view, and its driver answers status and secrets with the same functions', () => {
    expect(surfaces.map(modeOf)).toEqual(['api-key', 'chatgpt', 'gateway-key', 'presence-only', 'presence-only']);
    const views = new Set(surfaces.map(viewFor));
    expect(views.size).toBe(4);
    for (const surface of surfaces) {
      // The functions themselves, compared by identity (Reflect.get: they are never called unbound).
      const [view, driver] = [viewFor(surface), driverFor(surface)];
      for (const name of ['status', 'secrets']) expect(Reflect.get(driver, name)).toBe(Reflect.get(view, name));
      for (const name of ['preflight', 'test', 'renew']) expect(typeof Reflect.get(driver, name)).toBe('function');
    }
  });
});
