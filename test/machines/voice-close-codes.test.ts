import { describe, expect, it } from 'vitest';
import { VoiceCloseCodes } from 'discord-api-types/voice/v8';
import { voiceCloseCodeRules, voiceCloseOutcome } from '../../machines/index.js';

const documented = Object.entries(VoiceCloseCodes).filter(
  (entry): entry is [string, number] => typeof entry[1] === 'number',
);

describe('the voice close-code table', () => {
  it('has one row per VoiceCloseCodes member of discord-api-types, with its name', () => {
    expect(voiceCloseCodeRules.map((rule) => [rule.name, rule.code]).sort()).toEqual(documented.sort());
  });

  it('has no duplicate code', () => {
    const codes = voiceCloseCodeRules.map((rule) => rule.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.for([
    [4015, 'resume'],
    [4006, 'rejoin'],
    [4009, 'rejoin'],
    [4004, 'rejoin'],
    [4014, 'fail'],
    [4017, 'fail'],
    [4021, 'fail'],
    [4022, 'fail'],
    [1000, 'resume'],
    [1006, 'resume'],
    [4999, 'rejoin'],
  ] as const)('close %i → %s', ([code, action]) => {
    expect(voiceCloseOutcome(code).action).toBe(action);
  });

  it('4017 fails with E2EERequired', () => {
    expect(voiceCloseOutcome(4017)).toEqual({ action: 'fail', reason: 'E2EERequired' });
  });
});
