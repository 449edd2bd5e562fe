import { afterEach, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { VisualizerModel } from '../../src/visualizer/feed-model.js';
import { createWorkerManager, runCleanups, startGateway } from './worker-helpers.js';

afterEach(runCleanups);

it("with workers, inspect and the visualizer still see every shard's actor (and each worker's supervisor)", async () => {
  const gateway = await startGateway({ shardCount: 4 });
  const events: InspectionEvent[] = [];
  const visualizer = new VisualizerModel();
  const manager = createWorkerManager(gateway, {
    inspect: (event) => {
      events.push(event);
      visualizer.inspect(event);
    },
  });
  manager.createShards(4);
  await Promise.all(manager.startShards());

  const actorIds = new Set(
    events
      .filter((event) => event.type === '@xstate.actor')
      .map((event) => (event.actorRef as { id?: string }).id),
  );
  expect([...actorIds]).toEqual(
    expect.arrayContaining(['shard-0', 'shard-1', 'shard-2', 'shard-3', 'socket']),
  );
  const supervisorStates = events
    .filter((event) => event.type === '@xstate.snapshot')
    .map((event) => event.snapshot as { machine?: { id: string }; value?: unknown })
    .filter((snapshot) => snapshot.machine?.id === 'workerSupervisor')
    .map((snapshot) => snapshot.value);
  expect(supervisorStates).toContain('running');
  const view = visualizer.hello();
  expect(view.type === 'hello' && view.shards.map((shard) => [shard.id, shard.status])).toEqual([
    [0, 'ready'],
    [1, 'ready'],
    [2, 'ready'],
    [3, 'ready'],
  ]);
  expect(
    events.map((event) => JSON.stringify('event' in event ? event.event : null)).join('\n'),
  ).not.toContain(gateway.options.token);
});
