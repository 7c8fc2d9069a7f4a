# Install rules and `cpack -G DEB` (issue 7, operations): the signet binary, the OpenSSL provider
# module, the systemd unit for `signet serve`, an example server config and the docs.
#   cmake -S . -B build/pkg -DCMAKE_BUILD_TYPE=Release -DSIGNET_BUILD_TESTS=OFF -DSIGNET_BUILD_BENCH=OFF
#   cmake --build build/pkg && (cd build/pkg && cpack -G DEB)      # signet_<version>_amd64.deb
# Debian paths: /usr/bin, the multiarch ossl-modules directory OpenSSL 3 searches
# (`openssl version -m`), /lib/systemd/system, /usr/share/doc/signet.
include(GNUInstallDirs)

install(TARGETS signet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT signet)
# OpenSSL's own module directory (libcrypto.pc's modulesdir), relative to the /usr prefix, so the
# provider installs where `openssl` looks for it; GNUInstallDirs' LIBDIR is only multiarch when
# CMAKE_INSTALL_PREFIX is /usr, which a package build does not set.
pkg_get_variable(SIGNET_OSSL_MODULESDIR libcrypto modulesdir)
if(SIGNET_OSSL_MODULESDIR MATCHES "^/usr/(.+)$")
  set(SIGNET_PROVIDER_DESTINATION ${CMAKE_MATCH_1})
else()
  set(SIGNET_PROVIDER_DESTINATION ${CMAKE_INSTALL_LIBDIR}/ossl-modules)
endif()
install(TARGETS signet_provider LIBRARY DESTINATION ${SIGNET_PROVIDER_DESTINATION}
        COMPONENT signet)
# Debian keeps units shipped by packages in /lib/systemd/system (not under the /usr prefix).
install(FILES tools/packaging/signet-serve.service DESTINATION /lib/systemd/system
        COMPONENT signet)
install(FILES tools/packaging/serve.example.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        RENAME serve.json COMPONENT signet)
install(FILES hsm/provider/openssl-signet.cnf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        COMPONENT signet)
install(FILES README.md docs/architecture.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT signet)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME signet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "PKI signing engine and server for Kubernetes fleets, CA keys in a PKCS#11 token")
set(CPACK_PACKAGE_CONTACT "signet maintainers <signet@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# Depends: computed from the binaries' shared libraries by dpkg-shlibdeps (libssl3, libtbb12,
# libsqlite3-0, libpqxx, libyaml-cpp, ...), plus the PKCS#11 tooling users need to set up tokens.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "softhsm2, opensc")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql")
set(CPACK_STRIP_FILES ON)
# postinst: the `signet` system user the unit runs as.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_SOURCE_DIR}/tools/packaging/postinst")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
include(CPack)
