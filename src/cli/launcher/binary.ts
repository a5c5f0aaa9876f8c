/** Finding the `redis-server` binary, and telling people how to install it when it is missing. */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';

export const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server` (Debian/Ubuntu, as root), or run ' +
  '`bash scripts/ensure-redis` in a Tenure checkout; on macOS `brew install redis`; ' +
  'or set REDIS_SERVER=/path/to/redis-server.';

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Locates `redis-server`: env REDIS_SERVER, then PATH, then /usr/bin and /usr/local/bin.
 * Throws an Error explaining how to install it when it is missing.
 */
export function redisServerBinary(): string {
  const fromEnv = process.env['REDIS_SERVER'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutableFile(fromEnv)) return fromEnv;
    throw new Error(`REDIS_SERVER is set to ${JSON.stringify(fromEnv)}, which is not an executable file. ` + INSTALL_HINT);
  }
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const candidate = path.join(dir, 'redis-server');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new Error(`redis-server was not found (looked in REDIS_SERVER, PATH, /usr/bin, /usr/local/bin). ${INSTALL_HINT}`);
}
