/* The facts of the agent's hello (docs/agent-protocol.md, "Session"). RtlGetVersion (Windows 2000 on, and
 * not lied to by compatibility shims as GetVersionEx is) and Wine's wine_get_version are looked up in
 * ntdll at run time; without them the facts say what they can. */
#include "platform.h"

#include <stdio.h>
#include <string.h>

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);
typedef const char *(CDECL *wine_get_version_fn)(void);

static void out_wide(struct out *o, const WCHAR *wide) {
    char text[1024];
    int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, text, sizeof text, NULL, NULL);
    out_string(o, text, n > 0 ? (size_t)n - 1 : 0);
}

void facts_json(struct out *o) {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    rtl_get_version_fn rtl_get_version = ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    wine_get_version_fn wine_get_version = ntdll ? (wine_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "wine_get_version") : NULL;
    OSVERSIONINFOW v;
    char windows[160];
    memset(&v, 0, sizeof v);
    v.dwOSVersionInfoSize = sizeof v;
    if (rtl_get_version && rtl_get_version(&v) == 0) {
        char sp[300];
        int n = WideCharToMultiByte(CP_UTF8, 0, v.szCSDVersion, -1, sp, sizeof sp, NULL, NULL);
        snprintf(windows, sizeof windows, "Windows NT %lu.%lu.%lu%s%s", (unsigned long)v.dwMajorVersion, (unsigned long)v.dwMinorVersion,
                 (unsigned long)v.dwBuildNumber, n > 1 ? " " : "", n > 1 ? sp : "");
    } else {
        snprintf(windows, sizeof windows, "unknown (no RtlGetVersion in ntdll)");
    }
    WCHAR ws2_32[MAX_PATH + 1];
    DWORD len = GetModuleFileNameW(GetModuleHandleW(L"ws2_32.dll"), ws2_32, MAX_PATH);
    ws2_32[len < MAX_PATH ? len : MAX_PATH] = 0;

    out_text(o, "{\"implementation\":");
#ifdef _WIN64
    out_cstring(o, "winsock-conformance native agent (C, x64)");
#else
    out_cstring(o, "winsock-conformance native agent (C, x86)");
#endif
    out_text(o, ",\"windows\":");
    out_cstring(o, windows);
    out_text(o, ",\"ws2_32\":");
    if (len > 0) out_wide(o, ws2_32);
    else out_cstring(o, "ws2_32.dll");
    out_text(o, ",\"ops\":[");
    for (int i = 0; i < OP_COUNT; i++) {
        if (i) out_text(o, ",");
        out_cstring(o, OP_NAMES[i]);
    }
    out_text(o, "],\"pid\":");
    out_uint(o, GetCurrentProcessId());
#ifdef _WIN64
    out_text(o, ",\"arch\":\"x64\"");
#else
    out_text(o, ",\"arch\":\"ia32\"");
#endif
    out_text(o, ",\"compiler\":");
    out_cstring(o, "gcc " __VERSION__);
    if (wine_get_version) {
        const char *wine = wine_get_version();
        out_text(o, ",\"wine\":");
        out_cstring(o, wine ? wine : "unknown");
    }
    out_text(o, "}");
}
