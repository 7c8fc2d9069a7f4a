# One switch for the sanitizer builds:
#   -DSIGNET_SANITIZE=address,undefined   (ASan + UBSan)
#   -DSIGNET_SANITIZE=thread              (TSan)
# Suppression files live in tests/sanitizers/ and only name third-party frames.
set(SIGNET_SANITIZE "" CACHE STRING "Sanitizers: empty, 'address,undefined' or 'thread'")
if(SIGNET_SANITIZE)
  if(SIGNET_SANITIZE MATCHES "thread" AND SIGNET_SANITIZE MATCHES "address")
    message(FATAL_ERROR "SIGNET_SANITIZE: thread cannot be combined with address")
  endif()
  string(REPLACE ";" "," _signet_san "${SIGNET_SANITIZE}")
  add_compile_options(-fsanitize=${_signet_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_signet_san})
  message(STATUS "signet: sanitizers ${_signet_san}")
  # The runtimes' default options and suppression files, as objects linked into the test
  # binaries and the CLI (an object library: its definitions travel with it to any directory).
  add_library(signet_sanitizer_defaults OBJECT ${PROJECT_SOURCE_DIR}/tests/sanitizers/default_options.cc)
  target_compile_definitions(signet_sanitizer_defaults PRIVATE
    SIGNET_LSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp"
    SIGNET_TSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan.supp")
  set(SIGNET_SANITIZER_DEFAULTS $<TARGET_OBJECTS:signet_sanitizer_defaults>)
  # The same with full allocation stacks, for binaries whose SoftHSM Ed25519 leaks must be matched
  # by name (tests/sanitizers/lsan.supp).
  add_library(signet_sanitizer_defaults_slow_unwind OBJECT
    ${PROJECT_SOURCE_DIR}/tests/sanitizers/default_options.cc)
  target_compile_definitions(signet_sanitizer_defaults_slow_unwind PRIVATE SIGNET_SLOW_UNWIND
    SIGNET_LSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp"
    SIGNET_TSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan.supp")
  set(SIGNET_SANITIZER_DEFAULTS_SLOW_UNWIND $<TARGET_OBJECTS:signet_sanitizer_defaults_slow_unwind>)
else()
  set(SIGNET_SANITIZER_DEFAULTS "")
  set(SIGNET_SANITIZER_DEFAULTS_SLOW_UNWIND "")
endif()
