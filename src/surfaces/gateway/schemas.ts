// The answers of an organisation's portal and LLM gateway (gateway.md §4, §5, §10), as zod schemas for the
// gateway-key driver. Loose, and a wrongly typed field reads as missing.
import { optionalString, schema } from '../../lib/schema.js';

/** `GET` or `POST {portal}{key_path}`: the key, when it is one (non-empty, no whitespace, <= 4096 characters). */
const PortalKey = schema((z) =>
  z.looseObject({
    api_key: z.catch(z.optional(z.string().check(z.minLength(1), z.maxLength(4096), z.regex(/^\S+$/))), undefined),
  }),
);

/** An error body: `{"error": {"message", "type"}}` (LiteLLM) or `{"detail": "..."}` (Open WebUI). */
const ErrorBody = schema((z) =>
  z.looseObject({
    error: z.catch(z.optional(z.looseObject({ message: optionalString(z), type: optionalString(z) })), undefined),
    detail: optionalString(z),
  }),
);

/** `GET {root}{key_info_path}` (LiteLLM `/key/info`): `info.expires` as an ISO date. */
const KeyInfo = schema((z) => z.looseObject({ info: z.looseObject({ expires: z.string() }) }));

/** The key a portal answer carries, or undefined (`the portal response had no api_key`). */
export const portalKey = (body: unknown): string | undefined => PortalKey.parse(body)?.api_key;

/** `error.message` when the body has an `error` object, else a string `detail` (the raw body is the caller's fallback). */
export function errorMessage(body: unknown): string | undefined {
  const parsed = ErrorBody.parse(body);
  return parsed?.error?.message ?? parsed?.detail;
}

/** The `error.type` and `error.message` of a gateway answer, for the budget and expiry cues of §5. */
export function gatewayError(body: unknown): { type: string; message: string } {
  const error = ErrorBody.parse(body)?.error;
  return { type: error?.type ?? '', message: error?.message ?? '' };
}

/** `info.expires` in epoch seconds, when it is a date. */
export function keyInfoExpiry(body: unknown): number | undefined {
  const expires = KeyInfo.parse(body)?.info.expires;
  // LiteLLM writes Python's isoformat(); a date and time without a zone is UTC there, not local time.
  const zoned = expires !== undefined && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(expires) ? `${expires}Z` : expires;
  const ms = zoned === undefined ? NaN : Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
