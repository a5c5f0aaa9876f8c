/**
 * The documented SQL pattern, on a real SQL engine (SQLite via sql.js): a write carries the
 * fencing token and is conditional on the fence column, so a stale holder's write changes
 * no row.
 */
import initSqlJs from 'sql.js';
import { expect, inject, it } from 'vitest';
import { redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

it('UPDATE … WHERE fence <= $token rejects the write of a holder whose lock expired', async () => {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, fence INTEGER NOT NULL DEFAULT 0)');
  db.run('INSERT INTO accounts (id, balance) VALUES (7, 100)');
  const save = (balance: number, token: bigint): number => {
    db.run('UPDATE accounts SET balance = ?, fence = ? WHERE id = ? AND fence <= ?', [balance, token.toString(), 7, token.toString()]);
    return db.getRowsModified();
  };

  const urls = inject('redis3');
  const a = redlock(urls, { fence: true });
  const lockA = await a.acquire('account:7', { ttl: 100 });
  await waitFor(() => !lockA.isHeld, { timeout: 2_000 }); // A "pauses" past its ttl
  const lockB = await a.acquire('account:7', { ttl: 5_000 });
  expect(lockB.fencingToken!).toBeGreaterThan(lockA.fencingToken!);

  expect(save(150, lockB.fencingToken!)).toBe(1); // B writes
  expect(save(150, lockB.fencingToken!)).toBe(1); // and may write again with its token
  expect(save(999, lockA.fencingToken!)).toBe(0); // A's stale write changes nothing
  expect(db.exec('SELECT balance, fence FROM accounts WHERE id = 7')[0]!.values[0]).toEqual([150, Number(lockB.fencingToken!)]);
  db.close();
});
