# A Debian package of what cmake/Install.cmake installs: `cpack -G DEB` in the build
# directory (or `cmake --build --preset ci --target package`) writes
# rdpfault_<version>_<arch>.deb. The dependencies are declared by hand, the runtime packages of
# the shared libraries the two binaries link (objdump -p ... | grep NEEDED), so the package does
# not need dpkg-shlibdeps to build; the package test (tests/packaging) checks that every library
# the installed binaries load comes from a declared package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rdpfault)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "rdpfault")
set(CPACK_PACKAGE_CONTACT "rdpfault maintainers <rdpfault@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "reproduce RDP connection failures on demand and prove each documented fix")
set(CPACK_PACKAGE_DESCRIPTION
    "rdpfault breaks Remote Desktop connections the way real-world causes do (nothing listening,
firewalls, negotiation failures, NLA and account states, certificates, old TLS, licensing,
session limits, slow phases, dropped sessions, bad network paths), checks the symptom the real
FreeRDP 2.11 client shows, applies the documented fix and checks that the client then reaches
the active session. It includes a fake RDP server that deviates on command, a proxy that puts
network conditions in front of any RDP server, and a catalog of scenarios.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(RDPFAULT_DEB_DEPENDS
    "libc6 (>= 2.34)"
    "libgcc-s1"
    "libstdc++6 (>= 12)"
    "libssl3 (>= 3.0)"
    "libwinpr2-2 (>= 2.11)"
    "libfreerdp2-2 (>= 2.11)"
    "libtomlplusplus3 (>= 3.3)")
list(JOIN RDPFAULT_DEB_DEPENDS ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
# nft: the packet filter of tcp-firewall-drop (a private network namespace); without it that
# scenario says why it cannot run.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "freerdp2-x11, xvfb")
include(CPack)
