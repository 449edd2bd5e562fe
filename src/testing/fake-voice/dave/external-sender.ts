import { generateP256Keypair } from '@snazzah/davey';
import {
  decodeMlsMessage,
  encodeExternalSender,
  encodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  proposeExternal,
  type CiphersuiteImpl,
  type GroupInfo,
  type Proposal,
} from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';

/** DAVE v1's MLS ciphersuite (docs/protocol/voice.md §4.2). */
const CIPHERSUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' as const;

let suite: Promise<CiphersuiteImpl> | null = null;
function ciphersuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
  return suite;
}

/** The MLS group id of a call: the channel id as 8 bytes big-endian (docs/protocol/voice.md §4.2). */
export function daveGroupId(channelId: string): Uint8Array {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, BigInt(channelId));
  return id;
}

/** Splits op 28 `MLSMessage(commit) ‖ Welcome?` (docs/protocol/voice.md §4.3); null when it does not parse. */
export function splitCommitWelcome(
  payload: Uint8Array,
): { commit: Uint8Array; welcome: Uint8Array | null } | null {
  let decoded;
  try {
    decoded = decodeMlsMessage(payload, 0);
  } catch {
    return null;
  }
  if (decoded === undefined) return null;
  const [message, end] = decoded;
  if (message.wireformat !== 'mls_public_message') return null;
  const welcome = end < payload.length ? payload.subarray(end) : null;
  return { commit: payload.subarray(0, end), welcome };
}

/** Whether op 26's payload is a bare RFC 9420 KeyPackage (docs/protocol/voice.md §4.3). */
export function isKeyPackage(payload: Uint8Array): boolean {
  try {
    const decoded = decodeKeyPackage(payload, 0);
    return decoded !== undefined && decoded[1] === payload.length;
  } catch {
    return false;
  }
}

/**
 * The voice server's MLS external sender (docs/protocol/voice.md §4.3, §4.8): a P-256 key pair from davey,
 * its op 25 `ExternalSender` encoding, and signed external Add/Remove proposals built with ts-mls over a
 * synthetic group context (only version, group id, epoch and the external sender matter to the signature).
 */
export class DaveExternalSender {
  private readonly keys = generateP256Keypair();
  /** op 25's payload. */
  readonly encoded: Uint8Array;

  constructor() {
    this.encoded = encodeExternalSender({
      signaturePublicKey: this.keys.public,
      credential: { credentialType: 'basic', identity: new Uint8Array([0]) },
    });
  }

  /** An external Add of `keyPackage` for `channelId`'s group at `epoch`, as an encoded MLSMessage. */
  proposeAdd(channelId: string, epoch: bigint, keyPackage: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeKeyPackage(keyPackage, 0);
    if (decoded === undefined) return Promise.reject(new Error('key package does not parse'));
    return this.propose(channelId, epoch, { proposalType: 'add', add: { keyPackage: decoded[0] } });
  }

  /** An external Remove of leaf `leafIndex`. */
  proposeRemove(channelId: string, epoch: bigint, leafIndex: number): Promise<Uint8Array> {
    return this.propose(channelId, epoch, { proposalType: 'remove', remove: { removed: leafIndex } });
  }

  /** The same Add signed by a key that is not the group's external sender (fault injection). */
  async forgeAdd(channelId: string, epoch: bigint, keyPackage: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeKeyPackage(keyPackage, 0);
    if (decoded === undefined) throw new Error('key package does not parse');
    const forger = generateP256Keypair();
    const proposal: Proposal = { proposalType: 'add', add: { keyPackage: decoded[0] } };
    return this.sign(channelId, epoch, proposal, forger.private);
  }

  private propose(channelId: string, epoch: bigint, proposal: Proposal): Promise<Uint8Array> {
    return this.sign(channelId, epoch, proposal, this.keys.private);
  }

  private async sign(
    channelId: string,
    epoch: bigint,
    proposal: Proposal,
    privateKey: Uint8Array,
  ): Promise<Uint8Array> {
    const groupInfo = {
      groupContext: {
        version: 'mls10',
        cipherSuite: CIPHERSUITE,
        groupId: daveGroupId(channelId),
        epoch,
        treeHash: new Uint8Array(),
        confirmedTranscriptHash: new Uint8Array(),
        extensions: [{ extensionType: 'external_senders', extensionData: this.encoded }],
      },
    } as unknown as GroupInfo;
    const message = await proposeExternal(
      groupInfo,
      proposal,
      this.keys.public,
      privateKey,
      await ciphersuite(),
    );
    return encodeMlsMessage(message);
  }
}

/** op 27 append: `operation u8 = 0` + one `<V>` vector of concatenated MLSMessages (docs/protocol/voice.md §4.3). */
export function appendProposalsPayload(messages: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(messages);
  return Buffer.concat([Buffer.from([0]), mlsVarint(body.length), body]);
}

/** RFC 9420 §2.1.2 variable-length integer (1, 2 or 4 bytes). */
function mlsVarint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((0x80000000 | n) >>> 0);
  return b;
}
