/**
 * The entry of a `ShardManager` worker thread (`workers` option). It hosts gateway connections for the
 * main thread: opens them, reads them (decompression, envelope scan, dropping unwanted dispatches),
 * and sends their frames to the main thread in batches. Loaded by `new Worker(...)`, never imported.
 * @internal
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FrameBatcher } from './frame-batcher.js';
import { WORKER_PROTOCOL_VERSION } from './protocol.js';
import type { FromWorker, ToWorker, WorkerBoot } from './protocol.js';
import { WorkerConnection } from './worker-connection.js';
import type { WorkerInterest } from './worker-connection.js';

const port = parentPort;
if (port === null) throw new Error('statecord worker entry: not running in a worker thread');
const boot = workerData as WorkerBoot;

const post = (message: FromWorker) => port.postMessage(message);
const batcher = new FrameBatcher((items) => post({ type: 'frames', items }), boot.maxBatchItems);
const connections = new Map<number, WorkerConnection>();
const interests = new Map<number, WorkerInterest>();

const host = {
  batcher,
  post: (message: FromWorker) => {
    // A control message must not overtake the frames read before it.
    batcher.flush();
    post(message);
  },
  interest: (shardId: number) => interests.get(shardId),
  ended: (conn: number) => connections.delete(conn),
};

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      try {
        connections.set(message.conn, new WorkerConnection(message, host));
      } catch (error) {
        // A URL `ws` cannot open: a failed connect, as in-process (a transport close).
        host.post({
          type: 'error',
          conn: message.conn,
          message: error instanceof Error ? error.message : String(error),
        });
        host.post({ type: 'closed', conn: message.conn, code: 1006 });
      }
      return;
    case 'send':
      connections.get(message.conn)?.send(message.data);
      return;
    case 'close': {
      const connection = connections.get(message.conn);
      if (connection === undefined) host.post({ type: 'closed', conn: message.conn, code: 1006 });
      else connection.close(message.code);
      return;
    }
    case 'interest':
      interests.set(message.shardId, {
        all: message.interest.all,
        types: new Set(message.interest.types),
      });
      return;
  }
});

if (boot.version === WORKER_PROTOCOL_VERSION) post({ type: 'hello', version: WORKER_PROTOCOL_VERSION });
else throw new Error(`statecord worker speaks protocol ${WORKER_PROTOCOL_VERSION}, not ${boot.version}`);
