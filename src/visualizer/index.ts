/**
 * `statecord/visualizer`: a live debug page over a `ShardManager`'s actor system: every shard as its
 * statechart with the current state highlighted, per-shard counters, each shard's voice connections
 * (their own statecharts), and a transition log. Offline (no CDN), loopback by default, an access key
 * for any other address.
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
  LogEntry,
  ManagerView,
  ShardView,
  StateTreeNode,
  TransitionView,
  VoiceDisconnectionView,
  VoiceView,
} from './feed-types.js';
