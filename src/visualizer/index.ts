/**
 * `statecord/visualizer`: a live debug page over a `ShardManager`'s actor system, built for a
 * thousand shards: an overview (counts per state, a cell per shard, filters, search by shard or guild
 * id), then one shard's statechart with its transitions drawn as arrows, its voice connections and its
 * history, downloadable as a trace that the page replays step by step. Offline (no CDN), loopback by
 * default, an access key for any other address.
 *
 * @module statecord/visualizer
 */
export { createVisualizer } from './visualizer.js';
export type { Visualizer, VisualizerOptions } from './visualizer.js';
export { VisualizerModel } from './feed-model.js';
export type { VisualizedManager, VisualizedShard, VisualizerModelOptions } from './feed-model.js';
export { stateTree } from './state-tree.js';
export type {
  FeedMessage,
  FeedRequest,
  HistoryEntry,
  LogEntry,
  ManagerView,
  ShardView,
  StateTreeNode,
  TransitionView,
  VoiceDisconnectionView,
  VoiceView,
} from './feed-types.js';
