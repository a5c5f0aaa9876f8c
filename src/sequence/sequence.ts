/**
 * A cluster-unique, increasing sequence of bigints: invoice numbers, batch ids.
 *
 * One instance: INCR, one round trip. N instances: a compare-and-raise register on a
 * quorum. A caller proposes P (one more than the highest value it has seen); each instance
 * takes P only if its counter is below P, and answers its counter otherwise. P is handed
 * out only when a quorum took it. Why that is safe, with no timing assumption:
 *
 * - Unique: two callers handed out the same P would each need a quorum that moved from
 *   below P to P; the quorums share an instance, whose counter never decreases, so it
 *   cannot have moved from below P to P twice.
 * - Increasing: when next() A resolved before next() B began, A's quorum holds >= P_A and
 *   B's first refusal on a shared instance reports it, so B proposes above P_A.
 *
 * Concurrent callers may refuse each other (a split): they re-propose above the highest
 * counter reported, after a short random pause that grows with each refusal in a row; a
 * caller that gets no value within the Redlock's `wait` rejects with QuorumError. Values are not gap-free: a proposal taken
 * by a minority is skipped. An instance that lost its data restarts at 0 and simply
 * refuses nothing; a majority must keep its data, as for locks.
 */
import type { Context } from '../core/context.js';
import type { Ballot } from '../core/ballot.js';
import { fanOut, requireQuorum } from '../core/fan-out.js';
import { decodeClaim, decodeIncr } from '../core/replies.js';
import { sleep } from '../core/sleep.js';
import { QuorumError } from '../errors.js';
import { sequenceKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

export class Sequence {
  readonly name: string;
  readonly #ctx: Context;
  readonly #key: string;
  /** The highest value this object has seen: the next proposal is one above it. */
  #seen = 0n;

  /** @internal Made by `redlock.sequence(name)`. */
  constructor(ctx: Context, name: string) {
    this.#ctx = ctx;
    this.name = name;
    this.#key = sequenceKey(ctx.options.keyPrefix, name);
  }

  /** The next value: greater than every value any caller got before this call began. */
  async next(): Promise<bigint> {
    this.#ctx.assertOpen();
    if (this.#ctx.instances.length === 1) return this.#incr();
    const clock = this.#ctx.options.clock;
    const started = clock.now();
    for (let round = 0; ; round++) {
      const proposal = this.#seen + 1n;
      const ballot = await this.#claim(proposal); // one round trip
      if (ballot.verdict === 'quorum') {
        if (proposal > this.#seen) this.#seen = proposal;
        return proposal;
      }
      if (ballot.verdict === 'unreachable') {
        throw new QuorumError(
          `could not reach a quorum for the sequence ${JSON.stringify(this.name)}`,
          [this.name],
          ballot.outcomes,
          this.#ctx.quorum,
        );
      }
      // Refused: start above everything reported, and above our own partial claim.
      if (proposal > this.#seen) this.#seen = proposal;
      for (let i = 0; i < ballot.data.length; i++) {
        const counter = ballot.data[i];
        if (counter !== undefined && BigInt(counter) > this.#seen) this.#seen = BigInt(counter);
      }
      const waited = clock.now() - started;
      if (waited >= this.#ctx.options.wait) {
        const message = `the sequence ${JSON.stringify(this.name)} is too contended: no value within ${Math.round(waited)} ms (${round + 1} rounds)`;
        throw new QuorumError(message, [this.name], ballot.outcomes, this.#ctx.quorum);
      }
      // Refused by a counter this object had not seen: propose again at once. Refused again
      // (or split) — other callers are at it too: a random pause, doubling up to 50 ms,
      // separates them, so every caller gets through.
      if (round > 0 || ballot.yes > 0) await sleep(Math.random() * Math.min(2 ** round, 50));
    }
  }

  #claim(proposal: bigint): Promise<Ballot<string>> {
    const script = lua.seqClaim({ counter: this.#key }, { proposal: proposal.toString() });
    return fanOut(this.#ctx, { script, yes: 'claimed', decode: decodeClaim, grants: true });
  }

  async #incr(): Promise<bigint> {
    // One instance: the quorum is 1.
    const ballot = await fanOut(this.#ctx, {
      script: lua.seqIncr({ counter: this.#key }),
      yes: 'claimed',
      decode: decodeIncr,
      grants: true,
    });
    requireQuorum(this.#ctx, ballot, `get the next value of the sequence ${JSON.stringify(this.name)}`, [this.name]);
    this.#seen = BigInt(ballot.data[0]!);
    return this.#seen;
  }
}
