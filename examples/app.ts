// An app that takes its OpenAI-compatible client from llm-auth: `npm test` type-checks this file against the
// published declarations (dist/index.d.ts), as an app that installed llm-auth and openai@6 would see them.
import { createOpenAIClient, credentialsFor, LlmAuthError, openStore } from 'llm-auth';

export async function main(): Promise<void> {
  const store = await openStore({ envFile: '/srv/app/.env', onWarning: (message) => console.warn(message) });
  console.log(store.surfaces().map((s) => `${s.name} (${s.auth})`));

  // A gateway key, fresh by llm-auth's rules; `clientEnv` is what `llm-auth env corp` would export.
  const creds = await credentialsFor('corp', { store });
  if (creds.auth === 'gateway-key') console.log(creds.baseURL, Object.keys(creds.clientEnv));

  try {
    // The key is fetched fresh before every request, and renewed once if the gateway rejects it.
    const ai = await createOpenAIClient('corp', { store, clientOptions: { maxRetries: 1 } });
    const answer = await ai.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say hi' }] });
    console.log(answer.choices[0]?.message.content);
  } catch (err) {
    if (err instanceof LlmAuthError && err.kind === 'login-required') console.error(`sign in first: ${err.message}`);
    else throw err;
  }
}
