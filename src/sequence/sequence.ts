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
 * Concurrent callers refuse each other: a refused caller proposes again above the highest
 * counter reported — at once, one above it, the first time (its view may just have been
 * old); then a random leap ahead that doubles with each refusal in a row (up to 1024). A
 * caller in a tight loop always proposes exactly the next value, and would win every race
 * against one that proposes it too; a leap ahead is taken wherever it lands before the
 * loop's next proposal (compare-and-raise takes any higher value), so every caller gets
 * through. A split (some servers took our value) also waits a short random pause. A caller
 * that gets no value within the Redlock's `wait` — after its second round at least —
 * rejects with QuorumError. Values are not gap-free: a proposal taken by a minority, or
 * leapt over, is skipped. An instance that lost its data restarts at 0 and simply
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

/** A refused caller's leap ahead is below 2^MAX_LEAP_BITS. */
const MAX_LEAP_BITS = 10;

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
      const leap = round < 2 ? 0n : BigInt(Math.floor(Math.random() * 2 ** Math.min(round - 1, MAX_LEAP_BITS)));
      const proposal = this.#seen + 1n + leap;
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
      if (round > 0 && waited >= this.#ctx.options.wait) {
        const message = `the sequence ${JSON.stringify(this.name)} is too contended: no value within ${Math.round(waited)} ms (${round + 1} rounds)`;
        throw new QuorumError(message, [this.name], ballot.outcomes, this.#ctx.quorum);
      }
      // Refused: propose again at once (with a leap ahead from the second refusal on). Split
      // — some servers took our value, others another's: a short random pause separates the
      // two callers.
      if (ballot.yes > 0) await sleep(Math.random() * Math.min(2 ** round, 50));
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
