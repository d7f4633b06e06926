// The loopback fakes' scripted replies belong to the test that queued them: a reply a test's command never
// asked for (a process that gave up before its request) must not answer the next test's request. A leftover
// `hang` once made an unrelated test wait 30 s for a portal that never answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeServer } from '../fakes/http.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await new FakeServer().start();
  fake.route('GET', /^\/thing$/, () => ({ status: 200, body: 'default' }));
});
afterAll(() => fake.close());

const get = async (): Promise<string> => {
  const r = await fetch(`${fake.origin}/thing`);
  return `${r.status} ${await r.text()}`;
};

describe('FakeServer scripts', () => {
  it('a scripted reply answers once, within its test', async () => {
    fake.script('GET /thing', { status: 503, body: 'scripted' }, { status: 418, body: 'never asked for' });
    expect(await get()).toBe('503 scripted');
  });

  it('what the previous test left queued is gone', async () => {
    expect(await get()).toBe('200 default');
  });
});
