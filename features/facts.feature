@section:metadata
Feature: Where the function lives
  The page's requirements block: the function is exported by Ws2_32.dll (and declared in winsock2.h,
  which the suite, calling the DLL at run time, cannot check).

  @req:facts.exported-by-ws2_32 @strength:MUST
  Scenario: Ws2_32.dll exports WSARecvDisconnect
    When ws2_32.dll is asked for the export WSARecvDisconnect
    Then the export is found
