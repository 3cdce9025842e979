@section:-remarks
Feature: Disconnect data
  Only providers that advertise XP1_DISCONNECT_DATA in the WSAPROTOCOL_INFO that WSAEnumProtocols
  reports carry disconnect data; Windows' own TCP/IP provider (MSAFD Tcpip) does not. An application
  learns that the circuit closed by other means first, then collects the remote party's disconnect data.
  Scenarios that need a provider with disconnect data, or Windows' own TCP/IP, or a socket whose provider
  lacks the flag, are not applicable where there is none.

  @req:remarks.native-tcpip-no-disconnect-data @strength:MUST
  Scenario: Windows' native TCP/IP provider does not advertise disconnect data
    When the installed protocols are listed with WSAEnumProtocols
    And Windows' native TCP/IP provider is among them
    Then no entry of Windows' native TCP/IP provider advertises XP1_DISCONNECT_DATA

  # Asked on an open connection, where the peer has not closed and so has sent no disconnect data a
  # provider could have, and after the peer closed, when the page has applications collect it.
  @req:remarks.disconnect-data-needs-xp1 @strength:MUST
  Scenario: A provider without XP1_DISCONNECT_DATA hands back no disconnect data on an open connection
    Given a connected TCP socket
    And the socket's own provider does not advertise XP1_DISCONNECT_DATA
    When WSARecvDisconnect is called with a 16-byte disconnect data buffer
    Then no disconnect data is returned

  @req:remarks.disconnect-data-needs-xp1 @strength:MUST
  Scenario: A provider without XP1_DISCONNECT_DATA hands back no disconnect data once the peer has closed
    Given a connected TCP socket
    And the socket's own provider does not advertise XP1_DISCONNECT_DATA
    And the peer has closed its side of the connection
    And the application has learnt of the close from recv
    When WSARecvDisconnect is called with a 16-byte disconnect data buffer
    Then no disconnect data is returned

  @req:remarks.disconnect-data-retrieval @strength:MUST
  Scenario: After the remote party disconnected with data, the call hands it back
    Given a connected socket of a protocol with disconnect data
    And the peer has closed the connection with the disconnect data "farewell"
    And the application has learnt of the close from recv
    When WSARecvDisconnect is called with a 64-byte disconnect data buffer
    Then it returns 0 with the disconnect data "farewell"
