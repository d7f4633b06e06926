// The store's timestamps: UTC ISO-8601 in whole seconds with `Z` (`2026-11-29T15:10:00Z`), as the ChatGPT
// block's sync stamp and a gateway envelope's `renewed_at` and `expires_at` are written. Pure.

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** `YYYY-MM-DDTHH:MM:SSZ` from epoch ms. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms of a timestamp in exactly that form, or undefined (absent, another form, not a date). */
export function parseIsoSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !ISO_SECONDS.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
