import { describe, expect, it } from 'vitest';
import { chatgptModel } from '../../src/surfaces/chatgpt/backend.js';
import { pollInterval } from '../../src/surfaces/chatgpt/login.js';
import { errorCode } from '../../src/surfaces/chatgpt/refresh.js';
import { parseSse, readJsonAnswer, readSse } from '../../src/surfaces/chatgpt/sse.js';
import { shouldOpenBrowser } from '../../src/cli/terminal.js';

describe('SSE reading', () => {
  const ev = (type: string, extra: Record<string, unknown> = {}): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...extra })}\n\n`;

  it('joins multi-line data, takes the type from JSON or the event field, skips [DONE] and junk', () => {
    const body = 'event: x\ndata: {"a":\ndata: 1}\n\nevent: y\ndata: [DONE]\n\ndata: not json\n\n: comment\n\n' + ev('z');
    expect(parseSse(body)).toEqual([
      { type: 'x', data: { a: 1 } },
      { type: 'z', data: { type: 'z' } },
    ]);
  });

  it('prefers deltas, then the last output_text.done, then output_item.done, then response.completed output', () => {
    const done = ev('response.completed', { response: { output: [{ content: [{ text: 'D' }] }] } });
    expect(
      readSse(
        ev('response.output_text.delta', { delta: 'A' }) +
          ev('response.output_text.delta', { delta: 'B' }) +
          ev('response.output_text.done', { text: 'X' }) +
          done,
      ),
    ).toMatchObject({ ok: true, text: 'AB' });
    expect(
      readSse(ev('response.output_text.done', { text: 'X' }) + ev('response.output_text.done', { text: 'Y' }) + done),
    ).toMatchObject({ ok: true, text: 'Y' });
    expect(
      readSse(
        ev('response.output_item.done', {
          item: {
            type: 'message',
            content: [
              { type: 'output_text', text: 'C' },
              { type: 'refusal', text: 'no' },
            ],
          },
        }) +
          ev('response.output_item.done', { item: { type: 'reasoning', content: [{ type: 'output_text', text: 'R' }] } }) +
          done,
      ),
    ).toMatchObject({ ok: true, text: 'C' });
    expect(readSse(done)).toMatchObject({ ok: true, text: 'D' });
    expect(readSse(ev('response.done', { response: { output: [] } }))).toMatchObject({ ok: true, text: '' });
  });

  it('fails on response.failed / error, and on a stream without completion', () => {
    expect(readSse(ev('response.failed', { response: { error: { message: 'boom' } } }))).toMatchObject({
      ok: false,
      error: 'boom',
    });
    expect(readSse(ev('error', { error: { message: 'bad' } }))).toMatchObject({ ok: false, error: 'bad' });
    expect(readSse(ev('response.output_text.delta', { delta: '1' }))).toMatchObject({
      ok: false,
      error: 'backend stream ended before response.completed',
    });
    expect(readSse('')).toMatchObject({ ok: false });
  });

  it('reads a JSON answer', () => {
    expect(readJsonAnswer({ output_text: '1' })).toBe('1');
    expect(readJsonAnswer({ output: [{ content: [{ text: 'a' }, { text: 'b' }] }] })).toBe('ab');
    expect(readJsonAnswer('x')).toBe('');
  });
});

describe('ChatGPT protocol details', () => {
  it('reads the device-code interval as a string or a number', () => {
    expect(pollInterval('5')).toBe(5);
    expect(pollInterval('0')).toBe(0);
    expect(pollInterval('2.5')).toBe(2.5);
    expect(pollInterval(3)).toBe(3);
    for (const v of [undefined, null, '', 0, -1, '-1', 'soon', Number.NaN, {}]) expect(pollInterval(v)).toBe(5);
  });

  it('extracts the error code from error, error.code or code', () => {
    expect(errorCode({ error: 'invalid_grant' })).toBe('invalid_grant');
    expect(errorCode({ error: { code: 'refresh_token_reused' } })).toBe('refresh_token_reused');
    expect(errorCode({ code: 'refresh_token_expired' })).toBe('refresh_token_expired');
    expect(errorCode({ error: { message: 'x' } })).toBeUndefined();
    expect(errorCode('x')).toBeUndefined();
  });

  it('drops chatgpt/ then responses/ from the model', () => {
    expect(chatgptModel('chatgpt/gpt-5.4', undefined)).toBe('gpt-5.4');
    expect(chatgptModel('chatgpt/responses/gpt-5.4', undefined)).toBe('gpt-5.4');
    expect(chatgptModel('responses/chatgpt/x', undefined)).toBe('chatgpt/x');
    expect(chatgptModel(undefined, 'm')).toBe('m');
    expect(chatgptModel(undefined, '')).toBe('gpt-5.4-mini');
  });
});

describe('when to open a browser', () => {
  const base = {
    noBrowser: false,
    stdinIsTTY: true,
    stderrIsTTY: true,
    env: { DISPLAY: ':0' },
    platform: 'linux' as NodeJS.Platform,
  };
  it('opens only for an interactive, local, graphical session', () => {
    expect(shouldOpenBrowser(base)).toBe(true);
    expect(shouldOpenBrowser({ ...base, env: { WAYLAND_DISPLAY: 'wayland-0' } })).toBe(true);
    expect(shouldOpenBrowser({ ...base, env: {}, platform: 'darwin' })).toBe(true);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: ':0', CI: 'false' } })).toBe(true);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: ':0', CI: '0' } })).toBe(true);
  });
  it('never opens with --no-browser, without TTYs, in CI, over SSH or without a display', () => {
    expect(shouldOpenBrowser({ ...base, noBrowser: true })).toBe(false);
    expect(shouldOpenBrowser({ ...base, stdinIsTTY: false })).toBe(false);
    expect(shouldOpenBrowser({ ...base, stderrIsTTY: false })).toBe(false);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: ':0', CI: 'true' } })).toBe(false);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: ':0', SSH_TTY: '/dev/pts/1' } })).toBe(false);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: ':0', SSH_CONNECTION: '' } })).toBe(false);
    expect(shouldOpenBrowser({ ...base, env: { DISPLAY: '' } })).toBe(false);
  });
});
