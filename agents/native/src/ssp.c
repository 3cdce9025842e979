/* The stack protector's guard and failure handler (-fstack-protector-strong), defined here so that GCC's
 * libssp is not linked: it seeds its guard with CryptGenRandom, which would add advapi32.dll to the
 * agent's imports. This guard mixes what kernel32 offers without another DLL (the performance counter,
 * the tick count, the process and thread ids, and two addresses that ASLR moves); weaker than the
 * system's random source, but enough against a canary guessed without a way to read memory. */
#include "platform.h"

#include <stdint.h>

void *__stack_chk_guard;

__attribute__((no_stack_protector)) void ssp_init(void) {
    LARGE_INTEGER t;
    int local;
    QueryPerformanceCounter(&t);
    uint64_t x = (uint64_t)t.QuadPart ^ ((uint64_t)GetTickCount() << 32) ^ ((uint64_t)GetCurrentProcessId() << 16) ^ GetCurrentThreadId() ^
                 (uint64_t)(uintptr_t)&local ^ ((uint64_t)(uintptr_t)&__stack_chk_guard << 13);
    /* splitmix64's finaliser: every input bit reaches every output bit. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    /* A zero byte first stops a string copy from reading the guard out. */
    __stack_chk_guard = (void *)(uintptr_t)(x & ~(uint64_t)0xFF);
}

__attribute__((noreturn)) void __stack_chk_fail(void) {
    static const char message[] = "agent: stack smashing detected; terminating\n";
    DWORD wrote;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), message, sizeof message - 1, &wrote, NULL);
    TerminateProcess(GetCurrentProcess(), 255);
    for (;;) {
    }
}
