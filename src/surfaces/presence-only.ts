// Any auth mode without a driver of its own: presence only.
import { pyTrim } from '../lib/python.js';
import { fail, withRequests, NO_RENEW_HANDLER, type PresenceStatus, type SurfaceView } from './driver.js';

export const presenceOnlyView: SurfaceView<PresenceStatus> = {
  status(surface, store) {
    return {
      auth: surface.auth,
      configured: surface.envKeys.some((k) => pyTrim(store.value(k) ?? '') !== ''),
      env: surface.primaryEnv ?? null,
    };
  },
  secrets() {
    return [];
  },
};

export const presenceOnlyDriver = /* @__PURE__ */ withRequests<PresenceStatus>(presenceOnlyView, {
  preflight() {},
  test(surface) {
    return Promise.resolve([fail(surface.auth, 'no test handler for this auth mode')]);
  },
  renew() {
    return Promise.resolve(NO_RENEW_HANDLER);
  },
});
