import { MissingPeerDependencyError } from '../../../errors.js';
import type { DaveCalls } from './dave-calls.js';
import type { FakeDaveControl } from './dave-control.js';

/** The fake's DAVE classes, loaded on first use. */
export interface FakeDaveModules {
  readonly DaveCalls: typeof DaveCalls;
  readonly FakeDaveControl: typeof FakeDaveControl;
}

/** The optional peers the fake's MLS external sender is built on. */
const PEERS = ['ts-mls', '@noble/curves'] as const;

let loading: Promise<FakeDaveModules> | null = null;

/**
 * Loads the fake voice server's DAVE side. It is loaded lazily so that `statecord/testing` (and
 * `FakeGateway` alone) works without the optional peers `ts-mls` and `@noble/curves`; a
 * `FakeVoiceServer` needs them and gets a {@link MissingPeerDependencyError} naming them otherwise.
 */
export function loadFakeDave(): Promise<FakeDaveModules> {
  loading ??= Promise.all([import('./dave-calls.js'), import('./dave-control.js')]).then(
    ([calls, control]) => ({ DaveCalls: calls.DaveCalls, FakeDaveControl: control.FakeDaveControl }),
    (error: unknown) => {
      loading = null;
      if (isMissingPeer(error))
        throw new MissingPeerDependencyError('FakeVoiceServer', PEERS, { cause: error });
      throw error;
    },
  );
  return loading;
}

function isMissingPeer(error: unknown): boolean {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND')
    return false;
  return PEERS.some((name) => error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`));
}
