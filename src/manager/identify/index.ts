export { SessionStartGate } from './session-start-gate.js';
export type {
  SessionStartBudget,
  SessionStartGateConfig,
  SessionStartGateEvents,
  SessionStartGateOptions,
} from './types.js';
