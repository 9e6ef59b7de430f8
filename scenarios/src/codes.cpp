// Tables of RDP error codes; see codes.hpp for the sources.
#include "rdpfault/scenario/codes.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace rdpfault::codes {
namespace {

constexpr std::string_view kSocketConnectFailed =
    "The client could not connect to the remote computer. Remote connections might not be enabled or the computer "
    "might be too busy to accept new connections. It is also possible that network problems are preventing your "
    "connection.";
constexpr std::string_view kBadServerName =
    "The specified remote computer could not be found. Verify that you have typed the correct computer name or IP "
    "address, and then try connecting again.";
constexpr std::string_view kSecurityErr = "Because of a security error, the client could not connect to the remote computer.";
constexpr std::string_view kNetworkErr = "The connection was ended because of a network error.";
constexpr std::string_view kInternal = "An internal error has occurred.";

constexpr CodeInfo kTable[] = {
    // mstsc disconnect reasons (IMsTscAxEvents::OnDisconnected), §1.1.
    {Kind::mstsc_disconnect, 0x0, "disconnectReasonNoInfo", "No information is available.", ""},
    {Kind::mstsc_disconnect, 0x1, "disconnectReasonLocalNotError", "Local disconnection. Not an error code.", ""},
    {Kind::mstsc_disconnect, 0x2, "disconnectReasonRemoteByUser", "Remote disconnection by user. Not an error code.", ""},
    {Kind::mstsc_disconnect, 0x3, "disconnectReasonByServer", "Remote disconnection by server. Not an error code; with an extended code, that code's text is shown.", kInternal},
    {Kind::mstsc_disconnect, 0x104, "disconnectReasonDNSLookupFailed", "DNS name lookup failure.", kBadServerName},
    {Kind::mstsc_disconnect, 0x106, "disconnectReasonOutOfMemory", "Out of memory.", ""},
    {Kind::mstsc_disconnect, 0x108, "disconnectReasonConnectionTimedOut", "Connection timed out.", "The remote connection has timed out. Please try connecting to the remote computer again."},
    {Kind::mstsc_disconnect, 0x204, "disconnectReasonSocketConnectFailed", "Windows Sockets connect failed: nothing accepted the TCP connection.", kSocketConnectFailed},
    {Kind::mstsc_disconnect, 0x206, "disconnectReasonOutOfMemory2", "Out of memory.", ""},
    {Kind::mstsc_disconnect, 0x208, "disconnectReasonHostNotFound", "Host not found error.", kBadServerName},
    {Kind::mstsc_disconnect, 0x304, "disconnectReasonWinsockSendFailed", "Windows Sockets send call failed.", kNetworkErr},
    {Kind::mstsc_disconnect, 0x306, "disconnectReasonOutOfMemory3", "Out of memory.", ""},
    {Kind::mstsc_disconnect, 0x308, "disconnectReasonInvalidIPAddr", "The IP address specified is not valid.", kBadServerName},
    {Kind::mstsc_disconnect, 0x404, "disconnectReasonSocketRecvFailed", "Windows Sockets recv call failed.", kNetworkErr},
    {Kind::mstsc_disconnect, 0x406, "disconnectReasonInvalidSecurityData", "Security data is not valid.", kSecurityErr},
    {Kind::mstsc_disconnect, 0x408, "disconnectReasonInternalError", "Internal error.", ""},
    {Kind::mstsc_disconnect, 0x506, "disconnectReasonInvalidEncryption", "The encryption method specified is not valid.", "Because of an error in data encryption, this session will end."},
    {Kind::mstsc_disconnect, 0x508, "disconnectReasonDNSLookupFailed2", "DNS lookup failed.", kBadServerName},
    {Kind::mstsc_disconnect, 0x604, "disconnectReasonGetHostByNameFailed", "Windows Sockets gethostbyname call failed.", kBadServerName},
    {Kind::mstsc_disconnect, 0x606, "disconnectReasonInvalidServerSecurityInfo", "Server security data is not valid.", kSecurityErr},
    {Kind::mstsc_disconnect, 0x608, "disconnectReasonTimerError", "Internal timer error.", ""},
    {Kind::mstsc_disconnect, 0x704, "disconnectReasonTimeoutOccurred", "Time-out occurred.", kSocketConnectFailed},
    {Kind::mstsc_disconnect, 0x706, "disconnectReasonServerCertificateUnpackErr", "Failed to unpack server certificate.", kSecurityErr},
    {Kind::mstsc_disconnect, 0x804, "disconnectReasonInvalidIP", "Bad IP address specified.", kBadServerName},
    {Kind::mstsc_disconnect, 0x808, "disconnectReasonLicensingFailed", "License negotiation failed.", "The remote computer disconnected the session because of an error in the licensing protocol."},
    {Kind::mstsc_disconnect, 0x904, "disconnectReasonAtClientWinsockFDCLOSE", "Socket closed: the client saw the TCP connection close. A symptom, not a cause; the extended code (e.g. 0x7) says more when the server gave a reason.", kInternal},
    {Kind::mstsc_disconnect, 0x906, "disconnectReasonInternalSecurityError", "Internal security error.", kSecurityErr},
    {Kind::mstsc_disconnect, 0x908, "disconnectReasonLicensingTimeout", "Licensing time-out.", kInternal},
    {Kind::mstsc_disconnect, 0xA06, "disconnectReasonInternalSecurityError2", "Internal security error.", kSecurityErr},
    {Kind::mstsc_disconnect, 0xB06, "disconnectReasonEncryptionError", "Encryption error.", ""},
    {Kind::mstsc_disconnect, 0xC06, "disconnectReasonDecryptionError", "Decryption error.", ""},
    {Kind::mstsc_disconnect, 0xC08, "disconnectReasonClientDecompressionError", "Decompression error at the client.", ""},
    {Kind::mstsc_disconnect, 0xD06, "(protocol error)", "Not in Microsoft's current list; shown for protocol errors.", "Because of a protocol error, this session will be disconnected. Please try connecting to the remote computer again."},
    {Kind::mstsc_disconnect, 0x807, "SSL_ERR_LOGON_FAILURE", "Login failed.", ""},
    {Kind::mstsc_disconnect, 0xA07, "SSL_ERR_NO_SUCH_USER", "The specified user has no account.", ""},
    {Kind::mstsc_disconnect, 0xB07, "SSL_ERR_ACCOUNT_DISABLED", "The account is disabled.", ""},
    {Kind::mstsc_disconnect, 0xC07, "SSL_ERR_ACCOUNT_RESTRICTION", "The account is restricted.", ""},
    {Kind::mstsc_disconnect, 0xD07, "SSL_ERR_ACCOUNT_LOCKED_OUT", "The account is locked out.", ""},
    {Kind::mstsc_disconnect, 0xE07, "SSL_ERR_ACCOUNT_EXPIRED", "The account is expired.", ""},
    {Kind::mstsc_disconnect, 0xF07, "SSL_ERR_PASSWORD_EXPIRED", "The password is expired.", ""},
    {Kind::mstsc_disconnect, 0x1207, "SSL_ERR_PASSWORD_MUST_CHANGE", "The user password must be changed before logging on for the first time.", ""},
    {Kind::mstsc_disconnect, 0x1607, "SSL_ERR_DELEGATION_POLICY", "The policy does not support delegation of credentials to the target server.", ""},
    {Kind::mstsc_disconnect, 0x1707, "SSL_ERR_POLICY_NTLM_ONLY", "Delegation of credentials to the target server is not allowed unless mutual authentication has been achieved.", ""},
    {Kind::mstsc_disconnect, 0x1807, "SSL_ERR_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication (wrong or unreachable domain, trust failure).", ""},
    {Kind::mstsc_disconnect, 0x1B07, "SSL_ERR_CERT_EXPIRED", "The received certificate is expired.", ""},
    {Kind::mstsc_disconnect, 0x1C07, "SSL_ERR_SMARTCARD_WRONG_PIN", "An incorrect PIN was presented to the smart card.", ""},
    {Kind::mstsc_disconnect, 0x2107, "SSL_ERR_FRESH_CRED_REQUIRED_BY_SERVER", "The server authentication policy does not allow connection requests using saved credentials. The user must enter new credentials.", ""},
    {Kind::mstsc_disconnect, 0x2207, "SSL_ERR_SMARTCARD_CARD_BLOCKED", "The smart card is blocked.", ""},

    // mstsc ExtendedDisconnectReason, §1.2 (1-12 and 256-266 equal the errorInfo codes).
    {Kind::mstsc_extended, 0x1, "exDiscReasonAPIInitiatedDisconnect", "An application initiated the disconnection.", "The remote session to the remote computer was ended by means of an administration tool. Your administrator might have ended your connection."},
    {Kind::mstsc_extended, 0x2, "exDiscReasonAPIInitiatedLogoff", "An application logged off the client.", "The remote session was disconnected because your session was logged off at the remote computer. Your administrator or another user might have ended your connection."},
    {Kind::mstsc_extended, 0x3, "exDiscReasonServerIdleTimeout", "Server disconnected the client: idle longer than the time-out.", "The remote session was ended because the idle timeout limit was reached. This limit is set by the server administrator or by network policies."},
    {Kind::mstsc_extended, 0x4, "exDiscReasonServerLogonTimeout", "Client exceeded the period designated for connection.", "The remote session ended because the total logon time limit was reached. This limit is set by the server administrator or by network policies."},
    {Kind::mstsc_extended, 0x5, "exDiscReasonReplacedByOtherConnection", "The client's connection was replaced by another connection.", "The remote session was disconnected because another user has connected to the session."},
    {Kind::mstsc_extended, 0x6, "exDiscReasonOutOfMemory", "No memory is available.", "The connection was disconnected because the remote computer is low on memory."},
    {Kind::mstsc_extended, 0x7, "exDiscReasonServerDeniedConnection", "The server denied the connection.", "The client could not establish a connection to the remote computer. The most likely causes for this error are: 1) Remote connections might not be enabled at the remote computer. 2) The maximum number of connections was exceeded at the remote computer. 3) A network error occurred while establishing the connection."},
    {Kind::mstsc_extended, 0x8, "exDiscReasonServerDeniedConnectionFips", "The server denied the connection for security reasons.", ""},
    {Kind::mstsc_extended, 0x9, "exDiscReasonServerInsufficientPrivileges", "The server denied the connection for security reasons.", ""},
    {Kind::mstsc_extended, 0xA, "exDiscReasonServerFreshCredsRequired", "Fresh credentials are required.", ""},
    {Kind::mstsc_extended, 0xB, "exDiscReasonRpcInitiatedDisconnectByUser", "User activity has initiated the disconnect.", ""},
    {Kind::mstsc_extended, 0xC, "exDiscReasonLogoffByUser", "The user logged off, disconnecting the session.", ""},
    {Kind::mstsc_extended, 0x100, "exDiscReasonLicenseInternal", "Internal licensing error.", "The remote session was disconnected because of an internal error in the remote computer's licensing protocol."},
    {Kind::mstsc_extended, 0x101, "exDiscReasonLicenseNoLicenseServer", "No license server was available.", "The remote session was disconnected because there are no Terminal Server License Servers available to provide a license. Please contact the server administrator."},
    {Kind::mstsc_extended, 0x102, "exDiscReasonLicenseNoLicense", "No valid software license was available.", "The remote session was disconnected because there are no Terminal Server client access licenses available for this computer."},
    {Kind::mstsc_extended, 0x103, "exDiscReasonLicenseErrClientMsg", "Remote computer received a licensing message that was not valid.", ""},
    {Kind::mstsc_extended, 0x104, "exDiscReasonLicenseHwidDoesntMatchLicense", "Hardware ID does not match the license.", ""},
    {Kind::mstsc_extended, 0x105, "exDiscReasonLicenseErrClientLicense", "Client license error.", ""},
    {Kind::mstsc_extended, 0x106, "exDiscReasonLicenseCantFinishProtocol", "Network problems occurred during the licensing protocol.", ""},
    {Kind::mstsc_extended, 0x107, "exDiscReasonLicenseClientEndedProtocol", "The client ended the licensing protocol prematurely.", ""},
    {Kind::mstsc_extended, 0x108, "exDiscReasonLicenseErrClientEncryption", "A licensing message was encrypted incorrectly.", ""},
    {Kind::mstsc_extended, 0x109, "exDiscReasonLicenseCantUpgradeLicense", "Local CAL could not be upgraded or renewed.", ""},
    {Kind::mstsc_extended, 0x10A, "exDiscReasonLicenseNoRemoteConnections", "Remote computer is not licensed to accept remote connections.", ""},
    {Kind::mstsc_extended, 0x10B, "exDiscReasonLicenseCreatingLicStoreAccDenied", "Access denied creating a registry key for the license store.", ""},
    {Kind::mstsc_extended, 0x300, "exDiscReasonRdpEncInvalidCredentials", "Invalid credentials were encountered.", ""},

    // MS-RDPBCGR errorInfo (Set Error Info PDU), Appendix A.
    {Kind::errinfo, 0x0, "ERRINFO_SUCCESS", "Success.", ""},
    {Kind::errinfo, 0x1, "ERRINFO_RPC_INITIATED_DISCONNECT", "The disconnection was initiated by an administrative tool on the server in another session.", ""},
    {Kind::errinfo, 0x2, "ERRINFO_RPC_INITIATED_LOGOFF", "The disconnection was due to a forced logoff initiated by an administrative tool on the server in another session.", ""},
    {Kind::errinfo, 0x3, "ERRINFO_IDLE_TIMEOUT", "The idle session limit timer on the server has elapsed.", ""},
    {Kind::errinfo, 0x4, "ERRINFO_LOGON_TIMEOUT", "The active session limit timer on the server has elapsed.", ""},
    {Kind::errinfo, 0x5, "ERRINFO_DISCONNECTED_BY_OTHER_CONNECTION", "Another user connected to the server, forcing the disconnection of the current connection.", ""},
    {Kind::errinfo, 0x6, "ERRINFO_OUT_OF_MEMORY", "The server ran out of available memory resources.", ""},
    {Kind::errinfo, 0x7, "ERRINFO_SERVER_DENIED_CONNECTION", "The server denied the connection.", ""},
    {Kind::errinfo, 0x9, "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES", "The user cannot connect to the server due to insufficient access privileges.", ""},
    {Kind::errinfo, 0xA, "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED", "The server does not accept saved user credentials and requires that the user enter their credentials for each connection.", ""},
    {Kind::errinfo, 0xB, "ERRINFO_RPC_INITIATED_DISCONNECT_BY_USER", "The disconnection was initiated by an administrative tool on the server running in the user's session.", ""},
    {Kind::errinfo, 0xC, "ERRINFO_LOGOFF_BY_USER", "The disconnection was initiated by the user logging off their session on the server.", ""},
    {Kind::errinfo, 0xF, "ERRINFO_CLOSE_STACK_ON_DRIVER_NOT_READY", "The display driver in the remote session did not report any status within the time allotted for startup.", ""},
    {Kind::errinfo, 0x10, "ERRINFO_SERVER_DWM_CRASH", "The DWM process running in the remote session terminated unexpectedly.", ""},
    {Kind::errinfo, 0x11, "ERRINFO_CLOSE_STACK_ON_DRIVER_FAILURE", "The display driver in the remote session was unable to complete all the tasks required for startup.", ""},
    {Kind::errinfo, 0x12, "ERRINFO_CLOSE_STACK_ON_DRIVER_IFACE_FAILURE", "The display driver in the remote session started up successfully, but due to internal failures was not usable by the remoting stack.", ""},
    {Kind::errinfo, 0x17, "ERRINFO_SERVER_WINLOGON_CRASH", "The Winlogon process running in the remote session terminated unexpectedly.", ""},
    {Kind::errinfo, 0x18, "ERRINFO_SERVER_CSRSS_CRASH", "The CSRSS process running in the remote session terminated unexpectedly.", ""},
    {Kind::errinfo, 0x100, "ERRINFO_LICENSE_INTERNAL", "An internal error has occurred in the Terminal Services licensing component.", ""},
    {Kind::errinfo, 0x101, "ERRINFO_LICENSE_NO_LICENSE_SERVER", "A Remote Desktop License Server ([MS-RDPELE] section 1.1) could not be found to provide a license.", ""},
    {Kind::errinfo, 0x102, "ERRINFO_LICENSE_NO_LICENSE", "There are no Client Access Licenses ([MS-RDPELE] section 1.1) available for the target remote computer.", ""},
    {Kind::errinfo, 0x103, "ERRINFO_LICENSE_BAD_CLIENT_MSG", "The remote computer received an invalid licensing message from the client.", ""},
    {Kind::errinfo, 0x104, "ERRINFO_LICENSE_HWID_DOESNT_MATCH_LICENSE", "The Client Access License ([MS-RDPELE] section 1.1) stored by the client has been modified.", ""},
    {Kind::errinfo, 0x105, "ERRINFO_LICENSE_BAD_CLIENT_LICENSE", "The Client Access License ([MS-RDPELE] section 1.1) stored by the client is in an invalid format.", ""},
    {Kind::errinfo, 0x106, "ERRINFO_LICENSE_CANT_FINISH_PROTOCOL", "Network problems have caused the licensing protocol ([MS-RDPELE] section 1.3.3) to be terminated.", ""},
    {Kind::errinfo, 0x107, "ERRINFO_LICENSE_CLIENT_ENDED_PROTOCOL", "The client prematurely ended the licensing protocol ([MS-RDPELE] section 1.3.3).", ""},
    {Kind::errinfo, 0x108, "ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION", "A licensing message ([MS-RDPELE] sections 2.2 and 5.1) was incorrectly encrypted.", ""},
    {Kind::errinfo, 0x109, "ERRINFO_LICENSE_CANT_UPGRADE_LICENSE", "The Client Access License ([MS-RDPELE] section 1.1) stored by the client could not be upgraded or renewed.", ""},
    {Kind::errinfo, 0x10A, "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS", "The remote computer is not licensed to accept remote connections.", ""},
    {Kind::errinfo, 0x400, "ERRINFO_CB_DESTINATION_NOT_FOUND", "The target endpoint could not be found.", ""},
    {Kind::errinfo, 0x402, "ERRINFO_CB_LOADING_DESTINATION", "The target endpoint to which the client is being redirected is disconnecting from the Connection Broker.", ""},
    {Kind::errinfo, 0x404, "ERRINFO_CB_REDIRECTING_TO_DESTINATION", "An error occurred while the connection was being redirected to the target endpoint.", ""},
    {Kind::errinfo, 0x405, "ERRINFO_CB_SESSION_ONLINE_VM_WAKE", "An error occurred while the target endpoint (a virtual machine) was being awakened.", ""},
    {Kind::errinfo, 0x406, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT", "An error occurred while the target endpoint (a virtual machine) was being started.", ""},
    {Kind::errinfo, 0x407, "ERRINFO_CB_SESSION_ONLINE_VM_NO_DNS", "The IP address of the target endpoint (a virtual machine) cannot be determined.", ""},
    {Kind::errinfo, 0x408, "ERRINFO_CB_DESTINATION_POOL_NOT_FREE", "There are no available endpoints in the pool managed by the Connection Broker.", ""},
    {Kind::errinfo, 0x409, "ERRINFO_CB_CONNECTION_CANCELLED", "Processing of the connection has been cancelled.", ""},
    {Kind::errinfo, 0x410, "ERRINFO_CB_CONNECTION_ERROR_INVALID_SETTINGS", "The settings contained in the routingToken field of the X.224 Connection Request PDU (section 2.2.1.1) cannot be validated.", ""},
    {Kind::errinfo, 0x411, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT_TIMEOUT", "A time-out occurred while the target endpoint (a virtual machine) was being started.", ""},
    {Kind::errinfo, 0x412, "ERRINFO_CB_SESSION_ONLINE_VM_SESSMON_FAILED", "A session monitoring error occurred while the target endpoint (a virtual machine) was being started.", ""},
    {Kind::errinfo, 0x10C9, "ERRINFO_UNKNOWN_DATA_PDU_TYPE", "Unknown pduType2 field in a received Share Data Header (section 2.2.8.1.1.1.2).", ""},
    {Kind::errinfo, 0x10CA, "ERRINFO_UNKNOWN_PDU_TYPE", "Unknown pduType field in a received Share Control Header (section 2.2.8.1.1.1.1).", ""},
    {Kind::errinfo, 0x10CB, "ERRINFO_DATA_PDU_SEQUENCE", "An out-of-sequence Slow-Path Data PDU (section 2.2.8.1.1.1.1) has been received.", ""},
    {Kind::errinfo, 0x10CD, "ERRINFO_CONTROL_PDU_SEQUENCE", "An out-of-sequence Slow-Path Non-Data PDU (section 2.2.8.1.1.1.1) has been received.", ""},
    {Kind::errinfo, 0x10CE, "ERRINFO_INVALID_CONTROL_PDU_ACTION", "A Control PDU (sections 2.2.1.15 and 2.2.1.16) has been received with an invalid action field.", ""},
    {Kind::errinfo, 0x10CF, "ERRINFO_INVALID_INPUT_PDU_TYPE", "(a) A Slow-Path Input Event (section 2.2.8.1.1.3.1.1) has been received with an invalid messageType field. (b) A Fast-Path Input Event (section 2.2.8.1.2.2) has been received with an invalid eventCode field.", ""},
    {Kind::errinfo, 0x10D0, "ERRINFO_INVALID_INPUT_PDU_MOUSE", "(a) A Slow-Path Mouse Event (section 2.2.8.1.1.3.1.1.3) or Extended Mouse Event (section 2.2.8.1.1.3.1.1.4) has been received with an invalid pointerFlags field. (b) A Fast-Path Mouse Event (section 2.2.8.1.2.2.3) or Fast-Path Extended Mouse Event (section 2.2.8.1.2.2.4) has been received with an invalid pointerFlags field.", ""},
    {Kind::errinfo, 0x10D1, "ERRINFO_INVALID_REFRESH_RECT_PDU", "An invalid Refresh Rect PDU (section 2.2.11.2) has been received.", ""},
    {Kind::errinfo, 0x10D2, "ERRINFO_CREATE_USER_DATA_FAILED", "The server failed to construct the GCC Conference Create Response user data (section 2.2.1.4).", ""},
    {Kind::errinfo, 0x10D3, "ERRINFO_CONNECT_FAILED", "Processing during the Channel Connection phase of the RDP Connection Sequence (see section 1.3.1.1 for an overview of the RDP Connection Sequence phases) has failed.", ""},
    {Kind::errinfo, 0x10D4, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_SHAREID", "A Confirm Active PDU (section 2.2.1.13.2) was received from the client with an invalid shareId field.", ""},
    {Kind::errinfo, 0x10D5, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_ORIGINATOR", "A Confirm Active PDU (section 2.2.1.13.2) was received from the client with an invalid originatorId field.", ""},
    {Kind::errinfo, 0x10DA, "ERRINFO_PERSISTENT_KEY_PDU_BAD_LENGTH", "There is not enough data to process a Persistent Key List PDU (section 2.2.1.17).", ""},
    {Kind::errinfo, 0x10DB, "ERRINFO_PERSISTENT_KEY_PDU_ILLEGAL_FIRST", "A Persistent Key List PDU (section 2.2.1.17) marked as PERSIST_PDU_FIRST (0x01) was received after the reception of a prior Persistent Key List PDU also marked as PERSIST_PDU_FIRST.", ""},
    {Kind::errinfo, 0x10DC, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_TOTAL_KEYS", "A Persistent Key List PDU (section 2.2.1.17) was received which specified a total number of bitmap cache entries larger than 262144.", ""},
    {Kind::errinfo, 0x10DD, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_CACHE_KEYS", "A Persistent Key List PDU (section 2.2.1.17) was received which specified an invalid total number of keys for a bitmap cache (the number of entries that can be stored within each bitmap cache is specified in the Revision 1 or 2 Bitmap Cache Capability Set (section 2.2.7.1.4) that is sent from client to server).", ""},
    {Kind::errinfo, 0x10DE, "ERRINFO_INPUT_PDU_BAD_LENGTH", "There is not enough data to process Input Event PDU Data (section 2.2.8.1.1.3.1) or a Fast-Path Input Event PDU (section 2.2.8.1.2).", ""},
    {Kind::errinfo, 0x10DF, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH", "There is not enough data to process the shareDataHeader, NumInfoBlocks, Pad1, and Pad2 fields of the Bitmap Cache Error PDU Data ([MS-RDPEGDI] section 2.2.2.3.1.1).", ""},
    {Kind::errinfo, 0x10E0, "ERRINFO_SECURITY_DATA_TOO_SHORT", "(a) The dataSignature field of the Fast-Path Input Event PDU (section 2.2.8.1.2) does not contain enough data. (b) The fipsInformation and dataSignature fields of the Fast-Path Input Event PDU (section 2.2.8.1.2) do not contain enough data.", ""},
    {Kind::errinfo, 0x10E1, "ERRINFO_VCHANNEL_DATA_TOO_SHORT", "(a) There is not enough data in the Client Network Data (section 2.2.1.3.4) to read the virtual channel configuration data. (b) There is not enough data to read a complete Channel PDU Header (section 2.2.6.1.1).", ""},
    {Kind::errinfo, 0x10E2, "ERRINFO_SHARE_DATA_TOO_SHORT", "(a) There is not enough data to process Control PDU Data (section 2.2.1.15.1). (b) There is not enough data to read a complete Share Control Header (section 2.2.8.1.1.1.1). (c) There is not enough data to read a complete Share Data Header (section 2.2.8.1.1.1.2) of a Slow-Path Data PDU (section 2.2.8.1.1.1.1). (d) There is not enough data to process Font List PDU Data (section 2.2.1.18.1).", ""},
    {Kind::errinfo, 0x10E3, "ERRINFO_BAD_SUPPRESS_OUTPUT_PDU", "(a) There is not enough data to process Suppress Output PDU Data (section 2.2.11.3.1). (b) The allowDisplayUpdates field of the Suppress Output PDU Data (section 2.2.11.3.1) is invalid.", ""},
    {Kind::errinfo, 0x10E5, "ERRINFO_CONFIRM_ACTIVE_PDU_TOO_SHORT", "(a) There is not enough data to read the shareControlHeader, shareId, originatorId, lengthSourceDescriptor, and lengthCombinedCapabilities fields of the Confirm Active PDU Data (section 2.2.1.13.2.1). (b) There is not enough data to read the sourceDescriptor, numberCapabilities, pad2Octets, and capabilitySets fields of the Confirm Active PDU Data (section 2.2.1.13.2.1).", ""},
    {Kind::errinfo, 0x10E7, "ERRINFO_CAPABILITY_SET_TOO_SMALL", "There is not enough data to read the capabilitySetType and the lengthCapability fields in a received Capability Set (section 2.2.1.13.1.1.1).", ""},
    {Kind::errinfo, 0x10E8, "ERRINFO_CAPABILITY_SET_TOO_LARGE", "A Capability Set (section 2.2.1.13.1.1.1) has been received with a lengthCapability field that contains a value greater than the total length of the data received.", ""},
    {Kind::errinfo, 0x10E9, "ERRINFO_NO_CURSOR_CACHE", "(a) Both the colorPointerCacheSize and pointerCacheSize fields in the Pointer Capability Set (section 2.2.7.1.5) are set to zero. (b) The pointerCacheSize field in the Pointer Capability Set (section 2.2.7.1.5) is not present, and the colorPointerCacheSize field is set to zero.", ""},
    {Kind::errinfo, 0x10EA, "ERRINFO_BAD_CAPABILITIES", "The capabilities received from the client in the Confirm Active PDU (section 2.2.1.13.2) were not accepted by the server.", ""},
    {Kind::errinfo, 0x10EC, "ERRINFO_VIRTUAL_CHANNEL_DECOMPRESSION", "An error occurred while using the bulk compressor (section 3.1.8 and [MS-RDPEGDI] section 3.1.8) to decompress a Virtual Channel PDU (section 2.2.6.1)", ""},
    {Kind::errinfo, 0x10ED, "ERRINFO_INVALID_VC_COMPRESSION_TYPE", "An invalid bulk compression package was specified in the flags field of the Channel PDU Header (section 2.2.6.1.1).", ""},
    {Kind::errinfo, 0x10EF, "ERRINFO_INVALID_CHANNEL_ID", "An invalid MCS channel ID was specified in the mcsPdu field of the Virtual Channel PDU (section 2.2.6.1).", ""},
    {Kind::errinfo, 0x10F0, "ERRINFO_VCHANNELS_TOO_MANY", "The client requested more than the maximum allowed 31 static virtual channels in the Client Network Data (section 2.2.1.3.4).", ""},
    {Kind::errinfo, 0x10F3, "ERRINFO_REMOTEAPP_NOT_ENABLED", "The INFO_RAIL flag (0x00008000) MUST be set in the flags field of the Info Packet (section 2.2.1.11.1.1) as the session on the remote server can only host remote applications.", ""},
    {Kind::errinfo, 0x10F4, "ERRINFO_CACHE_CAP_NOT_SET", "The client sent a Persistent Key List PDU (section 2.2.1.17) without including the prerequisite Revision 2 Bitmap Cache Capability Set (section 2.2.7.1.4.2) in the Confirm Active PDU (section 2.2.1.13.2).", ""},
    {Kind::errinfo, 0x10F5, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH2", "The NumInfoBlocks field in the Bitmap Cache Error PDU Data is inconsistent with the amount of data in the Info field ([MS-RDPEGDI] section 2.2.2.3.1.1).", ""},
    {Kind::errinfo, 0x10F6, "ERRINFO_OFFSCREEN_CACHE_ERROR_PDU_BAD_LENGTH", "There is not enough data to process an Offscreen Bitmap Cache Error PDU ([MS-RDPEGDI] section 2.2.2.3.2).", ""},
    {Kind::errinfo, 0x10F7, "ERRINFO_DRAWNINEGRID_CACHE_ERROR_PDU_BAD_LENGTH", "There is not enough data to process a DrawNineGrid Cache Error PDU ([MS-RDPEGDI] section 2.2.2.3.3).", ""},
    {Kind::errinfo, 0x10F8, "ERRINFO_GDIPLUS_PDU_BAD_LENGTH", "There is not enough data to process a GDI+ Error PDU ([MS-RDPEGDI] section 2.2.2.3.4).", ""},
    {Kind::errinfo, 0x1111, "ERRINFO_SECURITY_DATA_TOO_SHORT2", "There is not enough data to read a Basic Security Header (section 2.2.8.1.1.2.1).", ""},
    {Kind::errinfo, 0x1112, "ERRINFO_SECURITY_DATA_TOO_SHORT3", "There is not enough data to read a Non-FIPS Security Header (section 2.2.8.1.1.2.2) or FIPS Security Header (section 2.2.8.1.1.2.3).", ""},
    {Kind::errinfo, 0x1113, "ERRINFO_SECURITY_DATA_TOO_SHORT4", "There is not enough data to read the basicSecurityHeader and length fields of the Security Exchange PDU Data (section 2.2.1.10.1).", ""},
    {Kind::errinfo, 0x1114, "ERRINFO_SECURITY_DATA_TOO_SHORT5", "There is not enough data to read the CodePage, flags, cbDomain, cbUserName, cbPassword, cbAlternateShell, cbWorkingDir, Domain, UserName, Password, AlternateShell, and WorkingDir fields in the Info Packet (section 2.2.1.11.1.1).", ""},
    {Kind::errinfo, 0x1115, "ERRINFO_SECURITY_DATA_TOO_SHORT6", "There is not enough data to read the CodePage, flags, cbDomain, cbUserName, cbPassword, cbAlternateShell, and cbWorkingDir fields in the Info Packet (section 2.2.1.11.1.1).", ""},
    {Kind::errinfo, 0x1116, "ERRINFO_SECURITY_DATA_TOO_SHORT7", "There is not enough data to read the clientAddressFamily and cbClientAddress fields in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1117, "ERRINFO_SECURITY_DATA_TOO_SHORT8", "There is not enough data to read the clientAddress field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1118, "ERRINFO_SECURITY_DATA_TOO_SHORT9", "There is not enough data to read the cbClientDir field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1119, "ERRINFO_SECURITY_DATA_TOO_SHORT10", "There is not enough data to read the clientDir field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111A, "ERRINFO_SECURITY_DATA_TOO_SHORT11", "There is not enough data to read the clientTimeZone field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111B, "ERRINFO_SECURITY_DATA_TOO_SHORT12", "There is not enough data to read the clientSessionId field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111C, "ERRINFO_SECURITY_DATA_TOO_SHORT13", "There is not enough data to read the performanceFlags field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111D, "ERRINFO_SECURITY_DATA_TOO_SHORT14", "There is not enough data to read the cbAutoReconnectLen field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111E, "ERRINFO_SECURITY_DATA_TOO_SHORT15", "There is not enough data to read the autoReconnectCookie field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x111F, "ERRINFO_SECURITY_DATA_TOO_SHORT16", "The cbAutoReconnectLen field in the Extended Info Packet (section 2.2.1.11.1.1.1) contains a value which is larger than the maximum allowed length of 128 bytes.", ""},
    {Kind::errinfo, 0x1120, "ERRINFO_SECURITY_DATA_TOO_SHORT17", "There is not enough data to read the clientAddressFamily and cbClientAddress fields in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1121, "ERRINFO_SECURITY_DATA_TOO_SHORT18", "There is not enough data to read the clientAddress field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1122, "ERRINFO_SECURITY_DATA_TOO_SHORT19", "There is not enough data to read the cbClientDir field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1123, "ERRINFO_SECURITY_DATA_TOO_SHORT20", "There is not enough data to read the clientDir field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1124, "ERRINFO_SECURITY_DATA_TOO_SHORT21", "There is not enough data to read the clientTimeZone field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1125, "ERRINFO_SECURITY_DATA_TOO_SHORT22", "There is not enough data to read the clientSessionId field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1126, "ERRINFO_SECURITY_DATA_TOO_SHORT23", "There is not enough data to read the Client Info PDU Data (section 2.2.1.11.1).", ""},
    {Kind::errinfo, 0x1129, "ERRINFO_BAD_MONITOR_DATA", "The monitorCount field in the Client Monitor Data (section 2.2.1.3.6) is invalid.", ""},
    {Kind::errinfo, 0x112A, "ERRINFO_VC_DECOMPRESSED_REASSEMBLE_FAILED", "The server-side decompression buffer is invalid, or the size of the decompressed VC data exceeds the chunking size specified in the Virtual Channel Capability Set (section 2.2.7.1.10).", ""},
    {Kind::errinfo, 0x112B, "ERRINFO_VC_DATA_TOO_LONG", "The size of a received Virtual Channel PDU (section 2.2.6.1) exceeds the chunking size specified in the Virtual Channel Capability Set (section 2.2.7.1.10).", ""},
    {Kind::errinfo, 0x112C, "ERRINFO_BAD_FRAME_ACK_DATA", "There is not enough data to read a TS_FRAME_ACKNOWLEDGE_PDU ([MS-RDPRFX] section 2.2.3.1).", ""},
    {Kind::errinfo, 0x112D, "ERRINFO_GRAPHICS_MODE_NOT_SUPPORTED", "The graphics mode requested by the client is not supported by the server.", ""},
    {Kind::errinfo, 0x112E, "ERRINFO_GRAPHICS_SUBSYSTEM_RESET_FAILED", "The server-side graphics subsystem failed to reset.", ""},
    {Kind::errinfo, 0x112F, "ERRINFO_GRAPHICS_SUBSYSTEM_FAILED", "The server-side graphics subsystem is in an error state and unable to continue graphics encoding.", ""},
    {Kind::errinfo, 0x1130, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_SHORT", "There is not enough data to read the cbDynamicDSTTimeZoneKeyName field in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1131, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_LONG", "The length reported in the cbDynamicDSTTimeZoneKeyName field of the Extended Info Packet (section 2.2.1.11.1.1.1) is too long.", ""},
    {Kind::errinfo, 0x1132, "ERRINFO_DYNAMIC_DST_DISABLED_FIELD_MISSING", "The dynamicDaylightTimeDisabled field is not present in the Extended Info Packet (section 2.2.1.11.1.1.1).", ""},
    {Kind::errinfo, 0x1133, "ERRINFO_VC_DECODING_ERROR", "An error occurred when processing dynamic virtual channel data ([MS-RDPEDYC] section 3.3.5).", ""},
    {Kind::errinfo, 0x1134, "ERRINFO_VIRTUALDESKTOPTOOLARGE", "The width or height of the virtual desktop defined by the monitor layout in the Client Monitor Data (section 2.2.1.3.6) is larger than the maximum allowed value of 32,766.", ""},
    {Kind::errinfo, 0x1135, "ERRINFO_MONITORGEOMETRYVALIDATIONFAILED", "The monitor geometry defined by the Client Monitor Data (section 2.2.1.3.6) is invalid.", ""},
    {Kind::errinfo, 0x1136, "ERRINFO_INVALIDMONITORCOUNT", "The monitorCount field in the Client Monitor Data(section 2.2.1.3.6) is too large.", ""},
    {Kind::errinfo, 0x1191, "ERRINFO_UPDATE_SESSION_KEY_FAILED", "An attempt to update the session keys while using Standard RDP Security mechanisms (section 5.3.7) failed.", ""},
    {Kind::errinfo, 0x1192, "ERRINFO_DECRYPT_FAILED", "(a) Decryption using Standard RDP Security mechanisms (section 5.3.6) failed. (b) Session key creation using Standard RDP Security mechanisms (section 5.3.5) failed.", ""},
    {Kind::errinfo, 0x1193, "ERRINFO_ENCRYPT_FAILED", "Encryption using Standard RDP Security mechanisms (section 5.3.6) failed.", ""},
    {Kind::errinfo, 0x1194, "ERRINFO_ENCRYPTION_PACKAGE_MISMATCH", "Failed to find a usable Encryption Method (section 5.3.2) in the encryptionMethods field of the Client Security Data (section 2.2.1.4.3).", ""},
    {Kind::errinfo, 0x1195, "ERRINFO_DECRYPT_FAILED2", "Unencrypted data was encountered in a protocol stream which is meant to be encrypted with Standard RDP Security mechanisms (section 5.3.6).", ""},
    {Kind::errinfo, 0x1196, "ERRINFO_PEER_DISCONNECTED", "The peer connection was lost.", ""},
    // RDP_NEG_FAILURE failureCode, §2.2.
    {Kind::neg_failure, 0x1, "SSL_REQUIRED_BY_SERVER", "The server requires Enhanced RDP Security with TLS or CredSSP; the client offered neither.", ""},
    {Kind::neg_failure, 0x2, "SSL_NOT_ALLOWED_BY_SERVER", "The server only uses Standard RDP Security and supports no external security protocol.", ""},
    {Kind::neg_failure, 0x3, "SSL_CERT_NOT_ON_SERVER", "The server has no valid authentication certificate and cannot start the external security protocol.", ""},
    {Kind::neg_failure, 0x4, "INCONSISTENT_FLAGS", "The requested protocols are inconsistent with the security protocol in effect (Direct Approach only).", ""},
    {Kind::neg_failure, 0x5, "HYBRID_REQUIRED_BY_SERVER", "The server requires Enhanced RDP Security with CredSSP (Network Level Authentication).", "The remote computer requires Network Level Authentication, which your computer does not support. For assistance, contact your system administrator or technical support."},
    {Kind::neg_failure, 0x6, "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER", "The server requires Enhanced RDP Security with TLS and certificate-based client authentication.", ""},

    // Licensing Error Message dwErrorCode, §2.3.
    {Kind::license_error, 0x1, "ERR_INVALID_SERVER_CERTIFICATE", "Client-side licensing error: the server certificate is not valid.", ""},
    {Kind::license_error, 0x2, "ERR_NO_LICENSE", "Client-side licensing error: no license.", ""},
    {Kind::license_error, 0x3, "ERR_INVALID_MAC", "The licensing message MAC is not valid.", ""},
    {Kind::license_error, 0x4, "ERR_INVALID_SCOPE", "Server-side licensing error: invalid scope.", ""},
    {Kind::license_error, 0x6, "ERR_NO_LICENSE_SERVER", "Server-side licensing error: no license server.", ""},
    {Kind::license_error, 0x7, "STATUS_VALID_CLIENT", "Success: the client is licensed (with ST_NO_TRANSITION this ends licensing).", ""},
    {Kind::license_error, 0x8, "ERR_INVALID_CLIENT", "Server-side licensing error: invalid client; with ST_TOTAL_ABORT FreeRDP logs \"license connection sequence aborted\".", ""},
    {Kind::license_error, 0xB, "ERR_INVALID_PRODUCTID", "Server-side licensing error: invalid product id.", ""},
    {Kind::license_error, 0xC, "ERR_INVALID_MESSAGE_LEN", "Server-side licensing error: invalid message length.", ""},

    // NTSTATUS values in a CredSSP TSRequest errorCode, §2.4.
    {Kind::ntstatus, 0xC000006D, "STATUS_LOGON_FAILURE", "Logon failure: wrong user name or password. FreeRDP: ERRCONNECT_LOGON_FAILURE; mstsc 0x807 (inferred).", ""},
    {Kind::ntstatus, 0xC000006A, "STATUS_WRONG_PASSWORD", "Wrong password. FreeRDP: ERRCONNECT_WRONG_PASSWORD.", ""},
    {Kind::ntstatus, 0xC0000071, "STATUS_PASSWORD_EXPIRED", "The password has expired. FreeRDP: ERRCONNECT_PASSWORD_EXPIRED; mstsc 0xF07 (inferred).", ""},
    {Kind::ntstatus, 0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT", "The account is locked out. FreeRDP: ERRCONNECT_ACCOUNT_LOCKED_OUT; mstsc 0xD07 (inferred).", ""},
    {Kind::ntstatus, 0xC0000072, "STATUS_ACCOUNT_DISABLED", "The account is disabled. FreeRDP: ERRCONNECT_ACCOUNT_DISABLED; mstsc 0xB07 (inferred).", ""},
    {Kind::ntstatus, 0xC0000224, "STATUS_PASSWORD_MUST_CHANGE", "The password must be changed before the first logon. FreeRDP: ERRCONNECT_PASSWORD_MUST_CHANGE; mstsc 0x1207 (inferred).", ""},
    {Kind::ntstatus, 0xC000006E, "STATUS_ACCOUNT_RESTRICTION", "Account restriction (blank password, logon hours...). FreeRDP: ERRCONNECT_ACCOUNT_RESTRICTION; mstsc 0xC07 (inferred).", ""},
    {Kind::ntstatus, 0xC0000193, "STATUS_ACCOUNT_EXPIRED", "The account has expired. FreeRDP: ERRCONNECT_ACCOUNT_EXPIRED; mstsc 0xE07 (inferred).", ""},
    {Kind::ntstatus, 0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED", "The user lacks the right to log on through Remote Desktop Services. FreeRDP: ERRCONNECT_LOGON_TYPE_NOT_GRANTED.", "The connection was denied because the user account is not authorized for remote login."},
    {Kind::ntstatus, 0xC0000022, "STATUS_ACCESS_DENIED", "Access denied. FreeRDP: ERRCONNECT_ACCESS_DENIED.", "Access is denied."},
    {Kind::ntstatus, 0xC0000064, "STATUS_NO_SUCH_USER", "No such user. FreeRDP 2.x has no mapping: ERRCONNECT_AUTHENTICATION_FAILED; mstsc 0xA07 (inferred).", ""},
    {Kind::ntstatus, 0xC000005E, "STATUS_NO_LOGON_SERVERS", "No logon server is available. FreeRDP: ERRCONNECT_AUTHENTICATION_FAILED; mstsc 0x1807 (inferred).", ""},
    {Kind::ntstatus, 0xC000006F, "STATUS_INVALID_LOGON_HOURS", "Logon outside the allowed hours. FreeRDP: ERRCONNECT_AUTHENTICATION_FAILED.", ""},
    {Kind::ntstatus, 0xC0000070, "STATUS_INVALID_WORKSTATION", "Logon from this workstation is not allowed. FreeRDP: ERRCONNECT_AUTHENTICATION_FAILED.", ""},
    {Kind::ntstatus, 0xC0000133, "STATUS_TIME_DIFFERENCE_AT_DC", "The clocks of client and domain controller differ too much. FreeRDP: ERRCONNECT_AUTHENTICATION_FAILED.", ""},

    // FreeRDP 2.x connect-class errors (freerdp_get_last_error()), §3.2.
    {Kind::freerdp_error, 0x00000000, "ERRBASE_SUCCESS", "Success (also what FreeRDP 2.x leaves set when its own activation timeout, TcpAckTimeout, ends the connect).", ""},
    {Kind::freerdp_error, 0x00020001, "ERRCONNECT_PRE_CONNECT_FAILED", "A configuration error prevented a connection to be established.", ""},
    {Kind::freerdp_error, 0x00020002, "ERRCONNECT_CONNECT_UNDEFINED", "An undefined connection error occurred.", ""},
    {Kind::freerdp_error, 0x00020003, "ERRCONNECT_POST_CONNECT_FAILED", "The connection attempt was aborted due to post connect configuration errors.", ""},
    {Kind::freerdp_error, 0x00020004, "ERRCONNECT_DNS_ERROR", "The DNS entry could not be resolved.", ""},
    {Kind::freerdp_error, 0x00020005, "ERRCONNECT_DNS_NAME_NOT_FOUND", "The DNS host name was not found.", ""},
    {Kind::freerdp_error, 0x00020006, "ERRCONNECT_CONNECT_FAILED", "The connection failed: the TCP connect timed out (SYNs dropped; TcpConnectTimeout).", ""},
    {Kind::freerdp_error, 0x00020007, "ERRCONNECT_MCS_CONNECT_INITIAL_ERROR", "The connection failed at initial MCS connect.", ""},
    {Kind::freerdp_error, 0x00020008, "ERRCONNECT_TLS_CONNECT_FAILED", "The connection failed at TLS connect: handshake failure or a certificate the client rejected.", ""},
    {Kind::freerdp_error, 0x00020009, "ERRCONNECT_AUTHENTICATION_FAILED", "An authentication failure aborted the connection.", ""},
    {Kind::freerdp_error, 0x0002000A, "ERRCONNECT_INSUFFICIENT_PRIVILEGES", "Insufficient privileges to establish a connection.", ""},
    {Kind::freerdp_error, 0x0002000B, "ERRCONNECT_CONNECT_CANCELLED", "The connection was cancelled.", ""},
    {Kind::freerdp_error, 0x0002000C, "ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED", "The connection failed at negotiating security settings (RDP_NEG_FAILURE or an unacceptable selection, after every fallback).", ""},
    {Kind::freerdp_error, 0x0002000D, "ERRCONNECT_CONNECT_TRANSPORT_FAILED", "The connection transport layer failed: refused, closed or reset (FreeRDP then reconnects once).", ""},
    {Kind::freerdp_error, 0x0002000E, "ERRCONNECT_PASSWORD_EXPIRED", "The password has expired and must be changed.", ""},
    {Kind::freerdp_error, 0x0002000F, "ERRCONNECT_PASSWORD_CERTAINLY_EXPIRED", "The password has certainly expired (what FreeRDP says when NLA ends with a TLS internal_error alert).", ""},
    {Kind::freerdp_error, 0x00020010, "ERRCONNECT_CLIENT_REVOKED", "The client has been revoked.", ""},
    {Kind::freerdp_error, 0x00020011, "ERRCONNECT_KDC_UNREACHABLE", "The KDC is unreachable.", ""},
    {Kind::freerdp_error, 0x00020012, "ERRCONNECT_ACCOUNT_DISABLED", "The account is disabled.", ""},
    {Kind::freerdp_error, 0x00020013, "ERRCONNECT_PASSWORD_MUST_CHANGE", "The password must be changed.", ""},
    {Kind::freerdp_error, 0x00020014, "ERRCONNECT_LOGON_FAILURE", "Logon failed.", ""},
    {Kind::freerdp_error, 0x00020015, "ERRCONNECT_WRONG_PASSWORD", "Wrong password supplied.", ""},
    {Kind::freerdp_error, 0x00020016, "ERRCONNECT_ACCESS_DENIED", "Access denied.", ""},
    {Kind::freerdp_error, 0x00020017, "ERRCONNECT_ACCOUNT_RESTRICTION", "Account restriction.", ""},
    {Kind::freerdp_error, 0x00020018, "ERRCONNECT_ACCOUNT_LOCKED_OUT", "Account locked out.", ""},
    {Kind::freerdp_error, 0x00020019, "ERRCONNECT_ACCOUNT_EXPIRED", "Account expired.", ""},
    {Kind::freerdp_error, 0x0002001A, "ERRCONNECT_LOGON_TYPE_NOT_GRANTED", "Logon type not granted.", ""},
    {Kind::freerdp_error, 0x0002001B, "ERRCONNECT_NO_OR_MISSING_CREDENTIALS", "Credentials invalid or missing.", ""},
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// "0x904", "2308", "904h" is not accepted: hex needs 0x.
std::optional<std::uint32_t> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty() || s.size() > (base == 16 ? 8u : 10u)) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  if (v > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

void add_unique(std::vector<const CodeInfo*>& v, const CodeInfo* c) {
  if (c && std::find(v.begin(), v.end(), c) == v.end()) v.push_back(c);
}

}  // namespace

std::string_view to_string(Kind k) noexcept {
  switch (k) {
    case Kind::mstsc_disconnect: return "mstsc disconnect code";
    case Kind::mstsc_extended: return "mstsc extended code";
    case Kind::errinfo: return "ERRINFO (Set Error Info PDU)";
    case Kind::neg_failure: return "RDP_NEG_FAILURE code";
    case Kind::license_error: return "licensing error code";
    case Kind::ntstatus: return "NTSTATUS";
    case Kind::freerdp_error: return "FreeRDP error";
  }
  return "?";
}

std::string hex(std::uint32_t value, bool wide) {
  char b[16];
  std::snprintf(b, sizeof b, wide ? "0x%08X" : "0x%X", value);
  return b;
}

std::span<const CodeInfo> all() noexcept { return kTable; }

const CodeInfo* find(Kind kind, std::uint32_t value) noexcept {
  for (const auto& c : kTable) {
    if (c.kind == kind && c.value == value) return &c;
  }
  return nullptr;
}

const CodeInfo* find_name(std::string_view name) noexcept {
  for (const auto& c : kTable) {
    if (iequals(c.name, name)) return &c;
  }
  return nullptr;
}

Query parse_query(std::string_view text) {
  Query q;
  const auto t = trim(text);
  if (t.empty()) {
    q.error = "give a code: a mstsc code (0x904 or 0x904/0x7), an ERRINFO value, an RDP_NEG_FAILURE code, an NTSTATUS "
              "(0xC000006D) or a name (ERRCONNECT_TLS_CONNECT_FAILED, HYBRID_REQUIRED_BY_SERVER, ...)";
    return q;
  }
  if (const auto* c = find_name(t)) {
    q.matches.push_back(c);
    return q;
  }
  // "0x904/0x7", "0x904 0x7", "0x904,7": a disconnect code and an extended code.
  const auto sep = t.find_first_of("/, ");
  if (sep != std::string_view::npos) {
    const auto a = parse_number(t.substr(0, sep));
    const auto b = parse_number(t.substr(t.find_first_not_of("/, ", sep)));
    if (!a || !b) {
      q.error = "'" + std::string(t) + "' is neither a known name nor CODE/EXTENDED (e.g. 0x904/0x7)";
      return q;
    }
    q.disconnect = *a;
    q.extended = *b;
    add_unique(q.matches, find(Kind::mstsc_disconnect, *a));
    add_unique(q.matches, find(Kind::mstsc_extended, *b));
    add_unique(q.matches, find(Kind::errinfo, *b));
    if (q.matches.empty()) q.error = "no mstsc code " + std::string(t) + " is known";
    return q;
  }
  const auto v = parse_number(t);
  if (!v) {
    q.error = "'" + std::string(t) + "' is not a code rdpfault knows (names: ERRCONNECT_*, ERRINFO_*, STATUS_*, "
              "RDP_NEG_FAILURE names, SSL_ERR_*; numbers: 0x904, 2308, 0xC000006D)";
    return q;
  }
  // FreeRDP LastError values carry their class in the upper 16 bits.
  if ((*v >> 16) == 0x2) add_unique(q.matches, find(Kind::freerdp_error, *v));
  if ((*v >> 16) == 0x1) add_unique(q.matches, find(Kind::errinfo, *v & 0xFFFFu));
  if ((*v >> 28) == 0xC) add_unique(q.matches, find(Kind::ntstatus, *v));
  if ((*v >> 16) == 0) {
    for (auto k : {Kind::mstsc_disconnect, Kind::mstsc_extended, Kind::errinfo, Kind::neg_failure, Kind::license_error}) {
      add_unique(q.matches, find(k, *v));
    }
    if (find(Kind::mstsc_disconnect, *v)) q.disconnect = *v;
  }
  return q;
}

}  // namespace rdpfault::codes
