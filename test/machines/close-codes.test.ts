import { GatewayCloseCodes } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { closeOutcome, defaultCloseOutcome, gatewayCloseCodeRules } from '../../machines/index.js';
import type { CloseOutcome } from '../../machines/index.js';

/** The members of the numeric enum: `[name, code]` pairs (its reverse mappings left out). */
const documentedCodes = Object.entries(GatewayCloseCodes).filter(
  (entry): entry is [string, number] => typeof entry[1] === 'number',
);

const resume: CloseOutcome = { action: 'resume' };
const identify: CloseOutcome = { action: 'identify' };

describe('gateway close-code table', () => {
  it('the enum from discord-api-types is not empty (guards the tests below)', () => {
    expect(documentedCodes.length).toBeGreaterThanOrEqual(14);
  });

  it.each(documentedCodes)('has a row for GatewayCloseCodes.%s (%i) under the same name', (name, code) => {
    const rows = gatewayCloseCodeRules.filter((rule) => rule.code === code);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.name).toBe(name);
  });

  it('has one row per code', () => {
    const codes = gatewayCloseCodeRules.map((rule) => rule.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('every row explains itself', () => {
    for (const rule of gatewayCloseCodeRules) expect(rule.why.length).toBeGreaterThan(0);
  });

  it('every row outcome is what closeOutcome returns for its code', () => {
    for (const rule of gatewayCloseCodeRules) expect(closeOutcome(rule.code)).toEqual(rule.outcome);
  });

  it.each<[number, CloseOutcome]>([
    [4000, resume],
    [4001, resume],
    [4002, resume],
    [4003, identify],
    [4004, { action: 'fail', reason: 'AuthenticationFailed' }],
    [4005, resume],
    [4006, identify],
    [4007, identify],
    [4008, resume],
    [4009, identify],
    [4010, { action: 'fail', reason: 'InvalidShard' }],
    [4011, { action: 'fail', reason: 'ShardingRequired' }],
    [4012, { action: 'fail', reason: 'InvalidApiVersion' }],
    [4013, { action: 'fail', reason: 'InvalidIntents' }],
    [4014, { action: 'fail', reason: 'DisallowedIntents' }],
  ])('close code %i → %o (docs/protocol/gateway.md §4)', (code, outcome) => {
    expect(closeOutcome(code)).toEqual(outcome);
  });

  it.each([
    [1000, 'server normal closure'],
    [1001, 'server going away'],
    [1006, 'TCP drop without a close frame'],
    [1011, 'server internal error'],
    [4015, 'voice-only code, undefined on the main gateway'],
    [4999, 'unknown private code'],
    [3000, 'unknown 3xxx code'],
  ])('close code %i (%s) → resume', (code) => {
    expect(closeOutcome(code)).toEqual(resume);
  });

  it('the default outcome for codes outside the table is resume', () => {
    expect(defaultCloseOutcome).toEqual(resume);
  });

  it('only 4004 and 4010–4014 are fatal', () => {
    const fatal = gatewayCloseCodeRules
      .filter((rule) => rule.outcome.action === 'fail')
      .map((rule) => rule.code);
    expect(fatal).toEqual([4004, 4010, 4011, 4012, 4013, 4014]);
  });
});
