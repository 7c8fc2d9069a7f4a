# Warnings as an INTERFACE target, linked PRIVATE by our own targets only, so third-party headers
# (GoogleTest, Benchmark, CLI11) and consumers are not forced to build with -Werror.
add_library(signet_warnings INTERFACE)
target_compile_options(signet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  -Wmisleading-indentation
  # g++ only; clang (fuzz builds, clang-tidy) does not know them.
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op -Wuseless-cast>)
add_library(signet::warnings ALIAS signet_warnings)

# Tests and benchmarks use macro-heavy third-party frameworks: keep -Werror and the important
# warnings but not the pedantic conversions their macros trigger.
add_library(signet_test_warnings INTERFACE)
target_compile_options(signet_test_warnings INTERFACE -Wall -Wextra -Werror -Wshadow)
add_library(signet::test_warnings ALIAS signet_test_warnings)
