// Sanitizer defaults for signet's test binaries and CLI in sanitizer builds (linked only there,
// see cmake/SignetSanitizers.cmake). The runtimes call these hooks before main(); options given
// in ASAN_OPTIONS, LSAN_OPTIONS, UBSAN_OPTIONS or TSAN_OPTIONS still override them.
//
// fast_unwind_on_malloc=0 (only in the binaries that sign with Ed25519 keys in SoftHSM: it makes
// every allocation several times slower, too slow for the 20,000-signature fault runs):
// libcrypto and SoftHSM have no frame pointers, so the fast unwinder
// stops at CRYPTO_zalloc. The slow one walks through them, which lets lsan.supp name the library
// that leaked (SoftHSM 2.6.1 leaks ASN.1 strings on every Ed25519 signature) and shows our frames
// under OpenSSL's in a real leak.

#define SIGNET_SANITIZER_HOOK extern "C" __attribute__((visibility("default"), used)) const char*

// NOLINTBEGIN(readability-identifier-naming): the names are the runtimes'.
SIGNET_SANITIZER_HOOK __asan_default_options() {
#ifdef SIGNET_SLOW_UNWIND
  return "detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0";
#else
  return "detect_leaks=1:abort_on_error=1";
#endif
}
SIGNET_SANITIZER_HOOK __lsan_default_options() {
  return "suppressions=" SIGNET_LSAN_SUPPRESSIONS ":print_suppressions=0";
}
SIGNET_SANITIZER_HOOK __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
SIGNET_SANITIZER_HOOK __tsan_default_options() {
  return "suppressions=" SIGNET_TSAN_SUPPRESSIONS ":halt_on_error=1:second_deadlock_stack=1";
}
// NOLINTEND(readability-identifier-naming)
