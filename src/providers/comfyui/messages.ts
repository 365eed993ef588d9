/**
 * ComfyUI's websocket (`GET /ws?clientId=`), one per provider (base URL), shared by every prompt
 * this process waits for: prompts are queued with its client id, so ComfyUI sends their messages
 * on it. It says when a prompt ended, so its history is read at once rather than at the next poll.
 *
 * Only a hint: the history stays the source of truth, and the engine keeps polling at its pace
 * in case the socket cannot open (a proxy without websockets), closes, or says nothing. A prompt
 * queued under another client id (by another process, before a restart) is only polled: opening
 * a socket with that id would take its messages from the process that owns it.
 *
 * The socket opens when a first prompt is watched and closes when none is, so an idle process
 * holds no connection and can exit.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from '../adapter-kit.ts';

/**
 * The messages after which a prompt may have ended: `executing` with no node, sent once the
 * history has the prompt; and the end of its execution, sent just before (a poll then may still
 * find it running, and the `executing` that follows wakes the next).
 */
const ENDED = new Set(['execution_success', 'execution_error', 'execution_interrupted']);

/** The prompt a message says may have ended, if it says so. */
export function endedPrompt(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined; // binary frames: previews
  // whatever the server sends, a listener must not throw
  let message: { type?: unknown; data?: { node?: unknown; prompt_id?: unknown } | null } | null;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  const promptId = message?.data?.prompt_id;
  if (typeof promptId !== 'string') return undefined;
  const ended =
    (message?.type === 'executing' && message.data?.node === null) ||
    ENDED.has(String(message?.type));
  return ended ? promptId : undefined;
}

export class ComfyUiMessages {
  /** the client id prompts are queued under, and the socket opens with */
  readonly clientId = `shotrouter-${randomUUID()}`;
  readonly #connection: Connection;
  /** per prompt id, who waits for its end */
  readonly #watchers = new Map<string, Set<() => void>>();
  #socket: WebSocket | undefined;
  /** the socket being made (its headers are read asynchronously) */
  #opening = false;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** Calls `onEnd` when ComfyUI says the prompt may have ended; returns the function that stops. */
  watch(promptId: string, clientId: string, onEnd: () => void): () => void {
    if (clientId !== this.clientId) return () => {};
    let watchers = this.#watchers.get(promptId);
    if (!watchers) {
      watchers = new Set();
      this.#watchers.set(promptId, watchers);
    }
    // a function of its own: the same callback may watch twice
    const watcher = () => onEnd();
    watchers.add(watcher);
    void this.#open();
    return () => {
      const set = this.#watchers.get(promptId);
      set?.delete(watcher);
      if (set?.size === 0) this.#watchers.delete(promptId);
      if (this.#watchers.size === 0) this.#close();
    };
  }

  /** sockets open or opening now (0 or 1; for tests) */
  get open(): number {
    return this.#socket !== undefined || this.#opening ? 1 : 0;
  }

  async #open(): Promise<void> {
    if (this.#socket !== undefined || this.#opening) return;
    this.#opening = true;
    try {
      const client = this.#connection.client();
      const headers = await client.ownHeaders();
      // everyone stopped watching while the headers were read
      if (this.#watchers.size === 0) return;
      const url = new URL(client.url('/ws', { clientId: this.clientId }));
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const socket = new WebSocket(url, { headers });
      this.#socket = socket;
      socket.addEventListener('message', (event) => {
        const promptId = endedPrompt(event.data);
        if (promptId === undefined) return;
        for (const watcher of this.#watchers.get(promptId) ?? []) watcher();
      });
      // refused or dropped: polling goes on alone; the next prompt watched tries again
      const forget = () => {
        if (this.#socket === socket) this.#socket = undefined;
      };
      socket.addEventListener('close', forget);
      socket.addEventListener('error', forget);
    } catch {
      // no connection (missing COMFYUI_URL, a bad URL): the polls report it
    } finally {
      this.#opening = false;
    }
  }

  #close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
  }
}
