import { WebSocket } from 'ws';
import type { OutboundCodec } from './codec.js';

/**
 * The ordered output of one socket. Payloads go through the codec (async for compression), raw bytes
 * and the close frame do not, yet everything leaves in call order: compressed output keeps send
 * order, and a close goes out after the frames queued before it.
 */
export class Outbox {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly codec: OutboundCodec,
  ) {}

  /** One serialized payload, through the connection's transport compression. */
  sendText(text: string): void {
    this.enqueue(async () => this.write(await this.codec.encode(text)));
  }

  /** Several payloads, through the codec in order, written together once every one is encoded. */
  sendTexts(texts: readonly string[]): void {
    this.enqueue(async () => {
      const frames: Array<string | Buffer> = [];
      for (const text of texts) frames.push(...(await this.codec.encode(text)));
      this.write(frames);
    });
  }

  /** Bytes as they are (text frame for a string, binary for a Buffer), bypassing compression. */
  sendBytes(data: string | Buffer): void {
    this.enqueue(() => this.write([data]));
  }

  close(code: number, reason: string): void {
    this.enqueue(() => {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    });
  }

  dispose(): void {
    this.codec.dispose();
  }

  private enqueue(task: () => void | Promise<void>): void {
    this.tail = this.tail.then(task).catch(() => {
      // A codec failure leaves the stream unusable: drop the connection, as a broken gateway would.
      this.socket.terminate();
    });
  }

  private write(frames: readonly (string | Buffer)[]): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    for (const frame of frames) this.socket.send(frame);
  }
}
