#include "softhsm_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "signet/hsm/secret.h"
#include "signet/hsm/token.h"

namespace signet::testing {

std::string softhsm_module() {
  for (const char* candidate : {SIGNET_SOFTHSM_MODULE, "/usr/lib/softhsm/libsofthsm2.so",
                                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (candidate[0] != '\0' && std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

void SoftHsmTest::SetUp() {
  module_ = softhsm_module();
  if (module_.empty()) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
      FAIL() << "SoftHSM2 is required in CI (apt-get install softhsm2)";
    }
    GTEST_SKIP() << "SoftHSM2 not installed";
  }
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() /
         ("signet-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir_ / "tokens");
  write_file("softhsm2.conf", "directories.tokendir = " + (dir_ / "tokens").string() +
                                  "\nobjectstore.backend = file\nlog.level = ERROR\n");
  // Before the module's C_Initialize, which reads it once per process.
  ::setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
  pin_file_ = write_file("pin", std::string(kPin) + "\n");
  so_pin_file_ = write_file("so-pin", kSoPin);
  const auto status =
      hsm::init_token(module_, kLabel, hsm::SecretString(kSoPin), hsm::SecretString(kPin));
  ASSERT_TRUE(status) << status.error().message();
  ready_ = true;
}

void SoftHsmTest::TearDown() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::filesystem::path SoftHsmTest::write_file(const std::string& name,
                                              const std::string& content) const {
  const auto path = dir_ / name;
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), 0600);
  return path;
}

std::string SoftHsmTest::key_uri(const std::string& object) const {
  return "pkcs11:token=" + std::string(kLabel) + ";object=" + object +
         "?pin-source=" + pin_source();
}

}  // namespace signet::testing
