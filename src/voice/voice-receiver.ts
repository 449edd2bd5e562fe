import type { AudioReceiverCore } from './media/index.js';

/**
 * `connection.receiver`: other users' audio. `subscribe(userId, { endAfterSilenceMs })` gives that
 * user's decrypted Opus packets as a stream; `speaking.start` / `speaking.end` events per user.
 */
export type VoiceReceiver = AudioReceiverCore;
