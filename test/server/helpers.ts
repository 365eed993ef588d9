/** Calling the API in-process (`app.request`, no port) and reading its event streams. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type ServerOptions, type ShotrouterServer } from '../../src/server/app.ts';
import { tempDir } from '../lib/helpers.ts';

export function testServer(options: Partial<ServerOptions> = {}): ShotrouterServer {
  // no credentials: nothing here may reach a real provider
  return createServer({ projectsDir: tempDir('api'), webDir: null, env: {}, ...options });
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
}

export async function call(
  server: ShotrouterServer,
  method: string,
  path: string,
  init: { json?: unknown; form?: FormData; headers?: Record<string, string>; host?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: RequestInit['body'];
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.json === 'string' ? init.json : JSON.stringify(init.json);
  } else if (init.form) {
    // as bytes, the way a socket delivers them: undici's FormData stream fails when the server
    // stops reading a refused upload early (in process only)
    const encoded = new Response(init.form);
    headers['content-type'] = encoded.headers.get('content-type')!;
    body = new Uint8Array(await encoded.arrayBuffer());
  }
  const response = await server.app.request(`http://${init.host ?? '127.0.0.1:4400'}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const type = response.headers.get('content-type') ?? '';
  const parsed = type.includes('json') ? await response.json() : await response.text();
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Asserts a JSON error with this status and stable code. */
export function assertError(reply: Reply, status: number, code: string, message?: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(reply.body.error.code, code, JSON.stringify(reply.body));
  assert.equal(typeof reply.body.error.message, 'string');
  if (message) assert.match(reply.body.error.message, message);
}

export interface SseEvent {
  id: number | null;
  type: string;
  data: unknown;
}

/** Reads server-sent events from a response until `until` says stop (or the stream ends). */
export async function readEvents(
  response: Response,
  until: (event: SseEvent, all: SseEvent[]) => boolean,
): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const at = line.indexOf(': ');
          if (at > 0) fields.set(line.slice(0, at), line.slice(at + 2));
        }
        if (!fields.has('event')) continue;
        const event = {
          id: fields.has('id') ? Number(fields.get('id')) : null,
          type: fields.get('event')!,
          data: JSON.parse(fields.get('data') ?? 'null'),
        };
        events.push(event);
        if (until(event, events)) return events;
      }
    }
  } finally {
    await reader.cancel();
  }
}

export function storyboardForm(
  file: string,
  images: Array<{ name: string; data: Uint8Array; type?: string }> = [],
): FormData {
  const form = new FormData();
  form.append('storyboard', new Blob([fs.readFileSync(file)]), file.split('/').pop());
  for (const image of images) {
    form.append(
      'files',
      new Blob([image.data], { type: image.type ?? 'application/octet-stream' }),
      image.name,
    );
  }
  return form;
}
