/**
 * Server-sent events for one project: every progress event is numbered, encoded once and written
 * to every connected client as the same bytes. A client that reconnects with `Last-Event-ID`
 * gets what it missed from a bounded backlog (or a `reset` telling it to read the state again).
 * A client that stops reading is dropped once its queue passes a limit, so one slow browser
 * cannot make the server hold an unbounded backlog; it reconnects and catches up.
 */

const encoder = new TextEncoder();
/** bytes a client's stream buffers before it reports back-pressure */
const HIGH_WATER = 64 * 1024;

export interface HubOptions {
  /** events kept for reconnecting clients (default 2,000) */
  backlog?: number;
  /** bytes queued for one client before it is dropped (default 4 MiB) */
  maxQueuedBytes?: number;
}

interface Message {
  seq: number;
  bytes: Uint8Array;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

export class EventHub {
  #seq = 0;
  readonly #backlog: Message[] = [];
  readonly #clients = new Set<Client>();
  readonly #maxBacklog: number;
  readonly #maxQueued: number;

  constructor(options: HubOptions = {}) {
    this.#maxBacklog = options.backlog ?? 2000;
    this.#maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  }

  /** the number of the last event published */
  get seq(): number {
    return this.#seq;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Numbers an event and sends it to every client. */
  publish(type: string, data: unknown): void {
    const seq = ++this.#seq;
    const bytes = encoder.encode(`id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    this.#backlog.push({ seq, bytes });
    if (this.#backlog.length > this.#maxBacklog) {
      this.#backlog.splice(0, this.#backlog.length - this.#maxBacklog);
    }
    for (const client of this.#clients) this.#send(client, bytes);
  }

  /** A comment line that keeps idle connections (and proxies) open. */
  heartbeat(): void {
    const bytes = encoder.encode(': keep-alive\n\n');
    for (const client of this.#clients) this.#send(client, bytes);
  }

  /**
   * A new client's stream: `hello` (the current event number), then what it missed after
   * `lastEventId` when the backlog still has it (else `reset`), then every new event.
   */
  stream(lastEventId?: number): ReadableStream<Uint8Array> {
    let client: Client;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = { controller };
          controller.enqueue(
            encoder.encode(
              `retry: 2000\nevent: hello\ndata: ${JSON.stringify({ seq: this.#seq })}\n\n`,
            ),
          );
          // an id past the last one was numbered by an earlier server: read the state again
          if (lastEventId !== undefined && lastEventId > this.#seq) {
            controller.enqueue(encoder.encode(`event: reset\ndata: {}\n\n`));
          } else if (lastEventId !== undefined && lastEventId < this.#seq) {
            const first = this.#backlog[0];
            if (first && first.seq <= lastEventId + 1) {
              for (const m of this.#backlog) if (m.seq > lastEventId) controller.enqueue(m.bytes);
            } else {
              controller.enqueue(encoder.encode(`event: reset\ndata: {}\n\n`));
            }
          }
          this.#clients.add(client);
        },
        cancel: () => {
          this.#clients.delete(client);
        },
      },
      { highWaterMark: HIGH_WATER, size: (chunk) => chunk.byteLength },
    );
  }

  /** Ends every client's stream (server shutdown). */
  close(): void {
    for (const client of this.#clients) {
      try {
        client.controller.close();
      } catch {
        // already closed by the client
      }
    }
    this.#clients.clear();
  }

  #send(client: Client, bytes: Uint8Array): void {
    const { controller } = client;
    const queued = HIGH_WATER - (controller.desiredSize ?? 0);
    if (queued + bytes.byteLength > this.#maxQueued) {
      this.#clients.delete(client);
      try {
        controller.error(new Error('client too slow'));
      } catch {
        // already gone
      }
      return;
    }
    try {
      controller.enqueue(bytes);
    } catch {
      this.#clients.delete(client);
    }
  }
}
