import { describe, expect, it } from 'vitest';
import { HEADER_LINES, appendBlock, writeManagedRecord } from '../../src/store/document.js';
import { managedBlock } from '../helpers/chatgpt.js';

const HEADER = HEADER_LINES.join('\n');
const NOW = Date.UTC(2026, 10, 29, 15, 21, 16, 789);
const RECORD = '{"access_token":"at","refresh_token":"rt"}';
const block = (extra: string[] = [], json = RECORD): string => managedBlock(json, extra);

describe('appendBlock (core.md §9.3)', () => {
  it('starts a missing or blank store with the header and one empty line', () => {
    expect(appendBlock('', ['B', 'E'])).toBe(`${HEADER}\n\nB\nE\n`);
    expect(appendBlock(' \n\t\n', ['B', 'E'])).toBe(`${HEADER}\n\nB\nE\n`);
  });
  it('keeps existing bytes, adds a missing terminator and one empty line, no header', () => {
    expect(appendBlock('FOO=1', ['B', 'E'])).toBe('FOO=1\n\nB\nE\n');
    expect(appendBlock('# c\nFOO=1\n\n', ['B'])).toBe('# c\nFOO=1\n\n\nB\n');
  });
  it('follows CRLF style and keeps a BOM', () => {
    expect(appendBlock('\ufeffA=1\r\nB=2', ['X'])).toBe('\ufeffA=1\r\nB=2\r\n\r\nX\r\n');
    expect(appendBlock('A=1\nB=2\r\n', ['X'])).toBe('A=1\nB=2\r\n\nX\n');
  });
});

describe('writeManagedRecord (core.md §6.3, §6.4)', () => {
  it('migrates a legacy block and appends the managed block (first example)', () => {
    const text = 'FOO=bar\n\n\n# BEGIN CODEX OAUTH (managed by tools/codex_oauth_env.py)\nX=1\n# END CODEX OAUTH\nBAZ=2\n';
    expect(writeManagedRecord(text, RECORD, NOW)).toBe(`${HEADER}\n\nFOO=bar\n\nBAZ=2\n\n${block()}\n`);
  });
  it('replaces the block in place and normalises blank lines around it (second example)', () => {
    const text = `A=1\n\n\n${block([], 'old')}\n\n\nB=2\n\n\n`;
    expect(writeManagedRecord(text, RECORD, NOW)).toBe(`${HEADER}\n\nA=1\n\n${block()}\n\nB=2\n`);
  });
  it('keeps user metadata of the old block and regenerates the managed keys', () => {
    const old = [
      '  # BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)  ',
      '# surface=other',
      '# renew=false',
      '  # live_backend=true  ',
      '# model=gpt-5.4',
      '# no equals sign',
      'CHATGPT_AUTH_JSON=old',
      '# END LLM AUTH SURFACE chatgpt subscription-oauth',
    ].join('\n');
    expect(writeManagedRecord(`${HEADER}\n\n${old}\n`, RECORD, NOW)).toBe(
      `${HEADER}\n\n${block(['# live_backend=true', '# model=gpt-5.4'])}\n`,
    );
  });
  it('removes every legacy pair in order', () => {
    const text = [
      '# BEGIN LITELLM CHATGPT OAUTH (managed by tools/llm-auth)',
      'A=1',
      '# END LITELLM CHATGPT OAUTH',
      'KEEP=1',
      '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by tools/llm-auth)',
      '# END LLM AUTH SURFACE chatgpt subscription-oauth',
      '',
      '# BEGIN LITELLM CHATGPT OAUTH (managed by tools/litellm-auth)',
      '# END LITELLM CHATGPT OAUTH',
      '# BEGIN LITELLM CHATGPT OAUTH (managed by tools/codex_oauth_env.py)',
      '# END LITELLM CHATGPT OAUTH',
      '',
    ].join('\n');
    expect(writeManagedRecord(text, RECORD, NOW)).toBe(`${HEADER}\n\nKEEP=1\n\n${block()}\n`);
  });
  it('never rewrites a hand-written envelope without the managed suffix', () => {
    const hand =
      '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth\nCHATGPT_AUTH_JSON=x\n# END LLM AUTH SURFACE chatgpt subscription-oauth';
    expect(writeManagedRecord(`${HEADER}\n\n${hand}\n`, RECORD, NOW)).toBe(`${HEADER}\n\n${hand}\n\n${block()}\n`);
  });
  it('fails on a BEGIN without END and names both markers', () => {
    expect(() => writeManagedRecord('# BEGIN CODEX OAUTH (managed by tools/codex_oauth_env.py)\nX=1\n', RECORD, NOW)).toThrow(
      "found '# BEGIN CODEX OAUTH (managed by tools/codex_oauth_env.py)' without matching '# END CODEX OAUTH'",
    );
    expect(() =>
      writeManagedRecord('# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)\n', RECORD, NOW),
    ).toThrow(
      "found '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)' without matching '# END LLM AUTH SURFACE chatgpt subscription-oauth'",
    );
  });
  it('writes an empty store as header, empty line, block; keeps CRLF and BOM', () => {
    expect(writeManagedRecord('', RECORD, NOW)).toBe(`${HEADER}\n\n${block()}\n`);
    const crlf = writeManagedRecord('\ufeff\r\nA=1\r\n', RECORD, NOW);
    expect(crlf).toBe(`\ufeff${HEADER.replaceAll('\n', '\r\n')}\r\n\r\nA=1\r\n\r\n${block().replaceAll('\n', '\r\n')}\r\n`);
  });
  it('uses the double-quoted form when the JSON holds a quote or backslash', () => {
    const json = '{"a":"it\'s \\"x\\""}';
    expect(writeManagedRecord('', json, NOW)).toContain(`CHATGPT_AUTH_JSON="{\\"a\\":\\"it's \\\\\\"x\\\\\\"\\"}"\n`);
  });
});
