// The api-key driver: a key in the surface's primary variable.
import { pyTrim } from '../lib/text.js';
import type { SurfaceDriver } from './types.js';

export const apiKeyDriver: SurfaceDriver = {
  status(surface, { store }) {
    const key = surface.primaryEnv === undefined ? undefined : store.value(surface.primaryEnv);
    return {
      api_key: key !== undefined && pyTrim(key) !== '',
      auth: surface.auth,
      env: surface.primaryEnv ?? null,
      provider: surface.metadata.provider ?? null,
    };
  },
  secrets(surface, { store }) {
    const key = surface.primaryEnv === undefined ? undefined : store.value(surface.primaryEnv);
    return key === undefined || pyTrim(key) === '' ? [] : [pyTrim(key)];
  },
};
