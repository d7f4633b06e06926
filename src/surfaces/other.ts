// Any auth mode without a driver of its own: presence only.
import { pyTrim } from '../lib/text.js';
import { fail, NO_RENEW_HANDLER, type SurfaceDriver } from './types.js';

export const otherDriver: SurfaceDriver = {
  status(surface, { store }) {
    return {
      auth: surface.auth,
      configured: surface.envKeys.some((k) => pyTrim(store.value(k) ?? '') !== ''),
      env: surface.primaryEnv ?? null,
    };
  },
  secrets() {
    return [];
  },
  async test(surface) {
    return [fail(surface.auth, 'no test handler for this auth mode')];
  },
  async renew() {
    return NO_RENEW_HANDLER;
  },
};
