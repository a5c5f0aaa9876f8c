/**
 * TLS against a real `redis-server --tls-port`, with certificates made here by openssl:
 * `rediss://` in any capitals connects with TLS (never silently in plaintext), the host is
 * the server name checked against the certificate, and a failed handshake or a wrong
 * password shows its cause in the per-server outcome.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuorumError } from '../../src/index.js';
import { freePort } from '../../src/cli/launcher/probe.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { raw, redlock } from '../helpers/tenure.js';

let dir: string;
let server: RedisProcess;
let port: number;
let ca: Buffer;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tenure-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=tenure-test-ca',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n'); // no IP: 127.0.0.1 does not match
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
  ca = readFileSync(join(dir, 'ca.crt'));
  port = await freePort();
  server = await startRedis({
    args: ['--tls-port', String(port), '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key')].concat([
      '--tls-ca-cert-file',
      join(dir, 'ca.crt'),
      '--tls-auth-clients',
      'no',
    ]),
  });
  const [admin] = raw([server.url]);
  await admin!.config('SET', 'requirepass', 'sekret');
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('REDISS:// in capitals connects with TLS, the host checked against the certificate', async () => {
    const r = redlock([{ url: `REDISS://:sekret@localhost:${port}`, redisOptions: { tls: { ca } } }], { commandTimeout: 2_000 });
    expect(r.instances[0]).not.toContain('sekret');
    const lock = await r.tryAcquire('secure', { ttl: 5_000 });
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it('a plaintext client on the TLS port, or a name the certificate does not carry, fails with the cause shown', async () => {
    const plain = redlock([`redis://:sekret@127.0.0.1:${port}`], { commandTimeout: 1_000 });
    await expect(plain.tryAcquire('x', { ttl: 5_000 })).rejects.toBeInstanceOf(QuorumError);

    const wrongName = redlock([{ url: `rediss://:sekret@127.0.0.1:${port}`, redisOptions: { tls: { ca } } }], { commandTimeout: 2_000 });
    const error = (await wrongName.tryAcquire('x', { ttl: 5_000 }).catch((e: unknown) => e)) as QuorumError;
    expect(error).toBeInstanceOf(QuorumError);
    expect(error.outcomes[0]!.error?.message).toMatch(/IP|altnames|certificate/i);

    // (In capitals, with no TLS options: TLS all the same, so the unknown CA is what fails.)
    const unknownCa = redlock([`REDISS://:sekret@localhost:${port}`], { commandTimeout: 2_000 });
    const e2 = (await unknownCa.tryAcquire('x', { ttl: 5_000 }).catch((e: unknown) => e)) as QuorumError;
    expect(e2.outcomes[0]!.error?.message).toMatch(/self.signed|certificate/i);
  });

  it('a wrong password shows WRONGPASS, and never the password', async () => {
    const r = redlock([{ url: `rediss://:not-it@localhost:${port}`, redisOptions: { tls: { ca } } }], { commandTimeout: 2_000 });
    const error = (await r.tryAcquire('x', { ttl: 5_000 }).catch((e: unknown) => e)) as QuorumError;
    expect(error).toBeInstanceOf(QuorumError);
    expect(error.message).toMatch(/WRONGPASS/);
    expect(error.message).not.toContain('not-it');
  });
});
