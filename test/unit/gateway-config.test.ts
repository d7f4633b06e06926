// The pure parts of the gateway mode: names, URLs, durations (gateway.md §2), and the hidden prompt's editing.
import { describe, expect, it } from 'vitest';
import { editLine } from '../../src/cli/prompt.js';
import { gatewayRoot, parseClients, parseDuration, surfaceToken, urlProblem } from '../../src/surfaces/gateway/config.js';
import { reservedVariable } from '../../src/store/reserved.js';

describe('gateway metadata', () => {
  it('derives <S> and the gateway root as §2.2 says', () => {
    expect(surfaceToken('corp-gw.eu')).toBe('CORP_GW_EU');
    expect(surfaceToken('..a--b__')).toBe('A_B');
    expect(gatewayRoot('https://llm.example.com/v1')).toBe('https://llm.example.com');
    expect(gatewayRoot('https://llm.example.com/v1/')).toBe('https://llm.example.com');
    expect(gatewayRoot('https://llm.example.com/api')).toBe('https://llm.example.com/api');
  });

  it('reads durations of ^[0-9]+(s|m|h|d|w)$ only', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('12h')).toBe(43200);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('2w')).toBe(1209600);
    expect(parseDuration('0s')).toBe(0);
    for (const bad of ['', '15', 'm', '1.5h', '-1h', '1H', ' 1h', '1h ', '1y']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('allows https anywhere and http only on loopback', () => {
    expect(urlProblem('portal', 'https://portal.example.com')).toBeUndefined();
    expect(urlProblem('portal', 'http://localhost:3000')).toBeUndefined();
    expect(urlProblem('portal', 'http://127.0.0.1')).toBeUndefined();
    expect(urlProblem('portal', 'http://[::1]:8080')).toBeUndefined();
    const wrong = 'portal must be an https URL (http is allowed only for localhost)';
    for (const bad of [
      'http://127.0.0.2',
      'http://localhost.example.com',
      'ftp://x',
      'portal.example.com',
      'https://',
      'https://a\nb',
    ]) {
      expect(urlProblem('portal', bad)).toBe(wrong);
    }
    expect(urlProblem('portal', undefined)).toBe('metadata is missing portal=<URL>');
  });

  it('trims client entries, drops empty ones, and names an unknown one', () => {
    expect(parseClients(' claude, ,codex,claude ')).toEqual({ ok: true, clients: ['claude', 'codex'] });
    expect(parseClients('')).toEqual({ ok: true, clients: [] });
    expect(parseClients('claude,Codex')).toEqual({
      ok: false,
      text: "unknown client 'Codex'; expected claude, codex, gemini, opencode, openai",
    });
  });

  it("reserves llm-auth's LLM_AUTH_* settings but not the names it gives gateway surfaces", () => {
    expect(reservedVariable('LLM_AUTH_CHATGPT_ISSUER')).toBe('LLM_AUTH_* configures llm-auth itself');
    expect(reservedVariable('LLM_AUTH_CORP_GATEWAY_KEY')).toBeUndefined();
    expect(reservedVariable('LLM_AUTH_CORP_PORTAL_SESSION')).toBeUndefined();
  });
});

describe('the hidden prompt', () => {
  const type = (...chunks: string[]) => {
    const state = { value: '', escape: '' };
    let outcome: string | undefined;
    for (const c of chunks) {
      outcome = editLine(state, c);
      if (outcome) break;
    }
    return { value: state.value, outcome };
  };

  it('ends at Enter, edits with Backspace and Ctrl-U, and stops at Ctrl-C', () => {
    expect(type('abc\r')).toEqual({ value: 'abc', outcome: 'done' });
    expect(type('ab', 'x\x7f', 'c\n')).toEqual({ value: 'abc', outcome: 'done' });
    expect(type('junk\x15tok\r')).toEqual({ value: 'tok', outcome: 'done' });
    expect(type('abc\x03')).toEqual({ value: 'abc', outcome: 'interrupt' });
    expect(type('abc')).toEqual({ value: 'abc', outcome: undefined });
  });

  it('ignores escape sequences (arrows, bracketed paste) and other control characters', () => {
    expect(type('\x1b[200~tok\x1b[201~\r')).toEqual({ value: 'tok', outcome: 'done' });
    expect(type('a\x1b[Db\x1bOAc\x07\r')).toEqual({ value: 'abc', outcome: 'done' });
    expect(type('\x04')).toEqual({ value: '', outcome: 'done' });
  });
});
