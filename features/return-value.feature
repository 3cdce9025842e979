@section:-returns
Feature: Return value
  WSARecvDisconnect tells success from failure by its return value alone: 0 when it succeeds,
  SOCKET_ERROR when it fails, with the reason left for WSAGetLastError.

  @req:returns.zero-on-success @strength:MUST
  Scenario: A call that succeeds returns 0
    Given a connected TCP socket
    When WSARecvDisconnect is called
    Then it returns 0

  @req:returns.socket-error-with-code @strength:MUST
  Scenario: A call that fails returns SOCKET_ERROR and leaves an error code for WSAGetLastError
    Given a handle that is not a socket
    When WSARecvDisconnect is called
    Then it returns SOCKET_ERROR with a non-zero error code
