// A loopback LLM gateway for `npm run test:clients`: an Open WebUI key route and a LiteLLM-style gateway that
// answers the Anthropic Messages, OpenAI Chat Completions and Responses, and Gemini generateContent APIs,
// streamed or not, always with the text "1". Every request is logged with the key it carried. A second
// server is the HTTP(S) proxy the clients are given: it refuses every request and logs the host, so a client
// that tries to reach any host but 127.0.0.1 is seen.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';

const sseEvent = (event, data) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

function anthropic(stream) {
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: '1' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 1 },
  };
  if (!stream) return { type: 'application/json', body: JSON.stringify(message) };
  return {
    type: 'text/event-stream',
    body:
      sseEvent('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null } }) +
      sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '1' } }) +
      sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 1 },
      }) +
      sseEvent('message_stop', { type: 'message_stop' }),
  };
}

function chat(stream, model) {
  const created = Math.floor(Date.now() / 1000);
  if (!stream) {
    return {
      type: 'application/json',
      body: JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    };
  }
  const chunk = (delta, finish) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return {
    type: 'text/event-stream',
    body:
      sseEvent(null, chunk({ role: 'assistant', content: '' }, null)) +
      sseEvent(null, chunk({ content: '1' }, null)) +
      sseEvent(null, { ...chunk({}, 'stop'), usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }) +
      'data: [DONE]\n\n',
  };
}

function responses(model) {
  const item = {
    id: 'msg_1',
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: '1', annotations: [] }],
  };
  const response = (status, output) => ({
    id: 'resp_1',
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output,
    usage: {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 1,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 6,
    },
  });
  return {
    type: 'text/event-stream',
    body:
      sseEvent('response.created', { type: 'response.created', response: response('in_progress', []) }) +
      sseEvent('response.output_item.added', {
        type: 'response.output_item.added',
        output_index: 0,
        item: { ...item, status: 'in_progress', content: [] },
      }) +
      sseEvent('response.output_text.delta', {
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: '1',
      }) +
      sseEvent('response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }) +
      sseEvent('response.completed', { type: 'response.completed', response: response('completed', [item]) }),
  };
}

function gemini(stream) {
  const answer = {
    candidates: [{ content: { role: 'model', parts: [{ text: '1' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
    modelVersion: 'gemini-2.5-flash',
  };
  return stream
    ? { type: 'text/event-stream', body: sseEvent(null, answer) }
    : { type: 'application/json', body: JSON.stringify(answer) };
}

export async function startGateway() {
  const log = [];
  const state = {
    session: `session-${randomBytes(12).toString('hex')}`,
    key: `sk-${randomBytes(16).toString('base64url')}`,
    expired: new Set(),
    posts: 0,
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const key = req.headers['x-api-key'] ?? req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? bearer;
      log.push({ method: req.method, path: url.pathname, key, userAgent: req.headers['user-agent'] ?? '' });
      const send = (status, type, body) => res.writeHead(status, { 'content-type': type }).end(body);
      const json = (status, value) => send(status, 'application/json', JSON.stringify(value));
      if (url.pathname === '/api/v1/auths/api_key') {
        if (bearer !== state.session) return json(401, { detail: '401 Unauthorized' });
        if (req.method === 'POST') {
          state.posts++;
          state.expired.add(state.key);
          state.key = `sk-${randomBytes(16).toString('base64url')}`;
        }
        return json(200, { api_key: state.key });
      }
      if (key !== state.key || state.expired.has(key)) {
        const expired = state.expired.has(key);
        return json(401, {
          error: expired
            ? { message: 'Authentication Error - Expired Key.', type: 'expired_key', param: 'None', code: '401' }
            : {
                message: 'Authentication Error, Invalid proxy server token passed',
                type: 'auth_error',
                param: 'None',
                code: '401',
              },
        });
      }
      let body;
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        body = {};
      }
      let answer;
      if (req.method === 'GET' && url.pathname.endsWith('/models')) {
        answer = {
          type: 'application/json',
          body: JSON.stringify({ object: 'list', data: [{ id: 'gpt-4.1-mini', object: 'model' }] }),
        };
      } else if (url.pathname.endsWith('/messages/count_tokens'))
        answer = { type: 'application/json', body: '{"input_tokens":5}' };
      else if (url.pathname.endsWith('/messages')) answer = anthropic(body.stream === true);
      else if (url.pathname.endsWith('/chat/completions')) answer = chat(body.stream === true, body.model ?? 'gpt-4.1-mini');
      else if (url.pathname.endsWith('/responses')) answer = responses(body.model ?? 'gpt-4.1-mini');
      else if (url.pathname.includes(':streamGenerateContent')) answer = gemini(true);
      else if (url.pathname.includes(':generateContent')) answer = gemini(false);
      else if (url.pathname.includes(':countTokens')) answer = { type: 'application/json', body: '{"totalTokens":5}' };
      else return json(404, { error: { message: `no route ${url.pathname}` } });
      send(200, answer.type, answer.body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, log, state, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

/** A proxy that refuses everything and remembers which hosts were asked for. */
export async function startRefusingProxy() {
  const hosts = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? req.url);
    res.writeHead(403).end();
  });
  server.on('connect', (req, socket) => {
    hosts.push(req.url);
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hosts,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}
