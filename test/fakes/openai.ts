// A fake OpenAI-compatible API (`/v1/models`, `/v1/models/{id}`, `/v1/responses`) on loopback.
import { FakeServer, json, type RecordedRequest, type Reply } from './http.js';

export class FakeOpenAI extends FakeServer {
  readonly validKeys = new Set<string>();
  readonly models = new Set<string>(['gpt-4.1-mini']);
  /** What /responses answers with. */
  answer = '1';
  /** Put the answer in `output_text` instead of `output[].content[]`. */
  useOutputText = false;

  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  constructor() {
    super();
    const authorised = (req: RecordedRequest): Reply | undefined => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (this.validKeys.has(key)) return undefined;
      // The real API echoes the key it rejected, which is why every detail is redacted.
      return json(401, {
        error: {
          message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    };
    this.route(
      'GET',
      /^\/v1\/models$/,
      (req) => authorised(req) ?? json(200, { object: 'list', data: [...this.models].map((id) => ({ id, object: 'model' })) }),
    );
    this.route('GET', /^\/v1\/models\/[^/]+$/, (req) => {
      const denied = authorised(req);
      if (denied) return denied;
      const id = decodeURIComponent(req.path.split('?')[0]!.slice('/v1/models/'.length));
      return this.models.has(id)
        ? json(200, { id, object: 'model', owned_by: 'openai' })
        : json(404, {
            error: { message: `The model '${id}' does not exist`, type: 'invalid_request_error', code: 'model_not_found' },
          });
    });
    this.route('POST', /^\/v1\/responses$/, (req) => {
      const denied = authorised(req);
      if (denied) return denied;
      const body = req.body as { model?: string };
      if (!body || typeof body !== 'object' || !this.models.has(body.model ?? '')) {
        return json(400, { error: { message: 'The requested model does not exist.', code: 'model_not_found' } });
      }
      const output = [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: this.answer }] }];
      return json(
        200,
        this.useOutputText
          ? { id: 'resp_1', output_text: this.answer, output: [] }
          : { id: 'resp_1', object: 'response', output },
      );
    });
  }
}
