// Which command lines the `status` bundle reads itself (src/cli/status-main.ts): exactly the plain ones, read
// as commander reads them; everything else goes to the full CLI (test/e2e/status-bundle.test.ts runs both).
import { describe, expect, it } from 'vitest';
import { plainStatus } from '../../src/cli/status-main.js';

describe('plainStatus', () => {
  it.each([
    [['status'], { surface: undefined, human: false, envFile: undefined }],
    [['status', 'research'], { surface: 'research', human: false, envFile: undefined }],
    [['status', '--human'], { surface: undefined, human: true, envFile: undefined }],
    [['status', '--human', 'research'], { surface: 'research', human: true, envFile: undefined }],
    [['status', 'research', '--human'], { surface: 'research', human: true, envFile: undefined }],
    [['--env-file', 'a.env', 'status'], { surface: undefined, human: false, envFile: 'a.env' }],
    [['--env-file=a.env', 'status', 'x'], { surface: 'x', human: false, envFile: 'a.env' }],
    [['status', '--env-file', 'a.env', 'x'], { surface: 'x', human: false, envFile: 'a.env' }],
    [['status', 'x', '--env-file=a=b.env'], { surface: 'x', human: false, envFile: 'a=b.env' }],
    [['status', 'status'], { surface: 'status', human: false, envFile: undefined }],
    [['status', ''], { surface: '', human: false, envFile: undefined }],
  ])('reads %j', (argv, expected) => {
    expect(plainStatus(argv)).toEqual(expected);
  });

  it.each([
    [[]],
    [['token', 'research']],
    [['--human', 'status']],
    [['status', '--help']],
    [['status', '-h']],
    [['--help', 'status']],
    [['status', '--version']],
    [['status', 'a', 'b']],
    [['status', '--', 'a']],
    [['status', '--human', '--human']],
    [['status', '--humane']],
    [['status', '-x']],
    [['status', '--env-file']],
    [['status', '--env-file=']],
    [['status', '--env-file', '']],
    [['status', '--env-file', '-x']],
    [['--env-file', 'a.env', '--env-file', 'b.env', 'status']],
    [['--env-file', 'status']],
    [['help', 'status']],
    [['Status']],
  ])('leaves %j to the full CLI', (argv) => {
    expect(plainStatus(argv)).toBeUndefined();
  });
});
