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
  # The runtimes' default options and suppression files, linked into test binaries and the CLI.
  set(SIGNET_SANITIZER_DEFAULTS ${PROJECT_SOURCE_DIR}/tests/sanitizers/default_options.cc)
  set_source_files_properties(${SIGNET_SANITIZER_DEFAULTS} PROPERTIES COMPILE_DEFINITIONS
    "SIGNET_LSAN_SUPPRESSIONS=\"${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp\";SIGNET_TSAN_SUPPRESSIONS=\"${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan.supp\"")
else()
  set(SIGNET_SANITIZER_DEFAULTS "")
endif()
