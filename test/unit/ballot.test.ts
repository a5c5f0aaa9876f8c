/** The ballot's verdict (core/ballot.ts): the one place "quorum / refused / unreachable" is decided. */
import { describe, expect, it } from 'vitest';
import { quorumOf, verdictOf } from '../../src/core/ballot.js';

describe('verdictOf', () => {
  it('a quorum of yes wins, whatever the rest said', () => {
    expect(verdictOf({ yes: 2, no: 1, errors: 0 }, 3, 2)).toBe('quorum');
    expect(verdictOf({ yes: 3, no: 0, errors: 2 }, 5, 3)).toBe('quorum');
    expect(verdictOf({ yes: 1, no: 0, errors: 0 }, 1, 1)).toBe('quorum');
  });

  it('more no than a quorum can spare is refused, even with failures', () => {
    expect(verdictOf({ yes: 0, no: 2, errors: 1 }, 3, 2)).toBe('refused');
    expect(verdictOf({ yes: 1, no: 3, errors: 1 }, 5, 3)).toBe('refused');
    expect(verdictOf({ yes: 0, no: 1, errors: 0 }, 1, 1)).toBe('refused');
  });

  it('more failures than a quorum can spare is unreachable', () => {
    expect(verdictOf({ yes: 1, no: 0, errors: 2 }, 3, 2)).toBe('unreachable');
    expect(verdictOf({ yes: 0, no: 2, errors: 3 }, 5, 3)).toBe('unreachable');
    expect(verdictOf({ yes: 0, no: 0, errors: 1 }, 1, 1)).toBe('unreachable');
  });

  it('neither alone, yet no quorum, is short (a split vote, a mix of no and failures)', () => {
    expect(verdictOf({ yes: 1, no: 1, errors: 1 }, 3, 2)).toBe('short');
    expect(verdictOf({ yes: 2, no: 2, errors: 1 }, 5, 3)).toBe('short');
    // Settled early with answers still pending: 1 yes of 3 with the others pending.
    expect(verdictOf({ yes: 1, no: 0, errors: 0 }, 3, 2)).toBe('short');
  });

  it('errors default to none (a renewal tally counts only yes and no)', () => {
    expect(verdictOf({ yes: 1, no: 2 }, 3, 2)).toBe('refused');
    expect(verdictOf({ yes: 1, no: 1 }, 3, 2)).toBe('short');
  });

  it('the quorum is a majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumOf)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});
