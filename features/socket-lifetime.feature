@section:-remarks
Feature: The socket after the call
  WSARecvDisconnect neither closes the socket nor frees its resources, which stay until closesocket,
  and it never blocks, whatever SO_LINGER says, even with data still waiting to be sent. Whether connect or
  WSAConnect works again on such a socket is the provider's choice.

  @req:remarks.does-not-close-socket @strength:MUST
  Scenario Outline: The handle is still a socket, after the call with <buffer>
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    Then the socket is still a socket of type SOCK_STREAM

    Examples:
      | buffer                           |
      | no disconnect data buffer        |
      | a 16-byte disconnect data buffer |

  # Where the call resets the connection (remarks.tcp-reset-*), the reset must not take the handle with it.
  @req:remarks.does-not-close-socket @strength:MUST
  Scenario: The handle is still a socket after the call with data queued, which resets the connection
    Given a connected TCP socket with 6 bytes queued for receiving
    When WSARecvDisconnect is called
    And the peer watches for a reset of the connection, up to 500 ms
    Then the socket is still a socket of type SOCK_STREAM

  @req:remarks.does-not-close-socket @strength:MUST
  Scenario: The handle is still a socket when data arriving after the call resets the connection
    Given a connected TCP socket
    When WSARecvDisconnect is called
    And the peer sends 6 bytes
    And the peer watches for a reset of the connection, up to 500 ms
    Then the socket is still a socket of type SOCK_STREAM

  @req:remarks.resources-until-closesocket @strength:MUST
  Scenario Outline: The socket keeps its endpoints and its local address until closesocket, after the call with <buffer>
    Given a TCP socket bound to port 0 of its host's address and then connected
    And as a control, getsockname and getpeername on the socket give the endpoints the peer sees
    And as a control, binding another TCP socket to the local address of a second TCP socket, bound and connected the same way, fails with WSAEADDRINUSE
    When WSARecvDisconnect is called with <buffer>
    Then getsockname and getpeername on the socket give the endpoints they gave before the call
    And binding another TCP socket to the socket's local address fails with WSAEADDRINUSE
    And as a control, binding another TCP socket to that address succeeds once the socket is closed abortively

    Examples:
      | buffer                           |
      | no disconnect data buffer        |
      | a 16-byte disconnect data buffer |

  # SO_LINGER only costs time when data waits unsent: the peer stops reading, and the socket sends until its
  # send buffer is full. The bound is judged on the controller's clock, beyond a trivial call's round trip.
  @req:remarks.does-not-block-linger @strength:MUST
  Scenario Outline: With SO_LINGER <linger> and data unsent, the call returns without blocking
    Given a connected TCP socket
    And the peer has stopped reading
    And the socket has sent until its send buffer is full
    And SO_LINGER on the socket is <linger>
    When WSARecvDisconnect is called
    Then it returns without blocking, within 200 ms
    And as a control, the same check finds recv blocking on another connected socket with nothing queued, bounded at 400 ms
    And as a control, another socket filled the same way delivers every byte its sends took once its peer reads again, within 2000 ms

    Examples:
      | linger                       |
      | off                          |
      | on with a 0 second timeout   |
      | on with a 10 second timeout  |

  @req:remarks.reuse-not-required @strength:MAY
  Scenario Outline: <connect> works again on the socket after the call and the close
    Given a connected TCP socket
    When WSARecvDisconnect is called
    And the connection is closed in both directions
    And the socket connects to a new peer listener with <connect>
    Then it returns 0 and the new peer listener accepts the connection within 2000 ms

    Examples:
      | connect    |
      | connect    |
      | WSAConnect |
