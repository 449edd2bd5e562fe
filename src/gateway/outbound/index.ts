export { OutboundSender, type SendPriority } from './outbound-sender.js';
export { type OutboundSenderOptions } from './outbound-sender-options.js';
export { SendWindow, type SendWindowOptions } from './send-window.js';
export { heartbeatReserveFor, TYPICAL_HEARTBEAT_INTERVAL_MS } from './heartbeat-reserve.js';
export { realSenderClock, type SenderClock } from './sender-clock.js';
