import { isChatgptSurface, type Surface } from '../store/envelope.js';
import { apiKeyDriver } from './api-key.js';
import { chatgptDriver } from './chatgpt/driver.js';
import { otherDriver } from './other.js';
import type { SurfaceDriver } from './types.js';

/** The driver for a surface's auth mode. */
export function driverFor(surface: Surface): SurfaceDriver {
  if (surface.auth === 'api-key') return apiKeyDriver;
  if (isChatgptSurface(surface)) return chatgptDriver;
  return otherDriver;
}
