// The answers of the ChatGPT issuer and the stored record, as zod schemas (chatgpt-oauth.md §2, §5, §6).
// Every schema is loose: unknown keys are kept, and a wrongly typed field reads as missing.
import { optionalString, schema, text, type Parsed } from '../../lib/schema.js';

/** `POST /api/accounts/deviceauth/usercode` (§5 step 4); `usercode` is an alias of `user_code`. */
export const DeviceCodeAnswer = schema((z) =>
  z.looseObject({
    device_auth_id: text(z),
    user_code: text(z),
    usercode: text(z),
    interval: z.catch(z.optional(z.union([z.number(), z.string()])), undefined),
  }),
);

/** `POST /api/accounts/deviceauth/token` (§5 step 8): the grant, once the user approved. */
export const PollAnswer = schema((z) =>
  z.looseObject({ authorization_code: text(z), code_verifier: text(z), code_challenge: text(z) }),
);

/** `POST /oauth/token`, for the exchange (§5 step 9) and a refresh (§6). */
export const TokenAnswer = schema((z) => z.looseObject({ access_token: text(z), refresh_token: text(z), id_token: text(z) }));

/** An error body: `{"error": "code"}`, `{"error": {"code": ...}}` or `{"code": ...}`. */
export const ErrorBody = schema((z) =>
  z.looseObject({
    error: z.catch(z.optional(z.union([z.string(), z.looseObject({ code: optionalString(z) })])), undefined),
    code: optionalString(z),
  }),
);

/**
 * The typed fields of the record (§2.1). The record itself stays a loose object: `status` shows a wrongly
 * typed token as present, and the cooldown write keeps unknown keys.
 */
export const RecordFields = schema((z) =>
  z.looseObject({
    access_token: text(z),
    refresh_token: text(z),
    id_token: text(z),
    // Any integral number, as Python's isinstance(int) (not only the safe range).
    expires_at: z.catch(z.optional(z.number().check(z.refine(Number.isInteger))), undefined),
    device_code_requested_at: z.catch(z.optional(z.union([z.number(), z.string()])), undefined),
  }),
);

export type RecordFields = Parsed<typeof RecordFields>;

/** A JSON object (the record must be one, §2.4), passed through as parsed: every key kept, `__proto__` too. */
export const JsonObject = schema((z) =>
  z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v)),
);

/** The `https://api.openai.com/auth` claim of an id or access token (§3.3). */
export const AuthClaim = schema((z) => z.looseObject({ chatgpt_account_id: text(z) }));
