export { SessionStartGate } from './session-start-gate.js';
export type {
  SessionStartBudget,
  SessionStartGateConfig,
  SessionStartGateEvents,
  SessionStartGateOptions,
} from './types.js';
export { isConfigurableGate } from './configurable-gate.js';
export type { ConfigurableIdentifyGate } from './configurable-gate.js';
