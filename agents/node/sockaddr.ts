// SOCKADDR encoding for the agent: pure functions over Buffers, so they are unit-tested on any host.
import type { Endpoint, ProtocolInfo } from '../../src/core/ports';
import { AF_INET, AF_INET6 } from '../../src/core/winsock';

const SOCKADDR_IN_SIZE = 16;
const SOCKADDR_IN6_SIZE = 28;
/** sizeof(SOCKADDR_STORAGE): large enough for any address a getsockname can return. */
export const SOCKADDR_STORAGE_SIZE = 128;

function parseIPv4(address: string): number[] | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

function parseIPv6(address: string): number[] | null {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i += 1) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** SOCKADDR_IN or SOCKADDR_IN6 for an endpoint; throws on an address that is neither. */
export function encodeSockaddr(endpoint: Endpoint): Buffer {
  if (!Number.isInteger(endpoint.port) || endpoint.port < 0 || endpoint.port > 65535) throw new Error(`bad port ${String(endpoint.port)}`);
  const v4 = parseIPv4(endpoint.address);
  const v6 = v4 ? null : parseIPv6(endpoint.address);
  // Family, port, then the address: at 4 in a SOCKADDR_IN, after sin6_flowinfo (at 8) in a SOCKADDR_IN6.
  const layout = v4
    ? { family: AF_INET, size: SOCKADDR_IN_SIZE, at: 4, address: v4 }
    : v6
      ? { family: AF_INET6, size: SOCKADDR_IN6_SIZE, at: 8, address: v6 }
      : null;
  if (!layout) throw new Error(`not an IPv4 or IPv6 address: ${JSON.stringify(endpoint.address)}`);
  const b = Buffer.alloc(layout.size);
  b.writeUInt16LE(layout.family, 0);
  b.writeUInt16BE(endpoint.port, 2);
  Buffer.from(layout.address).copy(b, layout.at);
  return b;
}

/** The endpoint in a SOCKADDR_IN/SOCKADDR_IN6; null for another family. */
export function decodeSockaddr(b: Buffer): Endpoint | null {
  if (b.length < 4) return null;
  const family = b.readUInt16LE(0);
  const port = b.readUInt16BE(2);
  if (family === AF_INET && b.length >= SOCKADDR_IN_SIZE) return { address: ipv4Text(b, 4), port };
  if (family === AF_INET6 && b.length >= SOCKADDR_IN6_SIZE) return { address: ipv6Text(b, 8), port };
  return null;
}

/** The IPv4 address in the 4 bytes at `at`, as text. */
export function ipv4Text(b: Buffer, at: number): string {
  return [...b.subarray(at, at + 4)].join('.');
}

/** The IPv6 address in the 16 bytes at `at`, as text: its first longest run of two or more zero groups is "::". */
export function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 1) groups.push(b.readUInt16BE(at + 2 * i).toString(16));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** sizeof(WSAPROTOCOL_INFOW) on every Windows ABI (no pointers inside). */
export const WSAPROTOCOL_INFOW_SIZE = 628;
/** Offsets inside WSAPROTOCOL_INFOW (winsock2.h): see the layout comment in decodeProtocolInfos. */
const WSAPROTOCOL_INFOW_OFFSETS = {
  dwServiceFlags1: 0,
  providerId: 20,
  chainLen: 40,
  iAddressFamily: 76,
  iSocketType: 88,
  iProtocol: 92,
  szProtocol: 116,
} as const;

/** A GUID {DWORD Data1; WORD Data2, Data3; BYTE Data4[8]} at `at`, as StringFromGUID2 writes it. */
function guidText(b: Buffer, at: number): string {
  const hex = (bytes: Buffer): string => bytes.toString('hex');
  const data1 = b.readUInt32LE(at).toString(16).padStart(8, '0');
  const data2 = b
    .readUInt16LE(at + 4)
    .toString(16)
    .padStart(4, '0');
  const data3 = b
    .readUInt16LE(at + 6)
    .toString(16)
    .padStart(4, '0');
  return `{${data1}-${data2}-${data3}-${hex(b.subarray(at + 8, at + 10))}-${hex(b.subarray(at + 10, at + 16))}}`.toUpperCase();
}

/**
 * Decode `count` WSAPROTOCOL_INFOW records. Layout: DWORD dwServiceFlags1..4, dwProviderFlags (0-19);
 * GUID ProviderId (20-35); DWORD dwCatalogEntryId (36); WSAPROTOCOLCHAIN {int ChainLen; DWORD
 * ChainEntries[7]} (40-71); int iVersion (72), iAddressFamily (76), iMaxSockAddr (80), iMinSockAddr (84),
 * iSocketType (88), iProtocol (92), iProtocolMaxOffset (96), iNetworkByteOrder (100), iSecurityScheme (104);
 * DWORD dwMessageSize (108), dwProviderReserved (112); WCHAR szProtocol[256] (116-627).
 */
export function decodeProtocolInfos(b: Buffer, count: number): ProtocolInfo[] {
  const out: ProtocolInfo[] = [];
  const o = WSAPROTOCOL_INFOW_OFFSETS;
  for (let i = 0; i < count && (i + 1) * WSAPROTOCOL_INFOW_SIZE <= b.length; i += 1) {
    const base = i * WSAPROTOCOL_INFOW_SIZE;
    const nameBytes = b.subarray(base + o.szProtocol, base + WSAPROTOCOL_INFOW_SIZE);
    let end = 0;
    while (end + 1 < nameBytes.length && (nameBytes[end] !== 0 || nameBytes[end + 1] !== 0)) end += 2;
    out.push({
      name: nameBytes.subarray(0, end).toString('utf16le'),
      af: b.readInt32LE(base + o.iAddressFamily),
      type: b.readInt32LE(base + o.iSocketType),
      protocol: b.readInt32LE(base + o.iProtocol),
      serviceFlags1: b.readUInt32LE(base + o.dwServiceFlags1),
      chainLen: b.readInt32LE(base + o.chainLen),
      providerId: guidText(b, base + o.providerId),
    });
  }
  return out;
}
