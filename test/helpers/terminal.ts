// Tests at a pseudo-terminal run the CLI under util-linux `script`; where it is missing they are skipped.
import { execFileSync } from 'node:child_process';

export const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
