/**
 * Test rig: real `redis-server` processes on free loopback ports. The launcher lives in the
 * package (src/cli/launcher/), where `tenure demo` uses it too; the tests use it from here.
 */
export {
  redisServerBinary,
  startRedis,
  startRedisSet,
  type RedisProcess,
  type RedisSet,
  type ServerEnv,
} from '../../src/cli/launcher/launcher.js';
