import { describe, expect, it } from 'vitest';
import { parseEnvelopes } from '../../src/store/envelope.js';

const B = '# BEGIN LLM AUTH SURFACE';
const E = '# END LLM AUTH SURFACE';

describe('envelope grammar (core.md §3)', () => {
  it('reads names, modes, metadata and env keys', () => {
    const [s] = parseEnvelopes(
      [
        `  ${B} research api-key (managed by llm-auth)  `,
        '# provider = openai',
        '# model = gpt-4.1-mini',
        '## env=X',
        '# just a comment',
        '# surface=renamed',
        'export FOO=1',
        'OPENAI_API_KEY=sk',
        'OPENAI_API_KEY=again',
        ' =ignored',
        `${E} research api-key`,
      ].join('\n'),
      'F',
    );
    expect(s).toMatchObject({
      name: 'research',
      auth: 'api-key',
      line: 1,
      envKeys: ['export FOO', 'OPENAI_API_KEY'],
      primaryEnv: 'export FOO',
    });
    expect({ ...s!.metadata }).toEqual({
      surface: 'renamed',
      auth: 'api-key',
      provider: 'openai',
      model: 'gpt-4.1-mini',
      '# env': 'X',
    });
  });

  it('puts a metadata env first and makes it primary', () => {
    const [s] = parseEnvelopes(`${B} a api-key\nOTHER=1\n# env=KEY\n${E} a api-key\n`, 'F');
    expect(s!.envKeys).toEqual(['KEY', 'OTHER']);
    expect(s!.primaryEnv).toBe('KEY');
  });

  it('treats lines outside envelopes, stray ENDs and malformed markers as ordinary lines', () => {
    expect(parseEnvelopes(`${E} a api-key\nK=1\n${B} a b c\n#BEGIN LLM AUTH SURFACE a api-key\n`, 'F')).toEqual([]);
  });

  it('accepts Unicode whitespace as Python \\s, and any line separator', () => {
    const surfaces = parseEnvelopes(`${B}\u00a0a\u3000api-key\u2028K=1\r${E} a api-key`, 'F');
    expect(surfaces.map((s) => [s.name, s.auth, s.envKeys])).toEqual([['a', 'api-key', ['K']]]);
  });

  it('keeps several envelopes with one name in file order', () => {
    const text = `${B} chatgpt api-key\n${E} chatgpt api-key\n${B} chatgpt subscription-oauth\n# env=CHATGPT_AUTH_JSON\n${E} chatgpt subscription-oauth\n`;
    expect(parseEnvelopes(text, 'F').map((s) => s.auth)).toEqual(['api-key', 'subscription-oauth']);
  });

  it('reports the three errors with path and line (core.md §3.3 examples)', () => {
    expect(() => parseEnvelopes(`${B} a api-key\n${B} b api-key\n`, 'F')).toThrow('nested auth surface envelope at F:2');
    expect(() => parseEnvelopes(`${B} a api-key\n${E} a oauth\n`, 'F')).toThrow(
      'auth surface envelope opened as a api-key but closed as a oauth at F:2',
    );
    expect(() => parseEnvelopes(`\n${B} a api-key\n`, 'F')).toThrow(
      'auth surface envelope opened at F:2 without a matching END marker',
    );
    expect(parseEnvelopes(`${E} a api-key\n`, 'F')).toEqual([]);
  });

  it('gives errors exit code 1', () => {
    try {
      parseEnvelopes(`${B} a api-key\n`, 'F');
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(1);
      return;
    }
    throw new Error('no error');
  });
});
