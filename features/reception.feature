@section:-remarks
Feature: Ending reception
  WSARecvDisconnect disables receiving, as shutdown(SD_RECEIVE) does, without touching the lower
  protocol layers. On TCP, data that can no longer be delivered resets the connection; on UDP,
  datagrams are still queued, and never does the call lead to an ICMP error.
  Every check that something does not happen has a positive control in the same scenario, proving
  that the peer would have seen it.

  # Both sockets are watched over the same window at the same time; then each is asked what it holds
  # (FIONREAD) and whether it still receives (a non-blocking recv).
  @req:remarks.equivalent-to-shutdown-receive @strength:MUST
  Scenario Outline: WSARecvDisconnect acts as shutdown(SD_RECEIVE) on <situation>
    Given two sockets, each <situation>
    When WSARecvDisconnect is called on the first socket and shutdown with SD_RECEIVE on the second
    Then the two sockets show the same outcome over 300 ms

    Examples:
      | situation                                                |
      | a connected TCP socket                                   |
      | a connected TCP socket with 6 bytes queued for receiving |
      | an unconnected TCP socket                                |
      | a listening TCP socket                                   |
      | a UDP socket bound to a port of its host's address       |

  @req:remarks.equivalent-to-shutdown-receive @strength:MUST
  Scenario Outline: WSARecvDisconnect acts as shutdown(SD_RECEIVE) on <situation>, with <arrival> from the peer afterwards
    Given two sockets, each <situation>
    When WSARecvDisconnect is called on the first socket and shutdown with SD_RECEIVE on the second
    And the peer sends <arrival> to each socket
    Then the two sockets show the same outcome over 300 ms

    Examples:
      | situation                                          | arrival           |
      | a connected TCP socket                             | 6 bytes           |
      | a UDP socket bound to a port of its host's address | a 7-byte datagram |

  # With a buffer as well as without: an implementation may take another path with one. A call that
  # fails (declines the buffer with WSAENOPROTOOPT, as TCP/IP may, say) has no effect to judge: the row is
  # N/A, and the failure is the error rules' to judge. Every receive an application can make on the socket,
  # each tried twice: a refusal that holds once is no refusal. An overlapped WSARecv (an OVERLAPPED with an
  # event) is refused when it fails at once or completes with an error; one still pending at the call's
  # bound was accepted, waiting for data. ReadFile is made on the SOCKET handle.
  @req:remarks.receives-disallowed @strength:MUST
  Scenario Outline: After the call with <buffer>, <receive> on the socket fails
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    Then <receive> on the socket fails each time, tried twice

    Examples:
      | buffer                                                     | receive               |
      | no disconnect data buffer                                  | recv                  |
      | no disconnect data buffer                                  | WSARecv               |
      | no disconnect data buffer                                  | recvfrom              |
      | no disconnect data buffer                                  | WSARecvFrom           |
      | no disconnect data buffer                                  | an overlapped WSARecv |
      | no disconnect data buffer                                  | ReadFile              |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | recv                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | WSARecv               |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | recvfrom              |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | WSARecvFrom           |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | an overlapped WSARecv |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | ReadFile              |

  # A datagram waits on the socket, so a receive that was allowed would return at once: it must fail.
  @req:remarks.receives-disallowed @strength:MUST
  Scenario Outline: After the call with <buffer>, <receive> on a UDP socket fails while a datagram is queued
    Given a UDP socket bound to a port of its host's address
    And a peer datagram socket connected to it
    And the socket holds a 7-byte datagram from the peer
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    Then <receive> on the socket fails each time, tried twice, while 7 bytes are queued

    Examples:
      | buffer                                                     | receive               |
      | no disconnect data buffer                                  | recv                  |
      | no disconnect data buffer                                  | WSARecv               |
      | no disconnect data buffer                                  | recvfrom              |
      | no disconnect data buffer                                  | WSARecvFrom           |
      | no disconnect data buffer                                  | an overlapped WSARecv |
      | no disconnect data buffer                                  | ReadFile              |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | recv                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | WSARecv               |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | recvfrom              |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | WSARecvFrom           |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | an overlapped WSARecv |
      | a 16-byte disconnect data buffer, which TCP/IP may decline | ReadFile              |

  # With a buffer as well as without: an implementation may take another path with one, and send what it
  # does not send without. "Calling WSARecvDisconnect has no effect on the lower protocol layers" speaks of
  # calling it, not of a call that succeeded: a call that declines the buffer (WSAENOPROTOOPT, as TCP/IP
  # may) is held to it too, so these rows judge the call whatever it returned, with no step that presumes
  # success.
  @req:remarks.no-effect-on-lower-layers @strength:MUST
  Scenario Outline: Nothing reaches the peer after the call with <buffer>
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    Then the peer sees nothing within 500 ms
    And no segment from the socket besides its handshake is on the wire, where the wire is captured
    And as a control, the peer sees a FIN within 500 ms when the socket shuts down sending
    And as a control, a peer sees a reset within 500 ms when another connected socket is closed abortively

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |

  @req:remarks.no-effect-on-lower-layers @strength:MUST
  Scenario Outline: The socket can still send after the call with <buffer>
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    Then sending 5 bytes on the socket returns 5
    And the peer receives 5 bytes within 500 ms

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |

  @req:remarks.tcp-reset-queued-data @strength:MUST
  Scenario Outline: Data still queued resets the TCP connection after the call with <buffer>
    Given a connected TCP socket with 6 bytes queued for receiving
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    Then the peer sees the connection reset within 500 ms, or within 500 ms of a FIN it then sends

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |

  @req:remarks.tcp-reset-later-data @strength:MUST
  Scenario Outline: Data arriving afterwards resets the TCP connection after the call with <buffer>
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    And the peer sends 6 bytes
    Then the peer sees the connection reset within 500 ms, or within 500 ms of 6 bytes more it then sends

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |

  @req:remarks.udp-datagrams-queued @strength:MUST
  Scenario Outline: UDP datagrams arriving afterwards are accepted and queued after the call with <buffer>
    Given a UDP socket bound to a port of its host's address
    And a peer datagram socket connected to it
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    And the peer sends a 7-byte datagram to the socket
    Then within 500 ms the socket has 7 bytes queued

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |

  @req:remarks.no-icmp @strength:MUST
  Scenario Outline: Datagrams arriving afterwards draw no ICMP error after the call with <buffer>
    Given a UDP socket bound to a port of its host's address
    And a peer datagram socket connected to it
    When WSARecvDisconnect is called with <buffer>
    And the call succeeded, as the rule presumes
    And the peer sends a 7-byte datagram to the socket
    Then the peer is told of no ICMP error within 500 ms, and the wire shows none where it is captured
    And as a control, a peer is told of an ICMP error within 500 ms for a datagram to a port where nothing listens, and the wire shows it where it is captured

    Examples:
      | buffer                                                     |
      | no disconnect data buffer                                  |
      | a 16-byte disconnect data buffer, which TCP/IP may decline |
