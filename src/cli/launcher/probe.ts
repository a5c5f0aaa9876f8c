/** Free loopback ports, and the readiness probe (PING over a raw socket, not log lines). */
import net from 'node:net';

export const HOST = '127.0.0.1';

export { sleep as delay } from '../../core/sleep.js';

/** Asks the kernel for a currently free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

export interface ProbeResult {
  pong: boolean;
  /** `process_id` reported by INFO server, when available. */
  serverPid?: number;
}

/**
 * One readiness probe over a raw socket: PING (must answer +PONG) pipelined with INFO
 * server, to learn which process owns the port — so that a server which lost a bind race
 * is not mistaken for ready because some other server answered on "its" port.
 */
export function probe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    const sock = net.connect({ host: HOST, port });
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ pong: buf.includes('+PONG\r\n') }), timeoutMs);
    sock.setNoDelay(true);
    sock.once('connect', () => {
      sock.write('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n');
    });
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      if (!buf.startsWith('+PONG\r\n')) {
        // -LOADING, -ERR ... or anything else: not ready (yet).
        if (buf.includes('\r\n')) finish({ pong: false });
        return;
      }
      const m = /process_id:(\d+)\r\n/.exec(buf);
      if (m?.[1] !== undefined) finish({ pong: true, serverPid: Number(m[1]) });
    });
    sock.once('error', () => finish({ pong: false }));
    sock.once('close', () => finish({ pong: buf.includes('+PONG\r\n') }));
  });
}
