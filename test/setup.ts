// Runs before every test file, also when files share a worker (isolate: false in vitest.config.ts).
import { afterAll } from 'vitest';
import { removeTmpDirs } from './helpers/fs.js';

afterAll(removeTmpDirs);
