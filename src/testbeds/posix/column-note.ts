// What every report of a posix run says of its column: a file of its own, so that the registry can name it
// without loading the backend (koffi, the POSIX agent), and the backend can record it in the run's metadata.
export const POSIX_COLUMN_NOTE =
  "A comparison, not a Winsock implementation: the scenarios run against the host's BSD sockets, each Winsock call carried onto POSIX by the porting table of agents/posix/mapping.ts (WSARecvDisconnect is shutdown(fd, SHUT_RD)). Its deviations are where POSIX differs from the page, which a porting layer must make up for.";
