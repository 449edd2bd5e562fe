/**
 * Which process runs which shard: the pure functions live with the lease machine, which decides
 * claims and hand-overs with them (`machines/lease-assignment.ts`).
 */
export {
  fairShare,
  pickClaims,
  pickReleases,
  spreadOwner,
  staticShards,
} from '../../../machines/lease-assignment.js';
export type { ClaimView } from '../../../machines/lease-assignment.js';
