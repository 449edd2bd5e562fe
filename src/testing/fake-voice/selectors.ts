import { InvalidArgumentError } from '../../errors.js';
import type { Grant } from './grants.js';

/** Which grants a server-level fault applies to: all that a gateway issued, or those of a guild and/or user. */
export interface GrantSelector {
  /** Only grants in this guild. Default any guild. */
  readonly guildId?: string;
  /** Only grants of this user. Default any user. */
  readonly userId?: string;
}

/** The live grants matching `selector` that a gateway issued; throws when there are none. */
export function selectGrants(grants: readonly Grant[], selector: GrantSelector): Grant[] {
  const selected = grants.filter(
    (grant) =>
      grant.signalling !== null &&
      (selector.guildId === undefined || grant.guildId === selector.guildId) &&
      (selector.userId === undefined || grant.userId === selector.userId),
  );
  if (selected.length === 0) {
    throw new InvalidArgumentError(
      'no live voice grant issued by a FakeGateway matches (attach the server with gateway.attachVoice)',
    );
  }
  return selected;
}
