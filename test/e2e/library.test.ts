// The package entry for apps (dist/index.js, as `import ... from 'llm-auth'` resolves it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Library from '../../src/index.js';
import { CANARY, ROOT } from '../helpers/cli.js';
import { gitRepo, STORE_API_KEY, writeStore } from '../helpers/fs.js';

type Lib = typeof Library;
const load = async (): Promise<Lib> => (await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href)) as Lib;

describe('library: openStore', () => {
  it('opens a safe store and gives surfaces without values, and the status objects', async () => {
    const { openStore } = await load();
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    writeStore(path.join(dir, '.env'), STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY, ['# model=gpt-4.1-mini']));
    const store = await openStore({ cwd: dir, env: {} });
    expect(store.path).toBe(path.join(dir, '.env'));
    expect(store.surfaces()).toEqual([
      {
        name: 'research',
        auth: 'api-key',
        metadata: { surface: 'research', auth: 'api-key', provider: 'openai', env: 'OPENAI_API_KEY', model: 'gpt-4.1-mini' },
        env: ['OPENAI_API_KEY'],
      },
    ]);
    expect(JSON.stringify(store.surfaces())).not.toContain(CANARY);
    expect(store.status('research')).toEqual({
      research: { api_key: true, auth: 'api-key', env: 'OPENAI_API_KEY', provider: 'openai' },
    });
    // The caller's environment wins over the file.
    const shadowed = await openStore({ cwd: dir, env: { OPENAI_API_KEY: '' } });
    expect(shadowed.status()).toEqual({
      research: { api_key: false, auth: 'api-key', env: 'OPENAI_API_KEY', provider: 'openai' },
    });
  });

  it('throws LlmAuthError kind store for an unsafe store, and usage for an unknown surface', async () => {
    const { openStore, LlmAuthError } = await load();
    const dir = gitRepo();
    writeStore(path.join(dir, '.env'), STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    const err = await openStore({ cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmAuthError);
    expect(err).toMatchObject({
      kind: 'store',
      exitCode: 1,
      message: `${path.join(dir, '.env')} is not ignored by git; add /.env to .gitignore`,
    });
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const store = await openStore({ cwd: dir });
    expect(() => store.status('nope')).toThrow(expect.objectContaining({ kind: 'usage', exitCode: 2 }));
  });
});
