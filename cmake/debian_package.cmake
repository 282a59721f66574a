# The Debian package, built by CPack: `cd build && cpack -G DEB` writes
# caravanserai_<version>_<arch>.deb (the project's version; a Debian
# revision with -D CPACK_DEBIAN_PACKAGE_RELEASE=N). It holds exactly what
# `cmake --install` installs (install_layout.cmake), with the prefix /usr and
# the env files in /etc/caravanserai as conffiles; the maintainer scripts in
# contrib/debian/ add the `cara` user and the data dirs.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME caravanserai)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Caravanserai")
set(CPACK_PACKAGE_CONTACT "Caravanserai maintainers <caravanserai@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Docker workloads across self-hosted machines, with GitOps")
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Docker workloads across self-hosted machines, with GitOps\n"
    "Caravanserai runs Docker workloads across a handful of self-hosted machines\n"
    "with one control plane, one agent per node, one CLI and, optionally, a Git\n"
    "repository of YAML as the source of truth. This package holds cara-server,\n"
    "cara-agent, caractrl and their systemd units (installed, not enabled).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from the binaries (dpkg-shlibdeps); adduser is
# what postinst needs. The agent needs a Docker engine, but a control plane
# machine does not: only suggested.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "docker.io | docker-ce, postgresql")
set(CPACK_STRIP_FILES ON)

# Installed with DESTDIR under the prefix /usr, so that the install-time
# script puts the env files in /etc (GNUInstallDirs' rule for /usr), inside
# the package.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)

set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/contrib/debian/conffiles ${PROJECT_SOURCE_DIR}/contrib/debian/postinst
    ${PROJECT_SOURCE_DIR}/contrib/debian/prerm ${PROJECT_SOURCE_DIR}/contrib/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
