/**
 * A UDP sink in its own process for the send-path benchmark: it receives and counts every datagram,
 * so the measured process pays for sending only, and packets really cross loopback.
 */
import { createSocket } from 'node:dgram';
import { toParent } from '../lib/child.js';
import { kernelDrops } from './proc-udp.js';
import type { SinkMessage } from './protocol.js';

const socket = createSocket('udp4');
let packets = 0;
let bytes = 0;
socket.on('message', (message) => {
  packets++;
  bytes += message.length;
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
try {
  socket.setRecvBufferSize(4 * 2 ** 20);
} catch {
  // Capped by net.core.rmem_max: the counts say what arrived.
}

process.on('message', (raw) => {
  const message = raw as { type: string };
  if (message.type === 'count') {
    void toParent({
      type: 'count',
      packets,
      bytes,
      kernelDrops: kernelDrops(socket.address().port),
    } satisfies SinkMessage);
  } else if (message.type === 'close') {
    socket.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
await toParent({ type: 'listening', port: socket.address().port } satisfies SinkMessage);
