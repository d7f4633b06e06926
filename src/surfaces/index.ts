// The driver of each auth mode, and what the commands that send requests ask of the drivers together.
// `status` needs only the drivers' views (./views.ts).
import type { Store, Surface } from '../store/index.js';
import { apiKeyDriver } from './api-key.js';
import { chatgptDriver } from './chatgpt/driver.js';
import type { Intent, SurfaceDriver } from './driver.js';
import { gatewayDriver } from './gateway/driver.js';
import { presenceOnlyDriver } from './presence-only.js';
import { modeOf, type Mode } from './views.js';

const DRIVERS: Record<Mode, SurfaceDriver> = {
  'api-key': apiKeyDriver,
  chatgpt: chatgptDriver,
  'gateway-key': gatewayDriver,
  'presence-only': presenceOnlyDriver,
};

/** The driver for a surface's auth mode. */
export const driverFor = (surface: Surface): SurfaceDriver => DRIVERS[modeOf(surface)];

/** Each driver's preflight, once per mode, before the command sends anything. */
export function preflight(surfaces: readonly Surface[], store: Store, intent: Intent): void {
  const seen = new Set<SurfaceDriver>();
  for (const surface of surfaces) {
    const driver = driverFor(surface);
    if (seen.has(driver)) continue;
    seen.add(driver);
    driver.preflight(surface, store, intent);
  }
}
