/**
 * The least of RFC 6455 a progress feed needs: the opening handshake, unmasked text frames from
 * server to client, and reading the client's (masked) frames to answer ping and close.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** One frame, FIN set, unmasked (servers never mask). */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

interface Frame {
  opcode: number;
  payload: Buffer;
  /** bytes the frame took */
  size: number;
}

/** Reads one complete frame from the start of `buffer`, or undefined when more bytes are needed. */
export function decodeFrame(buffer: Buffer): Frame | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0] ?? 0;
  const second = buffer[1] ?? 0;
  const masked = (second & 0x80) !== 0;
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return undefined;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (masked) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (payload[i] ?? 0) ^ (buffer[maskOffset + (i % 4)] ?? 0);
    }
  }
  return { opcode: first & 0x0f, payload, size: offset + length };
}

export class WebSocketPeer {
  private readonly socket: Duplex;
  private open = true;
  private pending = Buffer.alloc(0);
  /** called once when the connection ends, from either side */
  onClose: () => void = () => {};

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.closed());
    socket.on('error', () => this.closed());
  }

  get isOpen(): boolean {
    return this.open;
  }

  sendText(text: string): void {
    if (this.open) this.socket.write(encodeFrame(OP_TEXT, Buffer.from(text)));
  }

  close(): void {
    if (!this.open) return;
    this.socket.write(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
    this.socket.end();
    this.closed();
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = decodeFrame(this.pending);
      if (frame === undefined) return;
      this.pending = this.pending.subarray(frame.size);
      if (frame.opcode === OP_PING) this.socket.write(encodeFrame(OP_PONG, frame.payload));
      if (frame.opcode === OP_CLOSE) {
        if (this.open) this.socket.write(encodeFrame(OP_CLOSE, frame.payload.subarray(0, 2)));
        this.socket.end();
        this.closed();
        return;
      }
      // text and binary frames from the client carry nothing ComfyUI acts on
    }
  }

  private closed(): void {
    if (!this.open) return;
    this.open = false;
    this.onClose();
  }
}

/** Completes the opening handshake; undefined (socket refused) when the request is not one. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex): WebSocketPeer | undefined {
  const key = req.headers['sec-websocket-key'];
  const upgrade = req.headers.upgrade;
  if (
    typeof key !== 'string' ||
    typeof upgrade !== 'string' ||
    upgrade.toLowerCase() !== 'websocket'
  ) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return undefined;
  }
  const accept = createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  return new WebSocketPeer(socket);
}
