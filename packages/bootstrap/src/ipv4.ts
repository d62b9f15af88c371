/** IPv4 and CIDR arithmetic for the cross-node checks. */

export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(s: string): Cidr | undefined {
  const [ip, len, ...rest] = s.split('/');
  if (rest.length || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const prefix = Number(len);
  const addr = parseIpv4(ip);
  if (addr === undefined || prefix > 32) return undefined;
  return { base: addr - (addr % 2 ** (32 - prefix)), prefix };
}

export function cidrContains(c: Cidr, ip: number): boolean {
  const size = 2 ** (32 - c.prefix);
  return ip >= c.base && ip < c.base + size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b.base) || cidrContains(b, a.base);
}

/** True when `s` is a CIDR whose address is the network address (no host bits set). */
export function isIpv4Cidr(s: string): boolean {
  const c = parseCidr(s);
  return c !== undefined && parseIpv4(s.split('/')[0] ?? '') === c.base;
}
