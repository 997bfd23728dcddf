import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The client's address as the throttle, the rate limits and the audit log see it: an
 * IPv4-mapped IPv6 address is its IPv4 address, so one client is not two; anything that is not
 * an address (only a trusted proxy's X-Forwarded-For can say so) is "unknown".
 */
export function clientIp(request: FastifyRequest): string {
  const ip = request.ip;
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return ip.slice(7);
  return isIP(ip) ? ip : 'unknown';
}
