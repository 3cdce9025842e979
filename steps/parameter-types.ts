import { defineParameterType } from '@cucumber/cucumber';
import { isWsaErrorName, WSA_ERRORS, type WsaErrorName } from '../src/core/winsock';
import type { ReceiveCall } from '../src/core/ports';

// {wsaerror}: a WSA error code by its winsock2.h name; a misspelt name is an undefined step, not a silent 0.
defineParameterType({
  name: 'wsaerror',
  regexp: new RegExp(Object.keys(WSA_ERRORS).join('|')),
  transformer: (name: string): WsaErrorName => {
    if (!isWsaErrorName(name)) throw new Error(`unknown WSA error ${name}`);
    return name;
  },
});

// {receive}: the receives an application can make on a socket, which the page disallows after WSARecvDisconnect:
// as the features write them, each read as the op that makes it. Longest first, so that no name is cut short.
const RECEIVES = {
  'an overlapped WSARecv': 'WSARecvOverlapped',
  WSARecvFrom: 'WSARecvFrom',
  WSARecv: 'WSARecv',
  recvfrom: 'recvfrom',
  recv: 'recv',
  ReadFile: 'ReadFile',
} as const satisfies Record<string, ReceiveCall['op']>;
defineParameterType({
  name: 'receive',
  regexp: new RegExp(Object.keys(RECEIVES).join('|')),
  transformer: (words: string): ReceiveCall['op'] => {
    if (!Object.hasOwn(RECEIVES, words)) throw new Error(`unknown receive ${words}`);
    return RECEIVES[words as keyof typeof RECEIVES];
  },
});

// {connectcall}: the calls the page names for connecting a socket again after WSARecvDisconnect.
defineParameterType({ name: 'connectcall', regexp: /connect|WSAConnect/, transformer: (name: string) => name as 'connect' | 'WSAConnect' });

// {linger}: an SO_LINGER setting, as the features write it.
defineParameterType({
  name: 'linger',
  // No capture group: cucumber would hand the transformer the groups instead of the words.
  regexp: /off|on with a \d+ second timeout/,
  transformer: (words: string) => (words === 'off' ? { onoff: 0, seconds: 0 } : { onoff: 1, seconds: Number(/\d+/.exec(words)?.[0]) }),
});
