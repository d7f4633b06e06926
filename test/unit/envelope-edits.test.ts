// Edits inside one envelope (for the gateway driver: the key, `renewed_at`, `expires_at`): pure text edits
// that keep every other byte, and the same edits through the store front under the lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvelopes } from '../../src/store/envelope.js';
import { setEnvelopeMetadata, setEnvelopeVariable } from '../../src/store/document.js';
import { Store } from '../../src/store/index.js';
import { parseAssignments } from '../../src/store/values.js';
import { mode, tmpDir, writeStore } from '../helpers/fs.js';
import { testRuntime } from '../helpers/runtime.js';

const CORP = { name: 'corp', auth: 'gateway-key' };
const STORE = [
  'A=1',
  '',
  '# BEGIN LLM AUTH SURFACE corp api-key',
  '# env=KEY',
  'KEY=not-this-one',
  '# END LLM AUTH SURFACE corp api-key',
  '  # BEGIN LLM AUTH SURFACE corp gateway-key  ',
  '# surface=corp',
  '# env=LLM_AUTH_CORP_GATEWAY_KEY',
  '# renewed_at=100',
  'LLM_AUTH_CORP_GATEWAY_KEY=old',
  '# renewed_at=200',
  '# END LLM AUTH SURFACE corp gateway-key',
  'B=2',
].join('\n');

describe('setEnvelopeVariable', () => {
  it('replaces the first assignment inside the envelope only, quoting the value', () => {
    const out = setEnvelopeVariable(STORE, CORP, 'LLM_AUTH_CORP_GATEWAY_KEY', "new key's");
    expect(out).toBe(STORE.replace('LLM_AUTH_CORP_GATEWAY_KEY=old', `LLM_AUTH_CORP_GATEWAY_KEY="new key's"`));
    expect(parseAssignments(out).get('LLM_AUTH_CORP_GATEWAY_KEY')).toBe("new key's");
  });
  it('adds a missing variable before the END marker, in the file style, and keeps CRLF and a missing last terminator', () => {
    const crlf = STORE.split('\n').join('\r\n');
    const out = setEnvelopeVariable(crlf, CORP, 'OTHER', 'v');
    expect(out).toBe(crlf.replace('# renewed_at=200\r\n', '# renewed_at=200\r\nOTHER=v\r\n'));
    expect(out.endsWith('B=2')).toBe(true);
  });
  it('fails when the envelope is not there', () => {
    expect(() => setEnvelopeVariable('A=1\n', CORP, 'K', 'v')).toThrow('auth surface corp gateway-key not found in the store');
  });
});

describe('setEnvelopeMetadata', () => {
  it('replaces every line of the key by one line where the first was', () => {
    const out = setEnvelopeMetadata(STORE, CORP, 'renewed_at', '300');
    expect(out).toBe(STORE.replace('# renewed_at=100\n', '# renewed_at=300\n').replace('# renewed_at=200\n', ''));
    expect(parseEnvelopes(out, '.env')[1]!.metadata.renewed_at).toBe('300');
  });
  it('adds a new key after the last metadata line, and removes a key', () => {
    const added = setEnvelopeMetadata(STORE, CORP, 'expires_at', '900');
    expect(added).toBe(STORE.replace('# renewed_at=200\n', '# renewed_at=200\n# expires_at=900\n'));
    const removed = setEnvelopeMetadata(STORE, CORP, 'renewed_at', undefined);
    expect(removed).toBe(STORE.replace('# renewed_at=100\n', '').replace('# renewed_at=200\n', ''));
    expect(parseEnvelopes(removed, '.env')[1]!.metadata.renewed_at).toBeUndefined();
  });
  it('refuses a value that would create a line', () => {
    expect(() => setEnvelopeMetadata(STORE, CORP, 'x', 'a\nB=evil')).toThrow('metadata x must be a single line');
  });
});

describe('the store front', () => {
  const open = async (text: string) => {
    const dir = tmpDir();
    writeStore(path.join(dir, '.env'), text);
    const rt = testRuntime({ cwd: dir });
    const warnings: string[] = [];
    const store = await Store.open(rt, { envFile: undefined, checks: 'none', warn: (m) => warnings.push(m) });
    return { dir, store, file: path.join(dir, '.env'), warnings };
  };

  it('selects by name, with a built-in fallback, else the unknown-surface usage error', async () => {
    const { store } = await open(STORE);
    expect(store.select('corp').map((s) => s.auth)).toEqual(['api-key', 'gateway-key']);
    expect(store.select(undefined)).toHaveLength(2);
    expect(store.select('x', (n) => (n === 'x' ? store.surfaces[0] : undefined))).toEqual([store.surfaces[0]]);
    expect(() => store.select('nope')).toThrow(
      expect.objectContaining({ message: "unknown auth surface 'nope'; available: corp", exitCode: 2 }),
    );
  });

  it('sets a variable and metadata under the lock; the process sees the new value; the lock is gone after', async () => {
    const { store, file, dir } = await open(`${STORE}\n`);
    await store.withLock((locked) => {
      locked.setVariable(CORP, 'LLM_AUTH_CORP_GATEWAY_KEY', 'fresh');
      locked.setMetadata(CORP, 'renewed_at', '300');
      expect(locked.read().value('LLM_AUTH_CORP_GATEWAY_KEY')).toBe('fresh');
    });
    expect(store.value('LLM_AUTH_CORP_GATEWAY_KEY')).toBe('fresh');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# renewed_at=300\nLLM_AUTH_CORP_GATEWAY_KEY=fresh\n# END');
    expect(mode(file)).toBe('600');
    expect(fs.readdirSync(dir).sort()).toEqual(['.env']);
  });

  it('appends an envelope and refuses a same-named surface of the mode or a taken variable, re-reading inside the lock', async () => {
    const { store, file } = await open('A=1\n');
    const envelope = {
      name: 'x',
      auth: 'api-key',
      metadata: [['surface', 'x']] as const,
      assignments: [['X_KEY', undefined]] as const,
    };
    await store.appendEnvelope({ ...envelope, metadata: [...envelope.metadata], assignments: [...envelope.assignments] });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'A=1\n\n# BEGIN LLM AUTH SURFACE x api-key\n# surface=x\nX_KEY=\n# END LLM AUTH SURFACE x api-key\n',
    );
    // The store was opened before the first append: the duplicate is found in the file, not in memory.
    await expect(store.appendEnvelope({ ...envelope, metadata: [], assignments: [['OTHER', 'v']] })).rejects.toThrow(
      "api-key surface 'x' already exists",
    );
    await expect(
      store.appendEnvelope({ name: 'y', auth: 'api-key', metadata: [], assignments: [['X_KEY', 'v']] }),
    ).rejects.toThrow("env var 'X_KEY' already belongs to a surface");
  });
});
