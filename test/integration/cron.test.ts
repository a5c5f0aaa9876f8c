/**
 * Cron schedules in one process (three processes are in faults/cron.test.ts): the options
 * and their errors, the time zone, and what happens to a time missed while every process
 * was down — the most recent one is made up at start-up, once, when a run was recorded before.
 */
import { describe, expect, inject, it } from 'vitest';
import type { RunEvent } from '../../src/index.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';
import { once } from '../helpers/wait.js';

const urls = inject('redis3');

describe('cron schedules', () => {
  it('run at the scheduled seconds, with the time as the period', async () => {
    const r = redlock(urls);
    const s = r.schedule('tick', { cron: '* * * * * *' }, () => undefined);
    defer(() => s.stop());
    expect(s.cron).toBe('* * * * * *');
    expect(s.every).toBeUndefined();
    const run = await once<RunEvent>(s, 'run', 5_000);
    expect(run.scheduledAt.getTime() % 1000).toBe(0);
    expect(run.period).toBe(run.scheduledAt.getTime() / 1000);
  });

  it('read the expression in the time zone', () => {
    const r = redlock(urls);
    const tokyo = r.schedule('tz', { cron: '0 2 * * *', timezone: 'Asia/Tokyo' }, () => undefined);
    const utc = r.schedule('utc', { cron: '0 2 * * *' }, () => undefined);
    defer(() => Promise.all([tokyo.stop(), utc.stop()]));
    expect(tokyo.next!.getUTCHours()).toBe(17); // 02:00 in Tokyo (UTC+9)
    expect(utc.next!.getUTCHours()).toBe(2);
  });

  it('make up the most recent time missed while every process was down, once', async () => {
    const keyPrefix = prefix();
    // A run of this yearly job was recorded long ago (the marker any run writes), and every
    // process was down at the last 1 January: the first process to start runs it at once.
    await Promise.all(raw(urls).map((c) => c.set(`${keyPrefix}{schedule:new-year}:done`, '1')));
    const [a, b] = [redlock(urls, { keyPrefix }), redlock(urls, { keyPrefix })];
    const sa = a.schedule('new-year', { cron: '0 0 1 1 *' }, () => undefined);
    defer(() => sa.stop());
    const run = await once<RunEvent>(sa, 'run', 5_000);
    const lastNewYear = Date.UTC(new Date().getUTCFullYear(), 0, 1);
    expect(run.scheduledAt.getTime()).toBe(lastNewYear);
    // A process that starts after it does not run that time again.
    let ranAgain = false;
    const sb = b.schedule('new-year', { cron: '0 0 1 1 *' }, () => void (ranAgain = true));
    await sb.stop(); // stop() waits for the period in progress: its look at the marker
    expect(ranAgain).toBe(false);
  });

  it('reject bad options, naming them', () => {
    const r = redlock(urls);
    const fn = (): undefined => undefined;
    expect(() => r.schedule('x', { cron: '61 * * * *' }, fn)).toThrow(/`options\.cron`.*"61 \* \* \* \*".*minute/);
    expect(() => r.schedule('x', { cron: '' }, fn)).toThrow(TypeError);
    expect(() => r.schedule('x', { cron: '* * * * *', timezone: 'Mars/Base' }, fn)).toThrow(/`options\.timezone`.*"Mars\/Base"/);
    const both = { cron: '* * * * *', every: 1_000 };
    expect(() => r.schedule('x', both, fn)).toThrow(/Unknown option `options\.every`/);
    expect(() => r.schedule('x', {} as { every: number }, fn)).toThrow(/`options\.every` \(ms\) or `options\.cron`/);
  });
});
