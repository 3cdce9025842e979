@section:-returns
Feature: Return value
  WSARecvDisconnect tells success from failure by its return value alone: 0 when it succeeds,
  SOCKET_ERROR when it fails, with the reason left for WSAGetLastError.

  @req:returns.zero-on-success @strength:MUST
  Scenario Outline: On a connected TCP socket, with <buffer>, the call returns <result>
    Given a connected TCP socket
    When WSARecvDisconnect is called with <buffer>
    Then it returns <result>

    Examples: no buffer, where no error of the page's table applies
      | buffer                    | result |
      | no disconnect data buffer | 0      |

    Examples: a buffer, which TCP/IP may refuse with WSAENOPROTOOPT
      | buffer                           | result                                |
      | a 16-byte disconnect data buffer | 0 or SOCKET_ERROR with WSAENOPROTOOPT |

  @req:returns.socket-error-with-code @strength:MUST
  Scenario Outline: A call that fails returns SOCKET_ERROR and leaves an error code for WSAGetLastError, with <buffer>
    Given a handle that is not a socket
    When WSARecvDisconnect is called with <buffer>
    Then it returns SOCKET_ERROR with a non-zero error code

    Examples:
      | buffer                           |
      | no disconnect data buffer        |
      | a 16-byte disconnect data buffer |
