export { listTransitionKeys, transitionKey } from './transitions.js';
export { abstractShardState, shardModelEvents, shardModelInput, shardModelPaths } from './shard-model.js';
export type { ShardModelEvent, ShardModelPath, ShardModelStep, ShardSnapshot } from './shard-model.js';
export { runShardPath, modelTiming } from './run-shard-path.js';
export type { RunShardPathOptions, ShardPathContext } from './run-shard-path.js';
export { ManualClock } from './manual-clock.js';
export { ManualIdentifyGate } from './manual-identify-gate.js';
