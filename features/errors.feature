@section:-returns
Feature: Error codes
  Each error of the page's table, produced by the condition the page gives for it: a failed network
  subsystem where the backend can inject it, a Winsock 1.1 blocking call through a blocking hook where the
  stack calls it; each is not applicable elsewhere.

  @req:errors.wsanotinitialised @strength:MUST
  Scenario Outline: Without WSAStartup, on a handle value that names no socket, the call fails with WSANOTINITIALISED or WSAENOTSOCK, with <buffer>
    Given a process in which Winsock is not initialised
    And as a control, socket() in that process fails with WSANOTINITIALISED
    And the handle value 0x1234
    When WSARecvDisconnect is called with <buffer>
    Then it returns SOCKET_ERROR with WSANOTINITIALISED or WSAENOTSOCK

    Examples: both rows apply, and the page orders neither first
      | buffer                           |
      | no disconnect data buffer        |
      | a 16-byte disconnect data buffer |

  @req:errors.wsanotinitialised @strength:MUST
  Scenario: Without WSAStartup, on a connected TCP socket's handle, the call fails with WSANOTINITIALISED, the only row that applies
    Given a connected TCP socket
    And a process in which Winsock is not initialised
    And as a control, socket() in that process fails with WSANOTINITIALISED
    And that process holds a duplicate of the socket's handle
    When WSARecvDisconnect is called with no disconnect data buffer
    Then it returns SOCKET_ERROR with WSANOTINITIALISED
    And as the row presumes, the duplicate was the socket in that process: after WSAStartup there, getsockname on it gives the endpoint the peer sees

  @req:errors.wsaenetdown @strength:MUST
  Scenario: With the network subsystem failed the call fails with WSAENETDOWN
    Given a connected TCP socket
    And the network subsystem has failed
    When WSARecvDisconnect is called
    Then it returns SOCKET_ERROR with WSAENETDOWN

  @req:errors.wsaefault @strength:MUST
  Scenario: A buffer smaller than the disconnect data fails with WSAEFAULT
    Given a connected socket of a protocol with disconnect data
    And the peer has closed the connection with the disconnect data "a farewell longer than four bytes"
    And the application has learnt of the close from recv
    When WSARecvDisconnect is called with a 4-byte disconnect data buffer
    Then it returns SOCKET_ERROR with WSAEFAULT

  @req:errors.wsaenoprotoopt @strength:MUST
  Scenario: Asking for disconnect data where the protocol family has none fails with WSAENOPROTOOPT
    Given a connected socket of a connection-oriented protocol outside TCP/IP without disconnect data
    When WSARecvDisconnect is called with a 16-byte disconnect data buffer
    Then it returns SOCKET_ERROR with WSAENOPROTOOPT

  @req:errors.wsaenoprotoopt.tcpip-optional @strength:MAY
  Scenario: TCP/IP may report WSAENOPROTOOPT for a disconnect data buffer
    Given a connected TCP socket
    When WSARecvDisconnect is called with a 16-byte disconnect data buffer
    Then it returns SOCKET_ERROR with WSAENOPROTOOPT

  @req:errors.wsaeinprogress @strength:MUST
  Scenario: During a blocking Windows Sockets 1.1 call the call fails with WSAEINPROGRESS
    Given a process that initialised Windows Sockets 1.1
    And two sockets, each a connected TCP socket
    When WSARecvDisconnect is called on the first from a blocking hook while recv blocks on the second
    Then it returns SOCKET_ERROR with WSAEINPROGRESS

  @req:errors.wsaenotconn @strength:MUST
  Scenario Outline: On <socket>, with <buffer>, the call fails with <error>
    Given <socket>
    When WSARecvDisconnect is called with <buffer>
    Then it returns SOCKET_ERROR with <error>

    Examples: no buffer
      | socket                          | buffer                    | error       |
      | an unconnected TCP socket       | no disconnect data buffer | WSAENOTCONN |
      | a bound, unconnected TCP socket | no disconnect data buffer | WSAENOTCONN |
      | a listening TCP socket          | no disconnect data buffer | WSAENOTCONN |

    Examples: a buffer, which TCP/IP may also answer with WSAENOPROTOOPT (the page orders neither error first)
      | socket                          | buffer                           | error                         |
      | an unconnected TCP socket       | a 16-byte disconnect data buffer | WSAENOTCONN or WSAENOPROTOOPT |
      | a bound, unconnected TCP socket | a 16-byte disconnect data buffer | WSAENOTCONN or WSAENOPROTOOPT |
      | a listening TCP socket          | a 16-byte disconnect data buffer | WSAENOTCONN or WSAENOPROTOOPT |

  @req:errors.wsaenotconn-connection-oriented-only @strength:MUST
  Scenario Outline: An unconnected UDP socket does not report WSAENOTCONN, with <buffer>
    Given a UDP socket bound to a port of its host's address
    When WSARecvDisconnect is called with <buffer>
    Then it does not fail with WSAENOTCONN

    Examples:
      | buffer                           |
      | no disconnect data buffer        |
      | a 16-byte disconnect data buffer |

  @req:errors.wsaenotsock @strength:MUST
  Scenario Outline: On <descriptor>, with <buffer>, the call fails with WSAENOTSOCK
    Given <descriptor>
    And right before the call no socket has that handle: getsockopt(SO_TYPE) on it fails with WSAENOTSOCK
    When WSARecvDisconnect is called with <buffer>
    Then it returns SOCKET_ERROR with WSAENOTSOCK

    Examples:
      | descriptor                           | buffer                           |
      | a handle that is not a socket        | no disconnect data buffer        |
      | a socket handle that has been closed | no disconnect data buffer        |
      | a handle that is not a socket        | a 16-byte disconnect data buffer |
      | a socket handle that has been closed | a 16-byte disconnect data buffer |
