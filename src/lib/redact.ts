// Redaction and error cleaning (core.md §13). Pure.
import { pyTrim, splitLines } from './python.js';

const codePoints = (s: string): string[] => Array.from(s);

/**
 * Every whole secret first (longest first), then the first 8 and last 6 characters of each secret longer than
 * 12 characters. Whole values first, so one JWT's prefix pass cannot break the match of another (core.md §15).
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const list = [...new Set([...secrets].filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of list) out = out.split(secret).join('[redacted]');
  for (const secret of list) {
    const cps = codePoints(secret);
    if (cps.length <= 12) continue;
    out = out.split(cps.slice(0, 8).join('')).join('[redacted-prefix]');
    out = out.split(cps.slice(-6).join('')).join('[redacted-suffix]');
  }
  return out;
}

export const HTML_CHALLENGE = 'ChatGPT backend returned an HTML/Cloudflare challenge';
const NOISE = ['Provider List:', 'Give Feedback / Get Help:', 'LiteLLM.Info:'];

export function looksLikeHtmlChallenge(text: string): boolean {
  return text.toLowerCase().includes('<html') || text.includes('cf_chl');
}

/** Redact, recognise HTML challenges, drop colour codes and LiteLLM noise, join lines, cap at 500. */
export function clean(text: string, secrets: Iterable<string>): string {
  const redacted = redactSecrets(text, secrets);
  if (looksLikeHtmlChallenge(redacted)) return HTML_CHALLENGE;
  // eslint-disable-next-line no-control-regex -- ESC starts the colour codes removed here
  const plain = redacted.replace(/\x1b\[[0-9;]*m/g, '');
  const kept = splitLines(plain)
    .map(pyTrim)
    .filter((l) => l !== '' && !NOISE.some((n) => l.includes(n)));
  const joined = kept.length > 0 ? kept.join(' ') : pyTrim(plain);
  return codePoints(joined).slice(0, 500).join('');
}

/** What `--show-raw-error` shows: redacted, from the first `<html` on when there is one, uncapped. */
export function rawError(text: string, secrets: Iterable<string>): string {
  const redacted = redactSecrets(text, secrets);
  const at = redacted.toLowerCase().indexOf('<html');
  return at >= 0 ? redacted.slice(at) : redacted;
}
