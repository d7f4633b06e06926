// Whether a command-line word looks like a secret rather than a name: a key pasted where a surface name or a
// provider belongs (`add-api-key sk-ant-... anthropic`). Pure.

/** Prefixes of API keys and tokens people paste (OpenAI, Anthropic, Google, GitHub, Slack, Groq, Hugging Face, ...). */
const KEY_PREFIXES = /^(sk-|sk_|rk_|pk_|AIza|ghp_|gho_|ghs_|github_pat_|xox[abpr]-|gsk_|hf_|glpat-|eyJ)/;

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function looksLikeSecret(word: string): boolean {
  if (KEY_PREFIXES.test(word) && word.length >= 12) return true;
  if (word.length < 24) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(word)).length;
  return classes === 3 && entropy(word) >= 3.5;
}
