// JWT claims without signature checks (chatgpt-oauth.md §3.1): only used to read `exp`, `iat` and the account id.

export type Claims = Record<string, unknown>;

export function decodeJwtClaims(token: unknown): Claims | undefined {
  if (typeof token !== 'string') return undefined;
  const segment = token.split('.')[1];
  if (segment === undefined) return undefined;
  // base64url with its padding restored; any character outside the alphabet is a failure.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(segment)) return undefined;
  const bare = segment.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  try {
    const json = Buffer.from(bare, 'base64url').toString('utf8');
    const payload: unknown = JSON.parse(json);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    return payload as Claims;
  } catch {
    return undefined;
  }
}

/** The numeric `exp` claim truncated toward zero, or undefined. */
export function jwtExp(token: unknown): number | undefined {
  const exp = decodeJwtClaims(token)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return Math.trunc(exp);
}
